package sync

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSyncAfterLostStateAdoptsAlbums(t *testing.T) {
	h := newHarness(t)
	root, want := faultFixture(t)
	h.sync(folderAt(root))
	albumsBefore := h.albums()

	// The user moves the state directory aside, as the damaged-state
	// message advises, and syncs again. The marker stays.
	if err := h.store.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(h.dir, "state.db"), filepath.Join(h.dir, "state.db.damaged")); err != nil {
		t.Fatal(err)
	}
	h.openStore()
	sum := h.sync(folderAt(root))

	if sum.AlbumsCreated != 0 {
		t.Errorf("second sync created %d albums, want 0", sum.AlbumsCreated)
	}
	albumsAfter := h.albums() // Fails the test on two albums with one title.
	if len(albumsAfter) != len(albumsBefore) {
		t.Errorf("albums after the lost state: %d, want %d", len(albumsAfter), len(albumsBefore))
	}
	for title, a := range albumsBefore {
		if albumsAfter[title].ID != a.ID {
			t.Errorf("album %q is %s, want the original %s", title, albumsAfter[title].ID, a.ID)
		}
	}
	h.checkConverged(root, want) // Fails the test on two items with one content.
}

func TestSyncDoesNotAdoptAnotherFoldersAlbum(t *testing.T) {
	h := newHarness(t)
	first, _ := faultFixture(t)
	second, _ := faultFixture(t)
	h.sync(folderAt(first))
	h.sync(folderAt(second))

	// Both folders have directories A and B, so each title is wanted
	// twice. The second folder must get its own albums, not take over
	// the first folder's, which the store already has.
	byTitle := map[string]int{}
	var out struct{ Albums []emuAlbum }
	h.inspect("albums", &out)
	for _, a := range out.Albums {
		byTitle[a.Title]++
	}
	for _, title := range []string{"A", "B"} {
		if byTitle[title] != 2 {
			t.Errorf("albums titled %q: %d, want 2, one per folder", title, byTitle[title])
		}
	}
}
