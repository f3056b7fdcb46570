package sync

import (
	"context"
	"io"
	gosync "sync"

	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/api"
)

// Remote is the part of the Library API that the upload direction uses.
// NewRemote adapts *photosapi.Client to it. Implementations retry transient
// errors themselves; an error they return is final for that call and is
// classified with the helpers of package photosapi/api.
type Remote interface {
	// CreateAlbum creates an album with the given title and returns its id.
	CreateAlbum(ctx context.Context, title string) (albumID string, err error)
	// FindAlbum returns the id of an app-created album with the given title.
	// The engine calls it only to recover an album creation that a crash
	// interrupted after the request went out.
	FindAlbum(ctx context.Context, title string) (albumID string, found bool, err error)
	// UploadRaw sends size bytes from r in one request and returns the
	// upload token. It reads r only until it returns, so the caller may
	// reuse the memory behind r afterwards.
	UploadRaw(ctx context.Context, r io.Reader, size int64, fileName, mimeType string) (token string, err error)
	// StartResumable opens a resumable upload session and returns its URL.
	StartResumable(ctx context.Context, size int64, fileName, mimeType string) (sessionURL string, err error)
	// ResumeUpload queries the session for the bytes the server has, sends the rest
	// from r and returns the upload token.
	ResumeUpload(ctx context.Context, sessionURL string, r io.ReaderAt, size int64) (token string, err error)
	// BatchCreate creates up to MaxBatch media items from upload tokens, in
	// the album albumID when it is not empty. It returns one result per
	// item, in order.
	BatchCreate(ctx context.Context, albumID string, items []NewItem) ([]CreateResult, error)
	// BatchAdd adds up to MaxBatch existing items to an album.
	BatchAdd(ctx context.Context, albumID string, mediaItemIDs []string) error
	// BatchRemove removes up to MaxBatch items from an album.
	BatchRemove(ctx context.Context, albumID string, mediaItemIDs []string) error
}

// MaxBatch is the largest number of items that batchCreate,
// batchAddMediaItems and batchRemoveMediaItems accept in one call.
const MaxBatch = 50

// NewItem is one media item to create from uploaded bytes.
type NewItem struct {
	UploadToken string
	FileName    string
}

// CreateResult is the outcome of creating one item: the item, or Err with
// the item's status as an *api.Error.
type CreateResult struct {
	MediaItemID string
	FileName    string
	MimeType    string
	Err         error
}

// clientRemote adapts *photosapi.Client to Remote.
type clientRemote struct {
	c *photosapi.Client
	// started holds sessions from StartResumable by URL until their
	// upload begins. The server has no bytes of a new session, so its
	// upload needs no query request first.
	started *gosync.Map
}

// NewRemote returns the Remote that calls the Library API through c. It is
// safe for concurrent use.
func NewRemote(c *photosapi.Client) Remote {
	return clientRemote{c: c, started: &gosync.Map{}}
}

func (r clientRemote) CreateAlbum(ctx context.Context, title string) (string, error) {
	a, err := r.c.CreateAlbum(ctx, title)
	if err != nil {
		return "", err
	}
	return a.ID, nil
}

func (r clientRemote) FindAlbum(ctx context.Context, title string) (string, bool, error) {
	for a, err := range r.c.ListAlbums(ctx, photosapi.ListOptions{ExcludeNonAppCreatedData: true}) {
		if err != nil {
			return "", false, err
		}
		if a.Title == title {
			return a.ID, true, nil
		}
	}
	return "", false, nil
}

func (r clientRemote) UploadRaw(ctx context.Context, body io.Reader, size int64, fileName, mimeType string) (string, error) {
	return r.c.UploadRaw(ctx, body, size, fileName, mimeType)
}

func (r clientRemote) StartResumable(ctx context.Context, size int64, fileName, mimeType string) (string, error) {
	u, err := r.c.StartResumable(ctx, size, fileName, mimeType)
	if err != nil {
		return "", err
	}
	r.started.Store(u.URL, u)
	return u.URL, nil
}

func (r clientRemote) ResumeUpload(ctx context.Context, sessionURL string, body io.ReaderAt, size int64) (string, error) {
	if v, ok := r.started.LoadAndDelete(sessionURL); ok {
		if u := v.(*photosapi.ResumableUpload); u.Size == size {
			return u.Upload(ctx, body)
		}
	}
	u, err := r.c.ResumeUpload(sessionURL, size)
	if err != nil {
		return "", err
	}
	return u.Upload(ctx, body)
}

func (r clientRemote) BatchCreate(ctx context.Context, albumID string, items []NewItem) ([]CreateResult, error) {
	req := api.BatchCreateMediaItemsRequest{AlbumID: albumID, NewMediaItems: make([]api.NewMediaItem, len(items))}
	simple := make([]api.SimpleMediaItem, len(items))
	for i, it := range items {
		simple[i] = api.SimpleMediaItem{UploadToken: it.UploadToken, FileName: it.FileName}
		req.NewMediaItems[i].SimpleMediaItem = &simple[i]
	}
	results, err := r.c.BatchCreateItems(ctx, req)
	if err != nil {
		return nil, err
	}
	out := make([]CreateResult, len(results))
	for i, res := range results {
		if res.Err != nil {
			out[i].Err = res.Err
			continue
		}
		out[i] = CreateResult{MediaItemID: res.ID, FileName: res.Filename, MimeType: res.MimeType}
	}
	return out, nil
}

func (r clientRemote) BatchAdd(ctx context.Context, albumID string, mediaItemIDs []string) error {
	return r.c.BatchAddMediaItems(ctx, albumID, mediaItemIDs)
}

func (r clientRemote) BatchRemove(ctx context.Context, albumID string, mediaItemIDs []string) error {
	return r.c.BatchRemoveMediaItems(ctx, albumID, mediaItemIDs)
}
