package sync

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/photosync/photosync/state"
)

// link carries out adds and moves: it resolves the media item of each
// file's content, adds the items that are not yet in their directory's
// album in batches, and records the files.
func (e *executor) link(ctx context.Context, ops []Op) error {
	folder := e.fr.cfg.Path
	byDir := map[string][]Op{}
	var storeOnly []Op
	for _, op := range ops {
		if op.MediaItemID == "" {
			id, ok := e.s.contentIndex(op.SHA256)
			if !ok {
				e.sum.pending(folder, op.Path, "its content was not uploaded this run")
				continue
			}
			op.MediaItemID = id
		}
		if op.AddToAlbum {
			byDir[op.Dir] = append(byDir[op.Dir], op)
		} else {
			storeOnly = append(storeOnly, op)
		}
	}
	for _, dir := range slices.Sorted(maps.Keys(byDir)) {
		if err := e.addToAlbum(ctx, dir, byDir[dir]); err != nil {
			return err
		}
	}
	byAlbum := map[string][]Op{}
	for _, op := range storeOnly {
		albumID, err := e.albumHolding(op)
		if err != nil {
			return storeError(err)
		}
		byAlbum[albumID] = append(byAlbum[albumID], op)
	}
	for _, albumID := range slices.Sorted(maps.Keys(byAlbum)) {
		err := inBatches(byAlbum[albumID], func(batch []Op) error {
			return e.commitLinks(albumID, batch, false)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// addToAlbum adds the items of ops to the album of dir, MaxBatch at a time.
func (e *executor) addToAlbum(ctx context.Context, dir string, ops []Op) error {
	for len(ops) > 0 {
		if e.sum.stopped() != "" {
			return nil
		}
		album, room, err := e.albumWithRoom(ctx, dir)
		if err != nil {
			return e.albumFailed(ctx, err, ops)
		}
		n := min(len(ops), MaxBatch, room)
		batch := ops[:n]
		ops = ops[n:]
		err = e.s.opts.Remote.BatchAdd(ctx, album.ID, itemIDs(batch))
		if err == nil {
			if err := e.commitLinks(album.ID, batch, true); err != nil {
				return err
			}
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if classify(err) != classPermanent {
			e.handleError(err, opPaths(batch), "add to album")
			continue
		}
		// The API rejects the whole batch for one bad id, so find it by
		// adding the items one at a time.
		for _, op := range batch {
			addErr := err
			if len(batch) > 1 {
				addErr = e.s.opts.Remote.BatchAdd(ctx, album.ID, []string{op.MediaItemID})
			}
			if addErr != nil && isInvalidItemID(addErr) {
				op, addErr = e.addByCreate(ctx, album.ID, op)
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if addErr != nil {
				e.handleError(addErr, []string{op.Path}, "add to album")
				continue
			}
			if err := e.commitLinks(album.ID, []Op{op}, true); err != nil {
				return err
			}
		}
	}
	return nil
}

func (e *executor) albumFailed(ctx context.Context, err error, ops []Op) error {
	var fatal *FatalError
	if errors.As(err, &fatal) {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	e.handleError(err, opPaths(ops), "create album")
	return nil
}

func itemIDs(ops []Op) []string {
	ids := make([]string, 0, len(ops))
	for _, op := range ops {
		if !slices.Contains(ids, op.MediaItemID) {
			ids = append(ids, op.MediaItemID)
		}
	}
	return ids
}

func opPaths(ops []Op) []string {
	paths := make([]string, len(ops))
	for i, op := range ops {
		paths[i] = op.Path
	}
	return paths
}

// albumHolding returns the album that already holds the item of op's
// content in op's directory: the album of another file of the directory
// with the same content, else the directory's first album, else none.
func (e *executor) albumHolding(op Op) (string, error) {
	if _, ok := albumTitle(op.Dir, e.fr.cfg.RootAlbum); !ok {
		return "", nil
	}
	folder := e.fr.cfg.Path
	var id string
	err := e.s.opts.Store.View(func(tx *state.Tx) error {
		files, err := tx.FilesByHash(op.SHA256)
		if err != nil {
			return err
		}
		for _, f := range files {
			if f.Folder == folder && dirOf(f.Path) == op.Dir && f.AlbumID != "" && f.MediaItemID == op.MediaItemID {
				id = f.AlbumID
				return nil
			}
		}
		a, ok, err := lookupAlbum(tx, folder, op.Dir, 0)
		if ok {
			id = a.ID
		}
		return err
	})
	return id, err
}

// commitLinks records linked files as synced in albumID. When added is set
// the items were just added to the album, so its item count grows.
func (e *executor) commitLinks(albumID string, ops []Op, added bool) error {
	folder := e.fr.cfg.Path
	now := e.s.opts.Now()
	err := e.s.opts.Store.Update(func(tx *state.Tx) error {
		for _, op := range ops {
			if op.Kind == OpMove {
				if err := tx.DeleteFile(folder, op.OldPath); err != nil {
					return err
				}
			}
			f := state.File{Folder: folder, Path: op.Path, Size: op.Size, ModTime: op.ModTime,
				SHA256: op.SHA256, MediaItemID: op.MediaItemID, AlbumID: albumID, Status: state.StatusSynced}
			if err := tx.PutFile(f); err != nil {
				return err
			}
			if err := recordItem(tx, op.MediaItemID, op.SHA256, "", "", albumID, now); err != nil {
				return err
			}
		}
		if added && albumID != "" {
			return countItems(tx, albumID, len(itemIDs(ops)))
		}
		return nil
	})
	if err != nil {
		return storeError(err)
	}
	for _, op := range ops {
		if op.Kind == OpMove {
			e.sum.add(func(s *Summary) { s.Moved++ })
		}
		ev := e.s.log.Info().Str("folder", folder).Str("path", op.Path).Str("media_id", op.MediaItemID)
		if albumID != "" {
			ev = ev.Str("album", albumID)
		}
		ev.Msg(linkMessage(op.Kind, albumID, added))
	}
	return nil
}

// linkMessage describes what commitLinks recorded for one file.
func linkMessage(kind OpKind, albumID string, added bool) string {
	switch {
	case added && kind == OpMove:
		return "moved to album"
	case added:
		return "added to album"
	case kind == OpMove:
		return "move recorded; the item was already in the album"
	case albumID != "":
		return "recorded; the item was already in the album"
	}
	return "recorded; the content was already uploaded"
}

// storeBatch is how many store-only changes share one transaction. Each
// bbolt commit costs an fsync, so renaming a directory of thousands of
// files one commit at a time would take minutes; 500 keeps a transaction
// small while making that cost negligible.
const storeBatch = 500

// inBatches calls fn with consecutive chunks of ops of at most storeBatch.
func inBatches(ops []Op, fn func([]Op) error) error {
	for len(ops) > 0 {
		n := min(len(ops), storeBatch)
		if err := fn(ops[:n]); err != nil {
			return err
		}
		ops = ops[n:]
	}
	return nil
}

// record carries out store-only renames and size or time updates.
func (e *executor) record(_ context.Context, ops []Op) error {
	folder := e.fr.cfg.Path
	return inBatches(ops, func(batch []Op) error {
		err := e.s.opts.Store.Update(func(tx *state.Tx) error {
			for _, op := range batch {
				if err := recordRename(tx, folder, op); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return storeError(err)
		}
		for _, op := range batch {
			if op.OldPath != op.Path {
				e.sum.add(func(s *Summary) { s.Renamed++ })
				e.s.log.Info().Str("folder", folder).Str("path", op.Path).Str("old_path", op.OldPath).Msg("renamed")
			}
		}
		return nil
	})
}

func recordRename(tx *state.Tx, folder string, op Op) error {
	old, ok, err := tx.GetFile(folder, op.OldPath)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("record %s: the record of %s is missing", op.Path, op.OldPath)
	}
	if op.OldPath != op.Path {
		if err := tx.DeleteFile(folder, op.OldPath); err != nil {
			return err
		}
	}
	old.Path, old.Size, old.ModTime, old.SHA256 = op.Path, op.Size, op.ModTime, op.SHA256
	return tx.PutFile(old)
}

// remove removes items from albums, MaxBatch per call and album.
func (e *executor) remove(ctx context.Context, ops []Op) error {
	byAlbum := map[string][]Op{}
	for _, op := range ops {
		byAlbum[op.AlbumID] = append(byAlbum[op.AlbumID], op)
	}
	for _, albumID := range slices.Sorted(maps.Keys(byAlbum)) {
		pending := byAlbum[albumID]
		for len(pending) > 0 {
			if e.sum.stopped() != "" {
				e.keepRecords(pending)
				return nil
			}
			n := min(len(pending), MaxBatch)
			batch := pending[:n]
			pending = pending[n:]
			if err := e.removeBatch(ctx, albumID, batch); err != nil {
				return err
			}
		}
	}
	return nil
}

func (e *executor) removeBatch(ctx context.Context, albumID string, batch []Op) error {
	err := e.s.opts.Remote.BatchRemove(ctx, albumID, itemIDs(batch))
	if err == nil {
		return e.commitRemovals(albumID, batch)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if classify(err) != classPermanent {
		e.keepRecords(batch)
		e.handleError(err, opPaths(batch), "remove from album")
		return nil
	}
	// The API rejects the whole batch for one id it does not accept. An item
	// that is rejected on its own is taken as already out of the album: a
	// crash after an earlier removal and before its record leaves exactly
	// that.
	for _, op := range batch {
		err := e.s.opts.Remote.BatchRemove(ctx, albumID, []string{op.MediaItemID})
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return ctx.Err()
		case classify(err) == classPermanent:
			e.s.log.Warn().Err(err).Str("folder", e.fr.cfg.Path).Str("media_id", op.MediaItemID).
				Str("album", albumID).Msg("item not removable; taking it as already removed")
		default:
			e.keepRecords([]Op{op})
			e.handleError(err, []string{op.Path}, "remove from album")
			continue
		}
		if err := e.commitRemovals(albumID, []Op{op}); err != nil {
			return err
		}
	}
	return nil
}

// keepRecords marks removals that did not happen. A deleted file keeps its
// record, so the next pass plans the removal again. Removals caused by
// moves and changes stay in the journal of pending removals.
func (e *executor) keepRecords(ops []Op) {
	e.failedRemovals = append(e.failedRemovals, ops...)
	for _, op := range ops {
		if op.OldPath != "" {
			e.unremoved[op.OldPath] = true
		}
	}
}

func (e *executor) commitRemovals(albumID string, ops []Op) error {
	err := e.s.opts.Store.Update(func(tx *state.Tx) error {
		for _, id := range itemIDs(ops) {
			m, ok, err := tx.GetMediaItem(id)
			if err != nil {
				return err
			}
			if ok {
				m.AlbumIDs = slices.DeleteFunc(m.AlbumIDs, func(a string) bool { return a == albumID })
				if err := tx.PutMediaItem(m); err != nil {
					return err
				}
			}
		}
		return countItems(tx, albumID, -len(itemIDs(ops)))
	})
	if err != nil {
		return storeError(err)
	}
	for _, op := range ops {
		e.sum.add(func(s *Summary) { s.Removed++ })
		e.s.log.Info().Str("folder", e.fr.cfg.Path).Str("path", op.Path).Str("media_id", op.MediaItemID).
			Str("album", albumID).Msg("removed from album")
	}
	return nil
}

// forget drops the records of deleted files and leaves a tombstone for each
// item, except for files whose removal from an album did not happen.
func (e *executor) forget(ops []Op) error {
	folder := e.fr.cfg.Path
	now := e.s.opts.Now()
	var done []Op
	for _, op := range ops {
		if !e.unremoved[op.OldPath] {
			done = append(done, op)
		}
	}
	return inBatches(done, func(batch []Op) error {
		err := e.s.opts.Store.Update(func(tx *state.Tx) error {
			for _, op := range batch {
				if err := tx.DeleteFile(folder, op.OldPath); err != nil {
					return err
				}
				if op.MediaItemID == "" {
					continue
				}
				err := tx.PutTombstone(state.Tombstone{MediaItemID: op.MediaItemID, Folder: folder,
					Path: op.OldPath, DeletedAt: now})
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return storeError(err)
		}
		for _, op := range batch {
			e.sum.add(func(s *Summary) { s.Forgotten++ })
			e.s.log.Info().Str("folder", folder).Str("path", op.OldPath).Msg("deleted locally; record dropped")
		}
		return nil
	})
}
