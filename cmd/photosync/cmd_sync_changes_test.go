package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// emuLibrary is the emulator's items by content hash and albums by title.
type emuLibrary struct {
	itemBySHA map[string]string
	members   map[string][]string
}

func (e *syncEnv) library() emuLibrary {
	e.t.Helper()
	items, albums := e.emu.Library()
	lib := emuLibrary{itemBySHA: map[string]string{}, members: map[string][]string{}}
	for _, it := range items {
		lib.itemBySHA[it.SHA256] = it.ID
	}
	for _, a := range albums {
		lib.members[a.Title] = a.MediaItemIDs
	}
	return lib
}

// syncOK runs one sync that must exit 0 and returns the uploads it sent.
func (e *syncEnv) syncOK(step string) int {
	e.t.Helper()
	before := e.emu.Requests()
	if res := e.sync(); res.Code != exitOK {
		e.t.Fatalf("%s: sync exit %d; stdout:\n%s\nstderr:\n%s", step, res.Code, res.Stdout, res.Stderr)
	}
	after := e.emu.Requests()
	return after.ByMethod["uploads"] - before.ByMethod["uploads"]
}

func shaOf(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// TestSyncCommandLocalChanges runs an add, a change, a rename, a move and
// a delete through the binary, one sync after each.
func TestSyncCommandLocalChanges(t *testing.T) {
	e := newSyncEnv(t)
	e.copyMedia()
	e.syncOK("first sync")
	dir := filepath.Join(e.root, "Orientation")
	old := time.Now().Add(-time.Hour)
	settled := func(name string) {
		t.Helper()
		if err := os.Chtimes(name, old, old); err != nil {
			t.Fatal(err)
		}
	}

	// Add: a new photo is uploaded into its directory's album.
	data, err := os.ReadFile(filepath.Join(dir, "f1-exif.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	added := filepath.Join(dir, "added.jpg")
	if err := os.WriteFile(added, append(data, "added"...), 0o644); err != nil {
		t.Fatal(err)
	}
	settled(added)
	if n := e.syncOK("add"); n != 1 {
		t.Errorf("add: %d uploads, want 1", n)
	}
	lib := e.library()
	addedID := lib.itemBySHA[shaOf(t, added)]
	if addedID == "" || !slices.Contains(lib.members["Orientation"], addedID) {
		t.Errorf("add: item %q of added.jpg is not in album Orientation", addedID)
	}

	// Change: new content is uploaded and replaces the old item in the
	// album.
	if err := os.WriteFile(added, append(data, "changed"...), 0o644); err != nil {
		t.Fatal(err)
	}
	settled(added)
	if n := e.syncOK("change"); n != 1 {
		t.Errorf("change: %d uploads, want 1", n)
	}
	lib = e.library()
	changedID := lib.itemBySHA[shaOf(t, added)]
	if changedID == "" || !slices.Contains(lib.members["Orientation"], changedID) {
		t.Errorf("change: new item %q is not in album Orientation", changedID)
	}
	if slices.Contains(lib.members["Orientation"], addedID) {
		t.Errorf("change: old item %s is still in album Orientation", addedID)
	}

	// Rename inside the directory: nothing is sent and the item stays.
	renamed := filepath.Join(dir, "renamed.jpg")
	if err := os.Rename(added, renamed); err != nil {
		t.Fatal(err)
	}
	if n := e.syncOK("rename"); n != 0 {
		t.Errorf("rename: %d uploads, want 0", n)
	}
	if lib = e.library(); !slices.Contains(lib.members["Orientation"], changedID) {
		t.Errorf("rename: item %s left album Orientation", changedID)
	}

	// Move to another directory: nothing is sent and the item changes
	// albums.
	moved := filepath.Join(e.root, "Videos", "moved.jpg")
	if err := os.Rename(renamed, moved); err != nil {
		t.Fatal(err)
	}
	if n := e.syncOK("move"); n != 0 {
		t.Errorf("move: %d uploads, want 0", n)
	}
	lib = e.library()
	if !slices.Contains(lib.members["Videos"], changedID) {
		t.Errorf("move: item %s is not in album Videos", changedID)
	}
	if slices.Contains(lib.members["Orientation"], changedID) {
		t.Errorf("move: item %s is still in album Orientation", changedID)
	}

	// Delete: the item leaves its album, and the file is not downloaded
	// back.
	if err := os.Remove(moved); err != nil {
		t.Fatal(err)
	}
	if n := e.syncOK("delete"); n != 0 {
		t.Errorf("delete: %d uploads, want 0", n)
	}
	if lib = e.library(); slices.Contains(lib.members["Videos"], changedID) {
		t.Errorf("delete: item %s is still in album Videos", changedID)
	}
	if _, err := os.Stat(moved); !os.IsNotExist(err) {
		t.Errorf("delete: %s is back after the sync (stat error %v)", moved, err)
	}
	e.syncOK("final sync")
}
