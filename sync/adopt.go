package sync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/photosync/photosync/config"
	"github.com/photosync/photosync/state"
)

// adoptAll adopts what is already local in each downloading folder that
// the store has no file records of, such as after the state directory was
// lost. It runs before the upload direction. A remote album whose title
// maps to an existing directory becomes that directory's album. A local
// file at the name an album item maps to is recorded as that item when its
// bytes equal a fresh download of the item. Files left unmatched, such as
// originals whose downloaded copy lost its location, are uploaded by the
// upload direction: the server returns the existing item for bytes it
// already holds, so no item is duplicated.
func (s *Syncer) adoptAll(ctx context.Context, folders []config.Folder, sum *Summary) error {
	reader, ok := s.opts.Remote.(RemoteReader)
	if !ok || s.opts.DryRun {
		return nil
	}
	var empty []config.Folder
	for _, f := range folders {
		if !f.Mode.Downloads() {
			continue
		}
		if _, err := os.Stat(MarkerPath(f.Path)); err != nil {
			continue
		}
		n := 0
		if err := s.opts.Store.ForEachFile(f.Path, func(state.File) error { n++; return nil }); err != nil {
			return storeError(err)
		}
		if n > 0 || !hasLocalEntries(f.Path) {
			continue
		}
		if _, seen, err := s.opts.Store.GetFolder(f.Path); err != nil {
			return storeError(err)
		} else if !seen {
			if err := s.opts.Store.PutFolder(state.Folder{ID: f.Path}); err != nil {
				return storeError(err)
			}
		}
		empty = append(empty, f)
	}
	if len(empty) == 0 {
		return nil
	}
	ps, err := s.loadPollState(folders)
	if err != nil {
		return err
	}
	ps.lastFull = time.Time{}
	downloads := map[string]bool{}
	for _, f := range empty {
		downloads[f.Path] = true
	}
	ch, err := s.poll(ctx, reader, ps, downloads)
	if err != nil {
		return s.pollFailed(ctx, err, empty, sum)
	}
	for _, f := range empty {
		a := &adopter{s: s, reader: reader, root: f.Path, rootAlbum: f.RootAlbum, ps: ps, ch: ch}
		if err := a.run(ctx); err != nil {
			return err
		}
	}
	return nil
}

// adopter matches one folder's local files to remote items.
type adopter struct {
	s      *Syncer
	reader RemoteReader
	root   string
	ps     *pollState
	ch     *remoteChanges

	// rootAlbum is the folder's root_album setting.
	rootAlbum string
}

func (a *adopter) run(ctx context.Context) error {
	if err := a.placeExisting(); err != nil {
		return err
	}
	for _, album := range a.ch.albums {
		p, ok := a.ps.places[album.ID]
		if !ok || p.folder != a.root {
			continue
		}
		for _, it := range a.ch.listed[album.ID] {
			if err := a.match(ctx, it, p.dir, album.ID); err != nil {
				return err
			}
		}
	}
	for _, it := range a.ch.loose {
		if err := a.match(ctx, it, "", ""); err != nil {
			return err
		}
	}
	return nil
}

// placeExisting places each unplaced album whose title maps to an existing
// directory of the folder in that directory, and an album whose title is
// the folder's root_album at the folder root.
func (a *adopter) placeExisting() error {
	rootTitle, hasRootAlbum := albumTitle("", a.rootAlbum)
	return storeError(a.s.opts.Store.Update(func(tx *state.Tx) error {
		for _, album := range a.ch.albums {
			if _, ok := a.ps.places[album.ID]; ok {
				continue
			}
			if hasRootAlbum && album.Title == rootTitle {
				if err := placeRootAlbum(tx, album, a.root); err != nil {
					return err
				}
				a.ps.places[album.ID] = place{folder: a.root}
				a.s.log.Info().Str("folder", a.root).Str("album", album.ID).
					Msg("adopted remote album as the folder root")
				continue
			}
			dir := AlbumDir(album.Title, album.ID)
			info, err := os.Lstat(filepath.Join(a.root, filepath.FromSlash(dir)))
			if err != nil || !info.IsDir() {
				continue
			}
			if _, taken, err := tx.AlbumForDir(a.root, dir, 0); err != nil || taken {
				if err != nil {
					return err
				}
				continue
			}
			if err := placeAlbum(tx, album, a.root, dir); err != nil {
				return err
			}
			a.ps.places[album.ID] = place{folder: a.root, dir: dir}
			a.s.log.Info().Str("folder", a.root).Str("album", album.ID).Str("path", dir).
				Msg("adopted remote album as existing directory")
		}
		return nil
	}))
}

// match records the local file at the name it maps to as item it, when
// that file's bytes equal a download of the item.
func (a *adopter) match(ctx context.Context, it RemoteItem, dir, albumID string) error {
	if it.Processing {
		return nil
	}
	rel := path.Join(dir, SafeName(it.Filename, it.ID))
	full := filepath.Join(a.root, filepath.FromSlash(rel))
	info, err := os.Lstat(full)
	if err != nil || !info.Mode().IsRegular() {
		return nil
	}
	local, err := fileSHA256(full)
	if err != nil {
		return nil
	}
	params := "d"
	if it.Video {
		params = "dv"
	}
	hash := sha256.New()
	if _, err := a.reader.Download(ctx, it.BaseURL, params, hash); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// The upload direction identifies the file by its bytes instead.
		a.s.log.Warn().Err(err).Str("folder", a.root).Str("path", rel).Str("media_id", it.ID).
			Msg("adoption download failed")
		return nil
	}
	if hex.EncodeToString(hash.Sum(nil)) != local {
		return nil
	}
	f := &fetched{size: info.Size(), modTime: info.ModTime(), sha256: local}
	err = a.s.opts.Store.Update(func(tx *state.Tx) error {
		d := downloadRun{s: a.s, root: a.root}
		return d.recordTx(tx, f, it, rel, albumID, "")
	})
	if err != nil {
		return storeError(err)
	}
	a.s.log.Info().Str("folder", a.root).Str("path", rel).Str("media_id", it.ID).Msg("adopted local file")
	return nil
}

func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hasLocalEntries reports whether the folder at root holds anything besides
// its metadata directory. An empty folder has nothing to adopt, and the
// download direction fills it.
func hasLocalEntries(root string) bool {
	entries, err := os.ReadDir(root)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if e.Name() != MetaDir {
			return true
		}
	}
	return false
}
