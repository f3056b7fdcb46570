package watcher

import (
	"slices"
	"strings"
	"time"
)

// Batch is a set of changes under one root that are due to be examined.
//
// Paths and Rescan are relative to Root, use "/" as the separator, and are
// sorted. A path never appears in both: a path under a directory in Rescan
// is left out of Paths.
type Batch struct {
	// Root is the root as passed to [Watcher.Add], cleaned.
	Root string

	// Paths lists entries that were created, written, changed attributes,
	// removed or renamed. Each must be looked at again: it may now be a
	// file, a symlink, absent, or even a directory that replaced a file.
	// Directories that appear are not listed themselves; their entries are.
	Paths []string

	// Rescan lists directories whose whole subtree must be scanned again,
	// because a directory was removed or renamed, or because too many
	// changes piled up to track them one by one. "" is the whole root.
	Rescan []string
}

// pending is one path or subtree waiting in an aggregator.
type pending struct {
	first time.Time // first event since the path was last reported
	last  time.Time // latest event

	// removal is set when the latest event removed or renamed the path. A
	// removal waits longer, so that the create half of a rename can catch up.
	removal bool
}

func (p *pending) touch(removal bool, now time.Time) {
	p.last = now
	p.removal = removal
}

// timing holds the delays and limits of an aggregator, taken from Options.
type timing struct {
	delay       time.Duration // quiet time before a change is reported
	removeDelay time.Duration // quiet time before a removal is reported
	maxDelay    time.Duration // maximum wait of a change, quiet or not
	maxPending  int           // entries per directory or root before collapsing to a rescan
}

// deadline returns when p is due.
func (t timing) deadline(p *pending) time.Time {
	quiet := t.delay
	if p.removal {
		quiet = t.removeDelay
	}
	due := p.last.Add(quiet)
	if hard := p.first.Add(t.maxDelay); hard.Before(due) {
		return hard
	}
	return due
}

// aggregator collects the changes under one root until they are due. It is
// not safe for concurrent use; the Watcher calls it with its mutex held.
type aggregator struct {
	timing  timing
	paths   map[string]*pending // single entries, by relative path
	perDir  map[string]int      // number of paths per parent directory
	rescans map[string]*pending // subtrees to rescan, by directory; "" is the root
}

func newAggregator(t timing) *aggregator {
	return &aggregator{
		timing:  t,
		paths:   make(map[string]*pending),
		perDir:  make(map[string]int),
		rescans: make(map[string]*pending),
	}
}

// parentDir returns the directory of the clean relative path rel, "" for the
// root.
func parentDir(rel string) string {
	i := strings.LastIndexByte(rel, '/')
	if i < 0 {
		return ""
	}
	return rel[:i]
}

// within reports whether rel is dir or lies below it.
func within(rel, dir string) bool {
	if dir == "" || rel == dir {
		return true
	}
	return strings.HasPrefix(rel, dir) && rel[len(dir)] == '/'
}

// len returns the number of pending entries.
func (a *aggregator) len() int {
	return len(a.paths) + len(a.rescans)
}

// covering returns the pending rescan of rel or of one of its ancestors, or
// nil.
func (a *aggregator) covering(rel string) *pending {
	if len(a.rescans) == 0 {
		return nil
	}
	for dir := rel; ; dir = parentDir(dir) {
		if p := a.rescans[dir]; p != nil {
			return p
		}
		if dir == "" {
			return nil
		}
	}
}

// add records an event on the entry rel at time now. When the entry's
// directory or the whole root holds more than maxPending entries, add
// replaces them with a rescan of that directory or of the root.
func (a *aggregator) add(rel string, removal bool, now time.Time) {
	if p := a.covering(rel); p != nil {
		p.touch(removal, now)
		return
	}

	dir := parentDir(rel)
	p := a.paths[rel]
	if p == nil {
		p = &pending{first: now}
		a.paths[rel] = p
		a.perDir[dir]++
	}
	p.touch(removal, now)

	switch {
	case a.perDir[dir] > a.timing.maxPending:
		a.rescan(dir, false, now)
	case a.len() > a.timing.maxPending:
		a.rescan("", false, now)
	}
}

// rescan records that the subtree at dir must be scanned again and absorbs
// every pending entry below it. The rescan keeps the earliest first time of
// what it absorbs, so that merging never delays a change beyond maxDelay.
func (a *aggregator) rescan(dir string, removal bool, now time.Time) {
	if p := a.covering(dir); p != nil {
		p.touch(removal, now)
		return
	}

	merged := &pending{first: now, last: now, removal: removal}
	for rel, p := range a.paths {
		if within(rel, dir) {
			merged.first = earlier(merged.first, p.first)
			a.dropPath(rel)
		}
	}
	for rel, p := range a.rescans {
		if within(rel, dir) {
			merged.first = earlier(merged.first, p.first)
			delete(a.rescans, rel)
		}
	}
	a.rescans[dir] = merged

	if dir != "" && a.len() > a.timing.maxPending {
		a.rescan("", false, now)
	}
}

func (a *aggregator) dropPath(rel string) {
	delete(a.paths, rel)
	dir := parentDir(rel)
	a.perDir[dir]--
	if a.perDir[dir] <= 0 {
		delete(a.perDir, dir)
	}
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// next returns the earliest deadline of the pending entries, and false when
// nothing is pending.
func (a *aggregator) next() (time.Time, bool) {
	var next time.Time
	found := false
	for _, set := range [...]map[string]*pending{a.paths, a.rescans} {
		for _, p := range set {
			if d := a.timing.deadline(p); !found || d.Before(next) {
				next, found = d, true
			}
		}
	}
	return next, found
}

// flush removes the entries that are due at now and returns them as sorted
// paths and rescans.
//
// A removal that happened no later than the latest event of a change due
// now is flushed with it, even if its own longer delay has not passed. A
// rename inside the root sends the removal of the old name just before the
// creation of the new one, so both names arrive in the same batch and the
// old name is never reported as deleted on its own.
func (a *aggregator) flush(now time.Time) (paths, rescans []string) {
	var latestChange time.Time
	changeDue := false
	isDue := func(p *pending) bool {
		if a.timing.deadline(p).After(now) {
			return false
		}
		if !p.removal && (!changeDue || p.last.After(latestChange)) {
			latestChange, changeDue = p.last, true
		}
		return true
	}
	for rel, p := range a.paths {
		if isDue(p) {
			paths = append(paths, rel)
		}
	}
	for dir, p := range a.rescans {
		if isDue(p) {
			rescans = append(rescans, dir)
		}
	}

	if changeDue {
		paths = a.appendRemovals(paths, a.paths, now, latestChange)
		rescans = a.appendRemovals(rescans, a.rescans, now, latestChange)
	}

	for _, rel := range paths {
		a.dropPath(rel)
	}
	for _, dir := range rescans {
		delete(a.rescans, dir)
	}
	slices.Sort(paths)
	slices.Sort(rescans)
	return paths, rescans
}

// appendRemovals appends the keys of set that are removals not yet due at
// now whose latest event is not after latest.
func (a *aggregator) appendRemovals(
	keys []string, set map[string]*pending, now, latest time.Time,
) []string {
	for key, p := range set {
		if p.removal && a.timing.deadline(p).After(now) && !p.last.After(latest) {
			keys = append(keys, key)
		}
	}
	return keys
}

// merge returns the union of the changes in b and o, which are for the same
// root. Paths covered by a rescan are dropped, and when the union holds more
// than maxPending entries it becomes a rescan of the whole root.
func (b Batch) merge(o Batch, maxPending int) Batch {
	dirs := make(map[string]bool, len(b.Rescan)+len(o.Rescan))
	for _, dir := range append(slices.Clone(b.Rescan), o.Rescan...) {
		dirs[dir] = true
	}
	var outer []string
	for dir := range dirs {
		if !hasAncestorIn(dir, dirs) {
			outer = append(outer, dir)
		}
	}
	slices.Sort(outer)

	paths := append(slices.Clone(b.Paths), o.Paths...)
	slices.Sort(paths)
	paths = slices.Compact(paths)
	paths = slices.DeleteFunc(paths, func(rel string) bool {
		return dirs[rel] || hasAncestorIn(rel, dirs)
	})

	merged := Batch{Root: b.Root}
	if len(paths) > 0 {
		merged.Paths = paths
	}
	if len(outer) > 0 {
		merged.Rescan = outer
	}
	if len(paths)+len(outer) > maxPending {
		merged = Batch{Root: b.Root, Rescan: []string{""}}
	}
	return merged
}

// hasAncestorIn reports whether a directory above rel is in dirs. The root
// "" is above every other path.
func hasAncestorIn(rel string, dirs map[string]bool) bool {
	for rel != "" {
		rel = parentDir(rel)
		if dirs[rel] {
			return true
		}
	}
	return false
}
