package scan

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// sampleMedia is the project's folder of real camera files.
const sampleMedia = "../../testdata/media"

// copyTree copies the regular files and directories under src into dst.
func copyTree(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatalf("copy %s to %s: %v", src, dst, err)
	}
}

// sampleBytes returns the content of a file in the sample media folder.
func sampleBytes(t testing.TB, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(sampleMedia, rel))
	if err != nil {
		t.Fatalf("read sample: %v", err)
	}
	return data
}

// jpegBytes returns a small real JPEG.
func jpegBytes(t testing.TB) []byte {
	return sampleBytes(t, "Orientation/f1-exif.jpg")
}

// writeFile creates the file rel below root, with its parent directories.
func writeFile(t testing.TB, root, rel string, data []byte) string {
	t.Helper()
	path := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatalf("create parent of %s: %v", rel, err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatalf("write %s: %v", rel, err)
	}
	return path
}

// mustScan runs Scan and fails the test on an error.
func mustScan(t testing.TB, opts Options, prev Previous) *Result {
	t.Helper()
	res, err := Scan(t.Context(), opts, prev)
	if err != nil {
		t.Fatalf("Scan(%s): %v", opts.Root, err)
	}
	return res
}

// previousFrom returns a Previous that replays the entries of res, as a
// store that recorded them would.
func previousFrom(res *Result) Previous {
	known := make(map[string]Entry, len(res.Entries))
	for _, e := range res.Entries {
		known[e.Path] = e
	}
	return func(path string) (int64, time.Time, string, bool) {
		e, ok := known[path]
		return e.Size, e.ModTime, e.SHA256, ok
	}
}

// outcome is what a test expects for one path: an entry with a MIME type, or
// a skip of some kind.
type outcome struct {
	MIME   string   // for entries
	Skip   SkipKind // for skips
	IsSkip bool
}

func entryOf(mime string) outcome  { return outcome{MIME: mime} }
func skipOf(kind SkipKind) outcome { return outcome{Skip: kind, IsSkip: true} }

// outcomes maps every path in res to its outcome. Entries that reused a
// previous hash have no format and map to an empty MIME type.
func outcomes(res *Result) map[string]outcome {
	got := make(map[string]outcome)
	for _, e := range res.Entries {
		got[e.Path] = entryOf(e.Format.MIME)
	}
	for _, s := range res.Skipped {
		got[s.Path] = skipOf(s.Kind)
	}
	return got
}

// checkOutcomes compares res with want, path by path, and checks that no
// path is reported twice.
func checkOutcomes(t *testing.T, res *Result, want map[string]outcome) {
	t.Helper()
	seen := make(map[string]bool)
	for _, e := range res.Entries {
		if seen[e.Path] {
			t.Errorf("entry %q reported twice", e.Path)
		}
		seen[e.Path] = true
	}
	for _, s := range res.Skipped {
		if seen[s.Path] {
			t.Errorf("skip %q duplicates another entry or skip", s.Path)
		}
		seen[s.Path] = true
	}
	if diff := cmp.Diff(want, outcomes(res)); diff != "" {
		t.Errorf("scan outcomes (-want +got):\n%s", diff)
	}
}

// paths returns the entry paths of res.
func paths(res *Result) []string {
	var out []string
	for _, e := range res.Entries {
		out = append(out, e.Path)
	}
	return out
}

// skipFor returns the skip recorded for rel.
func skipFor(t *testing.T, res *Result, rel string) Skip {
	t.Helper()
	for _, s := range res.Skipped {
		if s.Path == rel {
			return s
		}
	}
	t.Fatalf("no skip for %q; skipped: %+v", rel, res.Skipped)
	return Skip{}
}
