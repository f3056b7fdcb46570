package sync

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/photosync/photosync/config"
	"github.com/photosync/photosync/sync/scan"
)

func TestSyncOnePassSurvivesTransientErrors(t *testing.T) {
	tests := []struct {
		name  string
		fault map[string]any
	}{
		{name: "upload 503", fault: map[string]any{"method": "uploads", "status": 503, "count": 1}},
		{name: "upload 429", fault: map[string]any{"method": "uploads", "status": 429, "count": 1}},
		{name: "upload 429 per minute", fault: map[string]any{"method": "uploads", "preset": "perMinuteQuota", "count": 1}},
		{name: "batchCreate 503", fault: map[string]any{"method": "mediaItems.batchCreate", "status": 503, "count": 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			root, want := faultFixture(t)
			h.post("faults", tc.fault)
			sum := h.sync(folderAt(root))
			if len(sum.Pending) != 0 || len(sum.Failed) != 0 {
				t.Fatalf("one pass left pending %v and failed %v, want none", sum.Pending, sum.Failed)
			}
			h.checkConverged(root, want)
			if n := h.requests().ByMethod[tc.fault["method"].(string)]; n < 2 {
				t.Errorf("%s requests: %d, want the failed one and its retry", tc.fault["method"], n)
			}
		})
	}
}

func TestAttemptHasherHashesLastAttempt(t *testing.T) {
	data := []byte("0123456789abcdef")
	want := fmt.Sprintf("%x", sha256.Sum256(data))
	r := newAttemptHasher(bytes.NewReader(data), int64(len(data)))

	// A first attempt that stops after 5 bytes, then a full one.
	if _, err := io.ReadFull(io.NewSectionReader(r, 0, 5), make([]byte, 5)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, io.NewSectionReader(r, 0, int64(len(data)))); err != nil {
		t.Fatal(err)
	}
	got, err := r.sum()
	if err != nil {
		t.Fatalf("sum after a full second attempt: %v", err)
	}
	if got != want {
		t.Errorf("sum = %s, want %s", got, want)
	}

	// A read that skips bytes leaves them unhashed.
	if _, err := r.ReadAt(make([]byte, 3), 10); err != nil {
		t.Fatal(err)
	}
	if _, err := r.sum(); !errors.Is(err, errChanged) {
		t.Errorf("sum after an out-of-order read: %v, want errChanged", err)
	}
}

func TestSyncReportsUnsyncedFiles(t *testing.T) {
	h := newHarness(t)
	root := t.TempDir()
	writeFrom(t, root, "A/ok.jpg", orientation(1))
	writeFrom(t, root, "A/fresh.jpg", orientation(2))
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(root, "A", "ok.jpg"), old, old); err != nil {
		t.Fatal(err)
	}
	h.settings = func(o *Options) { o.SettleTime = time.Minute }

	sum := h.sync(folderAt(root))
	if sum.Uploaded != 1 {
		t.Errorf("uploaded %d, want 1", sum.Uploaded)
	}
	if n := sum.Unsynced(); n != 1 {
		t.Errorf("Unsynced() = %d, want 1", n)
	}
	if !sum.HasFailures() {
		t.Error("HasFailures() = false with an unsettled file, want true")
	}
	listed := root + "/A/fresh.jpg"
	if sum.SkipDetails[listed] == "" {
		t.Errorf("no detail for %s in %v", listed, sum.SkipDetails)
	}
	var out strings.Builder
	sum.Write(&out)
	if !strings.Contains(out.String(), listed+": ") {
		t.Errorf("summary does not give the reason for %s:\n%s", listed, out.String())
	}
}

func TestSummaryShowsUnreadableCause(t *testing.T) {
	s := &Syncer{log: zerolog.Nop()}
	sum := newSummary()
	cause := &fs.PathError{Op: "open", Path: "/photos/a.jpg", Err: syscall.EACCES}
	s.skipScanned(sum, "/photos", scan.Skip{Path: "a.jpg", Kind: scan.Unreadable, Reason: "file cannot be opened", Err: cause})
	s.skipScanned(sum, "/photos", scan.Skip{Path: "b.txt", Kind: scan.Unsupported, Reason: "not a photo or video"})

	if n := sum.Unsynced(); n != 1 {
		t.Errorf("Unsynced() = %d, want 1 because unsupported files do not count", n)
	}
	var out strings.Builder
	sum.Write(&out)
	if want := "/photos/a.jpg: file cannot be opened: open /photos/a.jpg: permission denied"; !strings.Contains(out.String(), want) {
		t.Errorf("summary lacks %q:\n%s", want, out.String())
	}
}

func TestSyncSettleWaitNote(t *testing.T) {
	h := newHarness(t)
	root := t.TempDir()
	writeFrom(t, root, "New/fresh.jpg", orientation(1))
	var notes []string
	h.settings = func(o *Options) {
		o.SettleTime = 200 * time.Millisecond
		o.WaitSettle = true
		o.Progress = func(p Progress) {
			if p.Note != "" {
				notes = append(notes, p.Note)
			}
		}
	}
	h.sync(folderAt(root))
	want := "waiting 200ms for recently modified files to settle"
	if !slices.Contains(notes, want) {
		t.Errorf("progress notes %q lack %q", notes, want)
	}
}

// cancelOnCreate cancels the pass when it first calls batchCreate, as a
// Ctrl-C between the uploads and the item creation would.
type cancelOnCreate struct {
	Remote
	cancel context.CancelFunc
}

func (r cancelOnCreate) BatchCreate(ctx context.Context, albumID string, items []NewItem) ([]CreateResult, error) {
	r.cancel()
	return nil, ctx.Err()
}

func TestSummaryCountsBytesSentBeforeInterrupt(t *testing.T) {
	h := newHarness(t)
	root, _ := faultFixture(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	opts := Options{
		Store:    h.store,
		Remote:   cancelOnCreate{Remote: NewRemote(h.client), cancel: cancel},
		Requests: h.counter,
		Budget:   Budget{DailyLimit: 10000, PollReserve: 1000},
		Workers:  1,
		Logger:   zerolog.Nop(),
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := s.Run(ctx, []config.Folder{folderAt(root)})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted pass returned %v, want context.Canceled", err)
	}
	if sum.Sent == 0 || sum.Uploaded != 0 {
		t.Fatalf("sent %d and uploaded %d, want some sent and none created", sum.Sent, sum.Uploaded)
	}
	var out strings.Builder
	sum.Write(&out)
	if want := fmt.Sprintf("bytes sent for %d files whose item was not created", sum.Sent); !strings.Contains(out.String(), want) {
		t.Errorf("summary lacks %q:\n%s", want, out.String())
	}
}
