package sync

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/photosync/photosync/config"
	"github.com/photosync/photosync/state"
)

// TempPrefix starts the name of every file a download writes before it is
// complete. The scanner skips such names, and a pass removes those that a
// crash left behind.
const TempPrefix = ".photosync-tmp-"

// metaDownloading journals a download in the store's settings while its
// temporary file exists: key prefix, folder, NUL, temporary path; value the
// final path once it is chosen. A crash leaves the entry behind, and the next
// pass removes the temporary file and any record of a final path that never
// appeared.
const metaDownloading = "sync.downloading\x00"

// maxNameTries bounds the attempts to find a free name when other writers
// keep taking the chosen ones.
const maxNameTries = 4

// fetched is a completed temporary file.
type fetched struct {
	tmp     string // absolute path of the temporary file
	size    int64
	modTime time.Time
	sha256  string
}

// errSymlinkParent reports a directory on the way to a download target that
// is a symbolic link, which could lead outside the synced folder.
var errSymlinkParent = errors.New("is a symbolic link; photosync does not write through links")

// beforeWrite calls Options.BeforeWrite, if set, with the folder root and
// the slash-separated path rel.
func (d *downloadRun) beforeWrite(rel string) {
	if d.s.opts.BeforeWrite != nil {
		d.s.opts.BeforeWrite(d.root, rel)
	}
}

// ensureDir creates the directory rel (with "/" separators) under root, one
// part at a time, and refuses parts that are symbolic links or not
// directories. beforeMkdir, when not nil, receives the slash-separated path
// of each directory right before it is created.
func ensureDir(root, rel string, beforeMkdir func(rel string)) (string, error) {
	dir := root
	if rel == "" {
		return dir, nil
	}
	parts := strings.Split(rel, "/")
	for i, part := range parts {
		dir = filepath.Join(dir, part)
		info, err := os.Lstat(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if beforeMkdir != nil {
				beforeMkdir(strings.Join(parts[:i+1], "/"))
			}
			if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
				return "", fmt.Errorf("create directory %s: %w", dir, err)
			}
			continue
		case err != nil:
			return "", fmt.Errorf("check directory %s: %w", dir, err)
		case info.Mode()&fs.ModeSymlink != 0:
			return "", fmt.Errorf("directory %s: %w", dir, errSymlinkParent)
		case !info.IsDir():
			return "", fmt.Errorf("directory %s: a file has that name; rename it to receive the album", dir)
		}
	}
	return dir, nil
}

// journalTemps names a temporary file for each job and journals all the
// names in one transaction, before any of the files exists, so a crash at
// any point leaves no temporary file that the next pass does not know of.
func (d *downloadRun) journalTemps(jobs []fetchJob) error {
	for i := range jobs {
		random := make([]byte, 8)
		if _, err := rand.Read(random); err != nil {
			return fmt.Errorf("name temporary file: %w", err)
		}
		jobs[i].tmp = path.Join(jobs[i].dir, TempPrefix+hex.EncodeToString(random))
	}
	return storeError(d.s.opts.Store.Update(func(tx *state.Tx) error {
		for _, j := range jobs {
			if err := tx.PutMeta(d.journalKey(j.tmp), "-"); err != nil {
				return err
			}
		}
		return nil
	}))
}

// journalKey returns the journal key of the temporary file tmp, a path
// relative to the folder root.
func (d *downloadRun) journalKey(tmp string) string {
	return metaDownloading + d.root + "\x00" + tmp
}

// fetchTo downloads it into the journaled temporary file job.tmp, fsyncs it
// and returns it. On any error the temporary file is gone.
func (d *downloadRun) fetchTo(ctx context.Context, it RemoteItem, job fetchJob) (*fetched, error) {
	name := filepath.Join(d.root, filepath.FromSlash(job.tmp))
	tmp, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create temporary file %s: %w", name, err)
	}
	f, err := d.write(ctx, it, tmp)
	if err != nil {
		os.Remove(name)
		return nil, err
	}
	return f, nil
}

// write fills tmp with the item's bytes and closes it.
func (d *downloadRun) write(ctx context.Context, it RemoteItem, tmp *os.File) (*fetched, error) {
	hash := sha256.New()
	var w io.Writer = tmp
	if d.s.opts.DownloadWriter != nil {
		w = d.s.opts.DownloadWriter(tmp)
	}
	params := "d"
	if it.Video {
		params = "dv"
	}
	n, err := d.reader.Download(ctx, it.BaseURL, params, io.MultiWriter(hash, w))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", it.ID, err)
	}
	info, err := os.Stat(tmp.Name())
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", it.ID, err)
	}
	return &fetched{tmp: tmp.Name(), size: n, modTime: info.ModTime(),
		sha256: hex.EncodeToString(hash.Sum(nil))}, nil
}

// placeLocked gives the fetched file its final name in the directory rel: the
// item's safe name, or the name with the item's suffix when the directory
// already holds that name in any case or normalization. The file's record
// is written first, so a scan that sees the final name finds it known; the
// placement never replaces an existing file. It returns the final relative path
// and runs under d.mu.
func (d *downloadRun) placeLocked(f *fetched, it RemoteItem, relDir, albumID string) (string, error) {
	absDir := filepath.Dir(f.tmp)
	base := SafeName(it.Filename, it.ID)
	taken, err := d.namesIn(absDir, relDir)
	if err != nil {
		return "", err
	}
	tmpRel, _ := filepath.Rel(d.root, f.tmp)
	key := d.journalKey(filepath.ToSlash(tmpRel))
	for _, name := range nameCandidates(it) {
		if taken[NameKey(name)] {
			continue
		}
		rel := path.Join(relDir, name)
		if !insideRoot(d.root, rel) {
			return "", fmt.Errorf("place %s: name %q leaves the folder", it.ID, rel)
		}
		if err := d.record(f, it, rel, albumID, key); err != nil {
			return "", err
		}
		d.beforeWrite(rel)
		err := placeNoReplace(f.tmp, filepath.Join(d.root, filepath.FromSlash(rel)))
		if errors.Is(err, fs.ErrExist) {
			taken[NameKey(name)] = true
			if err := d.unrecord(rel); err != nil {
				return "", err
			}
			continue
		}
		if err != nil {
			_ = d.unrecord(rel)
			return "", fmt.Errorf("place %s as %s: %w", it.ID, rel, err)
		}
		taken[NameKey(name)] = true
		os.Remove(f.tmp)
		// The directory is fsynced, and the journal entry dropped, once
		// for all downloads of the pass in finishDownloads.
		d.dirs[absDir] = true
		return rel, nil
	}
	return "", fmt.Errorf("place %s: no free name for %q in %s", it.ID, base, absDir)
}

// namesIn returns the name keys of the entries of a directory and of the
// store's records in it. It runs under d.mu.
func (d *downloadRun) namesIn(absDir, relDir string) (map[string]bool, error) {
	if names, ok := d.taken[relDir]; ok {
		return names, nil
	}
	names := map[string]bool{}
	entries, err := os.ReadDir(absDir)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", absDir, err)
	}
	for _, e := range entries {
		names[NameKey(e.Name())] = true
	}
	for p := range d.byPath {
		if dirOf(p) == relDir {
			names[NameKey(path.Base(p))] = true
		}
	}
	d.taken[relDir] = names
	return names, nil
}

// record writes the file and media item records of a download before the
// file appears under rel.
func (d *downloadRun) record(f *fetched, it RemoteItem, rel, albumID, journalKey string) error {
	err := d.s.opts.Store.Update(func(tx *state.Tx) error {
		return d.recordTx(tx, f, it, rel, albumID, journalKey)
	})
	if err != nil {
		return storeError(err)
	}
	d.byPath[rel] = it.ID
	return nil
}

// recordTx writes the records of one download, and the final name into its
// journal entry unless journalKey is empty, in tx.
func (d *downloadRun) recordTx(tx *state.Tx, f *fetched, it RemoteItem, rel, albumID, journalKey string) error {
	now := d.s.opts.Now()
	if journalKey != "" {
		if err := tx.PutMeta(journalKey, rel); err != nil {
			return err
		}
	}
	err := tx.PutFile(state.File{Folder: d.root, Path: rel, Size: f.size, ModTime: f.modTime,
		SHA256: f.sha256, MediaItemID: it.ID, AlbumID: albumID, Status: state.StatusSynced,
		Origin: state.OriginDownloaded, UpdatedAt: now})
	if err != nil {
		return err
	}
	m, ok, err := tx.GetMediaItem(it.ID)
	if err != nil {
		return err
	}
	if !ok {
		m = state.MediaItem{ID: it.ID, SHA256: f.sha256, Filename: it.Filename,
			MimeType: it.MimeType, CreatedAt: now, Origin: state.OriginDownloaded}
	}
	if albumID != "" && !slices.Contains(m.AlbumIDs, albumID) {
		m.AlbumIDs = append(m.AlbumIDs, albumID)
	}
	return tx.PutMediaItem(m)
}

// unrecord drops the file record of a name that could not be taken.
func (d *downloadRun) unrecord(rel string) error {
	delete(d.byPath, rel)
	return storeError(d.s.opts.Store.Update(func(tx *state.Tx) error {
		return tx.DeleteFile(d.root, rel)
	}))
}

// finishDownloads fsyncs each directory that received a download and then
// drops the journal entries of the pass's temporary files, in one
// transaction. Until then a crash makes the next pass check each final name.
func (d *downloadRun) finishDownloads(jobs []fetchJob) error {
	for dir := range d.dirs {
		if err := syncDir(dir); err != nil {
			return err
		}
	}
	return storeError(d.s.opts.Store.Update(func(tx *state.Tx) error {
		for _, j := range jobs {
			if err := tx.DeleteMeta(d.journalKey(j.tmp)); err != nil {
				return err
			}
		}
		return nil
	}))
}

// recoverAllDownloads runs recoverDownloads on each folder whose marker is
// in place. It runs before the scan, which would otherwise read a final name
// that never appeared as a local delete.
func (s *Syncer) recoverAllDownloads(folders []config.Folder) error {
	if s.opts.DryRun {
		return nil
	}
	for _, f := range folders {
		if _, err := os.Stat(MarkerPath(f.Path)); err != nil {
			// A missing folder stops later, with its own error.
			continue
		}
		if err := s.recoverDownloads(f.Path); err != nil {
			return err
		}
	}
	return nil
}

// recoverDownloads finishes what a crash left of downloads into folder: it
// removes each journaled temporary file, and drops the record of a final
// name that never appeared, so the item downloads again.
func (s *Syncer) recoverDownloads(folder string) error {
	prefix := metaDownloading + folder + "\x00"
	type entry struct{ key, tmp, final string }
	var left []entry
	err := s.opts.Store.View(func(tx *state.Tx) error {
		return tx.ForEachMeta(prefix, func(k, v string) error {
			left = append(left, entry{key: k, tmp: strings.TrimPrefix(k, prefix), final: v})
			return nil
		})
	})
	if err != nil {
		return storeError(err)
	}
	for _, e := range left {
		tmpPath := filepath.Join(folder, filepath.FromSlash(e.tmp))
		if err := os.Remove(tmpPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove %s: %w", tmpPath, err)
		}
		err := s.opts.Store.Update(func(tx *state.Tx) error {
			if e.final != "" && e.final != "-" {
				if _, err := os.Lstat(filepath.Join(folder, filepath.FromSlash(e.final))); errors.Is(err, fs.ErrNotExist) {
					if err := forgetDownload(tx, folder, e.final); err != nil {
						return err
					}
				}
			}
			return tx.DeleteMeta(e.key)
		})
		if err != nil {
			return storeError(err)
		}
		s.log.Info().Str("folder", folder).Str("path", e.tmp).Msg("removed an interrupted download")
	}
	return nil
}

// forgetDownload drops the record of a download whose final name never
// appeared, and makes the next poll list its album again (or the whole
// library, for an item outside albums) so that the item is found anew.
func forgetDownload(tx *state.Tx, folder, rel string) error {
	f, ok, err := tx.GetFile(folder, rel)
	if err != nil || !ok {
		return err
	}
	if err := tx.DeleteFile(folder, rel); err != nil {
		return err
	}
	if err := forgetDownloadedItem(tx, f.MediaItemID); err != nil {
		return err
	}
	if f.AlbumID == "" {
		return tx.DeleteMeta(metaLastFullPoll)
	}
	return tx.PutMeta(metaRelist+f.AlbumID, "1")
}

// forgetDownloadedItem drops the media item record that a download wrote
// when no file record refers to the item any more. A poll takes an item
// outside albums as new only when the store has no record of it, so the
// record would keep the item from downloading again.
func forgetDownloadedItem(tx *state.Tx, id string) error {
	if id == "" {
		return nil
	}
	m, ok, err := tx.GetMediaItem(id)
	if err != nil || !ok || m.Origin != state.OriginDownloaded {
		return err
	}
	files, err := tx.FilesByHash(m.SHA256)
	if err != nil {
		return err
	}
	for _, f := range files {
		if f.MediaItemID == id {
			return nil
		}
	}
	return tx.DeleteMediaItem(id)
}
