package check

import (
	"context"
	"fmt"
	"time"

	"github.com/photosync/photosync/photosapi/api"
	"github.com/photosync/photosync/state"
	photosync "github.com/photosync/photosync/sync"
)

// checkRemote compares the media item and album ids of the store with the
// server. It reads every response before it adds a finding, so that no
// repair rests on a comparison that failed part way.
func (c *checker) checkRemote(ctx context.Context) error {
	items, err := c.missingItems(ctx)
	if err != nil {
		return err
	}
	albums, err := c.missingAlbums(ctx)
	if err != nil {
		return err
	}
	for _, id := range items {
		if err := c.reportMissingItem(id); err != nil {
			return err
		}
	}
	for _, a := range albums {
		c.reportMissingAlbum(a)
	}
	return nil
}

// missingItems returns the media item ids of the store that batchGet does
// not return.
func (c *checker) missingItems(ctx context.Context) ([]string, error) {
	var ids []string
	err := c.opts.Store.ForEachMediaItem(func(m state.MediaItem) error {
		ids = append(ids, m.ID)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read media items: %w", err)
	}
	c.report.MediaItems = len(ids)
	return c.absentItems(ctx, ids)
}

// getItemsAttempts is how often absentItems sends one batch when the server
// responds with a transient per-item status, which the client does not
// retry itself.
const getItemsAttempts = 3

// absentItems looks up ids with batchGet, in batches of sync.MaxBatch, the
// most that batchGet takes, and returns the ids the server did not return.
func (c *checker) absentItems(ctx context.Context, ids []string) ([]string, error) {
	var absent []string
	for start := 0; start < len(ids); start += photosync.MaxBatch {
		batch := ids[start:min(start+photosync.MaxBatch, len(ids))]
		var found []photosync.RemoteItem
		var err error
		for range getItemsAttempts {
			found, err = c.opts.Remote.GetItems(ctx, batch)
			if err == nil || !api.IsRetryable(err) || ctx.Err() != nil {
				break
			}
		}
		if err != nil {
			return nil, fmt.Errorf("get media items: %w", err)
		}
		returned := make(map[string]bool, len(found))
		for _, item := range found {
			returned[item.ID] = true
		}
		for _, id := range batch {
			if !returned[id] {
				absent = append(absent, id)
			}
		}
	}
	return absent, nil
}

// reportMissingItem adds the finding of a media item the server does not
// return. Its repair is left out when files of a missing folder refer to
// the item, because dropping the record would leave those files pointing
// at nothing once the folder returns.
func (c *checker) reportMissingItem(id string) error {
	f := Finding{Kind: KindItemMissing, ID: id,
		Meaning: "the server does not return this media item to this client; " +
			"the files recorded as synced to it are not in the library"}
	folder, err := c.missingFolderWith(func(file state.File) bool { return file.MediaItemID == id })
	if err != nil {
		return fmt.Errorf("read files: %w", err)
	}
	if folder != "" {
		f.Meaning += fmt.Sprintf("; --repair leaves it, because files of the missing folder %s refer to it", folder)
		c.add(f)
		return nil
	}
	var dropped bool
	err = c.opts.Store.View(func(tx *state.Tx) error {
		_, dropped, err = tx.GetMeta(metaDroppedItem + id)
		return err
	})
	if err != nil {
		return fmt.Errorf("read media item %s: %w", id, err)
	}
	if dropped {
		f.Meaning += "; an earlier --repair dropped this id and the next upload of the same bytes returned it " +
			"again, so another OAuth client created the item: this client cannot read it or add it to albums, " +
			"and --repair leaves it"
		c.add(f)
		return nil
	}
	c.addRepairable(f, func() (string, error) {
		n, err := c.forgetItem(id)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("dropped the record; %d files are pending and upload again on the next sync", n), nil
	})
	return nil
}

// missingFolderWith returns the first folder whose root or marker is
// missing and that has a file record for which match reports true, or "".
func (c *checker) missingFolderWith(match func(state.File) bool) (string, error) {
	for _, folder := range c.opts.Folders {
		if !c.missing[folder.Path] {
			continue
		}
		found := false
		err := c.opts.Store.ForEachFile(folder.Path, func(f state.File) error {
			found = found || match(f)
			return nil
		})
		if err != nil {
			return "", err
		}
		if found {
			return folder.Path, nil
		}
	}
	return "", nil
}

// metaDroppedItem prefixes the store setting that records, by media item
// id, when a repair dropped the item's record. The server returns the same
// id when the bytes are uploaded again, so the id coming back means that
// another OAuth client owns the item. The settings stay in the store, one
// short key per dropped id.
const metaDroppedItem = "check-dropped-item/"

// forgetItem drops the record of a media item, notes its id under
// metaDroppedItem, and makes the files of the folders that are present,
// and that point at it, pending. It returns how many files it changed.
func (c *checker) forgetItem(id string) (int, error) {
	changed := 0
	err := c.opts.Store.Update(func(tx *state.Tx) error {
		if err := tx.DeleteMediaItem(id); err != nil {
			return err
		}
		if err := tx.PutMeta(metaDroppedItem+id, c.now().UTC().Format(time.RFC3339)); err != nil {
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

// missingAlbums returns the album records of the store that mirror a
// directory and that albums.list does not return.
func (c *checker) missingAlbums(ctx context.Context) ([]state.Album, error) {
	listed := map[string]bool{}
	for album, err := range c.opts.Remote.Albums(ctx) {
		if err != nil {
			return nil, fmt.Errorf("list albums: %w", err)
		}
		listed[album.ID] = true
	}
	var stored []state.Album
	err := c.opts.Store.ForEachAlbum(func(a state.Album) error {
		stored = append(stored, a)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read albums: %w", err)
	}
	c.report.Albums = len(stored)

	var missing []state.Album
	for _, a := range stored {
		// An album that mirrors no directory takes no part in sync.
		if !listed[a.ID] && a.Folder != "" {
			missing = append(missing, a)
		}
	}
	return missing, nil
}

// reportMissingAlbum adds the finding of an album that albums.list does
// not return. Its repair is left out when the album's folder is missing.
func (c *checker) reportMissingAlbum(a state.Album) {
	f := Finding{Kind: KindAlbumMissing, ID: a.ID,
		Meaning: fmt.Sprintf("albums.list does not return album %q to this client; "+
			"its items are in no album this client can see", a.Title)}
	if c.missing[a.Folder] {
		f.Meaning += fmt.Sprintf("; --repair leaves it, because its folder %s is missing", a.Folder)
		c.add(f)
		return
	}
	c.addRepairable(f, func() (string, error) {
		n, err := c.forgetAlbum(a.ID)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("detached the record from its directory; %d files are pending and the next sync "+
			"creates the album again and adds them", n), nil
	})
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
