package photosapi

import (
	"context"
	"iter"
	"net/http"

	"github.com/photosync/photosync/photosapi/api"
)

// The sharedAlbums methods need the photoslibrary.sharing scope, which
// Google removed on 31 March 2025: the real API rejects all of them with
// 403 PERMISSION_DENIED. They stay for completeness and for servers that
// still serve them, such as the emulator in legacy mode.

// GetSharedAlbum returns the shared album with shareToken
// (sharedAlbums.get).
func (c *Client) GetSharedAlbum(ctx context.Context, shareToken string) (*api.Album, error) {
	const method = "sharedAlbums.get"
	if err := checkID(method, "share token", shareToken); err != nil {
		return nil, err
	}
	var out api.Album
	err := c.do(ctx, &call{
		method:     method,
		httpMethod: http.MethodGet,
		path:       "v1/sharedAlbums/" + escapeID(shareToken),
		out:        &out,
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// JoinSharedAlbum joins the shared album with shareToken as a
// collaborator (sharedAlbums.join). Joining twice changes nothing, so the
// call retries like a read.
func (c *Client) JoinSharedAlbum(ctx context.Context, shareToken string) (*api.Album, error) {
	const method = "sharedAlbums.join"
	if err := checkID(method, "share token", shareToken); err != nil {
		return nil, err
	}
	var out api.JoinSharedAlbumResponse
	err := c.do(ctx, &call{
		method:     method,
		httpMethod: http.MethodPost,
		path:       "v1/sharedAlbums:join",
		body:       api.JoinSharedAlbumRequest{ShareToken: shareToken},
		out:        &out,
	})
	if err != nil {
		return nil, err
	}
	return out.Album, nil
}

// LeaveSharedAlbum leaves the shared album with shareToken
// (sharedAlbums.leave).
func (c *Client) LeaveSharedAlbum(ctx context.Context, shareToken string) error {
	const method = "sharedAlbums.leave"
	if err := checkID(method, "share token", shareToken); err != nil {
		return err
	}
	return c.do(ctx, &call{
		method:     method,
		httpMethod: http.MethodPost,
		path:       "v1/sharedAlbums:leave",
		body:       api.LeaveSharedAlbumRequest{ShareToken: shareToken},
	})
}

// ListSharedAlbums yields every shared album the user joined or owns
// (sharedAlbums.list).
func (c *Client) ListSharedAlbums(ctx context.Context, opts ListOptions) iter.Seq2[api.Album, error] {
	albums := func(page *albumPage) []api.Album { return page.SharedAlbums }
	return c.listAlbums(ctx, "sharedAlbums.list", "v1/sharedAlbums", opts, albums)
}
