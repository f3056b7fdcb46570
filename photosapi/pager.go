package photosapi

import (
	"context"
	"fmt"
	"iter"
)

// ListOptions configures albums.list, sharedAlbums.list and
// mediaItems.list.
type ListOptions struct {
	// PageSize is the number of items requested per page. Zero requests
	// the maximum the method allows (50 albums or 100 media items), which
	// spends the fewest requests of the daily quota.
	PageSize int
	// ExcludeNonAppCreatedData, for album lists, returns only albums this
	// app created. Since March 2025 the API returns nothing else.
	ExcludeNonAppCreatedData bool
}

// fetchPage fetches the page at pageToken ("" for the first) and returns
// its items and the next page token ("" after the last page).
type fetchPage[T any] func(ctx context.Context, pageToken string) ([]T, string, error)

// paginate yields every item of every page. The server may return an item
// again at the top of the next page when the listing changes between
// requests, so an item whose id was on the previous page is dropped. The
// sequence stops after yielding an error.
func paginate[T any](ctx context.Context, method string, fetch fetchPage[T], id func(*T) string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		token := ""
		previous := map[string]bool{}
		seenTokens := map[string]bool{}
		for {
			items, next, err := fetch(ctx, token)
			if err != nil {
				yield(zero, err)
				return
			}
			current := make(map[string]bool, len(items))
			for i := range items {
				key := id(&items[i])
				current[key] = true
				if key != "" && previous[key] {
					continue
				}
				if !yield(items[i], nil) {
					return
				}
			}
			if next == "" {
				return
			}
			if seenTokens[next] {
				// A server that hands out a token twice would loop forever.
				yield(zero, fmt.Errorf("%s: server returned page token %q twice; stopping the listing", method, clipText(next)))
				return
			}
			seenTokens[next] = true
			previous, token = current, next
		}
	}
}

// clipText shortens server text quoted in an error.
func clipText(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
