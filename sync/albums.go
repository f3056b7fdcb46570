package sync

import (
	"context"
	"fmt"
	"strconv"

	"github.com/photosync/photosync/state"
)

// maxAlbumItems is the most media items one Google Photos album can hold.
// A directory with more continues in numbered overflow albums.
const maxAlbumItems = 20000

// Meta key prefixes of the album bookkeeping kept in the store's settings.
const (
	// metaAlbumCreating journals an album creation before the request goes
	// out. A crash leaves the entry behind, and the next pass looks the
	// album up by title before creating it, so it is not created twice.
	metaAlbumCreating = "sync.album-creating\x00"
	// metaRootAlbum maps a folder's root, which has no directory name the
	// store's directory index accepts, to its album.
	metaRootAlbum = "sync.root-album\x00"
)

func albumMetaKey(prefix, folder, dir string, overflow int) string {
	return prefix + folder + "\x00" + dir + "\x00" + strconv.Itoa(overflow)
}

// overflowTitle returns the title of the overflow-th album of a directory:
// the title itself for the first, then "title (2)", "title (3)" and so on.
func overflowTitle(title string, overflow int) string {
	if overflow == 0 {
		return title
	}
	return fmt.Sprintf("%s (%d)", title, overflow+1)
}

// lookupAlbum returns the overflow-th album of a directory of folder.
func lookupAlbum(tx *state.Tx, folder, dir string, overflow int) (state.Album, bool, error) {
	if dir != "" {
		return tx.AlbumForDir(folder, dir, overflow)
	}
	id, ok, err := tx.GetMeta(albumMetaKey(metaRootAlbum, folder, "", overflow))
	if err != nil || !ok || id == "" {
		return state.Album{}, false, err
	}
	return tx.GetAlbum(id)
}

// saveAlbum stores a new album of a directory and clears its creation
// journal entry, in one transaction.
func saveAlbum(tx *state.Tx, folder, dir string, overflow int, a state.Album) error {
	if dir != "" {
		a.Folder, a.Dir, a.Overflow = folder, dir, overflow
	}
	if err := tx.PutAlbum(a); err != nil {
		return err
	}
	if dir == "" {
		if err := tx.PutMeta(albumMetaKey(metaRootAlbum, folder, "", overflow), a.ID); err != nil {
			return err
		}
	}
	return tx.PutMeta(albumMetaKey(metaAlbumCreating, folder, dir, overflow), "")
}

// countItems changes the item count of an album by delta.
func countItems(tx *state.Tx, albumID string, delta int) error {
	a, ok, err := tx.GetAlbum(albumID)
	if err != nil || !ok {
		return err
	}
	a.ItemCount = max(0, a.ItemCount+delta)
	return tx.PutAlbum(a)
}

// albumWithRoom returns the first album of a directory that can take more
// items, creating it when needed, and how many items it can take. It runs
// in the serial lane only, which is what keeps two workers from creating
// the same album.
func (e *executor) albumWithRoom(ctx context.Context, dir string) (state.Album, int, error) {
	title, ok := albumTitle(dir, e.fr.cfg.RootAlbum)
	if !ok {
		return state.Album{}, MaxBatch, nil
	}
	folder := e.fr.cfg.Path
	for overflow := 0; ; overflow++ {
		var a state.Album
		var found bool
		err := e.s.opts.Store.View(func(tx *state.Tx) error {
			var err error
			a, found, err = lookupAlbum(tx, folder, dir, overflow)
			return err
		})
		if err != nil {
			return state.Album{}, 0, storeError(err)
		}
		if !found {
			a, err = e.createAlbum(ctx, dir, overflow, overflowTitle(title, overflow))
			if err != nil {
				return state.Album{}, 0, err
			}
		}
		if room := maxAlbumItems - a.ItemCount; room > 0 {
			return a, room, nil
		}
	}
}

// createAlbum creates the overflow-th album of a directory. The creation is
// journaled before the request; a journal entry left by a crash makes it
// look for an album of that title first.
func (e *executor) createAlbum(ctx context.Context, dir string, overflow int, title string) (state.Album, error) {
	folder := e.fr.cfg.Path
	key := albumMetaKey(metaAlbumCreating, folder, dir, overflow)
	var interrupted bool
	err := e.s.opts.Store.Update(func(tx *state.Tx) error {
		v, ok, err := tx.GetMeta(key)
		if err != nil {
			return err
		}
		interrupted = ok && v != ""
		return tx.PutMeta(key, title)
	})
	if err != nil {
		return state.Album{}, storeError(err)
	}

	// An album of this title that the store does not know is ours from a
	// creation that a crash interrupted, or from a state directory that was
	// lost or moved aside: take it over instead of creating a duplicate.
	id, count := "", 0
	existing, found, err := e.existingAlbum(ctx, title)
	if err != nil {
		return state.Album{}, err
	}
	if found {
		id, count = existing.ID, existing.Count
		msg := "adopted existing album with the directory's title"
		if interrupted {
			msg = "adopted album whose creation was interrupted"
		}
		e.s.log.Info().Str("folder", folder).Str("album", id).Str("title", title).Msg(msg)
	}
	if id == "" {
		id, err = e.s.opts.Remote.CreateAlbum(ctx, title)
		if err != nil {
			return state.Album{}, fmt.Errorf("create album %q: %w", title, err)
		}
		e.sum.add(func(s *Summary) { s.AlbumsCreated++ })
		e.s.log.Info().Str("folder", folder).Str("album", id).Str("title", title).Msg("album created")
	}
	a := state.Album{ID: id, Title: title, ItemCount: count}
	err = e.s.opts.Store.Update(func(tx *state.Tx) error {
		return saveAlbum(tx, folder, dir, overflow, a)
	})
	if err != nil {
		return state.Album{}, storeError(err)
	}
	return a, nil
}
