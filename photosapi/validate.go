package photosapi

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/photosync/photosync/photosapi/api"
)

// invalid returns an error wrapping api.ErrInvalidRequest for method.
func invalid(method, format string, args ...any) error {
	return fmt.Errorf("%s: %w: %s", method, api.ErrInvalidRequest, fmt.Sprintf(format, args...))
}

// checkID rejects an empty path id. Ids are escaped into the path, so any
// other text is safe to send.
func checkID(method, what, id string) error {
	if id == "" {
		return invalid(method, "%s is empty", what)
	}
	return nil
}

// checkIDs applies the batch rules the API documents: 1 to 50 ids, none
// empty, none repeated.
func checkIDs(method string, ids []string) error {
	if len(ids) == 0 {
		return invalid(method, "no media item ids; send 1 to %d", api.MaxBatchIDs)
	}
	if len(ids) > api.MaxBatchIDs {
		return invalid(method, "%d media item ids; send at most %d per call", len(ids), api.MaxBatchIDs)
	}
	seen := make(map[string]int, len(ids))
	for i, id := range ids {
		if id == "" {
			return invalid(method, "media item id %d is empty", i)
		}
		if first, dup := seen[id]; dup {
			return invalid(method, "media item id %q appears at %d and %d; send each id once", id, first, i)
		}
		seen[id] = i
	}
	return nil
}

// checkLength rejects text longer than max characters.
func checkLength(method, what, text string, max int) error {
	if tooLong(text, max) {
		n := utf8.RuneCountInString(text)
		return invalid(method, "%s has %d characters; the API allows at most %d", what, n, max)
	}
	return nil
}

// tooLong reports whether text has more than max characters.
func tooLong(text string, max int) bool {
	// A character takes at least one byte, so text of at most max bytes
	// needs no count.
	return len(text) > max && utf8.RuneCountInString(text) > max
}

func checkPageSize(method string, size, max int) error {
	if size < 0 || size > max {
		return invalid(method, "page size %d is out of range; use 1 to %d, or 0 for %d", size, max, max)
	}
	return nil
}

func checkPosition(method string, pos *api.AlbumPosition) error {
	if pos == nil {
		return nil
	}
	switch pos.Position {
	case "", api.PositionUnspecified, api.PositionFirstInAlbum, api.PositionLastInAlbum:
		if pos.RelativeMediaItemID != "" || pos.RelativeEnrichmentItemID != "" {
			return invalid(method, "position %s takes no relative item id", pos.Position)
		}
	case api.PositionAfterMediaItem:
		if pos.RelativeMediaItemID == "" || pos.RelativeEnrichmentItemID != "" {
			return invalid(method, "position %s needs relativeMediaItemId and nothing else", pos.Position)
		}
	case api.PositionAfterEnrichmentItem:
		if pos.RelativeEnrichmentItemID == "" || pos.RelativeMediaItemID != "" {
			return invalid(method, "position %s needs relativeEnrichmentItemId and nothing else", pos.Position)
		}
	default:
		return invalid(method, "unknown album position %q", pos.Position)
	}
	return nil
}

// escapeID escapes an id for use as one path segment. A colon is escaped
// too, because the API separates custom verbs such as ":share" with it.
func escapeID(id string) string {
	return strings.ReplaceAll(url.PathEscape(id), ":", "%3A")
}
