package scan

import (
	"strings"
	"testing"

	"github.com/bmatcuk/doublestar/v4"
)

func TestIgnoredName(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{".photosync", true},
		{".photosync-tmp-8f3a", true},
		{".DS_Store", true},
		{"~$budget.xlsx", true},
		{"a.tmp", true},
		{"A.TMP", true},
		{"video.mp4.part", true},
		{"b.crdownload", true},
		{"c.download", true},
		{"d.swp", true},
		{"photo.jpg", false},
		{"tmp", false},
		{".tmp", true},
		{"part", false},
		{"my~$file.jpg", false},
		{"café.jpg", false},
	}
	for _, tc := range tests {
		if got := ignoredName(tc.name); got != tc.want {
			t.Errorf("ignoredName(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// selectedByWalk applies f the way the walk does: one path component at a
// time, stopping at the first excluded directory.
func selectedByWalk(f *filter, rel string) bool {
	parts := strings.Split(rel, "/")
	included := f.rootIncluded()
	for i := range parts {
		keep, inc := f.step(strings.Join(parts[:i+1], "/"), included)
		if !keep {
			return false
		}
		included = inc
	}
	return included
}

// selectedDirect is the documented rule, written independently of step: a
// path is selected when no Exclude pattern matches it or a parent, and
// Include is empty or matches it or a parent.
func selectedDirect(t *testing.T, include, exclude []string, rel string) bool {
	parts := strings.Split(rel, "/")
	matches := func(patterns []string) bool {
		for i := range parts {
			prefix := strings.Join(parts[:i+1], "/")
			for _, p := range patterns {
				ok, err := doublestar.Match(p, prefix)
				if err != nil {
					t.Fatalf("Match(%q, %q): %v", p, prefix, err)
				}
				if ok {
					return true
				}
			}
		}
		return false
	}
	if matches(exclude) {
		return false
	}
	return len(include) == 0 || matches(include)
}

// escapeGlob returns a pattern that matches exactly s.
func escapeGlob(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`\*?[]{},!^-`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// FuzzFilter checks the include and exclude rules on random patterns and
// paths: the walk's step-by-step decision equals the documented rule, a path
// written as an escaped pattern selects itself, and "**" excludes all.
func FuzzFilter(f *testing.F) {
	seeds := [][3]string{
		{"Trips/**", "", "Trips/2024/a.jpg"},
		{"", "Private", "Private/deep/b.jpg"},
		{"**/*.jpg", "**/raw/**", "a/raw/c.jpg"},
		{"{a,b}/*", "a/[x-z]*", "a/y.jpg"},
		{"Work", "**/notes", "Work/notes/g.jpg"},
		{"[!a]*", "", "b/c"},
		{"caf\u00e9/*", "", "cafe\u0301/x.jpg"},
		{"*", "", "bad-\xff\xfe.jpg"},
		{"a/**/b", "a\\*", "a/*/b"},
		{"[", "", "x"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, include, exclude, path string) {
		rel := cleanRel(path)
		if rel == "" {
			return
		}
		var includes, excludes []string
		if include != "" {
			includes = []string{include}
		}
		if exclude != "" {
			excludes = []string{exclude}
		}
		flt, err := newFilter(includes, excludes)
		if err != nil {
			if !strings.Contains(err.Error(), "pattern") {
				t.Errorf("newFilter error %q does not name the pattern", err)
			}
			return
		}

		byWalk := selectedByWalk(flt, rel)
		direct := selectedDirect(t, includes, excludes, rel)
		if byWalk != direct {
			t.Errorf("include %q, exclude %q, path %q: walk selects %v, rule selects %v",
				include, exclude, rel, byWalk, direct)
		}

		literal, err := newFilter([]string{escapeGlob(rel)}, nil)
		if err != nil {
			t.Fatalf("escaped path %q is not a valid pattern: %v", escapeGlob(rel), err)
		}
		if !selectedByWalk(literal, rel) {
			t.Errorf("pattern %q does not select the path %q it escapes", escapeGlob(rel), rel)
		}

		all, err := newFilter(includes, []string{"**"})
		if err != nil {
			t.Fatal(err)
		}
		if selectedByWalk(all, rel) {
			t.Errorf("exclude \"**\" keeps %q", rel)
		}
	})
}

// cleanRel turns fuzz input into a path the walk could produce: relative,
// '/'-separated, without empty, "." or ".." components.
func cleanRel(path string) string {
	var parts []string
	for part := range strings.SplitSeq(path, "/") {
		if part != "" && part != "." && part != ".." {
			parts = append(parts, part)
		}
	}
	return strings.Join(parts, "/")
}
