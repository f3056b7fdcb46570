package sync

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/photosync/photosync/config"
	"github.com/photosync/photosync/state"
)

// waitUntil polls cond until it holds, or fails the test after 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func pendingReasons(sum *Summary) []string {
	reasons := make([]string, len(sum.Pending))
	for i, p := range sum.Pending {
		reasons[i] = p.Path + ": " + p.Reason
	}
	return reasons
}

func TestAlbumCreateInFlightAdopted(t *testing.T) {
	h := newHarness(t)
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	h.settings = func(o *Options) { o.Now = func() time.Time { return t0 } }
	root := t.TempDir()
	writeFrom(t, root, "Trips/a.jpg", orientation(1))
	if err := CheckMarker(root, false, false, t0); err != nil {
		t.Fatal(err)
	}
	h.post("faults", map[string]any{"method": "albums.create", "delay": "1s", "count": 1})

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := h.syncCtx(ctx, folderAt(root))
		done <- err
	}()
	waitUntil(t, "the albums.create request", func() bool {
		return h.requests().ByMethod["albums.create"] >= 1
	})
	cancel()
	<-done

	// The restart lists no album yet, because the server still holds the
	// request, so it must not create one.
	sum := h.sync(folderAt(root))
	reasons := pendingReasons(sum)
	if len(reasons) != 1 || !strings.Contains(reasons[0], `album creation for "Trips" may still be in progress`) {
		t.Errorf("pending = %q, want Trips/a.jpg waiting for the album creation", reasons)
	}
	if n := h.requests().ByMethod["albums.create"]; n != 1 {
		t.Errorf("albums.create calls after the restart = %d, want 1", n)
	}

	waitUntil(t, "the held album creation", func() bool { return len(h.albums()) == 1 })
	sum = h.sync(folderAt(root))
	if len(sum.Pending) != 0 {
		t.Errorf("pending after the album appeared = %q, want none", pendingReasons(sum))
	}
	if n := h.requests().ByMethod["albums.create"]; n != 1 {
		t.Errorf("albums.create calls = %d, want 1", n)
	}
	albums := h.albums()
	if n := len(albums["Trips"].MediaItemIDs); n != 1 {
		t.Errorf("album Trips has %d items, want 1", n)
	}
}

func TestAlbumCreateAfterWindow(t *testing.T) {
	h := newHarness(t)
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	now := t0
	h.settings = func(o *Options) { o.Now = func() time.Time { return now } }
	root := t.TempDir()
	writeFrom(t, root, "Trips/a.jpg", orientation(1))
	if err := CheckMarker(root, false, false, t0); err != nil {
		t.Fatal(err)
	}
	// A killed pass journaled the creation at t0, and its request never
	// reached the server.
	err := h.store.Update(func(tx *state.Tx) error {
		if err := tx.PutFolder(state.Folder{ID: root}); err != nil {
			return err
		}
		return tx.PutMeta(albumMetaKey(metaAlbumCreating, root, "Trips", 0), creatingValue(t0, "Trips"))
	})
	if err != nil {
		t.Fatal(err)
	}

	now = t0.Add(albumCreateWindow - time.Second)
	sum := h.sync(folderAt(root))
	if len(sum.Pending) != 1 {
		t.Errorf("pending inside the window = %q, want Trips/a.jpg", pendingReasons(sum))
	}
	if n := len(h.albums()); n != 0 {
		t.Errorf("emulator has %d albums inside the window, want 0", n)
	}

	now = t0.Add(albumCreateWindow)
	sum = h.sync(folderAt(root))
	if len(sum.Pending) != 0 {
		t.Errorf("pending after the window = %q, want none", pendingReasons(sum))
	}
	if sum.AlbumsCreated != 1 {
		t.Errorf("AlbumsCreated = %d, want 1", sum.AlbumsCreated)
	}
	if n := len(h.albums()["Trips"].MediaItemIDs); n != 1 {
		t.Errorf("album Trips has %d items, want 1", n)
	}
}

func TestCreatingValueRoundTrip(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 5, time.UTC)
	if got := creatingStart(creatingValue(t0, "a\x00b")); !got.Equal(t0) {
		t.Errorf("creatingStart = %v, want %v", got, t0)
	}
	if got := creatingStart("Trips"); !got.IsZero() {
		t.Errorf("creatingStart of an entry without a time = %v, want the zero time", got)
	}
}

// syncCtx runs one pass with ctx.
func (h *harness) syncCtx(ctx context.Context, folders ...config.Folder) (*Summary, error) {
	opts := Options{Store: h.store, Remote: NewRemote(h.client), Requests: h.counter,
		Budget: Budget{DailyLimit: 10000, PollReserve: 1000}, Workers: 4}
	if h.settings != nil {
		h.settings(&opts)
	}
	s, err := New(opts)
	if err != nil {
		return nil, err
	}
	return s.Run(ctx, folders)
}

func TestAlbumCreateErrorNoWait(t *testing.T) {
	h := newHarness(t)
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	h.settings = func(o *Options) { o.Now = func() time.Time { return t0 } }
	root := t.TempDir()
	writeFrom(t, root, "Trips/a.jpg", orientation(1))
	if err := CheckMarker(root, false, false, t0); err != nil {
		t.Fatal(err)
	}
	// The server responds to the request with an error, so it is over and the
	// next pass retries at once.
	h.post("faults", map[string]any{"method": "albums.create", "status": 500, "count": 10})
	sum := h.sync(folderAt(root))
	if len(sum.Pending) != 1 {
		t.Errorf("pending after the failed creation = %q, want Trips/a.jpg", pendingReasons(sum))
	}
	h.clearFaults()

	sum = h.sync(folderAt(root))
	if len(sum.Pending) != 0 {
		t.Errorf("pending after the retry = %q, want none", pendingReasons(sum))
	}
	if n := len(h.albums()["Trips"].MediaItemIDs); n != 1 {
		t.Errorf("album Trips has %d items, want 1", n)
	}
}
