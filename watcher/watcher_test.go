package watcher

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/google/go-cmp/cmp"
)

// moveIn builds the files under a directory outside the root, then renames
// that directory to rel under the root, so that its files exist before any
// watch on it can be added.
func moveIn(t *testing.T, root, rel string, files ...string) {
	t.Helper()
	outside := filepath.Join(t.TempDir(), "prepared")
	if err := os.Mkdir(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		writeFile(t, outside, file, "content of "+file)
	}
	if err := os.Rename(outside, filepath.Join(root, filepath.FromSlash(rel))); err != nil {
		t.Fatal(err)
	}
}

// resetEvents clears the events observed so far.
func (h *harness) resetEvents() {
	h.mu.Lock()
	h.events = nil
	h.mu.Unlock()
}

func TestWatcherReportsCreatedFileOnce(t *testing.T) {
	h := startHarness(t, Options{}, nil)

	writeFile(t, h.root, "a.jpg", "jpeg")
	h.waitEvent(fsnotify.Write, "a.jpg")
	h.advance(DefaultDelay - time.Second)
	h.expectNoBatch()

	h.advance(time.Second)
	h.expectBatch(Batch{Paths: []string{"a.jpg"}})

	h.advance(DefaultMaxDelay)
	h.expectNoBatch()
}

func TestWatcherReportsContinuousWriteByMaxDelay(t *testing.T) {
	h := startHarness(t, Options{}, nil)
	f, err := os.Create(filepath.Join(h.root, "video.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	// One write every 5 s keeps the path from ever being quiet for 10 s.
	const interval = 5 * time.Second
	for elapsed := time.Duration(0); elapsed < DefaultMaxDelay; elapsed += interval {
		h.resetEvents()
		if _, err := f.Write([]byte("more frames")); err != nil {
			t.Fatal(err)
		}
		h.waitEvent(fsnotify.Write, "video.mp4")
		if elapsed > 0 {
			h.expectNoBatch()
		}
		h.advance(interval)
	}
	h.expectBatch(Batch{Paths: []string{"video.mp4"}})
}

func TestWatcherRenameReportsBothPathsTogether(t *testing.T) {
	h := startHarness(t, Options{}, nil)
	writeFile(t, h.root, "a.jpg", "jpeg")
	h.waitEvent(fsnotify.Write, "a.jpg")
	h.advance(DefaultDelay)
	h.expectBatch(Batch{Paths: []string{"a.jpg"}})

	if err := os.Rename(filepath.Join(h.root, "a.jpg"), filepath.Join(h.root, "b.jpg")); err != nil {
		t.Fatal(err)
	}
	h.waitEvent(fsnotify.Create, "b.jpg")
	h.advance(DefaultDelay - time.Second)
	h.expectNoBatch()

	h.advance(time.Second)
	h.expectBatch(Batch{Paths: []string{"a.jpg", "b.jpg"}})
}

func TestWatcherHoldsRemovalLonger(t *testing.T) {
	h := startHarness(t, Options{}, nil)
	writeFile(t, h.root, "a.jpg", "jpeg")
	h.waitEvent(fsnotify.Write, "a.jpg")
	h.advance(DefaultDelay)
	h.expectBatch(Batch{Paths: []string{"a.jpg"}})

	// A file moved out of the root raises only a rename of its old name.
	outside := filepath.Join(t.TempDir(), "a.jpg")
	if err := os.Rename(filepath.Join(h.root, "a.jpg"), outside); err != nil {
		t.Fatal(err)
	}
	h.waitEvent(fsnotify.Rename, "a.jpg")
	h.advance(DefaultDelay)
	h.expectNoBatch()

	h.advance(DefaultDelay)
	h.expectBatch(Batch{Paths: []string{"a.jpg"}})
}

func TestWatcherReportsFilesOfMovedInDirectory(t *testing.T) {
	h := startHarness(t, Options{}, nil)

	moveIn(t, h.root, "Trip", "a.jpg", "day2/b.jpg", ".hidden/c.jpg", ".photosync-tmp-1")
	h.waitEvent(fsnotify.Create, "Trip")
	if diff := cmp.Diff([]string{".", "Trip", "Trip/day2"}, h.watchedDirs()); diff != "" {
		t.Errorf("watched directories (-want +got):\n%s", diff)
	}
	h.advance(DefaultDelay)
	h.expectBatch(Batch{Paths: []string{"Trip/a.jpg", "Trip/day2/b.jpg"}})

	// The nested directory is watched too.
	writeFile(t, h.root, "Trip/day2/c.jpg", "jpeg")
	h.waitEvent(fsnotify.Write, "Trip/day2/c.jpg")
	h.advance(DefaultDelay)
	h.expectBatch(Batch{Paths: []string{"Trip/day2/c.jpg"}})
}

func TestWatcherUnwatchesRemovedDirectory(t *testing.T) {
	src := newFsnotifySource(t)
	h := startHarness(t, Options{}, src)
	moveIn(t, h.root, "Old", "x.jpg", "sub/y.jpg")
	moveIn(t, h.root, "Gone", "z.jpg", "sub/w.jpg")
	h.waitEvent(fsnotify.Create, "Old")
	h.waitEvent(fsnotify.Create, "Gone")
	h.advance(DefaultDelay)
	h.expectBatch(Batch{Paths: []string{"Gone/sub/w.jpg", "Gone/z.jpg", "Old/sub/y.jpg", "Old/x.jpg"}})

	if err := os.RemoveAll(filepath.Join(h.root, "Old")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(h.root, "Gone"), filepath.Join(t.TempDir(), "Gone")); err != nil {
		t.Fatal(err)
	}
	h.waitEvent(fsnotify.Remove, "Old")
	h.waitEvent(fsnotify.Rename, "Gone")

	want := []string{"."}
	if diff := cmp.Diff(want, h.watchedDirs()); diff != "" {
		t.Errorf("watched directories (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, kernelWatches(t, src, h.root)); diff != "" {
		t.Errorf("fsnotify watches (-want +got):\n%s", diff)
	}
	h.advance(2 * DefaultDelay)
	h.expectBatch(Batch{Rescan: []string{"Gone", "Old"}})
}

func TestWatcherOverflowRescansRoot(t *testing.T) {
	src := newFaultySource(t, nil)
	h := startHarness(t, Options{}, src)
	moveIn(t, h.root, "d", "a.jpg")
	h.waitEvent(fsnotify.Create, "d")

	src.inject <- fsnotify.ErrEventOverflow
	h.waitFor("the rescan of the root", func() bool {
		h.w.mu.Lock()
		defer h.w.mu.Unlock()
		return h.w.roots[h.root].agg.rescans[""] != nil
	})
	h.advance(DefaultDelay)
	h.expectBatch(Batch{Rescan: []string{""}})

	// The watches were rebuilt and still work.
	want := []string{".", "d"}
	if diff := cmp.Diff(want, kernelWatches(t, src, h.root)); diff != "" {
		t.Errorf("fsnotify watches (-want +got):\n%s", diff)
	}
	writeFile(t, h.root, "d/b.jpg", "jpeg")
	h.waitEvent(fsnotify.Write, "d/b.jpg")
	h.advance(DefaultDelay)
	h.expectBatch(Batch{Paths: []string{"d/b.jpg"}})
}

func TestWatcherMaxPendingCollapsesToRescan(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []string
		want  Batch
	}{
		{
			name:  "one directory",
			files: []string{"1.jpg", "2.jpg", "3.jpg", "4.jpg"},
			want:  Batch{Rescan: []string{"Burst"}},
		},
		{
			name:  "whole root",
			files: []string{"A/1.jpg", "A/2.jpg", "B/1.jpg", "B/2.jpg"},
			want:  Batch{Rescan: []string{""}},
		},
		{
			name:  "at the limit",
			files: []string{"1.jpg", "2.jpg", "3.jpg"},
			want:  Batch{Paths: []string{"Burst/1.jpg", "Burst/2.jpg", "Burst/3.jpg"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := startHarness(t, Options{MaxPending: 3}, nil)
			moveIn(t, h.root, "Burst", tc.files...)
			h.waitEvent(fsnotify.Create, "Burst")
			h.advance(DefaultDelay)
			h.expectBatch(tc.want)
		})
	}
}

func TestWatcherIgnoreDropsOwnWrite(t *testing.T) {
	h := startHarness(t, Options{}, nil)
	window := 30 * time.Second
	if err := h.w.Ignore(h.root, "own.jpg", h.clock.Now().Add(window)); err != nil {
		t.Fatalf("Ignore: %v", err)
	}

	writeFile(t, h.root, "own.jpg", "downloaded")
	writeFile(t, h.root, "user.jpg", "taken")
	h.waitEvent(fsnotify.Write, "own.jpg")
	h.waitEvent(fsnotify.Write, "user.jpg")
	h.advance(DefaultDelay)
	h.expectBatch(Batch{Paths: []string{"user.jpg"}})

	// After the window, a change by someone else is reported again.
	h.advance(window)
	h.resetEvents()
	writeFile(t, h.root, "own.jpg", "edited")
	h.waitEvent(fsnotify.Write, "own.jpg")
	h.advance(DefaultDelay)
	h.expectBatch(Batch{Paths: []string{"own.jpg"}})
}

func TestWatcherIgnoreRejectsBadInput(t *testing.T) {
	h := startHarness(t, Options{}, nil)
	until := h.clock.Now().Add(time.Minute)
	for _, tc := range []struct {
		name string
		root string
		rel  string
		want string
	}{
		{"empty path", h.root, "", "not a clean relative path"},
		{"absolute path", h.root, "/etc/passwd", "not a clean relative path"},
		{"parent", h.root, "../x.jpg", "not a clean relative path"},
		{"unclean", h.root, "a//b.jpg", "not a clean relative path"},
		{"root itself", h.root, ".", "not a clean relative path"},
		{"unknown root", filepath.Join(h.root, "elsewhere"), "a.jpg", "not a watched folder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := h.w.Ignore(tc.root, tc.rel, until)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Ignore(%q, %q) = %v; want an error containing %q", tc.root, tc.rel, err, tc.want)
			}
		})
	}
}

func TestWatcherSkipsHiddenAndTemporaryNames(t *testing.T) {
	h := startHarness(t, Options{}, nil)
	for _, dir := range []string{".photosync", ".cache"} {
		if err := os.Mkdir(filepath.Join(h.root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
		h.waitEvent(fsnotify.Create, dir)
	}
	writeFile(t, h.root, ".photosync/folder.json", "{}")
	writeFile(t, h.root, ".photosync-tmp-4f2a", "partial download")
	writeFile(t, h.root, ".notes.txt", "hidden files are reported")
	writeFile(t, h.root, "z.jpg", "jpeg")
	h.waitEvent(fsnotify.Write, "z.jpg")

	h.advance(DefaultDelay)
	h.expectBatch(Batch{Paths: []string{".notes.txt", "z.jpg"}})
	if diff := cmp.Diff([]string{"."}, h.watchedDirs()); diff != "" {
		t.Errorf("watched directories (-want +got):\n%s", diff)
	}
}

func TestWatcherWatchLimitFallsBackToScans(t *testing.T) {
	src := newFaultySource(t, func(name string) error {
		if filepath.Base(name) == "full" {
			return syscall.ENOSPC
		}
		return nil
	})
	h := startHarness(t, Options{}, src)

	if err := os.Mkdir(filepath.Join(h.root, "full"), 0o755); err != nil {
		t.Fatal(err)
	}
	h.waitEvent(fsnotify.Create, "full")

	statuses := h.w.Status()
	if len(statuses) != 1 {
		t.Fatalf("Status() has %d roots; want 1", len(statuses))
	}
	st := statuses[0]
	if st.Watching {
		t.Errorf("Status().Watching = true; want false")
	}
	if st.Dirs != 0 {
		t.Errorf("Status().Dirs = %d; want 0", st.Dirs)
	}
	checkWatchLimitError(t, st.Err, h.root, filepath.Join(h.root, "full"))
	if got := kernelWatches(t, src, h.root); len(got) != 0 {
		t.Errorf("fsnotify still watches %q", got)
	}

	h.advance(DefaultDelay)
	h.expectBatch(Batch{Rescan: []string{""}})
}

func TestAddWatchLimitKeepsRootAsNotWatching(t *testing.T) {
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, "full"), 0o755); err != nil {
		t.Fatal(err)
	}
	limitRaised := false
	src := newFaultySource(t, func(name string) error {
		if filepath.Base(name) == "full" && !limitRaised {
			return syscall.ENOSPC
		}
		return nil
	})
	w, err := newWithSource(Options{}, src)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()

	err = w.Add(root)
	checkWatchLimitError(t, err, root, filepath.Join(root, "full"))
	statuses := w.Status()
	if len(statuses) != 1 || statuses[0].Watching || !errors.Is(statuses[0].Err, ErrWatchLimit) {
		t.Errorf("Status() = %+v; want the root, not watching, with ErrWatchLimit", statuses)
	}
	if got := kernelWatches(t, src, root); len(got) != 0 {
		t.Errorf("fsnotify still watches %q", got)
	}

	// Once watches are available again, adding the root anew succeeds.
	limitRaised = true
	if err := w.Remove(root); err != nil {
		t.Fatalf("Remove(%s): %v", root, err)
	}
	if err := w.Add(root); err != nil {
		t.Fatalf("Add(%s) after the limit was raised: %v", root, err)
	}
	if st := w.Status(); len(st) != 1 || !st[0].Watching || st[0].Dirs != 2 {
		t.Errorf("Status() = %+v; want the root watching 2 directories", st)
	}
}

func checkWatchLimitError(t *testing.T, err error, root, dir string) {
	t.Helper()
	if !errors.Is(err, ErrWatchLimit) {
		t.Fatalf("error %v does not match ErrWatchLimit", err)
	}
	if !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("error %v does not match ENOSPC", err)
	}
	var limit *WatchLimitError
	if !errors.As(err, &limit) {
		t.Fatalf("error %v is not a *WatchLimitError", err)
	}
	if limit.Root != root || limit.Dir != dir {
		t.Errorf("WatchLimitError{Root: %q, Dir: %q}; want {%q, %q}", limit.Root, limit.Dir, root, dir)
	}
	if !strings.Contains(err.Error(), WatchLimitSysctl) {
		t.Errorf("error %q does not name %s", err, WatchLimitSysctl)
	}
}

func TestWatcherRootRemovedStopsWatching(t *testing.T) {
	h := startHarness(t, Options{}, nil)
	if err := os.RemoveAll(h.root); err != nil {
		t.Fatal(err)
	}
	h.waitFor("the root to stop", func() bool {
		st := h.w.Status()
		return len(st) == 1 && !st[0].Watching
	})
	if err := h.w.Status()[0].Err; !errors.Is(err, ErrRootGone) {
		t.Errorf("Status().Err = %v; want ErrRootGone", err)
	}
	h.advance(DefaultDelay)
	h.expectBatch(Batch{Rescan: []string{""}})
}

func TestWatcherRemoveStopsRoot(t *testing.T) {
	src := newFsnotifySource(t)
	h := startHarness(t, Options{}, src)
	moveIn(t, h.root, "d", "a.jpg")
	h.waitEvent(fsnotify.Create, "d")

	if err := h.w.Remove(h.root); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if got := kernelWatches(t, src, h.root); len(got) != 0 {
		t.Errorf("fsnotify still watches %q", got)
	}
	if st := h.w.Status(); len(st) != 0 {
		t.Errorf("Status() = %+v; want no roots", st)
	}
	if err := h.w.Remove(h.root); err == nil {
		t.Errorf("second Remove(%s) succeeded; want an error", h.root)
	}
	if err := h.w.Ignore(h.root, "a.jpg", h.clock.Now()); err == nil {
		t.Errorf("Ignore on a removed root succeeded; want an error")
	}
}

func TestAddRejectsBadRoots(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "Photos")
	file := filepath.Join(base, "file.jpg")
	for _, dir := range []string{root, filepath.Join(root, "Inner")} {
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := newWithSource(Options{}, newFsnotifySource(t))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Add(root); err != nil {
		t.Fatalf("Add(%s): %v", root, err)
	}

	for _, tc := range []struct {
		name string
		root string
		want string
	}{
		{"relative", "Photos", "not an absolute path"},
		{"missing", filepath.Join(base, "missing"), "no such file or directory"},
		{"file", file, "not a directory"},
		{"same root", root + "/", "overlaps"},
		{"inside a root", filepath.Join(root, "Inner"), "overlaps"},
		{"around a root", base, "overlaps"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := w.Add(tc.root)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Add(%q) = %v; want an error containing %q", tc.root, err, tc.want)
			}
		})
	}
	if st := w.Status(); len(st) != 1 {
		t.Errorf("Status() lists %d roots; want only %s", len(st), root)
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	w, err := newWithSource(Options{}, newFsnotifySource(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Add(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	cancel()

	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel = %v; want nil", err)
		}
	case <-time.After(waitLimit):
		t.Fatalf("Run did not return within %v", waitLimit)
	}
	if _, open := <-w.Batches(); open {
		t.Errorf("Batches channel still open after Run returned")
	}
	if err := w.Run(t.Context()); err == nil {
		t.Errorf("second Run succeeded; want an error")
	}
	if err := w.Add(t.TempDir()); !errors.Is(err, ErrClosed) {
		t.Errorf("Add after Run = %v; want ErrClosed", err)
	}
}

func TestOptionsRejectInvalidValues(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"negative delay", Options{Delay: -time.Second}, "invalid Delay"},
		{"max below delay", Options{Delay: time.Minute, MaxDelay: time.Second}, "invalid MaxDelay"},
		{"remove factor below one", Options{RemoveDelayFactor: 0.5}, "invalid RemoveDelayFactor"},
		{"negative max pending", Options{MaxPending: -1}, "invalid MaxPending"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.opts.withDefaults()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("withDefaults() = %v; want an error containing %q", err, tc.want)
			}
		})
	}

	opts, err := Options{Delay: 2 * time.Minute}.withDefaults()
	if err != nil {
		t.Fatalf("withDefaults: %v", err)
	}
	if opts.MaxDelay != 2*time.Minute {
		t.Errorf("MaxDelay defaults to %v with Delay 2m; want 2m", opts.MaxDelay)
	}
}

func TestWatcherReportsFilesInNewNestedDirectories(t *testing.T) {
	h := startHarness(t, Options{}, nil)

	// The files land while the watches of their directories are being
	// added, so each is found by an event, by the listing, or by both.
	writeFile(t, h.root, "x/a.jpg", "a")
	writeFile(t, h.root, "x/y/b.jpg", "b")
	writeFile(t, h.root, "x/y/z/c.jpg", "c")

	// inotify queues events in order, so once the fence is seen every
	// earlier event has been handled too.
	writeFile(t, h.root, "fence", "")
	h.waitEvent(fsnotify.Create, "fence")
	if diff := cmp.Diff([]string{".", "x", "x/y", "x/y/z"}, h.watchedDirs()); diff != "" {
		t.Errorf("watched directories (-want +got):\n%s", diff)
	}
	h.advance(DefaultDelay)
	h.expectBatch(Batch{Paths: []string{"fence", "x/a.jpg", "x/y/b.jpg", "x/y/z/c.jpg"}})
}

func TestWatcherFollowsRenamedDirectory(t *testing.T) {
	src := newFsnotifySource(t)
	h := startHarness(t, Options{}, src)
	moveIn(t, h.root, "A", "1.jpg", "sub/2.jpg")
	h.waitEvent(fsnotify.Create, "A")
	h.advance(DefaultDelay)
	h.expectBatch(Batch{Paths: []string{"A/1.jpg", "A/sub/2.jpg"}})

	if err := os.Rename(filepath.Join(h.root, "A"), filepath.Join(h.root, "B")); err != nil {
		t.Fatal(err)
	}
	h.waitEvent(fsnotify.Create, "B")
	want := []string{".", "B", "B/sub"}
	if diff := cmp.Diff(want, h.watchedDirs()); diff != "" {
		t.Errorf("watched directories (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, kernelWatches(t, src, h.root)); diff != "" {
		t.Errorf("fsnotify watches (-want +got):\n%s", diff)
	}
	h.advance(DefaultDelay)
	h.expectBatch(Batch{Paths: []string{"B/1.jpg", "B/sub/2.jpg"}, Rescan: []string{"A"}})

	// Events below the renamed directory carry the new name.
	writeFile(t, h.root, "B/sub/3.jpg", "jpeg")
	h.waitEvent(fsnotify.Write, "B/sub/3.jpg")
	h.advance(DefaultDelay)
	h.expectBatch(Batch{Paths: []string{"B/sub/3.jpg"}})
}

func TestWatcherDoesNotFollowSymlinks(t *testing.T) {
	h := startHarness(t, Options{}, nil)
	target := t.TempDir()
	writeFile(t, target, "elsewhere.jpg", "jpeg")

	if err := os.Symlink(target, filepath.Join(h.root, "link")); err != nil {
		t.Fatal(err)
	}
	h.waitEvent(fsnotify.Create, "link")
	if diff := cmp.Diff([]string{"."}, h.watchedDirs()); diff != "" {
		t.Errorf("watched directories (-want +got):\n%s", diff)
	}
	h.advance(DefaultDelay)
	h.expectBatch(Batch{Paths: []string{"link"}})
}

func TestInboxOverflowReportsLostEvents(t *testing.T) {
	q := newInbox()
	for i := range maxQueuedEvents + 1 {
		q.push(fsnotify.Event{Name: fmt.Sprintf("/photos/%d.jpg", i), Op: fsnotify.Create})
	}
	events, lost, closed := q.take()
	if len(events) != maxQueuedEvents {
		t.Errorf("take() returned %d events; want %d", len(events), maxQueuedEvents)
	}
	if !errors.Is(lost, fsnotify.ErrEventOverflow) {
		t.Errorf("take() lost = %v; want ErrEventOverflow", lost)
	}
	if closed {
		t.Errorf("take() reports closed before close")
	}
	if events, lost, _ := q.take(); len(events) != 0 || lost != nil {
		t.Errorf("second take() = %d events, %v; want nothing", len(events), lost)
	}
}

// chanSource is an eventSource whose channels the test controls.
type chanSource struct {
	events chan fsnotify.Event
	errs   chan error
}

func (s *chanSource) Add(string) error              { return nil }
func (s *chanSource) Remove(string) error           { return nil }
func (s *chanSource) Events() <-chan fsnotify.Event { return s.events }
func (s *chanSource) Errors() <-chan error          { return s.errs }
func (s *chanSource) Close() error                  { return nil }

func TestRunFailsWhenSourceStops(t *testing.T) {
	src := &chanSource{events: make(chan fsnotify.Event), errs: make(chan error)}
	w, err := newWithSource(Options{}, src)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- w.Run(t.Context()) }()
	close(src.events)
	close(src.errs)

	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "stopped delivering events") {
			t.Errorf("Run = %v; want an error saying inotify stopped", err)
		}
	case <-time.After(waitLimit):
		t.Fatalf("Run did not return within %v of the source closing", waitLimit)
	}
}

func TestWatcherMergesBatchesWaitingForReceiver(t *testing.T) {
	h := startHarness(t, Options{}, nil)
	writeFile(t, h.root, "a.jpg", "a")
	h.waitEvent(fsnotify.Write, "a.jpg")
	h.advance(DefaultDelay)

	// The batch with a.jpg is not received before b.jpg comes due.
	writeFile(t, h.root, "b.jpg", "b")
	h.waitEvent(fsnotify.Write, "b.jpg")
	h.advance(DefaultDelay)
	h.expectBatch(Batch{Paths: []string{"a.jpg", "b.jpg"}})
	h.expectNoBatch()
}

func TestWatcherKeepsRootsApart(t *testing.T) {
	h := startHarness(t, Options{}, nil)
	other := t.TempDir()
	if err := h.w.Add(other); err != nil {
		t.Fatalf("Add(%s): %v", other, err)
	}

	writeFile(t, other, "other.jpg", "jpeg")
	writeFile(t, h.root, "mine.jpg", "jpeg")
	h.waitEvent(fsnotify.Write, "mine.jpg")
	h.advance(DefaultDelay)

	got := make(map[string][]string)
	for range 2 {
		select {
		case b := <-h.w.Batches():
			got[b.Root] = b.Paths
		case <-time.After(waitLimit):
			t.Fatalf("received %d of 2 batches within %v", len(got), waitLimit)
		}
	}
	want := map[string][]string{h.root: {"mine.jpg"}, other: {"other.jpg"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paths by root (-want +got):\n%s", diff)
	}
}

func TestWatcherWithSystemClock(t *testing.T) {
	w, err := New(Options{Delay: 20 * time.Millisecond, MaxDelay: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	root := t.TempDir()
	if err := w.Add(root); err != nil {
		t.Fatalf("Add(%s): %v", root, err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()

	writeFile(t, root, "a.jpg", "jpeg")
	want := Batch{Root: root, Paths: []string{"a.jpg"}}
	select {
	case got := <-w.Batches():
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("batch mismatch (-want +got):\n%s", diff)
		}
	case <-time.After(waitLimit):
		t.Fatalf("no batch within %v", waitLimit)
	}
}

func TestWatcherReportsTimestampChange(t *testing.T) {
	h := startHarness(t, Options{}, nil)
	writeFile(t, h.root, "a.jpg", "jpeg")
	h.waitEvent(fsnotify.Write, "a.jpg")
	h.advance(DefaultDelay)
	h.expectBatch(Batch{Paths: []string{"a.jpg"}})

	mtime := time.Date(2020, 7, 14, 9, 30, 0, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(h.root, "a.jpg"), mtime, mtime); err != nil {
		t.Fatal(err)
	}
	h.waitEvent(fsnotify.Chmod, "a.jpg")
	h.advance(DefaultDelay)
	h.expectBatch(Batch{Paths: []string{"a.jpg"}})
}

func TestWatcherSetDelayAppliesToPendingChanges(t *testing.T) {
	h := startHarness(t, Options{}, nil)

	// A longer delay holds a change past the old one.
	if err := h.w.SetDelay(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	writeFile(t, h.root, "a.jpg", "jpeg")
	h.waitEvent(fsnotify.Write, "a.jpg")
	h.advance(DefaultDelay)
	h.expectNoBatch()
	h.advance(20 * time.Second)
	h.expectBatch(Batch{Paths: []string{"a.jpg"}})

	// A shorter one reports a change that waits under the longer delay.
	writeFile(t, h.root, "b.jpg", "jpeg")
	h.waitEvent(fsnotify.Write, "b.jpg")
	if err := h.w.SetDelay(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	h.advance(2 * time.Second)
	h.expectBatch(Batch{Paths: []string{"b.jpg"}})

	if err := h.w.SetDelay(0); err == nil {
		t.Error("SetDelay(0) returned no error")
	}
}
