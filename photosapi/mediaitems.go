package photosapi

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/photosync/photosync/photosapi/api"
)

// MediaItemFieldDescription is the one update mask field PatchMediaItem
// accepts.
const MediaItemFieldDescription = "description"

// BatchCreate creates up to 50 media items from upload tokens
// (mediaItems.batchCreate) and returns one result per item, in request
// order. The server returns HTTP 200 even when single items fail, so check
// each result's Err. The call is not idempotent, so it is retried only
// when the server provably did not process it. Sending the same tokens
// again after a lost response is safe in practice: the server deduplicates
// identical bytes and returns the existing item.
func (c *Client) BatchCreate(ctx context.Context, req api.BatchCreateMediaItemsRequest) ([]api.NewMediaItemResult, error) {
	var out api.BatchCreateMediaItemsResponse
	if err := c.batchCreate(ctx, &req, &out); err != nil {
		return nil, err
	}
	return out.NewMediaItemResults, checkResultCount(len(out.NewMediaItemResults), len(req.NewMediaItems))
}

// CreatedItem is the outcome of creating one media item in
// BatchCreateItems: the fields that identify the new item, or Err with the
// item's status as an *api.Error.
type CreatedItem struct {
	ID       string
	Filename string
	MimeType string
	Err      error
}

// BatchCreateItems is BatchCreate for callers that need only the id, file
// name and MIME type of each new item. It decodes only those fields and
// each item's status, which takes less CPU time and fewer allocations than
// decoding whole media items. The request and its retries are the same.
func (c *Client) BatchCreateItems(ctx context.Context, req api.BatchCreateMediaItemsRequest) ([]CreatedItem, error) {
	var resp createdItemsResponse
	if err := c.batchCreate(ctx, &req, &resp); err != nil {
		return nil, err
	}
	out := make([]CreatedItem, len(resp.NewMediaItemResults))
	for i, r := range resp.NewMediaItemResults {
		// The full result's Err applies the same rules to the status
		// and the item id.
		full := api.NewMediaItemResult{Status: r.Status}
		if r.MediaItem != nil {
			full.MediaItem = &api.MediaItem{ID: r.MediaItem.ID}
			out[i] = CreatedItem{ID: r.MediaItem.ID, Filename: r.MediaItem.Filename, MimeType: r.MediaItem.MimeType}
		}
		out[i].Err = full.Err()
	}
	return out, checkResultCount(len(out), len(req.NewMediaItems))
}

const methodBatchCreate = "mediaItems.batchCreate"

// batchCreate checks req, sends it to mediaItems.batchCreate and decodes
// the response into out.
func (c *Client) batchCreate(ctx context.Context, req *api.BatchCreateMediaItemsRequest, out any) error {
	if err := checkBatchCreate(methodBatchCreate, req); err != nil {
		return err
	}
	body, err := marshalBatchCreate(req)
	if err != nil {
		return fmt.Errorf("%s: encode request: %w", methodBatchCreate, err)
	}
	return c.do(ctx, &call{
		method:     methodBatchCreate,
		httpMethod: http.MethodPost,
		path:       "v1/mediaItems:batchCreate",
		encoded:    body,
		out:        out,
		kind:       notIdempotent,
	})
}

// checkResultCount returns an error when a batchCreate response has
// another number of results than the request had items.
func checkResultCount(results, items int) error {
	if results == items {
		return nil
	}
	return wrapCallError(methodBatchCreate, &api.Error{
		HTTPStatus: http.StatusOK,
		Code:       13,
		Status:     "INTERNAL",
		Message:    fmt.Sprintf("response has %d results for %d items", results, items),
		Method:     methodBatchCreate,
	})
}

func checkBatchCreate(method string, req *api.BatchCreateMediaItemsRequest) error {
	n := len(req.NewMediaItems)
	if n == 0 {
		return invalid(method, "no new media items; send 1 to %d", api.MaxBatchCreateItems)
	}
	if n > api.MaxBatchCreateItems {
		return invalid(method, "%d new media items; send at most %d per call", n, api.MaxBatchCreateItems)
	}
	if req.AlbumPosition != nil && req.AlbumID == "" {
		return invalid(method, "album position given without an album id")
	}
	if err := checkPosition(method, req.AlbumPosition); err != nil {
		return err
	}
	seen := make(map[string]int, n)
	for i, item := range req.NewMediaItems {
		if item.SimpleMediaItem == nil || item.SimpleMediaItem.UploadToken == "" {
			return invalid(method, "new media item %d has no upload token", i)
		}
		tok := item.SimpleMediaItem.UploadToken
		if first, dup := seen[tok]; dup {
			return invalid(method, "new media items %d and %d share an upload token; send each once", first, i)
		}
		seen[tok] = i
		// The names in the messages are built only for an item that
		// fails, because this runs for every item sent.
		if tooLong(item.Description, api.MaxDescriptionLength) {
			what := fmt.Sprintf("description of item %d", i)
			return checkLength(method, what, item.Description, api.MaxDescriptionLength)
		}
		name := item.SimpleMediaItem.FileName
		if tooLong(name, api.MaxFileNameLength) {
			return checkLength(method, "file name "+strconv.Quote(name), name, api.MaxFileNameLength)
		}
	}
	return nil
}

// BatchGet returns up to 50 media items by id (mediaItems.batchGet), one
// result per id in request order, each with fresh base URLs. An unknown
// id gets a result whose Err is not nil; the call itself succeeds.
func (c *Client) BatchGet(ctx context.Context, mediaItemIDs []string) ([]api.MediaItemResult, error) {
	const method = "mediaItems.batchGet"
	if err := checkIDs(method, mediaItemIDs); err != nil {
		return nil, err
	}
	var out api.BatchGetMediaItemsResponse
	err := c.do(ctx, &call{
		method:     method,
		httpMethod: http.MethodGet,
		path:       "v1/mediaItems:batchGet",
		query:      url.Values{"mediaItemIds": mediaItemIDs},
		out:        &out,
	})
	if err != nil {
		return nil, err
	}
	return out.MediaItemResults, nil
}

// GetMediaItem returns one media item with fresh base URLs
// (mediaItems.get).
func (c *Client) GetMediaItem(ctx context.Context, mediaItemID string) (*api.MediaItem, error) {
	const method = "mediaItems.get"
	if err := checkID(method, "media item id", mediaItemID); err != nil {
		return nil, err
	}
	var out api.MediaItem
	err := c.do(ctx, &call{
		method:     method,
		httpMethod: http.MethodGet,
		path:       "v1/mediaItems/" + escapeID(mediaItemID),
		out:        &out,
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ListMediaItems yields every media item this app may see
// (mediaItems.list). opts.ExcludeNonAppCreatedData does not apply.
func (c *Client) ListMediaItems(ctx context.Context, opts ListOptions) iter.Seq2[api.MediaItem, error] {
	const method = "mediaItems.list"
	if err := checkPageSize(method, opts.PageSize, api.MaxMediaItemsPageSize); err != nil {
		return failed[api.MediaItem](err)
	}
	size := opts.PageSize
	if size == 0 {
		size = api.MaxMediaItemsPageSize
	}
	fetch := func(ctx context.Context, token string) ([]api.MediaItem, string, error) {
		q := url.Values{"pageSize": {strconv.Itoa(size)}}
		if token != "" {
			q.Set("pageToken", token)
		}
		var page api.ListMediaItemsResponse
		err := c.do(ctx, &call{method: method, httpMethod: http.MethodGet, path: "v1/mediaItems", query: q, out: &page})
		return page.MediaItems, page.NextPageToken, err
	}
	return paginate(ctx, method, fetch, mediaItemID)
}

func mediaItemID(m *api.MediaItem) string { return m.ID }

// Search yields the media items matching req (mediaItems.search): the
// items of req.AlbumID in album order, or the items matching req.Filters.
// req.PageSize zero requests 100 per page; req.PageToken starts from that
// page. The request is checked against the documented filter rules first.
func (c *Client) Search(ctx context.Context, req api.SearchMediaItemsRequest) iter.Seq2[api.MediaItem, error] {
	const method = "mediaItems.search"
	if err := checkSearch(method, &req); err != nil {
		return failed[api.MediaItem](err)
	}
	if req.PageSize == 0 {
		req.PageSize = api.MaxMediaItemsPageSize
	}
	first := req.PageToken
	fetch := func(ctx context.Context, token string) ([]api.MediaItem, string, error) {
		page := req
		page.PageToken = token
		if token == "" {
			page.PageToken = first
		}
		var out api.SearchMediaItemsResponse
		err := c.do(ctx, &call{
			method:     method,
			httpMethod: http.MethodPost,
			path:       "v1/mediaItems:search",
			body:       page,
			out:        &out,
		})
		return out.MediaItems, out.NextPageToken, err
	}
	return paginate(ctx, method, fetch, mediaItemID)
}

// PatchMediaItem updates the description of item (mediaItems.patch), the
// only field the API lets an app change, and returns the updated item.
// item.ID selects the item.
func (c *Client) PatchMediaItem(ctx context.Context, item api.MediaItem, fields ...string) (*api.MediaItem, error) {
	const method = "mediaItems.patch"
	if err := checkID(method, "media item id", item.ID); err != nil {
		return nil, err
	}
	if len(fields) != 1 || fields[0] != MediaItemFieldDescription {
		return nil, invalid(method, "update mask %q is not supported; use %q", strings.Join(fields, ","), MediaItemFieldDescription)
	}
	if err := checkLength(method, "description", item.Description, api.MaxDescriptionLength); err != nil {
		return nil, err
	}
	var out api.MediaItem
	err := c.do(ctx, &call{
		method:     method,
		httpMethod: http.MethodPatch,
		path:       "v1/mediaItems/" + escapeID(item.ID),
		query:      url.Values{"updateMask": {MediaItemFieldDescription}},
		body:       api.MediaItem{ID: item.ID, Description: item.Description},
		out:        &out,
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
