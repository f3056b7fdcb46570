package watcher

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
)

const (
	// metaDirName is the metadata directory at the top of every root.
	metaDirName = ".photosync"

	// tempPrefix starts the names of the daemon's partial downloads, which
	// are renamed into place when complete.
	tempPrefix = ".photosync-tmp-"

	// maxQueuedEvents bounds the events read from inotify but not yet
	// handled, four times the kernel's default queue of 16384. Beyond it
	// events are dropped and every root is rescanned, as on a kernel
	// overflow.
	maxQueuedEvents = 4 * 16384

	// flushGranularity divides Delay to give the shortest time between two
	// flushes, so that a stream of events with spread-out deadlines costs at
	// most one pass over the pending set per Delay/10.
	flushGranularity = 10

	// movedDirMemory is how long a moved directory waits for the echo of
	// its move. The echo is normally read together with the move itself.
	movedDirMemory = time.Minute
)

// errQueueFull is the overflow of the Watcher's own event queue.
var errQueueFull = fmt.Errorf("event queue of %d entries full: %w",
	maxQueuedEvents, fsnotify.ErrEventOverflow)

// inbox passes events from the goroutine that reads fsnotify to the Run
// loop. fsnotify v1.10.1 can block with its own lock held until its Errors
// channel is read (when removing the watch of a moved directory fails), and
// the Watcher holds its mutex around calls into fsnotify. So the reader
// takes only the inbox's lock, never the Watcher's mutex.
type inbox struct {
	notify chan struct{} // receives when something was queued; 1-buffered

	mu     sync.Mutex // guards the fields below
	events []fsnotify.Event
	lost   error // first error since the last take; events may be missing
	closed bool  // the source's channels are closed
}

func newInbox() *inbox {
	return &inbox{notify: make(chan struct{}, 1)}
}

func (q *inbox) signal() {
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

func (q *inbox) push(ev fsnotify.Event) {
	q.mu.Lock()
	if len(q.events) < maxQueuedEvents {
		q.events = append(q.events, ev)
	} else if q.lost == nil {
		q.lost = errQueueFull
	}
	q.mu.Unlock()
	q.signal()
}

func (q *inbox) fail(err error) {
	q.mu.Lock()
	if q.lost == nil {
		q.lost = err
	}
	q.mu.Unlock()
	q.signal()
}

func (q *inbox) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.signal()
}

// take returns and clears what was queued.
func (q *inbox) take() (events []fsnotify.Event, lost error, closed bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	events, lost = q.events, q.lost
	q.events, q.lost = nil, nil
	return events, lost, q.closed
}

// Run handles events and delivers batches on the Batches channel until ctx
// ends or Close is called; then it returns nil. It returns an error when
// called twice, or when the event source stops on its own. Changes that
// were not delivered when Run returns are discarded, because the daemon
// scans every root when it starts again.
func (w *Watcher) Run(ctx context.Context) error {
	w.mu.Lock()
	if w.running {
		w.mu.Unlock()
		return errors.New("run watcher: Run was already called")
	}
	w.running = true
	w.mu.Unlock()

	pumped := make(chan struct{})
	go w.pump(pumped)
	defer func() {
		w.Close()
		<-pumped
		w.mu.Lock()
		if w.timer != nil {
			w.timer.Stop()
			w.timer = nil
		}
		w.mu.Unlock()
		close(w.out)
	}()

	for {
		var out chan Batch
		var next *Batch
		w.mu.Lock()
		if len(w.ready) > 0 {
			out, next = w.out, w.ready[0]
		}
		w.mu.Unlock()

		// When nothing is ready, out is nil and its case never fires. next
		// is copied only in the send case, and only this goroutine changes
		// the batches in ready, so what is sent is what is removed.
		var batch Batch
		if next != nil {
			batch = *next
		}
		select {
		case <-ctx.Done():
			return nil
		case <-w.inbox.notify:
			closed := w.drain()
			w.step("drain")
			if closed {
				return w.closedError()
			}
		case <-w.wake:
			w.flush()
			w.step("flush")
		case out <- batch:
			w.mu.Lock()
			w.ready = slices.DeleteFunc(w.ready, func(b *Batch) bool { return b == next })
			w.mu.Unlock()
			w.step("send")
		}
	}
}

func (w *Watcher) step(kind string) {
	if w.stepped != nil {
		w.stepped(kind)
	}
}

// closedError returns nil when the source was closed by Close, and an error
// when it stopped on its own.
func (w *Watcher) closedError() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	return errors.New("run watcher: inotify stopped delivering events")
}

// pump moves events and errors from the source into the inbox until both
// of the source's channels are closed, then closes done.
func (w *Watcher) pump(done chan<- struct{}) {
	defer close(done)
	events, errs := w.src.Events(), w.src.Errors()
	for events != nil || errs != nil {
		select {
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			w.inbox.push(ev)
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			w.inbox.fail(err)
		}
	}
	w.inbox.close()
}

// drain handles what the inbox holds and reports whether the source is
// closed.
func (w *Watcher) drain() (closed bool) {
	events, lost, closed := w.inbox.take()

	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.opts.Clock.Now()
	for _, ev := range events {
		w.handleLocked(ev, now)
	}
	if lost != nil {
		w.resyncLocked(lost, now)
	}
	if len(events) > 0 || lost != nil {
		w.armLocked(now.Add(w.opts.Delay), now)
	}
	return closed
}

// resyncLocked recovers from lost events. Directories created in the gap
// have no watch yet and directories renamed in it are watched under their
// old names, so every watching root gets its watches rebuilt from scratch
// and a rescan of the whole root.
func (w *Watcher) resyncLocked(lost error, now time.Time) {
	for _, r := range w.roots {
		if r.err != nil {
			continue
		}
		w.log.Warn().Err(lost).Str("folder", r.path).Msg("Events lost; rescanning folder")
		w.unwatchTreeLocked(r.path)
		r.agg.rescan("", false, now)
		if err := w.watchTreeLocked(r, r.path, now, false); err != nil {
			w.stopRootLocked(r, err)
		}
	}
}

// locateLocked returns the root of the event path name and name relative to
// that root, or nil when name is not under a watched directory.
func (w *Watcher) locateLocked(name string) (*rootState, string) {
	if d := w.dirs[filepath.Dir(name)]; d != nil {
		return d.root, relativeTo(d.root.path, name)
	}
	if r := w.roots[name]; r != nil && w.dirs[name] != nil {
		return r, ""
	}
	return nil, ""
}

// relativeTo returns name relative to root with "/" separators. name must
// lie below root.
func relativeTo(root, name string) string {
	rel := strings.TrimPrefix(name, root)
	rel = strings.TrimPrefix(rel, string(filepath.Separator))
	return filepath.ToSlash(rel)
}

// skipName reports whether entries with this base name are never reported.
func skipName(name string) bool {
	return name == metaDirName || strings.HasPrefix(name, tempPrefix)
}

// hiddenDir reports whether a directory with this base name is left
// unwatched.
func hiddenDir(name string) bool {
	return strings.HasPrefix(name, ".")
}

// handleLocked records one event.
func (w *Watcher) handleLocked(ev fsnotify.Event, now time.Time) {
	if w.observe != nil {
		w.observe(ev)
	}
	name := filepath.Clean(ev.Name)
	r, rel := w.locateLocked(name)
	if r == nil || r.err != nil {
		return
	}
	if rel == "" {
		if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
			w.stopRootLocked(r, fmt.Errorf("watch %s: %w", r.path, ErrRootGone))
			r.agg.rescan("", false, now)
		}
		return
	}
	if skipName(path.Base(rel)) || r.ignoredLocked(rel, now) {
		return
	}

	_, isDir := w.dirs[name]
	switch {
	case ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename):
		if isDir {
			w.unwatchTreeLocked(name)
			r.agg.rescan(rel, true, now)
			r.movedDirs[rel] = now
			return
		}
		if _, echo := r.movedDirs[rel]; echo {
			delete(r.movedDirs, rel)
			return
		}
		r.agg.add(rel, true, now)
	case ev.Has(fsnotify.Create):
		delete(r.movedDirs, rel)
		w.createdLocked(r, name, rel, now)
	case ev.Has(fsnotify.Chmod) && !isDir:
		// A directory that could not be read before may have become
		// readable, so it is handled like a new one.
		w.createdLocked(r, name, rel, now)
	case ev.Has(fsnotify.Write) && !isDir:
		r.agg.add(rel, false, now)
	}
}

// createdLocked handles the creation of name, or its arrival by a rename. A
// new directory is watched and the files already in it are reported, since
// they may have been written before its watch was added.
func (w *Watcher) createdLocked(r *rootState, name, rel string, now time.Time) {
	info, err := os.Lstat(name)
	if err != nil || !info.IsDir() {
		// Report a path that vanished again too: the caller then finds it
		// absent, which is what it must learn if an older version was known.
		r.agg.add(rel, false, now)
		return
	}
	if hiddenDir(info.Name()) {
		return
	}

	// The directory may be watched already, when its parent's listing found
	// it before this event arrived. Watching it again is harmless, because
	// inotify returns the existing watch for the same inode.
	if err := w.watchTreeLocked(r, name, now, true); err != nil {
		w.stopRootLocked(r, err)
		r.agg.rescan("", false, now)
	}
}

// pruneLocked deletes the ignore windows that ended and the moved
// directories whose echo is overdue. The kernel queues the echo right after
// the move, but fsnotify drops it when the watch was removed first, so some
// echoes never come.
func (r *rootState) pruneLocked(now time.Time) {
	for rel, until := range r.ignore {
		if !now.Before(until) {
			delete(r.ignore, rel)
		}
	}
	for rel, movedAt := range r.movedDirs {
		if now.Sub(movedAt) >= movedDirMemory {
			delete(r.movedDirs, rel)
		}
	}
}

// ignoredLocked reports whether events on rel fall in an ignore window.
func (r *rootState) ignoredLocked(rel string, now time.Time) bool {
	until, ok := r.ignore[rel]
	if !ok {
		return false
	}
	if now.Before(until) {
		return true
	}
	delete(r.ignore, rel)
	return false
}

// watchTreeLocked adds watches to dir and every directory below it, except
// hidden ones, and with report set records the other entries it finds as
// changed. A watch is added before its directory is listed, so an entry
// created in between is seen by the listing, by an event, or by both.
//
// A directory that vanishes meanwhile is skipped, since its removal arrives
// as an event. One that cannot be read is skipped with a warning. Running
// out of watches returns a [*WatchLimitError]; the partial tree stays
// watched and the caller stops the root.
func (w *Watcher) watchTreeLocked(r *rootState, dir string, now time.Time, report bool) error {
	if err := w.src.Add(dir); err != nil {
		return w.watchError(r, dir, err)
	}
	if w.dirs[dir] == nil {
		w.dirs[dir] = &watched{root: r, subs: make(map[string]bool)}
		r.dirs++
	}
	if parent := w.dirs[filepath.Dir(dir)]; parent != nil && dir != r.path {
		parent.subs[dir] = true
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		return w.watchError(r, dir, err)
	}
	for _, entry := range entries {
		name := filepath.Join(dir, entry.Name())
		if entry.IsDir() {
			if hiddenDir(entry.Name()) {
				continue
			}
			if err := w.watchTreeLocked(r, name, now, report); err != nil {
				return err
			}
			continue
		}
		rel := relativeTo(r.path, name)
		if report && !skipName(entry.Name()) && !r.ignoredLocked(rel, now) {
			r.agg.add(rel, false, now)
		}
	}
	return nil
}

// watchError classifies an error from watching or listing dir: nil when
// the directory can be skipped, a [*WatchLimitError] when watches ran out,
// and err itself otherwise.
func (w *Watcher) watchError(r *rootState, dir string, err error) error {
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return &WatchLimitError{Root: r.path, Dir: dir, Err: err}
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		return nil
	case errors.Is(err, fsnotify.ErrClosed) && w.closed:
		return nil // Run is returning
	case errors.Is(err, fs.ErrPermission) && dir != r.path:
		w.log.Warn().Err(err).Str("folder", r.path).Str("path", relativeTo(r.path, dir)).
			Msg("Directory not readable; its changes are not watched")
		return nil
	}
	return fmt.Errorf("watch %s: %w", dir, err)
}

// unwatchTreeLocked removes the watches of dir and the directories below it.
func (w *Watcher) unwatchTreeLocked(dir string) {
	d := w.dirs[dir]
	if d == nil {
		return
	}
	for sub := range d.subs {
		w.unwatchTreeLocked(sub)
	}
	delete(w.dirs, dir)
	d.root.dirs--
	if parent := w.dirs[filepath.Dir(dir)]; parent != nil {
		delete(parent.subs, dir)
	}

	// The kernel drops the watch of a deleted directory by itself, so the
	// removal may find nothing to remove.
	if err := w.src.Remove(dir); err != nil && !errors.Is(err, fsnotify.ErrNonExistentWatch) {
		w.log.Debug().Err(err).Str("folder", d.root.path).Str("path", relativeTo(d.root.path, dir)).
			Msg("Watch already gone")
	}
}

// stopRootLocked stops watching r for the reason err. The root stays
// registered, so Status shows err and the caller scans the root instead.
func (w *Watcher) stopRootLocked(r *rootState, err error) {
	w.unwatchTreeLocked(r.path)
	r.err = err
	w.log.Error().Err(err).Str("folder", r.path).Msg("Stopped watching folder")
}

// flush moves the due changes of every root into the ready queue and arms
// the timer for the next deadline.
func (w *Watcher) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.opts.Clock.Now()
	if w.timer != nil {
		// The timer may be a newer one than the one that fired.
		w.timer.Stop()
		w.timer = nil
	}

	var next time.Time
	armed := false
	for _, r := range w.roots {
		paths, rescans := r.agg.flush(now)
		if len(paths) > 0 || len(rescans) > 0 {
			w.queueLocked(Batch{Root: r.path, Paths: paths, Rescan: rescans})
			w.log.Debug().Str("folder", r.path).Int("paths", len(paths)).Int("rescans", len(rescans)).
				Msg("Changes due")
		}
		r.pruneLocked(now)
		if at, ok := r.agg.next(); ok && (!armed || at.Before(next)) {
			next, armed = at, true
		}
	}
	if armed {
		soonest := now.Add(w.opts.Delay / flushGranularity)
		if next.Before(soonest) {
			next = soonest
		}
		w.armLocked(next, now)
	}
}

// queueLocked adds b to the ready queue, merged into the batch of its root
// if one is waiting.
func (w *Watcher) queueLocked(b Batch) {
	for _, waiting := range w.ready {
		if waiting.Root == b.Root {
			*waiting = waiting.merge(b, w.opts.MaxPending)
			return
		}
	}
	w.ready = append(w.ready, &b)
}

// armLocked makes sure the flush timer fires no later than at.
func (w *Watcher) armLocked(at, now time.Time) {
	if w.timer != nil && !w.timerAt.After(at) {
		return
	}
	if w.timer != nil {
		w.timer.Stop()
	}
	w.timerAt = at
	w.timer = w.opts.Clock.AfterFunc(at.Sub(now), func() {
		select {
		case w.wake <- struct{}{}:
		default:
		}
	})
}
