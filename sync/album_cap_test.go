package sync

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/photosync/photosync/state"
)

// setAlbumRoom sets the stored item count of the album of dir so that it
// has room for room more items before Google's cap.
func (h *harness) setAlbumRoom(root, dir string, room int) {
	h.t.Helper()
	err := h.store.Update(func(tx *state.Tx) error {
		a, ok, err := tx.AlbumForDir(root, dir, 0)
		if err != nil || !ok {
			return fmt.Errorf("album of %s: found %v, %w", dir, ok, err)
		}
		a.ItemCount = maxAlbumItems - room
		return tx.PutAlbum(a)
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

// syncedTrips syncs one photo into album Trips of a new folder and writes
// n new photos into Trips. A room above 0 sets the album's stored count so
// that it has room for that many more items. It returns the folder and an
// executor with the new photos' plan.
func (h *harness) syncedTrips(room, n int) (string, *executor) {
	h.t.Helper()
	root := h.t.TempDir()
	writeFrom(h.t, root, "Trips/a.jpg", orientation(1))
	h.sync(folderAt(root))
	if room > 0 {
		h.setAlbumRoom(root, "Trips", room)
	}
	writeNoiseJPEGs(h.t, root, "Trips", n)
	return root, h.plannedExecutor(root)
}

// plannedExecutor scans and plans root with a new Syncer and returns an
// executor for the plan, for tests that drive the upload steps one by one.
func (h *harness) plannedExecutor(root string) *executor {
	h.t.Helper()
	s, err := New(Options{Store: h.store, Remote: NewRemote(h.client)})
	if err != nil {
		h.t.Fatal(err)
	}
	sum := newSummary()
	fr, err := s.prepare(h.t.Context(), folderAt(root), sum)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := s.plan(fr, sum); err != nil {
		h.t.Fatal(err)
	}
	return &executor{s: s, fr: fr, sum: sum, unremoved: map[string]bool{}}
}

// writeNoiseJPEGs writes n distinct small JPEGs of random pixels under
// root/dir.
func writeNoiseJPEGs(t *testing.T, root, dir string, n int) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(n), 7))
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for i := range n {
		for p := range img.Pix {
			img.Pix[p] = uint8(rng.Uint32())
		}
		img.Set(0, 0, color.RGBA{R: uint8(i), G: uint8(i >> 8), A: 255})
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(root, dir, fmt.Sprintf("IMG_%04d.jpg", i))
		if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// The lane records created items in the background, after it has gone on
// to the next batch. An album near its cap must count those items too, or
// the next batch would overfill it.
func TestSyncAlbumCapCountsUnrecordedItems(t *testing.T) {
	h := newHarness(t)
	root := t.TempDir()
	writeFrom(t, root, "Trips/a.jpg", orientation(1))
	h.sync(folderAt(root))

	// The store's count leaves room for 60 more items: one full batch and
	// ten of the next.
	const room = 60
	h.setAlbumRoom(root, "Trips", room)
	writeNoiseJPEGs(t, root, "Trips", 2*MaxBatch)
	sum := h.sync(folderAt(root))
	if sum.Uploaded != 2*MaxBatch {
		t.Fatalf("uploaded %d files, want %d; failures: %s", sum.Uploaded, 2*MaxBatch, joinProblems(sum.Failed))
	}

	albums := h.albums()
	if n := len(albums["Trips"].MediaItemIDs); n != 1+room {
		t.Errorf("album Trips has %d items, want %d: its first item and the %d its cap left room for", n, 1+room, room)
	}
	if n := len(albums["Trips (2)"].MediaItemIDs); n != 2*MaxBatch-room {
		t.Errorf("overflow album Trips (2) has %d items, want %d", n, 2*MaxBatch-room)
	}
}

// A record commit adds its items to the album's stored count and takes
// them out of the uncounted ones in one step. So the lane never counts them
// twice, and never moves to an overflow album while the album has room.
func TestRecordCommitCountsItemsOnce(t *testing.T) {
	h := newHarness(t)
	const room = 20
	_, e := h.syncedTrips(room, 10)
	fr := e.fr
	lane := newCreateLane(e)
	for _, op := range fr.plan.Ops {
		job, ok, err := e.upload(t.Context(), op, false, nil)
		if err != nil || !ok {
			t.Fatalf("upload %s: ok %v, error %v", op.Path, ok, err)
		}
		if err := lane.add(t.Context(), job); err != nil {
			t.Fatal(err)
		}
	}
	if err := lane.flush(t.Context(), "Trips"); err != nil {
		t.Fatal(err)
	}
	if lane.unrecordedItems != 10 {
		t.Fatalf("%d items wait to be recorded, want 10", lane.unrecordedItems)
	}

	// The background commit, run here in place.
	if err := e.recordCreated(lane.unrecorded); err != nil {
		t.Fatal(err)
	}
	checkTripsRoom(t, e, room-10, "after the record")
}

// The lane reads an album's room while a record commit is in flight
// without waiting for that commit, as long as the album has room for a
// whole batch.
func TestAlbumRoomIgnoresCommitsInFlight(t *testing.T) {
	h := newHarness(t)
	_, e := h.syncedTrips(0, 1)

	// A record commit in flight holds commitMu until it has settled its
	// items.
	e.commitMu.Lock()
	defer e.commitMu.Unlock()
	type result struct {
		album state.Album
		room  int
		err   error
	}
	done := make(chan result, 1)
	go func() {
		a, room, err := e.albumWithRoom(t.Context(), "Trips")
		done <- result{a, room, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.album.Title != "Trips" || r.room != maxAlbumItems-1 {
			t.Errorf("album with room = %q with room %d, want \"Trips\" with room %d", r.album.Title, r.room, maxAlbumItems-1)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("albumWithRoom waited for the record commit in flight")
	}
}

// Between a record commit and the moment it takes its items out of the
// uncounted ones, the count read without waiting holds them twice: it
// gives less room than there is, never more. Near the cap, albumWithRoom
// waits for the commit instead and gives the exact room.
func TestAlbumRoomUnsettledCommit(t *testing.T) {
	h := newHarness(t)
	const room = 20
	root, e := h.syncedTrips(room, 1)
	var albumID string
	err := h.store.View(func(tx *state.Tx) error {
		a, _, err := tx.AlbumForDir(root, "Trips", 0)
		albumID = a.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	// Ten items created, then their record committed but not settled.
	e.addUncounted(albumID, 10)
	e.commitMu.Lock()
	if err := h.store.Update(func(tx *state.Tx) error { return countItems(tx, albumID, 10) }); err != nil {
		t.Fatal(err)
	}
	_, found, got, err := e.albumRoom("Trips", 0, false)
	if err != nil || !found {
		t.Fatalf("albumRoom: found %v, error %v", found, err)
	}
	if got != room-20 {
		t.Errorf("room read without waiting = %d, want %d (the unsettled items counted twice)", got, room-20)
	}
	e.countMu.Lock()
	e.addUncountedLocked(albumID, -10)
	e.settled++
	e.countMu.Unlock()
	e.commitMu.Unlock()

	checkTripsRoom(t, e, room-10, "after the commit settled")
}

// checkTripsRoom checks that the lane's next batch for directory Trips goes
// to album Trips, with want items of room left. when names the moment.
func checkTripsRoom(t *testing.T, e *executor, want int, when string) {
	t.Helper()
	album, left, err := e.albumWithRoom(t.Context(), "Trips")
	if err != nil {
		t.Fatal(err)
	}
	if album.Title != "Trips" || left != want {
		t.Errorf("album with room %s = %q with room %d, want \"Trips\" with room %d", when, album.Title, left, want)
	}
}
