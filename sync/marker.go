package sync

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// MetaDir is the metadata directory at the root of every synced folder.
const MetaDir = ".photosync"

// markerName is the marker file inside MetaDir.
const markerName = "folder.json"

// markerVersion is the format version written into new markers.
const markerVersion = 1

// Marker is the content of a folder's marker file.
type Marker struct {
	Version int       `json:"version"`
	Folder  string    `json:"folder"`
	Created time.Time `json:"created"`
}

// MarkerPath returns the path of the marker file of the folder at root.
func MarkerPath(root string) string {
	return filepath.Join(root, MetaDir, markerName)
}

// MissingFolderError reports a folder the store has synced before whose root
// or marker is gone, which is what an unmounted disk looks like. The folder
// must not be synced until the path is back, because its files would read as
// deleted.
type MissingFolderError struct {
	Folder string
	// Path is the missing path: the root or the marker file.
	Path string
	Err  error
}

// Error names the missing path and what to do.
func (e *MissingFolderError) Error() string {
	if e.Path == e.Folder {
		return fmt.Sprintf("folder %s is missing (%v); mount the disk or restore the folder, "+
			"then sync again. Its files are not treated as deleted until then",
			e.Folder, e.Err)
	}
	return fmt.Sprintf("folder %s: %s is missing (%v), so the folder may be an empty mount point; "+
		"if the folder's disk is mounted and these are the photos synced before, run "+
		"photosync sync --adopt-folder %s to write the marker again",
		e.Folder, e.Path, e.Err, e.Folder)
}

// AdoptFolder writes a new marker into the folder at root, replacing a
// missing or unreadable one, so that a folder the store has synced before
// is synced again. The caller must have confirmed that root is the folder
// synced before and not an empty mount point: its absent files then count
// as deleted.
func AdoptFolder(root string, now time.Time) error {
	info, err := os.Stat(root)
	if err != nil {
		return fmt.Errorf("adopt folder %s: %w; mount the disk or fix the path", root, err)
	}
	if !info.IsDir() {
		return fmt.Errorf("adopt folder %s: not a directory; give the folder that contains the photos", root)
	}
	if err := writeMarker(root, now); err != nil {
		return fmt.Errorf("adopt folder %s: %w", root, err)
	}
	return nil
}

// Unwrap returns the underlying file system error.
func (e *MissingFolderError) Unwrap() error { return e.Err }

// CheckMarker checks the root and the marker of the folder at root. A folder
// that the store has never synced (known is false) gets a new marker. For a
// known folder, a missing root or marker is a *MissingFolderError. With
// dryRun set, a missing marker of a new folder is not created.
func CheckMarker(root string, known, dryRun bool, now time.Time) error {
	info, err := os.Stat(root)
	if err != nil {
		if known {
			return &MissingFolderError{Folder: root, Path: root, Err: err}
		}
		return fmt.Errorf("folder %s: %w; create it or fix the path in the config", root, err)
	}
	if !info.IsDir() {
		return fmt.Errorf("folder %s: not a directory; point the config at the folder that contains the photos", root)
	}
	marker := MarkerPath(root)
	data, err := os.ReadFile(marker)
	switch {
	case err == nil:
		var m Marker
		if err := json.Unmarshal(data, &m); err != nil {
			return fmt.Errorf("folder %s: read marker %s: %w; if these are the photos synced before, "+
				"run photosync sync --adopt-folder %s to write the marker again", root, marker, err, root)
		}
		return nil
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("folder %s: read marker: %w", root, err)
	case known:
		return &MissingFolderError{Folder: root, Path: marker, Err: err}
	case dryRun:
		return nil
	}
	return writeMarker(root, now)
}

// writeMarker creates the marker through a temporary file and a rename, and
// syncs the directory, so a crash leaves either no marker or a whole one.
func writeMarker(root string, now time.Time) error {
	dir := filepath.Join(root, MetaDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create marker: %w", err)
	}
	data, err := json.MarshalIndent(Marker{Version: markerVersion, Folder: root, Created: now.UTC()}, "", "  ")
	if err != nil {
		return fmt.Errorf("create marker: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".folder-*.json")
	if err != nil {
		return fmt.Errorf("create marker: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("create marker: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("create marker: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("create marker: %w", err)
	}
	if err := os.Rename(tmp.Name(), MarkerPath(root)); err != nil {
		return fmt.Errorf("create marker: %w", err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}
