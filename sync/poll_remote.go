package sync

import (
	"context"
	"fmt"
	"io"
	"iter"

	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/api"
)

// RemoteReader is the part of the Library API that the download direction
// uses. The Remote that NewRemote returns implements it; a Remote that does
// not leaves every folder's download direction off. Implementations retry
// transient errors themselves, like Remote.
type RemoteReader interface {
	// Albums lists the app's albums, 50 a page.
	Albums(ctx context.Context) iter.Seq2[RemoteAlbum, error]
	// AlbumItems lists the items of one album, 100 a page.
	AlbumItems(ctx context.Context, albumID string) iter.Seq2[RemoteItem, error]
	// LibraryItems lists the app's items newest first by creation time, 100
	// a page. The caller stops the iteration when it has seen enough.
	LibraryItems(ctx context.Context) iter.Seq2[RemoteItem, error]
	// GetItems returns up to MaxBatch items by id, with fresh base URLs. An
	// id the server does not return, or returns with a permanent status
	// such as INVALID_ARGUMENT, is left out of the result. A transient
	// status on any id, such as INTERNAL, fails the whole call, so that a
	// caller never takes an item that failed this time for a missing one.
	GetItems(ctx context.Context, ids []string) ([]RemoteItem, error)
	// Download writes the bytes behind baseURL with params ("d" or "dv") to
	// w. An expired base URL gives an error for which api.IsExpiredURL
	// reports true.
	Download(ctx context.Context, baseURL, params string, w io.Writer) (int64, error)
}

// RemoteAlbum is one album as albums.list returns it.
type RemoteAlbum struct {
	ID      string
	Title   string
	Count   int
	CoverID string
}

// RemoteItem is one media item with what a download needs.
type RemoteItem struct {
	ID       string
	Filename string
	MimeType string
	BaseURL  string
	// Video reports whether the item is a video, which downloads with "=dv".
	Video bool
	// Processing reports a video whose bytes the server does not serve yet.
	Processing bool
}

func remoteItem(m *api.MediaItem) RemoteItem {
	it := RemoteItem{ID: m.ID, Filename: m.Filename, MimeType: m.MimeType, BaseURL: m.BaseURL}
	if md := m.MediaMetadata; md != nil && md.Video != nil {
		it.Video = true
		it.Processing = md.Video.Status != "" && md.Video.Status != api.VideoReady
	}
	return it
}

// albumPageSize and itemPageSize are the largest pages albums.list and
// mediaItems.list/search return; bigger pages mean fewer requests per poll.
const (
	albumPageSize = 50
	itemPageSize  = 100
)

func (r clientRemote) Albums(ctx context.Context) iter.Seq2[RemoteAlbum, error] {
	return func(yield func(RemoteAlbum, error) bool) {
		opts := photosapi.ListOptions{PageSize: albumPageSize, ExcludeNonAppCreatedData: true}
		for a, err := range r.c.ListAlbums(ctx, opts) {
			ra := RemoteAlbum{ID: a.ID, Title: a.Title, Count: int(a.MediaItemsCount),
				CoverID: a.CoverPhotoMediaItemID}
			if !yield(ra, err) || err != nil {
				return
			}
		}
	}
}

func (r clientRemote) AlbumItems(ctx context.Context, albumID string) iter.Seq2[RemoteItem, error] {
	return items(r.c.Search(ctx, api.SearchMediaItemsRequest{AlbumID: albumID, PageSize: itemPageSize}))
}

func (r clientRemote) LibraryItems(ctx context.Context) iter.Seq2[RemoteItem, error] {
	return items(r.c.ListMediaItems(ctx, photosapi.ListOptions{PageSize: itemPageSize}))
}

func items(seq iter.Seq2[api.MediaItem, error]) iter.Seq2[RemoteItem, error] {
	return func(yield func(RemoteItem, error) bool) {
		for m, err := range seq {
			if !yield(remoteItem(&m), err) || err != nil {
				return
			}
		}
	}
}

func (r clientRemote) GetItems(ctx context.Context, ids []string) ([]RemoteItem, error) {
	results, err := r.c.BatchGet(ctx, ids)
	if err != nil {
		return nil, err
	}
	var out []RemoteItem
	for i, res := range results {
		if res.Status != nil {
			if err := res.Status.Err("mediaItems.batchGet"); err != nil {
				if api.IsRetryable(err) {
					return nil, fmt.Errorf("get item %s: %w", ids[min(i, len(ids)-1)], err)
				}
				continue
			}
		}
		if res.MediaItem != nil {
			out = append(out, remoteItem(res.MediaItem))
		}
	}
	return out, nil
}

func (r clientRemote) Download(ctx context.Context, baseURL, params string, w io.Writer) (int64, error) {
	return r.c.Download(ctx, baseURL, params, w)
}
