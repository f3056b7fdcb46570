package config

import (
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// Match reports whether the folder syncs the file at rel, the file's path
// relative to the folder root with / separators. A file is synced when
// Include is empty or one of its patterns matches, and no Exclude pattern
// matches.
//
// Patterns are doublestar globs matched against the whole relative path:
// * matches within one path element, ** matches any number of elements,
// and {a,b} and [abc] work as in a shell. So "*.jpg" matches only files at
// the root, while "**/*.jpg" matches them at any depth. Matching is
// case-sensitive and byte-exact.
func (f *Folder) Match(rel string) bool {
	if len(f.Include) > 0 && !matchAny(f.Include, rel) {
		return false
	}
	return !matchAny(f.Exclude, rel)
}

// SkipDir reports whether an Exclude pattern ending in "/**" excludes
// everything below the directory at rel, so that a scan need not enter it.
// A false result does not mean any file below rel is synced.
func (f *Folder) SkipDir(rel string) bool {
	for _, pattern := range f.Exclude {
		dir, ok := strings.CutSuffix(pattern, "/**")
		if !ok {
			continue
		}
		if matched, _ := doublestar.Match(dir, rel); matched {
			return true
		}
	}
	return false
}

// matchAny reports whether one of the patterns matches rel. The patterns
// were validated at load, so Match cannot return an error for them.
func matchAny(patterns []string, rel string) bool {
	for _, pattern := range patterns {
		if matched, _ := doublestar.Match(pattern, rel); matched {
			return true
		}
	}
	return false
}
