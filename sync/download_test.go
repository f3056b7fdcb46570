package sync

import (
	"io"
	"os"
	"strings"
	gosync "sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/photosync/photosync/photosapi/emulator"
)

// downloadFixture is an install a with two albums and three files, and an
// empty install b that downloads them.
func downloadFixture(t *testing.T) (*harness, *install, *install) {
	t.Helper()
	h := newHarness(t)
	a, b := newInstall(t, h, "laptop"), newInstall(t, h, "nas")
	a.write("A/one.jpg", orientation(1))
	a.write("A/two.jpg", orientation(2))
	a.write("B/three.jpg", orientation(3))
	a.sync()
	return h, a, b
}

// wantConverged syncs b once and checks that it then has a's files.
func wantConverged(t *testing.T, a, b *install) {
	t.Helper()
	b.sync()
	if diff := cmp.Diff(a.files(), b.files()); diff != "" {
		t.Errorf("b's files after the fault is gone (-a +b):\n%s", diff)
	}
}

func TestDownloadExpiredBaseURL(t *testing.T) {
	h, a, b := downloadFixture(t)
	var once gosync.Once
	b.settings = func(o *Options) {
		o.DownloadWriter = func(w io.Writer) io.Writer {
			// The listing's base URLs expire before the first download.
			once.Do(func() { h.post("clock", map[string]any{"advance": "61m"}) })
			return w
		}
	}
	before := h.requests().ByMethod["mediaItems.batchGet"]
	sum := b.sync()
	if sum.Downloaded != 3 {
		t.Errorf("downloaded %d, want 3", sum.Downloaded)
	}
	if n := h.requests().ByMethod["mediaItems.batchGet"] - before; n == 0 {
		t.Error("no batchGet request refreshed the expired base URLs")
	}
	if diff := cmp.Diff(a.files(), b.files()); diff != "" {
		t.Errorf("b's files (-a +b):\n%s", diff)
	}
}

func TestDownloadForbiddenOnce(t *testing.T) {
	h, a, b := downloadFixture(t)
	h.post("faults", map[string]any{"method": "download", "status": 403, "count": 1})
	if sum := b.sync(); sum.Downloaded != 3 {
		t.Errorf("downloaded %d, want 3", sum.Downloaded)
	}
	if diff := cmp.Diff(a.files(), b.files()); diff != "" {
		t.Errorf("b's files (-a +b):\n%s", diff)
	}
}

func TestDownloadInterrupted(t *testing.T) {
	h, a, b := downloadFixture(t)
	h.post("faults", map[string]any{"method": "download", "dropAfterBytes": 200, "count": 1})
	sum, err := b.syncErr()
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	if len(sum.Pending) != 1 || sum.Downloaded != 2 {
		t.Errorf("pending %v, downloaded %d; want one pending and 2 downloaded", sum.Pending, sum.Downloaded)
	}
	if n := len(b.files()); n != 2 {
		t.Errorf("b has %d files after the interrupted download, want 2: %v", n, b.files())
	}
	h.clearFaults()
	wantConverged(t, a, b)
}

// fullDisk fails every write after limit bytes with ENOSPC.
type fullDisk struct {
	w       io.Writer
	written int
	limit   int
}

func (d *fullDisk) Write(p []byte) (int, error) {
	if d.written+len(p) > d.limit {
		n, _ := d.w.Write(p[:d.limit-d.written])
		d.written += n
		return n, syscall.ENOSPC
	}
	n, err := d.w.Write(p)
	d.written += n
	return n, err
}

func TestDownloadDiskFull(t *testing.T) {
	_, a, b := downloadFixture(t)
	b.settings = func(o *Options) {
		o.DownloadWriter = func(w io.Writer) io.Writer { return &fullDisk{w: w, limit: 100} }
	}
	sum, err := b.syncErr()
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	if len(sum.Pending) != 3 || sum.Downloaded != 0 {
		t.Errorf("pending %d, downloaded %d; want 3 and 0", len(sum.Pending), sum.Downloaded)
	}
	for _, p := range sum.Pending {
		if !strings.Contains(p.Reason, syscall.ENOSPC.Error()) {
			t.Errorf("pending reason %q does not name the full disk", p.Reason)
		}
	}
	if n := len(b.files()); n != 0 {
		t.Errorf("b has %d files on a full disk, want 0: %v", n, b.files())
	}
	b.settings = nil
	wantConverged(t, a, b)
}

// TestDownloadCrashLeftovers checks that a pass removes what a crash left
// of a download: the temporary file and the record of a final name that
// never appeared, so the item downloads again.
func TestDownloadCrashLeftovers(t *testing.T) {
	_, a, b := downloadFixture(t)
	b.sync()
	if err := os.Remove(b.abs("A/one.jpg")); err != nil {
		t.Fatal(err)
	}
	tmp := "A/" + TempPrefix + "0123456789abcdef"
	if err := os.WriteFile(b.abs(tmp), []byte("partial"), 0o644); err != nil {
		t.Fatal(err)
	}
	key := metaDownloading + b.root + "\x00" + tmp
	if err := b.store.PutMeta(key, "A/one.jpg"); err != nil {
		t.Fatal(err)
	}
	b.sync()
	if _, ok, _ := b.store.GetMeta(key); ok {
		t.Error("the download journal entry is still there")
	}
	if diff := cmp.Diff(a.files(), b.files()); diff != "" {
		t.Errorf("b's files (-a +b):\n%s", diff)
	}
}

// TestProcessingVideoWaits checks that a video still processing remotely is
// left for a later poll and downloaded once it is ready.
func TestProcessingVideoWaits(t *testing.T) {
	emu, err := emulator.Start(emulator.Options{VideoProcessingTime: 10 * time.Minute}, "127.0.0.1:0")
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() { emu.Close() })
	h := &harness{t: t, emu: emu}
	writer, b := newInstall(t, h, "writer"), newInstall(t, h, "nas")
	album, err := writer.client.CreateAlbum(t.Context(), "Clips")
	if err != nil {
		t.Fatal(err)
	}
	writer.createRemote("Videos/clip-2010.mp4", "clip.mp4", album.ID)

	sum, err := b.syncErr()
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	if sum.Downloaded != 0 || len(sum.Pending) != 1 || !strings.Contains(sum.Pending[0].Reason, "processing") {
		t.Errorf("downloaded %d, pending %v; want 0 and one processing video", sum.Downloaded, sum.Pending)
	}
	h.post("clock", map[string]any{"advance": "11m"})
	if sum := b.sync(); sum.Downloaded != 1 {
		t.Errorf("downloaded %d once the video was ready, want 1", sum.Downloaded)
	}
	if !exists(b.root, "Clips/clip.mp4") {
		t.Errorf("b's files %q, want Clips/clip.mp4", b.files())
	}
}
