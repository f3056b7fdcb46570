package scan

import (
	"slices"
	"strings"
)

// Absent reports whether the scan found that nothing exists at path, so that
// a caller may treat a file it knew there as deleted. It is false when path
// is an entry or a skip (an unsettled or unreadable file still exists), and
// when path lies below a directory that was skipped as Unreadable, whose
// contents are unknown. path is relative to the root, like Entry.Path.
//
// Absent relies on the sorted order of Entries and Skipped, as Scan returns
// them.
func (r *Result) Absent(path string) bool {
	if _, found := slices.BinarySearchFunc(r.Entries, path, func(e Entry, p string) int {
		return strings.Compare(e.Path, p)
	}); found {
		return false
	}
	if _, found := r.skipAt(path); found {
		return false
	}
	for dir := path; ; {
		i := strings.LastIndexByte(dir, '/')
		if i < 0 {
			return true
		}
		dir = dir[:i]
		if sk, found := r.skipAt(dir); found && sk.Kind == Unreadable {
			return false
		}
	}
}

func (r *Result) skipAt(path string) (Skip, bool) {
	i, found := slices.BinarySearchFunc(r.Skipped, path, func(s Skip, p string) int {
		return strings.Compare(s.Path, p)
	})
	if !found {
		return Skip{}, false
	}
	return r.Skipped[i], true
}
