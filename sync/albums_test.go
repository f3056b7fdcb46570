package sync

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/photosync/photosync/state"
)

// writeVariants writes n photos with distinct contents into dir under root:
// sample JPEGs with a unique trailer after the end marker.
func writeVariants(t *testing.T, root, dir string, n int) {
	t.Helper()
	for i := range n {
		data, err := os.ReadFile(filepath.Join(repoMedia(t), orientation(i%8+1)))
		if err != nil {
			t.Fatal(err)
		}
		data = append(data, fmt.Sprintf("variant %s %d", dir, i)...)
		target := filepath.Join(root, dir, fmt.Sprintf("v%03d.jpg", i))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(target, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSyncBatchesOf50(t *testing.T) {
	h := newHarness(t)
	root := t.TempDir()
	writeVariants(t, root, "Big", 120)
	sum := h.sync(folderAt(root))
	if sum.Uploaded != 120 {
		t.Fatalf("uploaded %d, want 120", sum.Uploaded)
	}
	reqs := h.requests()
	if n := reqs.ByMethod["mediaItems.batchCreate"]; n != 3 {
		t.Errorf("batchCreate calls = %d, want 3 for 120 items", n)
	}
	if n := reqs.ByMethod["albums.create"]; n != 1 {
		t.Errorf("albums.create calls = %d, want 1", n)
	}
	if n := reqs.ByMethod["albums.batchAddMediaItems"]; n != 0 {
		t.Errorf("batchAddMediaItems calls = %d, want 0 because batchCreate names the album", n)
	}
	if n := len(h.albums()["Big"].MediaItemIDs); n != 120 {
		t.Errorf("album Big has %d items, want 120", n)
	}
}

func TestSyncAlbumOverflow(t *testing.T) {
	h := newHarness(t)
	root := t.TempDir()
	writeFrom(t, root, "Trips/a.jpg", orientation(1))
	h.sync(folderAt(root))

	// Pretend the album is one item short of Google's cap.
	// NOTE: only the store's count is full here. Filling the emulator's
	// album for real takes 20,000 uploads and 400 batchCreate calls, too
	// slow for a unit test, so the emulator's rejection of an add to a full
	// album is never reached from this package.
	h.setAlbumRoom(root, "Trips", 1)
	writeFrom(t, root, "Trips/b.jpg", orientation(2))
	writeFrom(t, root, "Trips/c.jpg", orientation(3))
	h.sync(folderAt(root))

	albums := h.albums()
	if n := len(albums["Trips"].MediaItemIDs); n != 2 {
		t.Errorf("album Trips has %d items, want 2 (it took one more before its cap)", n)
	}
	if n := len(albums["Trips (2)"].MediaItemIDs); n != 1 {
		t.Errorf("overflow album Trips (2) has %d items, want 1", n)
	}
}

func TestSyncInterruptedAlbumCreation(t *testing.T) {
	h := newHarness(t)
	root := t.TempDir()
	writeFrom(t, root, "Trips/a.jpg", orientation(1))
	if err := CheckMarker(root, false, false, t0); err != nil {
		t.Fatal(err)
	}
	// A crash after albums.create went out leaves the album remotely and
	// the journal entry locally, with no album record.
	remote := NewRemote(h.client)
	id, err := remote.CreateAlbum(t.Context(), "Trips")
	if err != nil {
		t.Fatal(err)
	}
	err = h.store.Update(func(tx *state.Tx) error {
		if err := tx.PutFolder(state.Folder{ID: root}); err != nil {
			return err
		}
		return tx.PutMeta(albumMetaKey(metaAlbumCreating, root, "Trips", 0), "Trips")
	})
	if err != nil {
		t.Fatal(err)
	}

	h.sync(folderAt(root))
	albums := h.albums()
	if len(albums) != 1 {
		t.Fatalf("emulator has %d albums, want 1: %v", len(albums), albums)
	}
	if albums["Trips"].ID != id {
		t.Errorf("album Trips is %s, want the one created before the crash, %s", albums["Trips"].ID, id)
	}
	if n := len(albums["Trips"].MediaItemIDs); n != 1 {
		t.Errorf("album Trips has %d items, want 1", n)
	}
}

func TestSyncManyWorkersOneAlbum(t *testing.T) {
	h := newHarness(t)
	root := t.TempDir()
	writeVariants(t, root, "Same", 30)
	h.settings = func(o *Options) { o.Workers = 16 }
	h.sync(folderAt(root))
	if n := h.requests().ByMethod["albums.create"]; n != 1 {
		t.Errorf("albums.create calls = %d, want 1", n)
	}
}

func TestCreateLaneFlushesWaitingBatch(t *testing.T) {
	h := newHarness(t)
	root := t.TempDir()
	writeFrom(t, root, "Slow/a.jpg", orientation(1))
	if err := CheckMarker(root, false, false, t0); err != nil {
		t.Fatal(err)
	}
	e := h.plannedExecutor(root)
	op := e.fr.plan.Ops[0]
	job, ok, err := e.upload(t.Context(), op, false, nil)
	if err != nil || !ok {
		t.Fatalf("upload: ok %v, error %v", ok, err)
	}

	lane := newCreateLane(e)
	if err := lane.add(t.Context(), job); err != nil {
		t.Fatal(err)
	}
	if err := lane.flushWaiting(t.Context(), lane.since["Slow"]); err != nil {
		t.Fatal(err)
	}
	if n := len(h.items()); n != 0 {
		t.Fatalf("a batch younger than the cutoff was created: %d items", n)
	}
	if err := lane.flushWaiting(t.Context(), lane.since["Slow"].Add(time.Nanosecond)); err != nil {
		t.Fatal(err)
	}
	if n := len(h.albums()["Slow"].MediaItemIDs); n != 1 {
		t.Errorf("album Slow has %d items after the waiting batch was flushed, want 1", n)
	}
}
