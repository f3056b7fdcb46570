package sync

import (
	"context"
	"fmt"
	gosync "sync"

	"github.com/photosync/photosync/state"
)

// remoteAlbums is the app's albums by title, listed at most once per pass.
// The zero value is ready to use.
type remoteAlbums struct {
	mu      gosync.Mutex
	loaded  bool
	byTitle map[string][]RemoteAlbum
}

// reset makes the next albumsTitled call list the albums again.
func (r *remoteAlbums) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.loaded, r.byTitle = false, nil
}

// existingAlbum returns an app-created album titled title that the store
// does not know yet, so a directory whose album record was lost (a state
// directory moved aside, or a crash during creation) gets its old album
// back instead of a second one with the same title. The API lists only the
// albums this OAuth client created, so such an album was made by
// photosync. An album the store already has belongs to another directory
// and is never returned.
func (e *executor) existingAlbum(ctx context.Context, title string) (RemoteAlbum, bool, error) {
	candidates, err := e.albumsTitled(ctx, title)
	if err != nil {
		return RemoteAlbum{}, false, err
	}
	for _, a := range candidates {
		var known bool
		err := e.s.opts.Store.View(func(tx *state.Tx) error {
			_, ok, err := tx.GetAlbum(a.ID)
			known = ok
			return err
		})
		if err != nil {
			return RemoteAlbum{}, false, storeError(err)
		}
		if !known {
			return a, true, nil
		}
	}
	return RemoteAlbum{}, false, nil
}

// albumsTitled returns the app's albums titled title. With a Remote that
// implements RemoteReader, the first call of a pass lists every album and
// later calls read that list. Otherwise each call asks FindAlbum.
func (e *executor) albumsTitled(ctx context.Context, title string) ([]RemoteAlbum, error) {
	reader, ok := e.s.opts.Remote.(RemoteReader)
	if !ok {
		id, found, err := e.s.opts.Remote.FindAlbum(ctx, title)
		if err != nil || !found {
			return nil, wrapFind(title, err)
		}
		return []RemoteAlbum{{ID: id, Title: title}}, nil
	}
	index := &e.sum.remoteAlbums
	index.mu.Lock()
	defer index.mu.Unlock()
	if !index.loaded {
		byTitle := map[string][]RemoteAlbum{}
		for a, err := range reader.Albums(ctx) {
			if err != nil {
				return nil, wrapFind(title, err)
			}
			byTitle[a.Title] = append(byTitle[a.Title], a)
		}
		index.byTitle, index.loaded = byTitle, true
	}
	return index.byTitle[title], nil
}

func wrapFind(title string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("find album %q: %w", title, err)
}
