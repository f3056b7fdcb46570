package scan

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/photosync/photosync/internal/media"
)

// benchFilesEnv sets the number of files for the rescan benchmarks; the
// default is 10,000, and 100,000 shows how a large library scales.
const benchFilesEnv = "PHOTOSYNC_BENCH_FILES"

// filesPerDir matches camera folders, which hold a few hundred files.
const filesPerDir = 250

// benchTree creates a folder of small real JPEGs and returns its root and the
// number of files.
func benchTree(b *testing.B) (string, int) {
	b.Helper()
	n := 10_000
	if v := os.Getenv(benchFilesEnv); v != "" {
		parsed, err := strconv.Atoi(v)
		if err != nil || parsed <= 0 {
			b.Fatalf("%s=%q: want a positive number of files", benchFilesEnv, v)
		}
		n = parsed
	}
	root := b.TempDir()
	jpeg := jpegBytes(b)
	for i := range n {
		dir := filepath.Join(root, fmt.Sprintf("dir%04d", i/filesPerDir))
		if i%filesPerDir == 0 {
			if err := os.Mkdir(dir, 0o755); err != nil {
				b.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("IMG_%06d.jpg", i)), jpeg, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return root, n
}

// BenchmarkRescanUnchanged measures a full rescan of a folder whose files
// all match Previous, which is the common periodic scan: one Lstat per file
// and no file opened.
func BenchmarkRescanUnchanged(b *testing.B) {
	root, n := benchTree(b)
	first, err := Scan(b.Context(), Options{Root: root}, nil)
	if err != nil {
		b.Fatal(err)
	}
	if len(first.Entries) != n {
		b.Fatalf("first scan found %d entries, want %d", len(first.Entries), n)
	}
	prev := previousFrom(first)
	b.ReportAllocs()
	cpuBefore, cpuOK := processCPU()

	for b.Loop() {
		res, err := Scan(b.Context(), Options{Root: root}, prev)
		if err != nil {
			b.Fatal(err)
		}
		if res.HashedFiles != 0 {
			b.Fatalf("rescan hashed %d files, want 0", res.HashedFiles)
		}
	}
	files := float64(n) * float64(b.N)
	b.ReportMetric(files/b.Elapsed().Seconds(), "files/s")
	if cpuAfter, ok := processCPU(); cpuOK && ok {
		b.ReportMetric(float64((cpuAfter-cpuBefore).Microseconds())/files, "cpu_µs/file")
	}
}

// BenchmarkSniffUnchanged measures what reusing the previous result saves:
// opening every file and reading its first media.SniffLen bytes, as a
// rescan that re-classified unchanged files would.
func BenchmarkSniffUnchanged(b *testing.B) {
	root, n := benchTree(b)
	res, err := Scan(b.Context(), Options{Root: root}, nil)
	if err != nil {
		b.Fatal(err)
	}
	head := make([]byte, media.SniffLen)

	for b.Loop() {
		for _, e := range res.Entries {
			f, err := os.Open(filepath.Join(root, filepath.FromSlash(e.Path)))
			if err != nil {
				b.Fatal(err)
			}
			k, err := io.ReadFull(f, head)
			f.Close()
			if err != nil && err != io.ErrUnexpectedEOF {
				b.Fatal(err)
			}
			if !media.Detect(head[:k]).Supported() {
				b.Fatalf("%s is not supported", e.Path)
			}
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "files/s")
}

// BenchmarkHashLargeFile measures HashFile on a 256 MiB file in the page
// cache, in MB/s, for comparison with sha256sum on the same machine.
func BenchmarkHashLargeFile(b *testing.B) {
	const size = 256 << 20
	path := filepath.Join(b.TempDir(), "large.bin")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	src := rand.NewChaCha8([32]byte{1})
	if _, err := io.CopyN(f, src, size); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)

	for b.Loop() {
		_, n, err := HashFile(b.Context(), path)
		if err != nil {
			b.Fatal(err)
		}
		if n != size {
			b.Fatalf("hashed %d bytes, want %d", n, size)
		}
	}
}

// BenchmarkScanNew measures a first scan, in which every file is new and
// is opened, sniffed, hashed and checked for a change while it was read.
// The files are in the page cache. The metric
// cpu_µs/file is the process's CPU time per file, all goroutines together,
// which other programs on the machine barely change.
func BenchmarkScanNew(b *testing.B) {
	root, n := benchTree(b)
	b.ReportAllocs()
	cpuBefore, cpuOK := processCPU()

	for b.Loop() {
		res, err := Scan(b.Context(), Options{Root: root}, nil)
		if err != nil {
			b.Fatal(err)
		}
		if res.HashedFiles != n {
			b.Fatalf("scan hashed %d files, want %d", res.HashedFiles, n)
		}
	}
	files := float64(n) * float64(b.N)
	b.ReportMetric(files/b.Elapsed().Seconds(), "files/s")
	if cpuAfter, ok := processCPU(); cpuOK && ok {
		b.ReportMetric(float64((cpuAfter-cpuBefore).Microseconds())/files, "cpu_µs/file")
	}
}
