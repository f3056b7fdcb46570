package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"runtime/trace"
	"testing"
	"time"

	"github.com/photosync/photosync/config"
)

// Environment variables that size the benchmarks. The defaults are the
// sizes that docs/BENCHMARKS.md reports; scripts/bench.sh sets them.
const (
	// firstSyncFilesEnv is the number of photos of BenchmarkFirstSync.
	firstSyncFilesEnv = "PHOTOSYNC_BENCH_FIRST_FILES"
	// resyncFilesEnv is the number of photos of BenchmarkResync.
	resyncFilesEnv = "PHOTOSYNC_BENCH_RESYNC_FILES"
	// hashMiBEnv is the size of BenchmarkHashFile's file in MiB.
	hashMiBEnv = "PHOTOSYNC_BENCH_HASH_MIB"
)

const (
	// benchDirs is the number of directories, and so albums, of the trees.
	benchDirs = 20
	// smallSide makes photos of 3.7 KB on average, small enough that the
	// cost per file, not per byte, dominates a first sync.
	smallSide = 64
	// tinySide makes photos of 790 bytes on average, so that a tree of
	// 100,000 takes under 100 MB of disk.
	tinySide = 16
)

// BenchmarkFirstSync syncs a tree of small photos in 20 albums from
// scratch, to a new emulator and a new store each time, and compares it
// with raw uploads of the same bytes from memory at the same number of
// workers. The two alternate within each iteration, so that both see the
// same load. ns/op is the time of one sync pass.
//
// Metrics: files/s of the sync, raw_files/s of the raw uploads, sync/raw
// (the sync's throughput as a share of the raw one) and requests/file (as
// counted by the emulator, token refreshes included).
func BenchmarkFirstSync(b *testing.B) {
	files := envInt(b, firstSyncFilesEnv, 10_000)
	tree := writeTree(b, TreeOptions{Dirs: benchDirs, Files: files, Side: smallSide})
	data := loadTree(b, tree)
	for _, workers := range []int{1, config.DefaultWorkers} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			var syncTime, rawTime time.Duration
			var requestTotal int
			b.ResetTimer()
			b.StopTimer()
			for i := range b.N {
				if i%2 == 0 {
					rawTime += labeled("raw", func() time.Duration { return rawPass(b, data, workers) })
				}
				var out firstSync
				syncTime += labeled("sync", func() time.Duration {
					out = firstSyncPass(b, b, tree, workers)
					return out.elapsed
				})
				requestTotal += out.requests.Total
				if i%2 == 1 {
					rawTime += labeled("raw", func() time.Duration { return rawPass(b, data, workers) })
				}
			}
			synced := float64(b.N * files)
			b.ReportMetric(synced/syncTime.Seconds(), "files/s")
			b.ReportMetric(synced/rawTime.Seconds(), "raw_files/s")
			b.ReportMetric(rawTime.Seconds()/syncTime.Seconds(), "sync/raw")
			b.ReportMetric(float64(requestTotal)/synced, "requests/file")
		})
	}
}

// labeled runs pass with the pprof label pass=name. Goroutines inherit
// labels from the goroutine that starts them, and each pass starts its own
// emulator, so a CPU profile (-cpuprofile) splits the emulator's work by
// pass as well: go tool pprof -tags shows the CPU time of each, and
// -tagfocus pass=sync shows where the sync's time goes. The pass also runs
// in an execution trace region of the same name, so that a trace
// (-trace) shows where each pass starts and ends.
func labeled(name string, pass func() time.Duration) time.Duration {
	var elapsed time.Duration
	pprof.Do(context.Background(), pprof.Labels("pass", name), func(ctx context.Context) {
		trace.WithRegion(ctx, name, func() { elapsed = pass() })
	})
	return elapsed
}

// BenchmarkResync syncs a tree of tiny photos once, then measures passes
// over the unchanged tree against find(1) listing the same tree with sizes
// and modification times, alternating the two. Both run on a warm cache.
// Each pass must send no request and read no photo. ns/op is the time of
// one pass.
//
// Metrics: resync_ms and find_ms per run, resync/find (how many times
// longer the pass takes) and read_B/file. The last is the bytes the
// process read during a pass, per photo, and a hashed photo would add its
// whole size.
func BenchmarkResync(b *testing.B) {
	files := envInt(b, resyncFilesEnv, 10_000)
	tree := writeTree(b, TreeOptions{Dirs: benchDirs, Files: files, Side: tinySide})
	emu := startEmulator(b)
	eng := newEngine(b, emu, tree.Root, config.DefaultWorkers)
	if sum := eng.run(b); sum.Uploaded != files {
		b.Fatalf("first sync uploaded %d files, want %d", sum.Uploaded, files)
	}
	// One listing and one pass fill the caches for both.
	findPass(b, tree.Root)
	resyncPass(b, noStopwatch{}, eng, tree)

	var syncTime, findTime time.Duration
	var readBytes int64
	b.ResetTimer()
	b.StopTimer()
	for i := range b.N {
		if i%2 == 0 {
			findTime += findPass(b, tree.Root)
		}
		out := resyncPass(b, b, eng, tree)
		checkNothingHashed(b, out, tree)
		syncTime += out.elapsed
		readBytes += out.readBytes
		if i%2 == 1 {
			findTime += findPass(b, tree.Root)
		}
	}
	runs := float64(b.N)
	b.ReportMetric(syncTime.Seconds()*1000/runs, "resync_ms")
	b.ReportMetric(findTime.Seconds()*1000/runs, "find_ms")
	b.ReportMetric(syncTime.Seconds()/findTime.Seconds(), "resync/find")
	b.ReportMetric(float64(readBytes)/(runs*float64(files)), "read_B/file")
}

// BenchmarkHashFile compares scan.HashFile with sha256sum(1) on one file
// of random bytes (256 MiB by default), alternating the two on a warm
// cache. sha256sum's time includes starting its process, about a
// millisecond. ns/op and MB/s are scan.HashFile's.
//
// Metrics: sha256sum_MB/s and go/sha256sum (HashFile's throughput as a
// share of sha256sum's).
func BenchmarkHashFile(b *testing.B) {
	if _, err := exec.LookPath("sha256sum"); err != nil {
		b.Skip("sha256sum is not installed")
	}
	size := int64(envInt(b, hashMiBEnv, 256)) << 20
	path := filepath.Join(b.TempDir(), "random.bin")
	writeRandomFile(b, path, size)
	// The first run reads the file into the page cache.
	want, _ := sha256sumPass(b, path)

	var goTime, toolTime time.Duration
	b.SetBytes(size)
	b.ResetTimer()
	b.StopTimer()
	for i := range b.N {
		if i%2 == 0 {
			toolTime += timeSha256sum(b, path, want)
		}
		b.StartTimer()
		goTime += hashPass(b, path, want)
		b.StopTimer()
		if i%2 == 1 {
			toolTime += timeSha256sum(b, path, want)
		}
	}
	b.ReportMetric(float64(size)*float64(b.N)/1e6/toolTime.Seconds(), "sha256sum_MB/s")
	b.ReportMetric(toolTime.Seconds()/goTime.Seconds(), "go/sha256sum")
}

// timeSha256sum runs sha256sum on path, fails unless it prints want, and
// returns its wall time.
func timeSha256sum(tb testing.TB, path, want string) time.Duration {
	tb.Helper()
	got, elapsed := sha256sumPass(tb, path)
	if got != want {
		tb.Fatalf("sha256sum %s printed %s, then %s", path, want, got)
	}
	return elapsed
}

// writeRandomFile writes size random bytes to path, every block written
// out so that the file has no holes.
func writeRandomFile(tb testing.TB, path string, size int64) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rng := rand.NewChaCha8([32]byte{1})
	buf := make([]byte, 1<<20)
	for written := int64(0); written < size; written += int64(len(buf)) {
		chunk := buf[:min(int64(len(buf)), size-written)]
		_, _ = rng.Read(chunk)
		if _, err := f.Write(chunk); err != nil {
			tb.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}
