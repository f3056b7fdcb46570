package testenv

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/photosync/photosync/internal/media"
)

// LocalFile is a supported photo or video of a synced folder.
type LocalFile struct {
	// Rel is the slash-separated path relative to the folder.
	Rel    string
	SHA256 string
	Size   int64
}

// SupportedFiles lists the files under root that a sync must upload:
// non-empty regular files whose bytes internal/media supports, outside
// hidden files and directories such as .photosync.
func SupportedFiles(tb testing.TB, root string) []LocalFile {
	tb.Helper()
	var files []LocalFile
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != root && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if len(data) == 0 || !media.Detect(data).Supported() {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		sum := sha256.Sum256(data)
		files = append(files, LocalFile{Rel: filepath.ToSlash(rel), SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))})
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return files
}

// CheckExactlyOnce checks that each distinct content of files is one item,
// in the album titled by the directory of each file that has it, that no
// two albums share a title, and that the library has no other item. Files
// at the top of the folder need no album.
func CheckExactlyOnce(tb testing.TB, files []LocalFile, items []Item, albums []Album) {
	tb.Helper()
	bySHA := map[string]string{}
	for _, it := range items {
		if other, dup := bySHA[it.SHA256]; dup {
			tb.Errorf("content %s is two items: %s and %s", it.SHA256[:12], other, it.ID)
		}
		bySHA[it.SHA256] = it.ID
	}
	members := map[string]map[string]bool{}
	for _, a := range albums {
		if members[a.Title] != nil {
			tb.Errorf("two albums titled %q", a.Title)
		}
		members[a.Title] = map[string]bool{}
		for _, id := range a.MediaItemIDs {
			members[a.Title][id] = true
		}
	}
	distinct := map[string]bool{}
	for _, f := range files {
		distinct[f.SHA256] = true
		id, ok := bySHA[f.SHA256]
		if !ok {
			tb.Errorf("%s: no item with its content", f.Rel)
			continue
		}
		if dir := path.Dir(f.Rel); dir != "." && !members[dir][id] {
			tb.Errorf("%s: item %s is not in album %q", f.Rel, id, dir)
		}
	}
	if len(bySHA) != len(distinct) {
		tb.Errorf("emulator has %d items, want %d: one per distinct local content", len(bySHA), len(distinct))
	}
}

// WaitFor polls cond every 20 ms until it holds, and fails the test when
// timeout passes first.
func WaitFor(tb testing.TB, what string, timeout time.Duration, cond func() bool) {
	tb.Helper()
	end := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(end) {
			tb.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not synchronization
	}
}
