package scan

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	gosync "sync"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"
)

// jobsPerWorker sizes the hash queue. A few queued files per worker keep the
// workers busy while the walk lists the next directory, and the walk blocks
// instead of holding a whole folder's worth of queued files in memory.
const jobsPerWorker = 4

// walkWorkers bounds the goroutines that list directories and read file
// status at the same time. A re-run over an unchanged tree spends its time
// in those system calls, and they run in parallel on several cores.
const walkWorkers = 4

// hashJob is a new or changed regular file for a hash worker. When listed
// is set, info is the Lstat of the file, or the Stat of the link target
// when the path is a followed symbolic link. Otherwise the walk read no
// status for the file, and the worker checks what visitFile would.
type hashJob struct {
	rel, abs string
	info     fileState
	listed   bool
}

// scanner is the state of one Scan. The walk runs on up to walkWorkers
// goroutines and the hash workers on others, and all of them add to res.
type scanner struct {
	opts Options
	// root is Options.Root cleaned, the start of every path below it.
	root      string
	prev      Previous
	filter    *filter
	now       time.Time
	jobs      chan hashJob
	afterRead func(rel string)

	// prevMu keeps the calls of prev to one goroutine at a time, as
	// Previous promises.
	prevMu gosync.Mutex
	// walkers holds a token for each extra goroutine walking a
	// directory, walks tracks them, and walkErr is the first error one
	// returned.
	walkers chan struct{}
	walks   gosync.WaitGroup
	walkMu  gosync.Mutex
	walkErr error

	// mu guards res, reused and examiners.
	mu  gosync.Mutex
	res Result
	// reused are the entries the walk took from Previous.
	reused entryList
	// examiners are the hash workers that ended, with their entries.
	examiners []*examiner
}

func scan(ctx context.Context, opts Options, prev Previous) (*Result, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("scan: %w", err)
	}
	f, err := newFilter(opts.Include, opts.Exclude)
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", opts.Root, err)
	}
	s := &scanner{
		opts:      opts,
		root:      filepath.Clean(opts.Root),
		prev:      prev,
		filter:    f,
		now:       opts.Now(),
		jobs:      make(chan hashJob, jobsPerWorker*opts.HashWorkers),
		afterRead: opts.afterRead,
		walkers:   make(chan struct{}, cmp.Or(opts.walkWorkers, walkWorkers)-1),
	}
	if err := s.run(ctx); err != nil {
		return nil, fmt.Errorf("scan %s: %w", opts.Root, err)
	}
	s.sortResult()
	return &s.res, nil
}

// run walks the root on up to walkWorkers goroutines and hashes on
// HashWorkers others. It returns the first error that ends the scan: the
// root's own failure, or the context's.
func (s *scanner) run(ctx context.Context) error {
	info, err := statFile(s.opts.Root)
	if err != nil {
		return err
	}
	if !info.mode.IsDir() {
		return syscall.ENOTDIR
	}
	root, entries, err := openDirectory(s.opts.Root)
	if err != nil {
		return err
	}
	defer root.close()
	root.abs = s.root

	g, gctx := errgroup.WithContext(ctx)
	for range s.opts.HashWorkers {
		g.Go(func() error { return s.hashWorker(gctx) })
	}
	g.Go(func() error {
		defer close(s.jobs)
		s.addDir("")
		err := s.walkEntries(gctx, "", root, entries, []fileID{info.id}, s.filter.rootIncluded())
		// Every extra walk was started by this goroutine or by another
		// extra walk, so none starts after this wait returns.
		s.walks.Wait()
		s.walkMu.Lock()
		defer s.walkMu.Unlock()
		return errors.Join(err, s.walkErr)
	})
	if err := g.Wait(); err != nil {
		return err
	}
	// A worker or the walk may have stopped early without an error of its
	// own when the parent context ended.
	return ctx.Err()
}

// walkDir lists the directory rel and walks its entries. A directory that
// cannot be listed is an Unreadable skip, and one that vanished is left out.
func (s *scanner) walkDir(ctx context.Context, rel, abs string, ancestors []fileID, included bool) error {
	dir, entries, err := openDirectory(abs)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			s.vanished(rel, err)
			return nil
		}
		s.skip(Skip{Path: rel, Kind: Unreadable, Reason: "directory cannot be listed", Err: err})
		return nil
	}
	defer dir.close()
	s.addDir(rel)
	return s.walkEntries(ctx, rel, dir, entries, ancestors, included)
}

// walkEntries visits the entries of the directory rel. The directory stays
// open until it returns, including while it walks subdirectories on this
// goroutine, so a walking goroutine holds one descriptor per level it is
// in, at most maxDepth.
func (s *scanner) walkEntries(ctx context.Context, rel string, dir directory, entries []fs.DirEntry, ancestors []fileID, included bool) error {
	for _, de := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := de.Name()
		if ignoredName(name) {
			continue
		}
		childRel := name
		if rel != "" {
			childRel = rel + "/" + name
		}
		if err := s.visit(ctx, childRel, dir, name, de.Type(), ancestors, included); err != nil {
			return err
		}
	}
	return nil
}

// visit classifies the entry name of dir, at rel, and either records it,
// queues it for hashing or descends into it. Filters run first so that an
// excluded path is not even stat'ed. listed is the file type that the
// listing returned. The entry's absolute path is built only where it is
// needed, which a file reused from Previous is not.
func (s *scanner) visit(ctx context.Context, rel string, dir directory, name string, listed fs.FileMode, ancestors []fileID, parentIncluded bool) error {
	keep, included := s.filter.step(rel, parentIncluded)
	if !keep {
		return nil
	}
	var rec record
	looked := false
	if included && listed.IsRegular() && openChecksNewFiles {
		rec, looked = s.previous(rel), true
		if rec.sha256 == "" {
			// The file is new or has no hash, so it is read whatever its
			// status, and the fstat after opening it returns what an
			// Lstat here would.
			return s.queue(ctx, hashJob{rel: rel, abs: dir.child(name)})
		}
	}
	info, err := dir.lstat(name)
	if err != nil {
		s.statFailed(rel, err)
		return nil
	}
	if info.mode&fs.ModeSymlink != 0 {
		var ok bool
		if info, ok = s.followLink(rel, dir.child(name), included); !ok {
			return nil
		}
	}

	switch {
	case info.mode.IsDir():
		return s.enterDir(ctx, rel, dir.child(name), info.id, ancestors, included)
	case !included:
		// Not selected by Include, and not a directory that could hold
		// selected paths.
		return nil
	case info.mode.IsRegular():
		if !looked {
			rec = s.previous(rel)
		}
		return s.visitFile(ctx, rel, dir, name, info, rec)
	default:
		s.skip(Skip{Path: rel, Kind: Special, Reason: describeSpecial(info.mode)})
		return nil
	}
}

// child returns the path of the entry name. d.abs is clean, and a name
// from a listing has no separator and is never "." or "..", so the result
// equals filepath.Join(d.abs, name) without cleaning it again.
func (d directory) child(name string) string {
	if os.IsPathSeparator(d.abs[len(d.abs)-1]) {
		return d.abs + name
	}
	return d.abs + string(filepath.Separator) + name
}

// followLink returns the target's state for a symbolic link that should be
// followed. Otherwise it returns false and records a skip. A link that
// Include does not select (report false) gets a skip only when its target
// cannot be read, because that target may be a directory with selected
// paths below it.
//
// NOTE: when links are not followed, a link to a directory that Include
// would select only below it (Include "a/*/x", link "a/l") is passed over
// without a skip.
func (s *scanner) followLink(rel, abs string, report bool) (fileState, bool) {
	if !s.opts.FollowSymlinks {
		if report {
			s.skip(Skip{Path: rel, Kind: Symlink, Reason: "symbolic link not followed because following links is off"})
		}
		return fileState{}, false
	}
	target, err := statFile(abs)
	switch {
	case err == nil:
		return target, true
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ELOOP):
		if !report {
			return fileState{}, false
		}
	}
	switch {
	case errors.Is(err, syscall.ELOOP):
		s.skip(Skip{Path: rel, Kind: Loop, Reason: "symbolic link chain does not resolve", Err: err})
	case errors.Is(err, fs.ErrNotExist):
		dest, readErr := os.Readlink(abs)
		if readErr != nil {
			// The link itself vanished between Lstat and Readlink.
			s.vanished(rel, readErr)
			return fileState{}, false
		}
		s.skip(Skip{Path: rel, Kind: Symlink, Reason: fmt.Sprintf("dangling symbolic link to %q", dest), Err: err})
	default:
		s.skip(Skip{Path: rel, Kind: Unreadable, Reason: "symbolic link target cannot be read", Err: err})
	}
	return fileState{}, false
}

// enterDir descends into a directory unless it is already on the walked path.
func (s *scanner) enterDir(ctx context.Context, rel, abs string, id fileID, ancestors []fileID, included bool) error {
	if len(ancestors) >= maxDepth {
		s.skip(Skip{Path: rel, Kind: Loop, Reason: fmt.Sprintf("deeper than %d directory levels", maxDepth)})
		return nil
	}
	if slices.ContainsFunc(ancestors, id.same) {
		s.skip(Skip{Path: rel, Kind: Loop, Reason: "directory is already on the walked path"})
		return nil
	}
	// The full slice expression makes append copy, so sibling directories
	// never share one backing array.
	ancestors = append(ancestors[:len(ancestors):len(ancestors)], id)
	select {
	case s.walkers <- struct{}{}:
		s.walks.Add(1)
		go func() {
			defer s.walks.Done()
			defer func() { <-s.walkers }()
			if err := s.walkDir(ctx, rel, abs, ancestors, included); err != nil {
				s.walkMu.Lock()
				if s.walkErr == nil {
					s.walkErr = err
				}
				s.walkMu.Unlock()
			}
		}()
		return nil
	default:
		// Every extra goroutine is busy: walk it on this one.
		return s.walkDir(ctx, rel, abs, ancestors, included)
	}
}

// visitFile records the regular file name of dir when it needs no reading,
// or queues it for a hash worker. rec is what Previous returned for it.
func (s *scanner) visitFile(ctx context.Context, rel string, dir directory, name string, info fileState, rec record) error {
	// A file that still has the size and modification time the store
	// recorded is unchanged since then, however recent that time is: the
	// engine itself wrote it (a download) or hashed it once it had settled.
	if rec.matches(info) {
		s.addEntry(Entry{Path: rel, Size: info.size, ModTime: info.mtime, SHA256: rec.sha256})
		return nil
	}
	if s.heldBack(rel, info) {
		return nil
	}
	return s.queue(ctx, hashJob{rel: rel, abs: dir.child(name), info: info, listed: true})
}

// heldBack records a skip and returns true for a file that is not to be
// read now: one modified within the settle time, or an empty one.
func (s *scanner) heldBack(rel string, info fileState) bool {
	if reason, unsettled := s.unsettled(info.mtime); unsettled {
		s.skip(Skip{Path: rel, Kind: Unsettled, Reason: reason})
		return true
	}
	if info.size == 0 {
		s.skip(Skip{Path: rel, Kind: Empty, Reason: "file is empty"})
		return true
	}
	return false
}

// queue hands job to a hash worker, or returns the context's error when the
// scan ends first.
func (s *scanner) queue(ctx context.Context, job hashJob) error {
	select {
	case s.jobs <- job:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// unsettled reports whether mtime is closer to now than the settle time, in
// either direction. A modification time far in the future (a camera with a
// wrong clock, a copy that kept it) counts as settled, because waiting for
// it would hold the file back until that date. The size and time check
// around hashing still catches such a file while it is being written.
func (s *scanner) unsettled(mtime time.Time) (string, bool) {
	settle := s.opts.SettleTime
	if settle <= 0 {
		return "", false
	}
	age := s.now.Sub(mtime)
	if age >= settle || age <= -settle {
		return "", false
	}
	return fmt.Sprintf("modified %v ago, settle time is %v", age.Round(time.Millisecond), settle), true
}

// record is the stored state that Previous returned for a path. sha256 is
// empty for a path that Previous does not know.
type record struct {
	size   int64
	mtime  time.Time
	sha256 string
}

// previous calls Previous for rel, one goroutine at a time.
func (s *scanner) previous(rel string) record {
	if s.prev == nil {
		return record{}
	}
	s.prevMu.Lock()
	size, mtime, sum, ok := s.prev(rel)
	s.prevMu.Unlock()
	if !ok {
		return record{}
	}
	return record{size: size, mtime: mtime, sha256: sum}
}

// matches reports whether the store recorded a hash for a file of this size
// and modification time, so that the file can be reused without reading it.
//
// NOTE: an edit that keeps both size and modification time (a metadata
// tool run with its preserve-date option, rewriting a tag of equal length)
// goes unnoticed, because Previous carries no inode change time to compare.
func (r record) matches(info fileState) bool {
	return r.sha256 != "" && r.size == info.size && r.mtime.Equal(info.mtime)
}

// statFailed handles an Lstat error on an entry the listing returned.
// It reports the failure even for a path that Include does not select,
// because the path may be a directory with selected paths below it.
func (s *scanner) statFailed(rel string, err error) {
	if errors.Is(err, fs.ErrNotExist) {
		s.vanished(rel, err)
		return
	}
	s.skip(Skip{Path: rel, Kind: Unreadable, Reason: "file status cannot be read", Err: err})
}

func (s *scanner) vanished(rel string, err error) {
	s.opts.Logger.Debug().Str("path", rel).Err(err).Msg("Path vanished during scan")
}

func describeSpecial(mode fs.FileMode) string {
	return typeName(mode) + ", not a regular file"
}

// typeName returns the name of the file type in mode, for messages.
func typeName(mode fs.FileMode) string {
	switch {
	case mode.IsRegular():
		return "regular file"
	case mode.IsDir():
		return "directory"
	case mode&fs.ModeSymlink != 0:
		return "symbolic link"
	case mode&fs.ModeNamedPipe != 0:
		return "named pipe (FIFO)"
	case mode&fs.ModeSocket != 0:
		return "socket"
	case mode&fs.ModeCharDevice != 0:
		return "character device"
	case mode&fs.ModeDevice != 0:
		return "block device"
	default:
		return fmt.Sprintf("irregular file (mode %v)", mode)
	}
}

func (s *scanner) addDir(rel string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.res.Dirs = append(s.res.Dirs, rel)
}

func (s *scanner) addEntry(e Entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reused.add(e)
}

func (s *scanner) skip(sk Skip) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.res.Skipped = append(s.res.Skipped, sk)
}

func (s *scanner) sortResult() {
	// The caller keeps the result for a whole pass, so the entries of the
	// walk and of the hash workers go into one array of the exact size.
	lists := []*entryList{&s.reused}
	for _, w := range s.examiners {
		lists = append(lists, &w.entries)
	}
	s.res.Entries = sortedEntries(lists)
	s.reused, s.examiners = entryList{}, nil
	slices.SortFunc(s.res.Skipped, func(a, b Skip) int { return strings.Compare(a.Path, b.Path) })
	slices.Sort(s.res.Dirs)
}
