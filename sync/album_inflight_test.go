package sync

import (
	"context"
	"slices"
	"strconv"
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

// A 500, 502 or 504 from albums.create may come after the album was made,
// so the journal entry stays and the next pass waits out the window before
// it creates one. A 503 made nothing, so the next pass creates it at once.
func TestAlbumCreateErrorKeepsJournalWhenUnsure(t *testing.T) {
	for _, tc := range []struct {
		status int
		// waits reports whether the next pass must wait for the window.
		waits bool
	}{
		{status: 502, waits: true},
		{status: 504, waits: true},
		{status: 500, waits: true},
		{status: 503, waits: false},
	} {
		t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
			h := newHarness(t)
			t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
			now := t0
			h.settings = func(o *Options) { o.Now = func() time.Time { return now } }
			root := t.TempDir()
			writeFrom(t, root, "Trips/a.jpg", orientation(1))
			// The count outlasts the client's own retries of a 503.
			h.post("faults", map[string]any{"method": "albums.create", "status": tc.status, "count": 50})
			sum := h.sync(folderAt(root))
			if len(sum.Pending) != 1 {
				t.Fatalf("pending after the failed creation = %q, want Trips/a.jpg", pendingReasons(sum))
			}
			h.clearFaults()
			calls := h.requests().ByMethod["albums.create"]

			sum = h.sync(folderAt(root))
			made := h.requests().ByMethod["albums.create"] - calls
			if tc.waits {
				if made != 0 || len(sum.Pending) != 1 {
					t.Errorf("next pass inside the window: %d albums.create calls, pending %q; want none and Trips/a.jpg",
						made, pendingReasons(sum))
				}
				now = t0.Add(albumCreateWindow)
				sum = h.sync(folderAt(root))
			}
			if len(sum.Pending) != 0 {
				t.Errorf("pending = %q, want none", pendingReasons(sum))
			}
			if n := len(h.albums()); n != 1 {
				t.Errorf("emulator has %d albums, want 1", n)
			}
			if n := len(h.albums()["Trips"].MediaItemIDs); n != 1 {
				t.Errorf("album Trips has %d items, want 1", n)
			}
		})
	}
}

// A failed listing before albums.create leaves no creation journal entry,
// so the next pass creates the album without waiting.
func TestAlbumListingFailureLeavesNoJournal(t *testing.T) {
	h := newHarness(t)
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	h.settings = func(o *Options) { o.Now = func() time.Time { return t0 } }
	root := t.TempDir()
	writeFrom(t, root, "Trips/a.jpg", orientation(1))
	// The count outlasts the client's own retries.
	h.post("faults", map[string]any{"method": "albums.list", "status": 500, "count": 50})
	sum := h.sync(folderAt(root))
	if reasons := pendingReasons(sum); !slices.ContainsFunc(reasons, func(r string) bool {
		return strings.HasPrefix(r, "Trips/a.jpg: ")
	}) {
		t.Fatalf("pending after the failed listing = %q, want Trips/a.jpg among them", reasons)
	}
	if n := h.requests().ByMethod["albums.create"]; n != 0 {
		t.Fatalf("albums.create requests after the failed listing = %d, want 0", n)
	}
	h.clearFaults()

	sum = h.sync(folderAt(root))
	if len(sum.Pending) != 0 {
		t.Errorf("pending after the listing recovered = %q, want none", pendingReasons(sum))
	}
	if n := len(h.albums()["Trips"].MediaItemIDs); n != 1 {
		t.Errorf("album Trips has %d items, want 1", n)
	}
}
