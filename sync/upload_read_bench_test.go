//go:build unix

package sync

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// BenchmarkReadSmallFiles reads 3.7 KB files of 20 directories in path
// order, as the upload workers of a first sync do, by whole path and
// relative to a directory descriptor. The cpu-ns/op metric is the
// process's CPU time per file, which other processes' load moves less than
// the wall-clock time.
func BenchmarkReadSmallFiles(b *testing.B) {
	root := b.TempDir()
	var rels []string
	data := make([]byte, 3700)
	for d := range 20 {
		dir := fmt.Sprintf("album-%02d", d)
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			b.Fatal(err)
		}
		for f := range 50 {
			rel := fmt.Sprintf("%s/IMG_%04d.jpg", dir, f)
			if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(rel)), data, 0o644); err != nil {
				b.Fatal(err)
			}
			rels = append(rels, rel)
		}
	}
	buf := make([]byte, len(data)+1)
	b.Run("path", func(b *testing.B) {
		defer reportCPU(b)()
		for i := 0; b.Loop(); i++ {
			rel := rels[i%len(rels)]
			if _, _, err := readSmallFile(filepath.Join(root, filepath.FromSlash(rel)), buf); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("dir", func(b *testing.B) {
		r := newDirReader(root)
		defer r.close()
		defer reportCPU(b)()
		for i := 0; b.Loop(); i++ {
			if _, _, err := r.read(rels[i%len(rels)], buf); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// reportCPU starts measuring the process's CPU time and returns the function
// that reports it per iteration.
func reportCPU(b *testing.B) func() {
	start, ok := processCPU()
	return func() {
		end, endOK := processCPU()
		if ok && endOK && b.N > 0 {
			b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
