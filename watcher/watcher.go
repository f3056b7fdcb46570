package watcher

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/rs/zerolog"
)

// Defaults of Options.
const (
	// DefaultDelay lets a burst of writes, such as a camera import, settle
	// before its files are looked at.
	DefaultDelay = 10 * time.Second

	// DefaultMaxDelay bounds how stale a change can get while its path keeps
	// changing, for example a long video that is still being copied. The
	// daemon's settle check, not the Watcher, keeps such a file from being
	// uploaded before it is complete.
	DefaultMaxDelay = 60 * time.Second

	// DefaultRemoveDelayFactor holds removals twice as long as other changes.
	DefaultRemoveDelayFactor = 2.0

	// DefaultMaxPending keeps the pending set of a root near 2.3 MB, since
	// BenchmarkAggregator allocates about 230 bytes per path. Beyond that,
	// one rescan of the directory is cheaper than tracking each path.
	DefaultMaxPending = 10_000
)

// WatchLimitSysctl is the Linux setting that caps the number of inotify
// watches per user. Each watched directory takes one watch.
const WatchLimitSysctl = "fs.inotify.max_user_watches"

var (
	// ErrWatchLimit is matched by a [*WatchLimitError].
	ErrWatchLimit = errors.New("inotify watch limit reached")

	// ErrRootGone is reported in [RootStatus.Err] when a root directory was
	// removed or moved away.
	//
	// NOTE: fsnotify drops the watches of an unmounted filesystem without
	// an event, so an unmount is not detected here. The daemon's marker
	// check on each scan is what catches it.
	ErrRootGone = errors.New("root directory was removed or moved")

	// ErrClosed is returned by Add after the Watcher was closed.
	ErrClosed = errors.New("watcher is closed")
)

// WatchLimitError reports that the system ran out of inotify watches while
// watching Dir under Root. The Watcher stops watching Root and reports it as
// not watching in [Watcher.Status], and the caller scans it periodically.
// Calling [Watcher.Remove] and then [Watcher.Add] for the root tries again,
// which succeeds once the limit was raised or other watches were released.
type WatchLimitError struct {
	Root string // root whose watching stopped
	Dir  string // directory whose watch could not be added
	Err  error  // error from the kernel, usually ENOSPC
}

// Error returns the failure and the setting to raise.
func (e *WatchLimitError) Error() string {
	return fmt.Sprintf("watch %s: %v: the system allows no more inotify watches; "+
		"raise %s (for example sysctl -w %s=524288) and restart the daemon; "+
		"until then %s is scanned periodically",
		e.Dir, e.Err, WatchLimitSysctl, WatchLimitSysctl, e.Root)
}

// Unwrap returns ErrWatchLimit and the kernel's error.
func (e *WatchLimitError) Unwrap() []error {
	return []error{ErrWatchLimit, e.Err}
}

// Options configures a Watcher. Zero fields take the defaults above.
type Options struct {
	// Delay is how long a path must see no event before it is reported.
	Delay time.Duration

	// MaxDelay is the longest a path waits after its first unreported
	// event, even if events keep arriving. It must be at least Delay.
	MaxDelay time.Duration

	// RemoveDelayFactor multiplies Delay for paths whose latest event is a
	// removal or rename, so that a rename (removal of the old name, then
	// creation of the new one) is not reported as a lone deletion. It must
	// be at least 1.
	RemoveDelayFactor float64

	// MaxPending is how many paths may wait in one directory or one root
	// before they collapse into a rescan of that directory or root.
	MaxPending int

	// Clock is the source of time; nil means the system clock.
	Clock Clock

	// Logger receives the Watcher's log events; the zero value discards them.
	Logger zerolog.Logger
}

// withDefaults returns o with zero fields set to their defaults, or an error
// naming the first invalid field.
func (o Options) withDefaults() (Options, error) {
	if o.Delay == 0 {
		o.Delay = DefaultDelay
	}
	if o.MaxDelay == 0 {
		o.MaxDelay = max(DefaultMaxDelay, o.Delay)
	}
	if o.RemoveDelayFactor == 0 {
		o.RemoveDelayFactor = DefaultRemoveDelayFactor
	}
	if o.MaxPending == 0 {
		o.MaxPending = DefaultMaxPending
	}
	if o.Clock == nil {
		o.Clock = systemClock{}
	}

	switch {
	case o.Delay < 0:
		return o, fmt.Errorf("watcher options: invalid Delay %v: must be positive", o.Delay)
	case o.MaxDelay < o.Delay:
		return o, fmt.Errorf("watcher options: invalid MaxDelay %v: must be at least Delay (%v)",
			o.MaxDelay, o.Delay)
	case o.RemoveDelayFactor < 1:
		return o, fmt.Errorf("watcher options: invalid RemoveDelayFactor %v: must be at least 1",
			o.RemoveDelayFactor)
	case o.MaxPending < 0:
		return o, fmt.Errorf("watcher options: invalid MaxPending %d: must be positive", o.MaxPending)
	}
	return o, nil
}

// timing returns the aggregator settings of o, which must have its defaults.
func (o Options) timing() timing {
	return timing{
		delay:       o.Delay,
		removeDelay: time.Duration(float64(o.Delay) * o.RemoveDelayFactor),
		maxDelay:    o.MaxDelay,
		maxPending:  o.MaxPending,
	}
}

// RootStatus describes one root of a Watcher.
type RootStatus struct {
	// Root is the root as passed to [Watcher.Add], cleaned.
	Root string

	// Watching reports whether changes under Root arrive as events. When it
	// is false, the caller must scan Root periodically, and Err gives the
	// reason.
	Watching bool

	// Dirs is the number of directories watched under Root, Root included.
	Dirs int

	// Pending is the number of paths and subtrees waiting to be reported.
	Pending int

	// Err is nil while watching. Otherwise it matches ErrWatchLimit or
	// ErrRootGone.
	Err error
}

// Watcher watches directory trees and reports changed paths in batches.
//
// Create one with New, register roots with Add, and call Run once to
// deliver batches on the channel returned by Batches. Add, Remove, Ignore
// and Status may be called from any goroutine, before or during Run.
type Watcher struct {
	opts  Options
	log   zerolog.Logger
	src   eventSource
	out   chan Batch
	wake  chan struct{} // receives when the flush timer fires; 1-buffered
	inbox *inbox

	// Test hooks, set before Run and nil otherwise. observe receives every
	// event as it is handled, with mu held. stepped runs after each turn of the
	// Run loop with its kind: "drain", "flush" or "send".
	observe func(fsnotify.Event)
	stepped func(step string)

	// defaultMaxDelay reports whether Options.MaxDelay was left to its
	// default, which follows Delay.
	defaultMaxDelay bool

	// mu guards the fields below. The Run loop holds it while it handles
	// events, and so do the exported methods.
	mu      sync.Mutex
	roots   map[string]*rootState // by cleaned root path
	dirs    map[string]*watched   // every watched directory, by absolute path
	timer   Timer                 // flush timer; nil when none is armed
	timerAt time.Time             // when timer fires
	ready   []*Batch              // due batches not yet received, one per root at most
	running bool                  // Run was called
	closed  bool                  // Close was called
}

// rootState is the state of one root.
type rootState struct {
	path   string
	agg    *aggregator
	dirs   int                  // watched directories under path
	ignore map[string]time.Time // relative path to the end of its ignore window

	// movedDirs maps directories that were removed or renamed away to when
	// that happened. A moved directory's own watch reports the move a
	// second time, after the parent did, and that echo must not be
	// reported as a removed file.
	movedDirs map[string]time.Time
	err       error // reason the root is not watched; nil while watching
}

// watched is one watched directory.
type watched struct {
	root *rootState
	subs map[string]bool // absolute paths of watched subdirectories
}

// eventSource is the part of fsnotify the Watcher uses. Tests replace it to
// inject overflows and failures to add a watch.
type eventSource interface {
	Add(name string) error
	Remove(name string) error
	Events() <-chan fsnotify.Event
	Errors() <-chan error
	Close() error
}

// fsnotifySource is the eventSource backed by an fsnotify.Watcher.
type fsnotifySource struct{ w *fsnotify.Watcher }

func (s fsnotifySource) Add(name string) error         { return s.w.Add(name) }
func (s fsnotifySource) Remove(name string) error      { return s.w.Remove(name) }
func (s fsnotifySource) Events() <-chan fsnotify.Event { return s.w.Events }
func (s fsnotifySource) Errors() <-chan error          { return s.w.Errors }
func (s fsnotifySource) Close() error                  { return s.w.Close() }

// New returns a Watcher with no roots. It holds an inotify instance until
// Run returns or Close is called.
func New(opts Options) (*Watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("start inotify: %w (the sysctl fs.inotify.max_user_instances "+
			"caps inotify instances per user)", err)
	}
	w, err := newWithSource(opts, fsnotifySource{fw})
	if err != nil {
		fw.Close()
		return nil, err
	}
	return w, nil
}

func newWithSource(opts Options, src eventSource) (*Watcher, error) {
	defaultMaxDelay := opts.MaxDelay == 0
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	w := &Watcher{
		opts:  opts,
		log:   opts.Logger.With().Str("component", "watcher").Logger(),
		src:   src,
		out:   make(chan Batch),
		wake:  make(chan struct{}, 1),
		inbox: newInbox(),
		roots: make(map[string]*rootState),
		dirs:  make(map[string]*watched),
	}
	w.defaultMaxDelay = defaultMaxDelay
	return w, nil
}

// SetDelay changes Options.Delay, for the roots watched now and those added
// later, and MaxDelay with it when it was left to its default or is now
// below the delay. Pending changes come due by the new delay. It may be
// called from any goroutine, before or during Run.
func (w *Watcher) SetDelay(delay time.Duration) error {
	if delay <= 0 {
		return fmt.Errorf("set watcher delay: invalid delay %v: must be positive", delay)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.opts.Delay = delay
	if w.defaultMaxDelay {
		w.opts.MaxDelay = max(DefaultMaxDelay, delay)
	} else {
		w.opts.MaxDelay = max(w.opts.MaxDelay, delay)
	}
	t := w.opts.timing()
	now := w.opts.Clock.Now()
	for _, r := range w.roots {
		r.agg.timing = t
		if at, ok := r.agg.next(); ok {
			if at.Before(now) {
				at = now
			}
			w.armLocked(at, now)
		}
	}
	return nil
}

// Delay returns the current Options.Delay.
func (w *Watcher) Delay() time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.opts.Delay
}

// Batches returns the channel on which Run delivers batches. Batches for one
// root arrive in the order their changes became due, and while a batch waits
// to be received, later changes of its root merge into it. A slow receiver
// therefore never stalls event handling: its waiting batch grows, up to a
// rescan of the whole root. The channel is unbuffered and closed when Run
// returns.
func (w *Watcher) Batches() <-chan Batch {
	return w.out
}

// Add watches the directory tree at root, which must be an absolute path to
// a directory that does not overlap another root. Hidden directories (their
// name starts with ".") are not watched, and that includes the .photosync
// metadata directory. Hidden files are reported like other files.
//
// Add reports no files that exist already: the caller scans the root after
// Add returns, so that a change made during Add is seen by that scan or by an
// event.
//
// When the system runs out of inotify watches, Add keeps root registered as
// not watching and returns a [*WatchLimitError]; the caller then scans root
// periodically. Any other error leaves root unregistered.
func (w *Watcher) Add(root string) error {
	if !filepath.IsAbs(root) {
		return fmt.Errorf("watch %q: not an absolute path; give the folder's full path", root)
	}
	root = filepath.Clean(root)

	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return fmt.Errorf("watch %s: %w", root, ErrClosed)
	}
	for other := range w.roots {
		if within(root, other) || within(other, root) {
			return fmt.Errorf("watch %s: overlaps the watched folder %s; synced folders must not nest", root, other)
		}
	}
	info, err := os.Stat(root)
	if err != nil {
		return fmt.Errorf("watch %s: %w", root, err)
	}
	if !info.IsDir() {
		return fmt.Errorf("watch %s: not a directory", root)
	}

	r := &rootState{
		path:      root,
		agg:       newAggregator(w.opts.timing()),
		ignore:    make(map[string]time.Time),
		movedDirs: make(map[string]time.Time),
	}
	w.roots[root] = r
	err = w.watchTreeLocked(r, root, time.Time{}, false)
	var limit *WatchLimitError
	if errors.As(err, &limit) {
		w.stopRootLocked(r, limit)
		return limit
	}
	if err != nil {
		w.unwatchTreeLocked(root)
		delete(w.roots, root)
		return fmt.Errorf("watch %s: %w", root, err)
	}
	w.log.Info().Str("folder", root).Int("dirs", r.dirs).Msg("Watching folder")
	return nil
}

// Remove stops watching root and discards its unreported changes. A batch
// that Run is already offering on the Batches channel may still arrive.
func (w *Watcher) Remove(root string) error {
	root = filepath.Clean(root)

	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.roots[root]; !ok {
		return fmt.Errorf("unwatch %s: not a watched folder", root)
	}
	w.unwatchTreeLocked(root)
	delete(w.roots, root)
	w.ready = slices.DeleteFunc(w.ready, func(b *Batch) bool { return b.Root == root })
	w.log.Info().Str("folder", root).Msg("Stopped watching folder")
	return nil
}

// Ignore drops events on the path rel under root until the given time. The
// daemon calls it before it writes, renames or removes a file itself, so that
// its own changes are not reported back to it. rel is relative to root with
// "/" separators, as in [Batch.Paths]; the window covers that path only, not
// the entries below it. Ignore also applies to the entries listed when a new
// directory appears. Events are timed when the Watcher handles them, which
// on a busy system can be a while after the write, so leave a margin.
func (w *Watcher) Ignore(root, rel string, until time.Time) error {
	root = filepath.Clean(root)
	if !isCleanRelative(rel) {
		return fmt.Errorf("ignore %q under %s: not a clean relative path such as \"Trips/a.jpg\"", rel, root)
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	r, ok := w.roots[root]
	if !ok {
		return fmt.Errorf("ignore %q under %s: not a watched folder", rel, root)
	}
	if until.After(r.ignore[rel]) {
		r.ignore[rel] = until
	}
	return nil
}

// isCleanRelative reports whether rel is a clean relative path that stays
// inside its root, such as "Trips/a.jpg".
func isCleanRelative(rel string) bool {
	return rel != "" && rel != "." && !path.IsAbs(rel) && path.Clean(rel) == rel &&
		rel != ".." && !strings.HasPrefix(rel, "../")
}

// Status returns the state of every root, sorted by root.
func (w *Watcher) Status() []RootStatus {
	w.mu.Lock()
	defer w.mu.Unlock()
	statuses := make([]RootStatus, 0, len(w.roots))
	for _, r := range w.roots {
		statuses = append(statuses, RootStatus{
			Root:     r.path,
			Watching: r.err == nil,
			Dirs:     r.dirs,
			Pending:  r.agg.len(),
			Err:      r.err,
		})
	}
	slices.SortFunc(statuses, func(a, b RootStatus) int { return strings.Compare(a.Root, b.Root) })
	return statuses
}

// Close releases the inotify instance and makes Run return. Run calls it on
// its way out, so Close is needed only when Run is never called. Calling it
// more than once is safe.
func (w *Watcher) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	w.mu.Unlock()

	if err := w.src.Close(); err != nil {
		return fmt.Errorf("close inotify: %w", err)
	}
	return nil
}
