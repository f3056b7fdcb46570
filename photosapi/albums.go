package photosapi

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/photosync/photosync/photosapi/api"
)

// Album update mask fields accepted by PatchAlbum.
const (
	AlbumFieldTitle      = "title"
	AlbumFieldCoverPhoto = "coverPhotoMediaItemId"
)

// CreateAlbum creates an album titled title (albums.create). The call is
// not idempotent, so it is retried only when the server provably did not
// process it. A title may repeat: the API creates a second album.
func (c *Client) CreateAlbum(ctx context.Context, title string) (*api.Album, error) {
	const method = "albums.create"
	if strings.TrimSpace(title) == "" {
		return nil, invalid(method, "album title is empty")
	}
	if err := checkLength(method, "album title", title, api.MaxAlbumTitleLength); err != nil {
		return nil, err
	}
	var out api.Album
	err := c.do(ctx, &call{
		method:     method,
		httpMethod: http.MethodPost,
		path:       "v1/albums",
		body:       api.CreateAlbumRequest{Album: &api.Album{Title: title}},
		out:        &out,
		kind:       notIdempotent,
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// GetAlbum returns the album with id albumID (albums.get).
func (c *Client) GetAlbum(ctx context.Context, albumID string) (*api.Album, error) {
	const method = "albums.get"
	if err := checkID(method, "album id", albumID); err != nil {
		return nil, err
	}
	var out api.Album
	err := c.do(ctx, &call{
		method:     method,
		httpMethod: http.MethodGet,
		path:       "v1/albums/" + escapeID(albumID),
		out:        &out,
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ListAlbums yields every album this app may see (albums.list), page by
// page as the caller consumes the sequence.
func (c *Client) ListAlbums(ctx context.Context, opts ListOptions) iter.Seq2[api.Album, error] {
	albums := func(page *albumPage) []api.Album { return page.Albums }
	return c.listAlbums(ctx, "albums.list", "v1/albums", opts, albums)
}

// albumPage decodes both albums.list and sharedAlbums.list responses.
type albumPage struct {
	Albums        []api.Album `json:"albums"`
	SharedAlbums  []api.Album `json:"sharedAlbums"`
	NextPageToken string      `json:"nextPageToken"`
}

func (c *Client) listAlbums(
	ctx context.Context,
	method, path string,
	opts ListOptions,
	items func(*albumPage) []api.Album,
) iter.Seq2[api.Album, error] {
	if err := checkPageSize(method, opts.PageSize, api.MaxAlbumPageSize); err != nil {
		return failed[api.Album](err)
	}
	size := opts.PageSize
	if size == 0 {
		size = api.MaxAlbumPageSize
	}
	fetch := func(ctx context.Context, token string) ([]api.Album, string, error) {
		q := url.Values{"pageSize": {strconv.Itoa(size)}}
		if token != "" {
			q.Set("pageToken", token)
		}
		if opts.ExcludeNonAppCreatedData {
			q.Set("excludeNonAppCreatedData", "true")
		}
		var page albumPage
		err := c.do(ctx, &call{method: method, httpMethod: http.MethodGet, path: path, query: q, out: &page})
		return items(&page), page.NextPageToken, err
	}
	return paginate(ctx, method, fetch, func(a *api.Album) string { return a.ID })
}

// failed returns a sequence that yields only err.
func failed[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}

// PatchAlbum updates the fields of album named in fields (albums.patch),
// AlbumFieldTitle and AlbumFieldCoverPhoto, and returns the updated album.
// album.ID selects the album.
func (c *Client) PatchAlbum(ctx context.Context, album api.Album, fields ...string) (*api.Album, error) {
	const method = "albums.patch"
	if err := checkID(method, "album id", album.ID); err != nil {
		return nil, err
	}
	if len(fields) == 0 {
		return nil, invalid(method, "update mask is empty; name %q or %q", AlbumFieldTitle, AlbumFieldCoverPhoto)
	}
	for _, f := range fields {
		switch f {
		case AlbumFieldTitle:
			if strings.TrimSpace(album.Title) == "" {
				return nil, invalid(method, "album title is empty")
			}
			if err := checkLength(method, "album title", album.Title, api.MaxAlbumTitleLength); err != nil {
				return nil, err
			}
		case AlbumFieldCoverPhoto:
			if album.CoverPhotoMediaItemID == "" {
				return nil, invalid(method, "cover photo media item id is empty")
			}
		default:
			return nil, invalid(method, "unknown update mask field %q; use %q or %q", f, AlbumFieldTitle, AlbumFieldCoverPhoto)
		}
	}
	body := api.Album{ID: album.ID, Title: album.Title, CoverPhotoMediaItemID: album.CoverPhotoMediaItemID}
	var out api.Album
	err := c.do(ctx, &call{
		method:     method,
		httpMethod: http.MethodPatch,
		path:       "v1/albums/" + escapeID(album.ID),
		query:      url.Values{"updateMask": {strings.Join(fields, ",")}},
		body:       body,
		out:        &out,
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// AddEnrichment adds a text, location or map enrichment to an album at
// pos (albums.addEnrichment). Like CreateAlbum it is retried only when the
// server provably did not process it, because a repeat adds a second
// enrichment.
func (c *Client) AddEnrichment(
	ctx context.Context,
	albumID string,
	item api.NewEnrichmentItem,
	pos api.AlbumPosition,
) (*api.EnrichmentItem, error) {
	const method = "albums.addEnrichment"
	if err := checkID(method, "album id", albumID); err != nil {
		return nil, err
	}
	kinds := 0
	if item.TextEnrichment != nil {
		kinds++
	}
	if item.LocationEnrichment != nil {
		kinds++
	}
	if item.MapEnrichment != nil {
		kinds++
	}
	if kinds != 1 {
		return nil, invalid(method, "enrichment sets %d kinds; set exactly one of text, location and map", kinds)
	}
	if err := checkPosition(method, &pos); err != nil {
		return nil, err
	}
	if pos.Position == "" {
		pos.Position = api.PositionLastInAlbum
	}
	var out api.AddEnrichmentToAlbumResponse
	err := c.do(ctx, &call{
		method:     method,
		httpMethod: http.MethodPost,
		path:       "v1/albums/" + escapeID(albumID) + ":addEnrichment",
		body:       api.AddEnrichmentToAlbumRequest{NewEnrichmentItem: &item, AlbumPosition: &pos},
		out:        &out,
		kind:       notIdempotent,
	})
	if err != nil {
		return nil, err
	}
	if out.EnrichmentItem == nil {
		return &api.EnrichmentItem{}, nil
	}
	return out.EnrichmentItem, nil
}

// BatchAddMediaItems appends up to 50 media items, in order, to an album
// (albums.batchAddMediaItems). Both must have been created by this app.
// The API fails the whole call when any id is invalid. A retry after a
// lost response adds nothing twice.
func (c *Client) BatchAddMediaItems(ctx context.Context, albumID string, mediaItemIDs []string) error {
	const method = "albums.batchAddMediaItems"
	if err := checkID(method, "album id", albumID); err != nil {
		return err
	}
	if err := checkIDs(method, mediaItemIDs); err != nil {
		return err
	}
	return c.do(ctx, &call{
		method:     method,
		httpMethod: http.MethodPost,
		path:       "v1/albums/" + escapeID(albumID) + ":batchAddMediaItems",
		body:       api.BatchAddMediaItemsToAlbumRequest{MediaItemIDs: mediaItemIDs},
	})
}

// BatchRemoveMediaItems removes up to 50 media items from an album
// (albums.batchRemoveMediaItems). The items stay in the library. The API
// fails the whole call when any id is invalid or not in the album.
func (c *Client) BatchRemoveMediaItems(ctx context.Context, albumID string, mediaItemIDs []string) error {
	const method = "albums.batchRemoveMediaItems"
	if err := checkID(method, "album id", albumID); err != nil {
		return err
	}
	if err := checkIDs(method, mediaItemIDs); err != nil {
		return err
	}
	return c.do(ctx, &call{
		method:     method,
		httpMethod: http.MethodPost,
		path:       "v1/albums/" + escapeID(albumID) + ":batchRemoveMediaItems",
		body:       api.BatchRemoveMediaItemsFromAlbumRequest{MediaItemIDs: mediaItemIDs},
	})
}

// ShareAlbum shares an album (albums.share). Since March 2025 the API
// rejects every sharing call with 403 PERMISSION_DENIED.
func (c *Client) ShareAlbum(ctx context.Context, albumID string, opts api.SharedAlbumOptions) (*api.ShareInfo, error) {
	const method = "albums.share"
	if err := checkID(method, "album id", albumID); err != nil {
		return nil, err
	}
	var out api.ShareAlbumResponse
	err := c.do(ctx, &call{
		method:     method,
		httpMethod: http.MethodPost,
		path:       "v1/albums/" + escapeID(albumID) + ":share",
		body:       api.ShareAlbumRequest{SharedAlbumOptions: &opts},
		out:        &out,
	})
	if err != nil {
		return nil, err
	}
	return out.ShareInfo, nil
}

// UnshareAlbum stops sharing an album (albums.unshare). Since March 2025
// the API rejects it with 403 PERMISSION_DENIED.
func (c *Client) UnshareAlbum(ctx context.Context, albumID string) error {
	const method = "albums.unshare"
	if err := checkID(method, "album id", albumID); err != nil {
		return err
	}
	return c.do(ctx, &call{
		method:     method,
		httpMethod: http.MethodPost,
		path:       "v1/albums/" + escapeID(albumID) + ":unshare",
		body:       api.UnshareAlbumRequest{},
	})
}
