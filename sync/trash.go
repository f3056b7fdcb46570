package sync

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/photosync/photosync/state"
)

// trashDir is the directory inside MetaDir that receives files removed
// because of a remote change, one subdirectory per day.
const trashDir = "trash"

// TrashPath returns the directory that receives the files a pass on the
// given day moves out of the folder at root.
func TrashPath(root, day string) string {
	return filepath.Join(root, MetaDir, trashDir, day)
}

// trash moves the files whose item left their album into the folder's
// trash, unless that would move more than the folder's delete threshold
// and the user has not confirmed it.
func (d *downloadRun) trash(gone []state.File) error {
	reason := d.removalGuard(len(gone))
	if err := d.notePause(reason); err != nil {
		return err
	}
	if len(gone) == 0 {
		return nil
	}
	if reason != "" {
		d.s.log.Warn().Str("folder", d.root).Str("reason", reason).Msg("remote removals paused")
		d.sum.add(func(s *Summary) {
			s.Folders = append(s.Folders, FileProblem{Folder: d.root, Reason: reason})
		})
		for _, f := range gone {
			d.failed(f.AlbumID)
		}
		return nil
	}
	day := d.s.opts.Now().Format("2006-01-02")
	for _, f := range gone {
		dst, err := moveToTrash(d.root, f.Path, day, d.beforeWrite)
		if errors.Is(err, fs.ErrNotExist) {
			// The file is gone already; the upload direction handles that
			// as a local delete.
			continue
		}
		if err != nil {
			d.s.log.Warn().Err(err).Str("folder", d.root).Str("path", f.Path).Msg("move to trash failed")
			d.sum.pending(d.root, f.Path, err.Error())
			d.failed(f.AlbumID)
			continue
		}
		if err := d.s.opts.Store.DeleteFile(d.root, f.Path); err != nil {
			return storeError(err)
		}
		d.sum.add(func(s *Summary) { s.Trashed++ })
		d.s.log.Info().Str("folder", d.root).Str("path", f.Path).Str("media_id", f.MediaItemID).
			Str("trash", dst).Msg("item left its album remotely; file moved to trash")
	}
	return nil
}

// removalPausePrefix starts the pause reason of paused remote removals, so
// that a later pass can tell its own pause from the upload direction's.
const removalPausePrefix = "remote removals would move"

// notePause records the folder's removal pause in the store, for status,
// or clears a removal pause that no longer applies. The upload direction
// sets the folder's pause anew on each pass before the poll, so a pause of
// its own is never cleared here.
func (d *downloadRun) notePause(reason string) error {
	if reason == "" {
		rec, _, err := d.s.opts.Store.GetFolder(d.root)
		if err != nil {
			return storeError(err)
		}
		if !strings.HasPrefix(rec.PauseReason, removalPausePrefix) {
			// Nothing to clear: skip the write.
			return nil
		}
	}
	return d.s.noteFolder(d.root, func(rec *state.Folder) {
		switch {
		case reason != "":
			rec.Paused, rec.PauseReason = true, reason
		case strings.HasPrefix(rec.PauseReason, removalPausePrefix):
			rec.Paused, rec.PauseReason = false, ""
		}
	})
}

// removalGuard returns why the folder's remote removals are paused, or ""
// when they may go ahead. It follows the upload direction's delete guard:
// folders with fewer than deleteGuardMinItems synced files never pause.
func (d *downloadRun) removalGuard(n int) string {
	if n == 0 || d.s.opts.Confirmed {
		return ""
	}
	synced := len(d.byPath)
	share := d.cfg.DeleteThreshold
	if synced < deleteGuardMinItems || float64(n) <= share*float64(synced) {
		return ""
	}
	return fmt.Sprintf(removalPausePrefix+" %d of %d files to the trash, more than %.0f%%; "+
		"check the albums, then run photosync sync --confirm-removals to apply", n, synced, share*100)
}

// moveToTrash moves the file rel of the folder at root to the trash of day,
// keeping its relative path. A file of that name in the trash is never
// replaced: the moved file gets a numbered name. It returns the new path.
// beforeMove, when not nil, receives the slash-separated path of the source
// and of each destination tried, relative to root, right before the move.
func moveToTrash(root, rel, day string, beforeMove func(rel string)) (string, error) {
	src := filepath.Join(root, filepath.FromSlash(rel))
	if _, err := os.Lstat(src); err != nil {
		return "", err
	}
	if beforeMove == nil {
		beforeMove = func(string) {}
	}
	beforeMove(rel)
	base := filepath.Join(TrashPath(root, day), filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
		return "", fmt.Errorf("create trash for %s: %w", rel, err)
	}
	for i := 0; i < maxTrashNames; i++ {
		dst := base
		if i > 0 {
			dst = filepath.Join(filepath.Dir(base), WithSuffix(path.Base(rel), rel+"#"+strconv.Itoa(i)))
		}
		if dstRel, err := filepath.Rel(root, dst); err == nil {
			beforeMove(filepath.ToSlash(dstRel))
		}
		err := placeNoReplace(src, dst)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("move %s to trash: %w", rel, err)
		}
		// A rename leaves no src behind and a hard link does.
		if err := os.Remove(src); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("move %s to trash: %w", rel, err)
		}
		if err := syncDir(filepath.Dir(dst)); err != nil {
			return "", err
		}
		return dst, syncDir(filepath.Dir(src))
	}
	return "", fmt.Errorf("move %s to trash: %d names taken in %s; empty the trash", rel, maxTrashNames, filepath.Dir(base))
}

// maxTrashNames bounds the numbered names tried for one file in one day's
// trash.
const maxTrashNames = 1000
