package reliability

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/photosync/photosync/internal/testenv"
	"github.com/photosync/photosync/state"
)

// openStore opens the stopped install's store for writing, to damage it.
func (e *env) openStore() *state.Store {
	e.t.Helper()
	store, err := state.Open(filepath.Join(e.stateDir, "state.db"), state.Options{})
	if err != nil {
		e.t.Fatalf("open state: %v", err)
	}
	return store
}

func (e *env) syncOK() {
	e.t.Helper()
	if res := e.run("sync"); res.Code != 0 {
		e.t.Fatalf("sync: %s", res)
	}
}

func TestStateCheckCleanAfterSync(t *testing.T) {
	e := newEnv(t)
	e.addPhotos("Trips/2024", 3, "a")
	e.addPhotos("", 2, "root")
	e.syncOK()

	res := e.run("state", "check")
	if res.Code != 0 {
		t.Fatalf("state check after a sync: %s", res)
	}
	if !strings.Contains(res.Stdout, "checked 5 files, 5 media items and 1 albums (compared with the server): 0 problems") {
		t.Errorf("state check summary missing: %s", res)
	}
}

func TestStateCheckReportsLocalDisagreements(t *testing.T) {
	e := newEnv(t)
	e.addPhotos("Trips", 3, "a")
	e.syncOK()

	gone := filepath.Join(e.root, "Trips", "a-0.jpg")
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}
	changed := filepath.Join(e.root, "Trips", "a-1.jpg")
	if err := os.WriteFile(changed, []byte("not the synced bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.addPhotos("Trips", 1, "new")

	res := e.run("state", "check", "--local-only")
	if res.Code != 1 {
		t.Fatalf("state check exit %d, want 1: %s", res.Code, res)
	}
	for _, want := range []string{
		"file-gone " + e.root + "/Trips/a-0.jpg: synced file is gone from disk",
		"file-unrecorded " + e.root + "/Trips/new-0.jpg:",
		"(not compared with the server): 2 problems",
	} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("state check output lacks %q: %s", want, res)
		}
	}
	// The changed file is no longer a supported photo, so the scan keeps
	// it out and its record is still there: no finding of its own.
	if strings.Contains(res.Stdout, "a-1.jpg") {
		t.Errorf("state check reports a file the scan skips: %s", res)
	}
}

func TestStateCheckReportsFileChange(t *testing.T) {
	e := newEnv(t)
	e.addPhotos("Trips", 1, "a")
	e.syncOK()
	// Other bytes of the same kind under the same name.
	e.addPhotos("Trips", 1, "b")
	if err := os.Rename(filepath.Join(e.root, "Trips", "b-0.jpg"), filepath.Join(e.root, "Trips", "a-0.jpg")); err != nil {
		t.Fatal(err)
	}
	res := e.run("state", "check", "--local-only")
	if res.Code != 1 || !strings.Contains(res.Stdout, "file-changed "+e.root+"/Trips/a-0.jpg:") {
		t.Errorf("state check did not report the changed file: %s", res)
	}
}

func TestStateCheckRepairsMissingItem(t *testing.T) {
	e := newEnv(t)
	e.addPhotos("Trips", 2, "a")
	e.syncOK()

	// Point one file at an item the server never created: the record of
	// a library the user emptied in another way, or of a lost creation.
	store := e.openStore()
	f, ok, err := store.GetFile(e.root, "Trips/a-0.jpg")
	if err != nil || !ok {
		t.Fatalf("read record: ok %v, err %v", ok, err)
	}
	item, _, err := store.GetMediaItem(f.MediaItemID)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.DeleteMediaItem(item.ID); err != nil {
		t.Fatal(err)
	}
	item.ID = "never-created"
	f.MediaItemID = item.ID
	if err := store.PutMediaItem(item); err != nil {
		t.Fatal(err)
	}
	if err := store.PutFile(f); err != nil {
		t.Fatal(err)
	}
	store.Close()

	res := e.run("state", "check")
	if res.Code != 1 || !strings.Contains(res.Stdout, "item-missing never-created:") {
		t.Fatalf("state check did not report the missing item: %s", res)
	}
	res = e.run("state", "check", "--repair")
	if !strings.Contains(res.Stdout, "repaired: dropped the record; 1 files are pending") {
		t.Fatalf("state check --repair did not repair: %s", res)
	}
	e.syncOK()
	e.checkConverged()
	e.checkStateClean()
}

func TestStateCheckRepairsMissingAlbum(t *testing.T) {
	e := newEnv(t)
	e.addPhotos("Trips", 2, "a")
	e.syncOK()

	// Swap the album's id for one the server does not know.
	store := e.openStore()
	album, ok, err := store.AlbumForDir(e.root, "Trips", 0)
	if err != nil || !ok {
		t.Fatalf("read album: ok %v, err %v", ok, err)
	}
	oldID := album.ID
	album.Folder, album.Dir = "", ""
	if err := store.PutAlbum(album); err != nil {
		t.Fatal(err)
	}
	album.ID, album.Folder, album.Dir = "unknown-album", e.root, "Trips"
	if err := store.PutAlbum(album); err != nil {
		t.Fatal(err)
	}
	err = store.Update(func(tx *state.Tx) error {
		return tx.ForEachFile(e.root, func(f state.File) error {
			if f.AlbumID != oldID {
				return nil
			}
			f.AlbumID = "unknown-album"
			return tx.PutFile(f)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	store.Close()

	res := e.run("state", "check")
	if res.Code != 1 || !strings.Contains(res.Stdout, "album-missing unknown-album:") {
		t.Fatalf("state check did not report the missing album: %s", res)
	}
	uploadsBefore := e.emu.Requests().UploadBytes
	if res := e.run("state", "check", "--repair"); !strings.Contains(res.Stdout, "2 files are pending") {
		t.Fatalf("state check --repair did not repair: %s", res)
	}
	e.syncOK()
	if sent := e.emu.Requests().UploadBytes - uploadsBefore; sent != 0 {
		t.Errorf("the sync after the album repair sent %d upload bytes, want 0", sent)
	}
	// The test's first album still exists on the server, beside the new
	// one that the repaired sync created.
	items, albums := e.emu.Library()
	if len(items) != 2 {
		t.Errorf("emulator has %d items, want 2", len(items))
	}
	var fresh []testenv.Album
	for _, a := range albums {
		if a.Title == "Trips" && a.ID != oldID {
			fresh = append(fresh, a)
		}
	}
	if len(fresh) != 1 || len(fresh[0].MediaItemIDs) != 2 {
		t.Errorf("albums after the repair = %+v, want one new album \"Trips\" with both items", albums)
	}
	e.checkStateClean()
}

func TestStateCheckMissingFolder(t *testing.T) {
	e := newEnv(t)
	e.addPhotos("Trips", 2, "a")
	e.syncOK()
	if err := os.Rename(e.root, e.root+"-unmounted"); err != nil {
		t.Fatal(err)
	}
	res := e.run("state", "check", "--repair", "--local-only")
	if res.Code != 1 || !strings.Contains(res.Stdout, "folder-missing "+e.root+":") {
		t.Fatalf("state check did not report the missing folder: %s", res)
	}
	if strings.Contains(res.Stdout, "repaired") {
		t.Errorf("state check repaired records of a missing folder: %s", res)
	}
	if err := os.Rename(e.root+"-unmounted", e.root); err != nil {
		t.Fatal(err)
	}
	e.checkStateClean()
}

func TestStateCheckWhileLocked(t *testing.T) {
	e := newEnv(t)
	e.addPhotos("", 1, "a")
	e.syncOK()
	store := e.openStore()
	defer store.Close()
	res := e.run("state", "check")
	if res.Code != 3 || !strings.Contains(res.Stderr, "stop the daemon or the running sync") {
		t.Errorf("state check of a locked store: %s", res)
	}
}
