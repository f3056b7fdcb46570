package sync

import (
	"errors"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/photosync/photosync/config"
	"github.com/photosync/photosync/state"
)

// faultFixture writes eight distinct photos into two sub-folders.
func faultFixture(t *testing.T) (string, map[string]string) {
	t.Helper()
	root := t.TempDir()
	want := map[string]string{}
	for i := 1; i <= 8; i++ {
		rel := path.Join([]string{"A", "B"}[i%2], "p"+string(rune('0'+i))+".jpg")
		writeFrom(t, root, rel, orientation(i))
		want[rel] = shaOfFile(t, filepath.Join(root, filepath.FromSlash(rel)))
	}
	return root, want
}

// checkConverged checks that every file's content is exactly one item, in
// the album of its directory, and that the store has every file synced.
func (h *harness) checkConverged(root string, want map[string]string) {
	h.t.Helper()
	bySHA := h.itemsBySHA()
	if len(bySHA) != len(want) {
		h.t.Errorf("emulator has %d distinct items, want %d", len(bySHA), len(want))
	}
	albums := h.albums()
	for rel, sha := range want {
		item, ok := bySHA[sha]
		if !ok {
			h.t.Errorf("%s: no item", rel)
			continue
		}
		if !hasString(albums[path.Dir(rel)].MediaItemIDs, item.ID) {
			h.t.Errorf("%s: item %s not in album %q", rel, item.ID, path.Dir(rel))
		}
	}
	err := h.store.View(func(tx *state.Tx) error {
		for rel := range want {
			f, ok, err := tx.GetFile(root, rel)
			if err != nil {
				return err
			}
			if !ok || f.Status != state.StatusSynced {
				h.t.Errorf("%s: store record %+v, want synced", rel, f)
			}
		}
		n := 0
		err := tx.ForEachUpload(func(u state.Upload) error { n++; return nil })
		if n != 0 {
			h.t.Errorf("%d pending uploads left in the store, want 0", n)
		}
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

// syncUntilDone runs passes until one leaves nothing pending, at most
// three.
func (h *harness) syncUntilDone(cfg config.Folder) {
	h.t.Helper()
	for range 3 {
		sum, err := h.syncErr(cfg)
		var fatal *FatalError
		if err != nil && !errors.As(err, &fatal) {
			h.t.Fatalf("sync: %v", err)
		}
		if err == nil && len(sum.Pending) == 0 && len(sum.Failed) == 0 {
			return
		}
	}
	h.t.Fatal("three passes left files pending")
}

func TestSyncConvergesAfterFaults(t *testing.T) {
	tests := []struct {
		name   string
		faults []map[string]any
	}{
		{name: "upload 503", faults: []map[string]any{{"method": "uploads", "status": 503, "count": 4}}},
		{name: "upload 429 per minute", faults: []map[string]any{{"method": "uploads", "preset": "perMinuteQuota", "count": 3}}},
		{name: "upload connection dropped", faults: []map[string]any{{"method": "uploads", "dropAfterBytes": 300, "count": 3}}},
		{name: "batchCreate 500", faults: []map[string]any{{"method": "mediaItems.batchCreate", "status": 500, "count": 1}}},
		{name: "batchCreate item internal error", faults: []map[string]any{{"method": "mediaItems.batchCreate",
			"itemStatus": map[string]any{"code": 13, "message": "Internal error"}, "count": 2}}},
		{name: "album creation 503", faults: []map[string]any{{"method": "albums.create", "status": 503, "count": 2}}},
		{name: "batchCreate dropped", faults: []map[string]any{{"method": "mediaItems.batchCreate", "dropAfterBytes": 10, "count": 1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			root, want := faultFixture(t)
			for _, f := range tc.faults {
				h.post("faults", f)
			}
			h.syncUntilDone(folderAt(root))
			h.checkConverged(root, want)
		})
	}
}

func TestSyncPermanentItemFailure(t *testing.T) {
	h := newHarness(t)
	root, want := faultFixture(t)
	h.post("faults", map[string]any{"method": "mediaItems.batchCreate", "count": 1,
		"itemStatus": map[string]any{"code": 3, "message": "Failed: There was an error while trying to create this media item."}})
	sum := h.sync(folderAt(root))
	if len(sum.Failed) != 1 {
		t.Fatalf("failed = %v, want one file", sum.Failed)
	}
	bad := sum.Failed[0].Path

	again := h.sync(folderAt(root))
	if again.Uploaded != 0 || len(again.Failed) != 1 {
		t.Errorf("unchanged failed file: uploaded %d, failed %v; want it held, not retried", again.Uploaded, again.Failed)
	}

	later := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(root, filepath.FromSlash(bad)), later, later); err != nil {
		t.Fatal(err)
	}
	h.sync(folderAt(root))
	h.checkConverged(root, want)
}

func TestSyncReusesTokensAfterFailedCreate(t *testing.T) {
	h := newHarness(t)
	root, want := faultFixture(t)
	h.post("faults", map[string]any{"method": "mediaItems.batchCreate", "status": 503, "count": 100})
	sum := h.sync(folderAt(root))
	if len(sum.Pending) != len(want) {
		t.Fatalf("pending = %d files, want %d", len(sum.Pending), len(want))
	}
	h.clearFaults()
	sent := h.requests()

	h.sync(folderAt(root))
	after := h.requests()
	if n := after.ByMethod["uploads"] - sent.ByMethod["uploads"]; n != 0 {
		t.Errorf("second sync sent %d byte uploads, want 0 because the stored tokens are live", n)
	}
	h.checkConverged(root, want)
}

func TestSyncExpiredTokensUploadAgain(t *testing.T) {
	h := newHarness(t)
	root, want := faultFixture(t)
	h.post("faults", map[string]any{"method": "mediaItems.batchCreate", "status": 503, "count": 100})
	h.sync(folderAt(root))
	h.clearFaults()
	h.post("clock", map[string]any{"advance": "25h"})
	sent := h.requests()

	h.syncUntilDone(folderAt(root))
	after := h.requests()
	if n := after.ByMethod["uploads"] - sent.ByMethod["uploads"]; n != len(want) {
		t.Errorf("byte uploads after the tokens expired = %d, want %d", n, len(want))
	}
	h.checkConverged(root, want)
}

func TestSyncResumableUploadResumes(t *testing.T) {
	h := newHarness(t)
	root := t.TempDir()
	writeFrom(t, root, "Big/clip.mp4", "Videos/clip-2010.mp4")
	size := int64(383631)
	want := map[string]string{"Big/clip.mp4": shaOfFile(t, filepath.Join(root, "Big", "clip.mp4"))}
	// The emulator's chunk granularity is 256 KiB, so a drop after 300 KB
	// leaves the first granule stored and the rest to resume.
	h.settings = func(o *Options) {
		o.ResumableThreshold = 1024
		o.Remote = startHookRemote{Remote: o.Remote, afterStart: func() {
			h.post("faults", map[string]any{"method": "uploads", "dropAfterBytes": 300000, "count": 1})
		}}
	}
	h.syncUntilDone(folderAt(root))
	h.checkConverged(root, want)
	if got := h.requests().UploadBytes; got >= 2*size {
		t.Errorf("upload bytes = %d for a file of %d, want the resumed upload to skip what the server had", got, size)
	}
}

func TestSyncDailyBudgetStopsUploads(t *testing.T) {
	h := newHarness(t)
	root, _ := faultFixture(t)
	// Six requests for uploads: the pass must stop after six byte uploads
	// and still create the items of those six.
	h.settings = func(o *Options) {
		o.Budget = Budget{DailyLimit: 10, PollReserve: 4}
		o.Workers = 1
	}
	sum, err := h.syncErr(folderAt(root))
	var fatal *FatalError
	if !errors.As(err, &fatal) {
		t.Fatalf("sync error = %v, want a *FatalError for the spent budget", err)
	}
	if sum.Stopped == "" {
		t.Error("summary does not say why the pass stopped")
	}
	uploads := h.requests().ByMethod["uploads"]
	if uploads > 6 {
		t.Errorf("emulator counted %d byte uploads, want at most the 6 requests the budget leaves", uploads)
	}
	if sum.Uploaded != uploads {
		t.Errorf("created %d items from %d byte uploads, want all of them created", sum.Uploaded, uploads)
	}
}

func TestSyncDailyQuotaErrorIsFatal(t *testing.T) {
	h := newHarness(t)
	root, _ := faultFixture(t)
	h.post("faults", map[string]any{"method": "uploads", "preset": "dailyQuota"})
	sum, err := h.syncErr(folderAt(root))
	var fatal *FatalError
	if !errors.As(err, &fatal) {
		t.Fatalf("sync error = %v, want a *FatalError", err)
	}
	if sum.Stopped == "" {
		t.Error("summary does not say why the pass stopped")
	}
	if n := h.requests().ByMethod["uploads"]; n > 4 {
		t.Errorf("%d upload requests after a daily quota error, want the pass to stop starting uploads", n)
	}
}

func TestSyncDropsUploadsOfDeletedFiles(t *testing.T) {
	h := newHarness(t)
	root, want := faultFixture(t)
	h.post("faults", map[string]any{"method": "mediaItems.batchCreate", "status": 503, "count": 100})
	h.sync(folderAt(root))
	h.clearFaults()
	for rel := range want {
		if err := os.Remove(filepath.Join(root, filepath.FromSlash(rel))); err != nil {
			t.Fatal(err)
		}
	}

	h.sync(folderAt(root))
	if n := len(h.items()); n != 0 {
		t.Errorf("emulator has %d items, want 0 because every file was deleted before its creation", n)
	}
	err := h.store.View(func(tx *state.Tx) error {
		n := 0
		err := tx.ForEachUpload(func(state.Upload) error { n++; return nil })
		if n != 0 {
			t.Errorf("%d pending uploads left for deleted files, want 0", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSyncRevokedLoginIsFatal(t *testing.T) {
	h := newHarness(t)
	root, _ := faultFixture(t)
	h.post("faults", map[string]any{"revokeRefreshToken": "sync-test-refresh"})
	sum, err := h.syncErr(folderAt(root))
	var fatal *FatalError
	if !errors.As(err, &fatal) {
		t.Fatalf("sync error = %v, want a *FatalError", err)
	}
	if !strings.Contains(sum.Stopped, "photosync auth login") {
		t.Errorf("stop reason %q does not say to log in again", sum.Stopped)
	}
	if n := h.requests().ByMethod["uploads"]; n != 0 {
		t.Errorf("%d byte uploads without a valid login, want 0", n)
	}
}
