package daemon

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReloadAddsAndRemovesFolders(t *testing.T) {
	h := startHarness(t, "A")
	rootA, rootB := filepath.Join(h.dir, "A"), filepath.Join(h.dir, "B")
	if err := os.MkdirAll(rootB, 0o755); err != nil {
		t.Fatal(err)
	}
	sha := writeSettledPNG(t, filepath.Join(rootB, "b.png"), 1)

	h.d.Reload(h.newConfig("A", "B"))
	h.waitStatus("folder B synced", func(st *Status) bool {
		f, ok := folderStatus(st, rootB)
		return ok && f.InSync == 1 && f.State == StateIdle
	})
	if !h.remoteSHAs()[sha] {
		t.Error("the file of the added folder has no item")
	}

	h.d.Reload(h.newConfig("B"))
	st := h.waitStatus("folder A removed", func(st *Status) bool {
		_, ok := folderStatus(st, rootA)
		return !ok
	})
	if _, ok := folderStatus(st, rootB); !ok || len(st.Folders) != 1 {
		t.Errorf("folders after the reload = %+v, want only B", st.Folders)
	}
}

func TestSyncRequestStreamsProgress(t *testing.T) {
	h := startHarness(t, "A")
	root := filepath.Join(h.dir, "A")
	for i := range 3 {
		writeSettledPNG(t, filepath.Join(root, "Trip", string(rune('a'+i))+".png"), 10+i)
	}

	var last Progress
	events := 0
	final, err := h.client.Sync(t.Context(), SyncRequest{}, func(ev SyncEvent) {
		events++
		last = *ev.Progress
	})
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if final.Error != "" {
		t.Fatalf("pass error: %s", final.Error)
	}
	if len(final.Summary) == 0 {
		t.Fatal("final event has no summary")
	}
	if events == 0 {
		t.Error("no progress event")
	}
	if last.DoneFiles > last.PlannedFiles || last.PlannedFiles > 3 {
		t.Errorf("last progress = %+v, want at most 3 files planned and no more done", last)
	}
	st := h.waitStatus("three files in sync", func(st *Status) bool {
		return st.Folders[0].InSync == 3
	})
	if st.Folders[0].LastSuccess.IsZero() {
		t.Error("last_success is zero after a clean pass")
	}
}

func TestSyncRequestUnknownFolder(t *testing.T) {
	h := startHarness(t, "A")
	_, err := h.client.Sync(t.Context(), SyncRequest{Folders: []string{"/not/configured"}}, nil)
	if err == nil {
		t.Fatal("Sync of a folder outside the config succeeded")
	}
	if errors.Is(err, ErrNotRunning) {
		t.Errorf("error %v says no daemon runs", err)
	}
}

func TestMissingRootState(t *testing.T) {
	h := startHarness(t, "A")
	root := filepath.Join(h.dir, "A")
	h.waitStatus("watching the folder", func(st *Status) bool {
		return st.Folders[0].Watching && st.Folders[0].WatchError == ""
	})
	if err := os.Rename(root, root+".unmounted"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.client.Sync(t.Context(), SyncRequest{}, nil); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	st := h.waitStatus("missing root", func(st *Status) bool {
		return st.Folders[0].State == StateMissingRoot
	})
	if st.Folders[0].LastError == "" {
		t.Error("a missing root has no last_error")
	}
	st = h.waitStatus("watch lost", func(st *Status) bool {
		return !st.Folders[0].Watching
	})
	if st.Folders[0].WatchError == "" {
		t.Error("a folder that is not watched has no watch_error")
	}

	if err := os.Rename(root+".unmounted", root); err != nil {
		t.Fatal(err)
	}
	if _, err := h.client.Sync(t.Context(), SyncRequest{}, nil); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	h.waitStatus("folder back", func(st *Status) bool {
		return st.Folders[0].State == StateIdle
	})
}

func TestDeletePauseAndConfirm(t *testing.T) {
	h := startHarness(t, "A")
	root := filepath.Join(h.dir, "A")
	const files = 12
	for i := range files {
		writeSettledPNG(t, filepath.Join(root, "Album", string(rune('a'+i))+".png"), 100+i)
	}
	if _, err := h.client.Sync(t.Context(), SyncRequest{}, nil); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	h.waitStatus("files in sync", func(st *Status) bool { return st.Folders[0].InSync == files })

	if err := os.RemoveAll(filepath.Join(root, "Album")); err != nil {
		t.Fatal(err)
	}
	if _, err := h.client.Sync(t.Context(), SyncRequest{}, nil); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	st := h.waitStatus("delete pause", func(st *Status) bool {
		return st.Folders[0].State == StatePaused
	})
	if f := st.Folders[0]; f.PauseReason != PauseDeletes || f.PauseDetail == "" {
		t.Errorf("pause = %q (%q), want %q with the engine's message", f.PauseReason, f.PauseDetail, PauseDeletes)
	}

	final, err := h.client.Sync(t.Context(), SyncRequest{Confirm: true}, nil)
	if err != nil || final.Error != "" {
		t.Fatalf("confirmed Sync: %v %s", err, final.Error)
	}
	h.waitStatus("deletes applied", func(st *Status) bool {
		f := st.Folders[0]
		return f.State == StateIdle && f.InSync == 0
	})
}

func TestDailyQuotaErrorPausesUploads(t *testing.T) {
	h := startHarness(t, "A")
	h.emu.AddFault(`{"method":"uploads","preset":"dailyQuota"}`)
	writeSettledPNG(t, filepath.Join(h.dir, "A", "a.png"), 1)

	final, err := h.client.Sync(t.Context(), SyncRequest{}, nil)
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if final.Error == "" || !final.Fatal {
		t.Errorf("pass outcome = %+v, want a fatal error", final)
	}
	st := h.waitStatus("uploads paused", func(st *Status) bool { return st.Accounts[0].UploadsPaused })
	f := st.Folders[0]
	if f.State != StatePaused || f.PauseReason != PauseQuota || !strings.Contains(f.PauseDetail, "Google") {
		t.Errorf("folder = %s (%s: %s), want paused by Google's quota", f.State, f.PauseReason, f.PauseDetail)
	}
	if q := st.Accounts[0].Quota; !q.PausedUntil.Equal(q.Reset) {
		t.Errorf("paused until %v, want the reset %v", q.PausedUntil, q.Reset)
	}

	// A sync request during the pause ends at once with the reason.
	final, err = h.client.Sync(t.Context(), SyncRequest{}, nil)
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if !strings.Contains(final.Error, "uploads paused until the quota reset") {
		t.Errorf("sync during the pause: error %q, want the pause", final.Error)
	}
}
