package watcher

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/google/go-cmp/cmp"
)

// waitLimit bounds every wait for the kernel or the Run loop. It is a
// failure deadline, never a delay the tests depend on.
const waitLimit = 10 * time.Second

// fakeClock is a Clock that moves only when Advance is called.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	clock *fakeClock
	at    time.Time
	f     func()
	done  bool // fired or stopped
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{clock: c, at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return t
}

func (t *fakeTimer) Stop() bool {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	stopped := !t.done
	t.done = true
	return stopped
}

// Advance moves the clock forward by d, runs the timers that came due, and
// returns how many it ran.
func (c *fakeClock) Advance(d time.Duration) int {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []func()
	c.timers = slices.DeleteFunc(c.timers, func(t *fakeTimer) bool {
		if t.done {
			return true
		}
		if t.at.After(c.now) {
			return false
		}
		t.done = true
		due = append(due, t.f)
		return true
	})
	c.mu.Unlock()

	for _, f := range due {
		f()
	}
	return len(due)
}

// harness runs a Watcher with a fake clock on one root in a temporary
// directory.
type harness struct {
	t     *testing.T
	w     *Watcher
	clock *fakeClock
	root  string

	fences  int           // fence files created by settle
	changed chan struct{} // receives after an event was observed or the Run loop turned
	flushes atomic.Int64
	sends   atomic.Int64 // batches delivered and removed from the ready queue

	mu     sync.Mutex // guards events
	events []fsnotify.Event
}

// startHarness starts a Watcher on a new root. A nil src means real fsnotify.
func startHarness(t *testing.T, opts Options, src eventSource) *harness {
	t.Helper()
	h := &harness{
		t:       t,
		clock:   newFakeClock(),
		root:    t.TempDir(),
		changed: make(chan struct{}, 1),
	}
	if src == nil {
		src = newFsnotifySource(t)
	}
	opts.Clock = h.clock
	w, err := newWithSource(opts, src)
	if err != nil {
		t.Fatalf("newWithSource: %v", err)
	}
	h.w = w
	w.observe = func(ev fsnotify.Event) {
		h.mu.Lock()
		h.events = append(h.events, ev)
		h.mu.Unlock()
		if testing.Verbose() {
			t.Logf("event %v at %v", ev, h.clock.Now())
		}
		h.signal()
	}
	w.stepped = func(step string) {
		switch step {
		case "flush":
			h.flushes.Add(1)
		case "send":
			h.sends.Add(1)
		}
		h.signal()
	}
	if err := w.Add(h.root); err != nil {
		t.Fatalf("Add(%s): %v", h.root, err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(waitLimit):
			t.Errorf("Run did not return within %v of cancellation", waitLimit)
		}
		checkNoLeaks(t)
	})
	return h
}

// checkNoLeaks fails if a goroutine of a Watcher or of fsnotify outlives
// Run. The tests do not run in parallel, so any such goroutine is a leak.
// Both goroutines signal that they are done from a deferred call, so each
// may still be unwinding when Run returns. The check therefore polls until
// they are gone or the deadline passes.
func checkNoLeaks(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	buf := make([]byte, 1<<20)
	for {
		stacks := string(buf[:runtime.Stack(buf, true)])
		var alive []string
		for _, fn := range []string{"(*Watcher).pump", "(*inotify).readEvents"} {
			if strings.Contains(stacks, fn) {
				alive = append(alive, fn)
			}
		}
		if len(alive) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("goroutines running %q still alive %v after Run returned", alive, waitLimit)
			return
		}
		time.Sleep(time.Millisecond) // poll interval, not a synchronization
	}
}

func newFsnotifySource(t *testing.T) fsnotifySource {
	t.Helper()
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		t.Fatalf("fsnotify.NewWatcher: %v", err)
	}
	return fsnotifySource{fw}
}

func (h *harness) signal() {
	select {
	case h.changed <- struct{}{}:
	default:
	}
}

// waitFor waits until cond holds, re-checking it whenever the Watcher
// observed an event or its Run loop turned.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.NewTimer(waitLimit)
	defer deadline.Stop()
	for !cond() {
		select {
		case <-h.changed:
		case <-deadline.C:
			h.t.Fatalf("timed out after %v waiting for %s", waitLimit, what)
		}
	}
}

// waitEvent waits until the Watcher has handled an event with op on the
// path rel under the root.
func (h *harness) waitEvent(op fsnotify.Op, rel string) {
	h.t.Helper()
	name := filepath.Join(h.root, filepath.FromSlash(rel))
	h.waitFor(op.String()+" on "+rel, func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return slices.ContainsFunc(h.events, func(ev fsnotify.Event) bool {
			return ev.Name == name && ev.Has(op)
		})
	})
	h.settle()
}

// settle waits until the Watcher has handled every event caused before the
// call. inotify queues the events of one instance in order, so it creates a
// fence file and waits for its event. The fence has a temporary-download
// name, which the Watcher observes but never reports. Without a watch on
// the root there is nothing to wait for.
func (h *harness) settle() {
	h.t.Helper()
	h.w.mu.Lock()
	watching := h.w.dirs[h.root] != nil
	h.w.mu.Unlock()
	if watching {
		h.fences++
		fence := fmt.Sprintf("%sfence-%d", tempPrefix, h.fences)
		writeFile(h.t, h.root, fence, "")
		h.waitFor("the fence "+fence, func() bool {
			h.mu.Lock()
			defer h.mu.Unlock()
			name := filepath.Join(h.root, fence)
			return slices.ContainsFunc(h.events, func(ev fsnotify.Event) bool { return ev.Name == name })
		})
	}

	// observe runs with the Watcher's mutex held, so taking it here waits
	// until the whole drain, timer included, is done.
	h.w.mu.Lock()
	h.w.mu.Unlock()
}

// advance moves the fake clock and waits for the flush it triggers.
func (h *harness) advance(d time.Duration) {
	h.t.Helper()
	before := h.flushes.Load()
	if h.clock.Advance(d) == 0 {
		return
	}
	h.waitFor("a flush", func() bool { return h.flushes.Load() > before })
}

// expectBatch receives the next batch and compares it with want.
func (h *harness) expectBatch(want Batch) {
	h.t.Helper()
	want.Root = h.root
	before := h.sends.Load()
	select {
	case got := <-h.w.Batches():
		if diff := cmp.Diff(want, got); diff != "" {
			h.t.Fatalf("batch mismatch (-want +got):\n%s", diff)
		}
	case <-time.After(waitLimit):
		h.t.Fatalf("no batch within %v; want %+v", waitLimit, want)
	}
	// The loop removes a batch from its queue just after the send.
	h.waitFor("the batch to leave the queue", func() bool { return h.sends.Load() > before })
}

// expectNoBatch fails if a batch is waiting to be delivered. Call it after
// advance, which waits for the flush that would have queued one.
func (h *harness) expectNoBatch() {
	h.t.Helper()
	h.w.mu.Lock()
	defer h.w.mu.Unlock()
	for _, b := range h.w.ready {
		h.t.Fatalf("unexpected batch at %v: %+v", h.clock.Now(), *b)
	}
}

// watchedDirs returns the watched directories under the root, relative to
// it, sorted; the root itself is ".".
func (h *harness) watchedDirs() []string {
	h.w.mu.Lock()
	defer h.w.mu.Unlock()
	var dirs []string
	for dir := range h.w.dirs {
		if dir == h.root {
			dirs = append(dirs, ".")
		} else if strings.HasPrefix(dir, h.root+string(filepath.Separator)) {
			dirs = append(dirs, relativeTo(h.root, dir))
		}
	}
	slices.Sort(dirs)
	return dirs
}

// kernelWatches returns the paths fsnotify watches under the root, relative
// to it, sorted.
func kernelWatches(t *testing.T, src eventSource, root string) []string {
	t.Helper()
	var fw *fsnotify.Watcher
	switch s := src.(type) {
	case fsnotifySource:
		fw = s.w
	case *faultySource:
		fw = s.fsnotifySource.w
	default:
		t.Fatalf("kernelWatches: unknown source %T", src)
	}
	var dirs []string
	for _, dir := range fw.WatchList() {
		if dir == root {
			dirs = append(dirs, ".")
		} else if strings.HasPrefix(dir, root+string(filepath.Separator)) {
			dirs = append(dirs, relativeTo(root, dir))
		}
	}
	slices.Sort(dirs)
	return dirs
}

// faultySource is real fsnotify with injectable failures: addErr may fail
// Add for chosen paths, and errors sent on inject reach the Watcher as if
// fsnotify had reported them.
type faultySource struct {
	fsnotifySource
	addErr func(name string) error
	inject chan error
	errs   chan error
}

func newFaultySource(t *testing.T, addErr func(name string) error) *faultySource {
	s := &faultySource{
		fsnotifySource: newFsnotifySource(t),
		addErr:         addErr,
		inject:         make(chan error),
		errs:           make(chan error),
	}
	go func() {
		defer close(s.errs)
		real := s.fsnotifySource.w.Errors
		for real != nil {
			select {
			case err, ok := <-real:
				if !ok {
					real = nil
					continue
				}
				s.errs <- err
			case err := <-s.inject:
				s.errs <- err
			}
		}
	}()
	return s
}

func (s *faultySource) Add(name string) error {
	if s.addErr != nil {
		if err := s.addErr(name); err != nil {
			return err
		}
	}
	return s.fsnotifySource.Add(name)
}

func (s *faultySource) Errors() <-chan error { return s.errs }

// writeFile writes data to rel under dir, creating parent directories.
func writeFile(t *testing.T, dir, rel, data string) {
	t.Helper()
	name := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
