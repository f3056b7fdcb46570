package media

import (
	"os"
	"path/filepath"
	"testing"
)

// sampleDir is the shared folder of real sample photos and videos, which
// sits beside the repository.
var sampleDir = filepath.Join("..", "..", "..", "shared", "media")

// readSample returns the bytes of a file under sampleDir, skipping the test
// when the sample folder is not there.
func readSample(tb testing.TB, rel string) []byte {
	tb.Helper()
	if _, err := os.Stat(sampleDir); err != nil {
		tb.Skipf("sample media folder %s not found: %v", sampleDir, err)
	}
	data, err := os.ReadFile(filepath.Join(sampleDir, filepath.FromSlash(rel)))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// copySample copies a sample file into a temporary directory and returns
// the copy's path.
func copySample(tb testing.TB, rel string) string {
	tb.Helper()
	data := readSample(tb, rel)
	path := filepath.Join(tb.TempDir(), filepath.Base(rel))
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// allSamples returns the slash-separated paths of every file under
// sampleDir.
func allSamples(tb testing.TB) []string {
	tb.Helper()
	if _, err := os.Stat(sampleDir); err != nil {
		tb.Skipf("sample media folder %s not found: %v", sampleDir, err)
	}
	var paths []string
	err := filepath.WalkDir(sampleDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(sampleDir, path)
		paths = append(paths, filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return paths
}
