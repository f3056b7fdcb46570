package scan

import (
	"fmt"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// tempSuffixes are the endings of files and directories that other programs
// write and rename or delete when done: generic temporary and partial
// downloads, Chrome (.crdownload), Safari (.download, a directory on macOS)
// and vim (.swp). They are compared without regard to ASCII case because
// Windows tools write them in either case.
var tempSuffixes = []string{".tmp", ".part", ".crdownload", ".download", ".swp"}

// ignoredName reports whether a file or directory with this base name is
// passed over without a skip: hidden names (which include the metadata
// directory ".photosync" and the download temporaries ".photosync-tmp-*"),
// Microsoft Office lock files ("~$*") and the temporary suffixes above.
func ignoredName(name string) bool {
	if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~$") {
		return true
	}
	for _, suffix := range tempSuffixes {
		if len(name) > len(suffix) && strings.EqualFold(name[len(name)-len(suffix):], suffix) {
			return true
		}
	}
	return false
}

// filter applies Options.Include and Options.Exclude. A path is selected when
// no Exclude pattern matches it or a parent directory, and Include is empty
// or some Include pattern matches it or a parent directory. The walk applies
// this one path component at a time with step, so an excluded directory is
// never listed.
type filter struct {
	include, exclude []string
}

// newFilter validates the patterns and returns the filter for them.
func newFilter(include, exclude []string) (*filter, error) {
	for _, list := range []struct {
		name     string
		patterns []string
	}{{"include", include}, {"exclude", exclude}} {
		for _, p := range list.patterns {
			if err := checkPattern(p); err != nil {
				return nil, fmt.Errorf("%s pattern %q: %w", list.name, p, err)
			}
		}
	}
	return &filter{include: include, exclude: exclude}, nil
}

func checkPattern(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("pattern is empty: remove it, or write \"**\" to match everything")
	case strings.HasPrefix(p, "/"):
		return fmt.Errorf("pattern is absolute: remove the leading '/', because patterns match paths relative to the folder root")
	case !doublestar.ValidatePattern(p):
		return fmt.Errorf("invalid glob syntax: check for unclosed brackets or braces and a trailing '\\'")
	}
	return nil
}

// step decides one path during the walk. parentIncluded reports whether an
// Include pattern matched a parent directory (true at the root when Include
// is empty). It returns whether to keep rel, and whether rel itself counts as
// included, which the walk passes down when rel is a directory. A directory
// that is kept but not included is still walked, because an Include pattern
// may match paths below it.
func (f *filter) step(rel string, parentIncluded bool) (keep, included bool) {
	if matchAny(f.exclude, rel) {
		return false, false
	}
	included = parentIncluded || matchAny(f.include, rel)
	return true, included
}

// rootIncluded reports whether everything is included before any pattern
// matched, which is the case when Include is empty.
func (f *filter) rootIncluded() bool {
	return len(f.include) == 0
}

func matchAny(patterns []string, rel string) bool {
	for _, p := range patterns {
		if doublestar.MatchUnvalidated(p, rel) {
			return true
		}
	}
	return false
}
