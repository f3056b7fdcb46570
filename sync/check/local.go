package check

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/photosync/photosync/config"
	"github.com/photosync/photosync/state"
	photosync "github.com/photosync/photosync/sync"
	"github.com/photosync/photosync/sync/scan"
)

// checkFolder compares the file records of one folder with its files.
func (c *checker) checkFolder(ctx context.Context, folder config.Folder) error {
	_, known, err := c.opts.Store.GetFolder(folder.Path)
	if err != nil {
		return fmt.Errorf("read folder %s: %w", folder.Path, err)
	}
	if !known {
		// A folder never synced has no records to compare.
		return nil
	}
	if _, err := os.Stat(photosync.MarkerPath(folder.Path)); err != nil {
		if c.missing == nil {
			c.missing = map[string]bool{}
		}
		c.missing[folder.Path] = true
		c.add(Finding{Kind: KindFolderMissing, Folder: folder.Path,
			Meaning: fmt.Sprintf("the folder root or its marker is missing (%v); sync stops this folder "+
				"until its disk is mounted, and its records were not compared", err)})
		return nil
	}

	records := map[string]state.File{}
	err = c.opts.Store.ForEachFile(folder.Path, func(f state.File) error {
		records[f.Path] = f
		return nil
	})
	if err != nil {
		return fmt.Errorf("read files of %s: %w", folder.Path, err)
	}
	c.report.Files += len(records)

	// Scan hashes only the files whose size or modification time differ
	// from their record, which are the ones the check must report anyway.
	prev := func(p string) (int64, time.Time, string, bool) {
		r, ok := records[p]
		if !ok || r.SHA256 == "" {
			return 0, time.Time{}, "", false
		}
		return r.Size, r.ModTime, r.SHA256, true
	}
	res, err := scan.Scan(ctx, scan.Options{
		Root:           folder.Path,
		Include:        folder.Include,
		Exclude:        folder.Exclude,
		FollowSymlinks: folder.FollowSymlinks,
		Logger:         c.opts.Logger,
	}, prev)
	if err != nil {
		return fmt.Errorf("scan %s: %w", folder.Path, err)
	}

	onDisk := map[string]bool{}
	for _, e := range res.Entries {
		onDisk[e.Path] = true
		r, ok := records[e.Path]
		switch {
		case !ok:
			c.add(Finding{Kind: KindFileUnrecorded, Folder: folder.Path, Path: e.Path,
				Meaning: "supported file with no record; the next sync uploads it"})
		case r.Status == state.StatusSynced && (r.Size != e.Size || !r.ModTime.Equal(e.ModTime)):
			c.add(Finding{Kind: KindFileChanged, Folder: folder.Path, Path: e.Path,
				Meaning: fmt.Sprintf("size %d and modification time %s differ from the synced record "+
					"(%d, %s); the next sync uploads the new content if it changed",
					e.Size, e.ModTime.UTC().Format(time.RFC3339Nano), r.Size, r.ModTime.Format(time.RFC3339Nano))})
		}
	}
	for _, p := range slices.Sorted(maps.Keys(records)) {
		if onDisk[p] {
			continue
		}
		if err := c.checkGone(folder.Path, records[p]); err != nil {
			return err
		}
	}
	return nil
}

// checkGone reports a record whose file the scan did not return: the file
// is gone, or it is no longer a supported file the scan keeps (such as a
// record of a skipped file).
func (c *checker) checkGone(folder string, r state.File) error {
	_, err := os.Lstat(filepath.Join(folder, filepath.FromSlash(r.Path)))
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		// The file is there, but the scan left it out: a skipped,
		// unsettled or excluded file, whose record sync keeps.
		return nil
	}
	f := Finding{Kind: KindFileGone, Folder: folder, Path: r.Path}
	if r.Status == state.StatusSynced {
		f.Meaning = "synced file is gone from disk; the next sync applies the folder's remote_delete " +
			"rule to its media item " + r.MediaItemID
		c.add(f)
		return nil
	}
	f.Meaning = fmt.Sprintf("%s file is gone from disk and was never synced", r.Status)
	c.addRepairable(f, func() (string, error) {
		if err := c.opts.Store.DeleteFile(folder, r.Path); err != nil {
			return "", err
		}
		return "dropped the record", nil
	})
	return nil
}
