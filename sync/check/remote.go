package check

import (
	"context"
	"fmt"

	"github.com/photosync/photosync/state"
	photosync "github.com/photosync/photosync/sync"
)

// checkItems looks up every media item id of the store with batchGet, in
// batches of sync.MaxBatch, the most that batchGet takes.
func (c *checker) checkItems(ctx context.Context) error {
	var ids []string
	err := c.opts.Store.ForEachMediaItem(func(m state.MediaItem) error {
		ids = append(ids, m.ID)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read media items: %w", err)
	}
	c.report.MediaItems = len(ids)

	for start := 0; start < len(ids); start += photosync.MaxBatch {
		batch := ids[start:min(start+photosync.MaxBatch, len(ids))]
		found, err := c.opts.Remote.GetItems(ctx, batch)
		if err != nil {
			return fmt.Errorf("get media items: %w", err)
		}
		returned := make(map[string]bool, len(found))
		for _, item := range found {
			returned[item.ID] = true
		}
		for _, id := range batch {
			if returned[id] {
				continue
			}
			if err := c.reportMissingItem(id); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *checker) reportMissingItem(id string) error {
	f := Finding{Kind: KindItemMissing, ID: id,
		Meaning: "the server does not return this media item to this client; " +
			"the files recorded as synced to it are not in the library"}
	if c.opts.Repair {
		n, err := c.forgetItem(id)
		if err != nil {
			return fmt.Errorf("repair media item %s: %w", id, err)
		}
		f.Repair = fmt.Sprintf("dropped the record; %d files are pending and upload again on the next sync", n)
	}
	c.add(f)
	return nil
}

// forgetItem drops the record of a media item and makes the files of the
// folders that are present, and that point at it, pending. It returns how
// many files it changed.
func (c *checker) forgetItem(id string) (int, error) {
	changed := 0
	err := c.opts.Store.Update(func(tx *state.Tx) error {
		if err := tx.DeleteMediaItem(id); err != nil {
			return err
		}
		return c.forEachPresentFile(tx, func(f state.File) error {
			if f.MediaItemID != id {
				return nil
			}
			f.MediaItemID, f.AlbumID, f.Status, f.Reason = "", "", state.StatusPending, ""
			changed++
			return tx.PutFile(f)
		})
	})
	return changed, err
}

// checkAlbums compares the album ids in the store with albums.list.
func (c *checker) checkAlbums(ctx context.Context) error {
	listed := map[string]bool{}
	for album, err := range c.opts.Remote.Albums(ctx) {
		if err != nil {
			return fmt.Errorf("list albums: %w", err)
		}
		listed[album.ID] = true
	}
	var stored []state.Album
	err := c.opts.Store.ForEachAlbum(func(a state.Album) error {
		stored = append(stored, a)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read albums: %w", err)
	}
	c.report.Albums = len(stored)

	for _, a := range stored {
		// An album that mirrors no directory takes no part in sync.
		if listed[a.ID] || a.Folder == "" {
			continue
		}
		f := Finding{Kind: KindAlbumMissing, ID: a.ID,
			Meaning: fmt.Sprintf("albums.list does not return album %q to this client; "+
				"its items are in no album this client can see", a.Title)}
		if c.opts.Repair {
			n, err := c.forgetAlbum(a.ID)
			if err != nil {
				return fmt.Errorf("repair album %s: %w", a.ID, err)
			}
			f.Repair = fmt.Sprintf("detached the record from its directory; %d files are pending and the next sync "+
				"creates the album again and adds them", n)
		}
		c.add(f)
	}
	return nil
}

// forgetAlbum detaches the record of an album from its directory. It makes
// the files of the present folders that were put in it pending and keeps
// their media item ids, so the next sync adds the items to a new album
// without sending their bytes again.
func (c *checker) forgetAlbum(id string) (int, error) {
	changed := 0
	err := c.opts.Store.Update(func(tx *state.Tx) error {
		a, ok, err := tx.GetAlbum(id)
		if err != nil || !ok {
			return err
		}
		// NOTE: the store has no way to delete an album record, so the
		// record stays, detached from its directory, and the check skips
		// it from then on.
		a.Folder, a.Dir = "", ""
		if err := tx.PutAlbum(a); err != nil {
			return err
		}
		return c.forEachPresentFile(tx, func(f state.File) error {
			if f.AlbumID != id {
				return nil
			}
			f.AlbumID, f.Status = "", state.StatusPending
			changed++
			return tx.PutFile(f)
		})
	})
	return changed, err
}

// forEachPresentFile calls fn for every file record of the configured
// folders whose root and marker are present.
func (c *checker) forEachPresentFile(tx *state.Tx, fn func(state.File) error) error {
	for _, folder := range c.opts.Folders {
		if c.missing[folder.Path] {
			continue
		}
		if err := tx.ForEachFile(folder.Path, fn); err != nil {
			return err
		}
	}
	return nil
}
