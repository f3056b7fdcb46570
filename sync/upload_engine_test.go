package sync

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/photosync/photosync/state"
)

// hookedRemote runs a function before each raw upload, to change the
// folder at an exact moment of the pass.
type hookedRemote struct {
	Remote
	beforeUpload func(fileName string)
}

func (r hookedRemote) UploadRaw(ctx context.Context, body io.Reader, size int64, fileName, mimeType string) (string, error) {
	r.beforeUpload(fileName)
	return r.Remote.UploadRaw(ctx, body, size, fileName, mimeType)
}

// startHookRemote runs a function after each resumable session starts.
type startHookRemote struct {
	Remote
	afterStart func()
}

func (r startHookRemote) StartResumable(ctx context.Context, size int64, fileName, mimeType string) (string, error) {
	url, err := r.Remote.StartResumable(ctx, size, fileName, mimeType)
	if err == nil {
		r.afterStart()
	}
	return url, err
}

func TestSyncFileChangedDuringUpload(t *testing.T) {
	// The video is larger than maxBufferedUpload, so its bytes stream from
	// the file while the upload runs.
	h := newHarness(t)
	root := t.TempDir()
	writeFrom(t, root, "Big/clip.mp4", "Videos/clip-2010.mp4")
	name := filepath.Join(root, "Big", "clip.mp4")
	oldSHA := shaOfFile(t, name)
	replacement, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(replacement)) <= maxBufferedUpload {
		t.Fatalf("the video has %d bytes, want more than %d", len(replacement), maxBufferedUpload)
	}
	// Other bytes in the middle of the media data, same size.
	replacement[len(replacement)/2] ^= 0xff
	h.settings = func(o *Options) {
		o.Remote = hookedRemote{Remote: o.Remote, beforeUpload: func(string) {
			// The size and modification time were checked before the
			// upload started, so only the hash of the bytes sent can tell.
			if err := os.WriteFile(name, replacement, 0o644); err != nil {
				t.Error(err)
			}
		}}
	}
	sum := h.sync(folderAt(root))
	if n := len(sum.Skipped["changed during the sync, retried next run"]); n != 1 {
		t.Errorf("files skipped as changed = %d, want 1; summary %+v", n, sum.Skipped)
	}
	if n := len(h.items()); n != 0 {
		t.Errorf("emulator has %d items after a mid-upload change, want 0", n)
	}

	h.settings = nil
	h.sync(folderAt(root))
	bySHA := h.itemsBySHA()
	if _, ok := bySHA[shaOfFile(t, name)]; !ok {
		t.Error("the new content was not uploaded on the next pass")
	}
	if _, ok := bySHA[oldSHA]; ok {
		t.Error("the content seen by the scan but never sent whole became an item")
	}
}

func TestSyncSmallFileChangedBeforeUpload(t *testing.T) {
	tests := []struct {
		name string
		// keepModTime puts the scanned modification time back, so that
		// only the hash of the bytes read can tell.
		keepModTime bool
	}{
		{name: "new modification time", keepModTime: false},
		{name: "same modification time", keepModTime: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			root := t.TempDir()
			writeFrom(t, root, "A/first.jpg", orientation(1))
			writeFrom(t, root, "B/second.jpg", orientation(2))
			second := filepath.Join(root, "B", "second.jpg")
			oldSHA := shaOfFile(t, second)
			info, err := os.Stat(second)
			if err != nil {
				t.Fatal(err)
			}
			replacement, err := os.ReadFile(filepath.Join(repoMedia(t), orientation(4)))
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(replacement)) != info.Size() {
				t.Fatalf("replacement has %d bytes, want the %d of the file it replaces", len(replacement), info.Size())
			}
			h.settings = func(o *Options) {
				o.Workers = 1
				o.Remote = hookedRemote{Remote: o.Remote, beforeUpload: func(name string) {
					if name != "first.jpg" {
						return
					}
					if err := os.WriteFile(second, replacement, 0o644); err != nil {
						t.Error(err)
					}
					if tc.keepModTime {
						if err := os.Chtimes(second, info.ModTime(), info.ModTime()); err != nil {
							t.Error(err)
						}
					}
				}}
			}
			sum := h.sync(folderAt(root))
			if n := len(sum.Skipped["changed during the sync, retried next run"]); n != 1 {
				t.Errorf("files skipped as changed = %d, want 1; summary %+v", n, sum.Skipped)
			}
			if n := h.requests().ByMethod["uploads"]; n != 1 {
				t.Errorf("upload requests = %d, want 1: the changed file must not be sent", n)
			}
			if n := len(h.items()); n != 1 {
				t.Errorf("emulator has %d items, want the unchanged file's", n)
			}

			h.settings = nil
			h.sync(folderAt(root))
			bySHA := h.itemsBySHA()
			if _, ok := bySHA[shaOfFile(t, second)]; !ok {
				t.Error("the new content was not uploaded on the next pass")
			}
			if _, ok := bySHA[oldSHA]; ok {
				t.Error("the content seen by the scan but never read became an item")
			}
		})
	}
}

func TestSyncFileVanishesDuringRun(t *testing.T) {
	h := newHarness(t)
	root := t.TempDir()
	writeFrom(t, root, "A/first.jpg", orientation(1))
	writeFrom(t, root, "B/second.jpg", orientation(2))
	writeFrom(t, root, "C/third.jpg", orientation(3))
	h.settings = func(o *Options) {
		o.Workers = 1
		o.Remote = hookedRemote{Remote: o.Remote, beforeUpload: func(name string) {
			if name == "first.jpg" {
				if err := os.Remove(filepath.Join(root, "B", "second.jpg")); err != nil {
					t.Error(err)
				}
			}
		}}
	}
	sum := h.sync(folderAt(root))
	if n := len(sum.Skipped["vanished during the sync"]); n != 1 {
		t.Errorf("files skipped as vanished = %d, want 1; summary %+v", n, sum.Skipped)
	}
	if sum.Uploaded != 2 {
		t.Errorf("uploaded %d, want the 2 files that stayed", sum.Uploaded)
	}
}

func TestSyncResumesSessionOnNextPass(t *testing.T) {
	h := newHarness(t)
	root := t.TempDir()
	writeFrom(t, root, "Big/clip.mp4", "Videos/clip-2010.mp4")
	const size = 383631
	sha := shaOfFile(t, filepath.Join(root, "Big", "clip.mp4"))
	// Once the session exists, every upload request drops after 300,000
	// bytes. The server keeps the first 256 KiB granule of the chunk, and
	// the queries that follow fail until the faults are cleared.
	h.settings = func(o *Options) {
		o.ResumableThreshold = 1024
		o.Remote = startHookRemote{Remote: o.Remote, afterStart: func() {
			h.post("faults", map[string]any{"method": "uploads", "dropAfterBytes": 300000, "count": 100})
		}}
	}
	sum := h.sync(folderAt(root))
	if len(sum.Pending) != 1 {
		t.Fatalf("pending = %v, want the video", sum.Pending)
	}
	err := h.store.View(func(tx *state.Tx) error {
		u, ok, err := tx.GetUpload(sha)
		if !ok || u.SessionURL == "" {
			t.Errorf("pending upload %+v (found %v), want one with its session URL", u, ok)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	h.clearFaults()
	h.settings = func(o *Options) { o.ResumableThreshold = 1024 }
	before := h.requests().UploadBytes
	h.sync(folderAt(root))
	if sent := h.requests().UploadBytes - before; sent != size-256*1024 {
		t.Errorf("next pass sent %d bytes of a %d-byte file, want the %d the server lacked",
			sent, size, size-256*1024)
	}
	h.checkConverged(root, map[string]string{"Big/clip.mp4": sha})
}

func TestSyncWaitsForUnsettledFiles(t *testing.T) {
	const settle = 300 * time.Millisecond
	tests := []struct {
		name      string
		wait      bool
		wantFiles int
	}{
		{name: "one-shot waits once", wait: true, wantFiles: 1},
		{name: "no wait skips", wait: false, wantFiles: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			root := t.TempDir()
			writeFrom(t, root, "New/fresh.jpg", orientation(1))
			h.settings = func(o *Options) {
				o.SettleTime = settle
				o.WaitSettle = tc.wait
			}
			sum := h.sync(folderAt(root))
			if sum.Uploaded != tc.wantFiles {
				t.Errorf("uploaded %d, want %d", sum.Uploaded, tc.wantFiles)
			}
			if got := len(sum.Skipped["unsettled"]); got != 1-tc.wantFiles {
				t.Errorf("skipped as unsettled = %d, want %d", got, 1-tc.wantFiles)
			}
		})
	}
}

func TestSyncReplacesUnknownSession(t *testing.T) {
	h := newHarness(t)
	root := t.TempDir()
	writeFrom(t, root, "Big/clip.mp4", "Videos/clip-2010.mp4")
	sha := shaOfFile(t, filepath.Join(root, "Big", "clip.mp4"))
	// A session the server no longer has, as after a long outage.
	err := h.store.Update(func(tx *state.Tx) error {
		return tx.PutUpload(state.Upload{SHA256: sha, Folder: root, Path: "Big/clip.mp4", FileName: "clip.mp4",
			MimeType: "video/mp4", Size: 383631, Stage: state.StageSending,
			SessionURL: h.emu.URL + "/v1/uploads?upload_id=gone&upload_protocol=resumable"})
	})
	if err != nil {
		t.Fatal(err)
	}
	h.settings = func(o *Options) { o.ResumableThreshold = 1024 }
	sum := h.sync(folderAt(root))
	if sum.Uploaded != 1 {
		t.Errorf("uploaded %d, want 1 through a new session; pending %v", sum.Uploaded, sum.Pending)
	}
	h.checkConverged(root, map[string]string{"Big/clip.mp4": sha})
}
