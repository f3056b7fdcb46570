package bench

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	photosync "github.com/photosync/photosync/sync"
	"github.com/photosync/photosync/sync/scan"
)

// stopwatch is the part of *testing.B that a pass switches on around the
// work it measures, so that ns/op counts only the engine.
type stopwatch interface {
	StartTimer()
	StopTimer()
}

// noStopwatch is the stopwatch of tests, which time nothing.
type noStopwatch struct{}

func (noStopwatch) StartTimer() {}
func (noStopwatch) StopTimer()  {}

// loadTree reads every photo of tree into memory, in the order of
// tree.Paths.
func loadTree(tb testing.TB, tree *Tree) [][]byte {
	tb.Helper()
	data := make([][]byte, len(tree.Paths))
	for i, rel := range tree.Paths {
		var err error
		data[i], err = os.ReadFile(filepath.Join(tree.Root, filepath.FromSlash(rel)))
		if err != nil {
			tb.Fatal(err)
		}
	}
	return data
}

// rawPass uploads every photo of data with UploadRaw from the given number
// of goroutines on one client of a new emulator, as the client's own
// benchmark does, and returns the time the uploads took. The bytes come
// from memory, so this is the most a sync of the same files could reach.
func rawPass(tb testing.TB, data [][]byte, workers int) time.Duration {
	tb.Helper()
	emu := startEmulator(tb)
	defer emu.Close()
	client := newClient(tb, emu, nil)
	ctx := tb.Context()

	start := time.Now()
	err := parallel(workers, len(data), func(i int) error {
		_, err := client.UploadRaw(ctx, bytes.NewReader(data[i]), int64(len(data[i])),
			fmt.Sprintf("IMG_%06d.jpg", i), "image/jpeg")
		return err
	})
	elapsed := time.Since(start)
	if err != nil {
		tb.Fatalf("raw upload: %v", err)
	}
	if got := requests(tb, emu).ByMethod["uploads"]; got != len(data) {
		tb.Fatalf("raw pass: emulator counted %d uploads, want %d", got, len(data))
	}
	return elapsed
}

// firstSync is the outcome of one sync of a tree from scratch.
type firstSync struct {
	elapsed  time.Duration
	requests requestCounts
}

// firstSyncPass syncs tree from scratch to a new emulator, with a new
// store, and returns the time the pass took and the requests the emulator
// served. It fails unless every photo became one item.
func firstSyncPass(tb testing.TB, sw stopwatch, tree *Tree, workers int) firstSync {
	tb.Helper()
	// A marker left by an earlier pass would spare this one a write.
	if err := os.RemoveAll(filepath.Join(tree.Root, photosync.MetaDir)); err != nil {
		tb.Fatal(err)
	}
	emu := startEmulator(tb)
	defer emu.Close()
	eng := newEngine(tb, emu, tree.Root, workers)
	defer eng.store.Close()

	sw.StartTimer()
	start := time.Now()
	sum := eng.run(tb)
	elapsed := time.Since(start)
	sw.StopTimer()

	if sum.Uploaded != tree.Files {
		tb.Fatalf("first sync uploaded %d files, want %d", sum.Uploaded, tree.Files)
	}
	if got := itemCount(tb, emu); got != tree.Files {
		tb.Fatalf("first sync made %d items, want %d", got, tree.Files)
	}
	return firstSync{elapsed: elapsed, requests: requests(tb, emu)}
}

// resync is the outcome of one pass over an unchanged tree.
type resync struct {
	elapsed time.Duration
	// readBytes is what the process read through read(2) during the
	// pass, or -1 where the system does not report it.
	readBytes int64
}

// resyncPass runs the engine again over the tree it has synced, and fails
// unless the pass sent no request, uploaded nothing and found every photo
// present. The pass must not read the photos' content either. The caller
// checks that through readBytes, with checkNothingHashed.
func resyncPass(tb testing.TB, sw stopwatch, eng *engine, tree *Tree) resync {
	tb.Helper()
	before := requests(tb, eng.emu)
	readBefore, canRead := readChars(tb)

	sw.StartTimer()
	start := time.Now()
	sum := eng.run(tb)
	elapsed := time.Since(start)
	sw.StopTimer()

	out := resync{elapsed: elapsed, readBytes: -1}
	if canRead {
		readAfter, _ := readChars(tb)
		out.readBytes = readAfter - readBefore
	}
	if sum.Uploaded != 0 || sum.AlreadyPresent != tree.Files {
		tb.Fatalf("re-run uploaded %d files and found %d present, want 0 and %d",
			sum.Uploaded, sum.AlreadyPresent, tree.Files)
	}
	if after := requests(tb, eng.emu); after.Total != before.Total {
		tb.Fatalf("re-run sent %d requests, want none: %v", after.Total-before.Total, after.ByMethod)
	}
	return out
}

// maxReadShare bounds what a re-run may read, as a share of the tree's
// bytes. Outside the photos, a pass reads each folder's marker and the
// process reads /proc/self/io: 247 bytes in all on the smoke test's tree.
// Hashing a hundredth of the photos would exceed the bound.
const maxReadShare = 0.01

// checkNothingHashed fails when a re-run read enough bytes to have hashed
// or sniffed some of the tree's photos.
func checkNothingHashed(tb testing.TB, r resync, tree *Tree) {
	tb.Helper()
	if r.readBytes > int64(maxReadShare*float64(tree.Bytes)) {
		tb.Fatalf("re-run read %d bytes of a %d-byte tree: it opened files it should have skipped",
			r.readBytes, tree.Bytes)
	}
}

// findPass runs find(1) over root, printing size, modification time and
// path of every entry to /dev/null, and returns its wall time, which
// includes starting the process.
func findPass(tb testing.TB, root string) time.Duration {
	tb.Helper()
	cmd := exec.CommandContext(tb.Context(), "find", root, "-printf", "%s %T@ %p\n")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	if err != nil {
		tb.Fatalf("find %s: %v: %s", root, err, stderr.String())
	}
	return elapsed
}

// hashPass returns the time scan.HashFile takes on path, and fails unless
// the digest is want.
func hashPass(tb testing.TB, path, want string) time.Duration {
	tb.Helper()
	start := time.Now()
	got, _, err := scan.HashFile(tb.Context(), path)
	elapsed := time.Since(start)
	if err != nil {
		tb.Fatal(err)
	}
	if got != want {
		tb.Fatalf("HashFile %s = %s, sha256sum printed %s", path, got, want)
	}
	return elapsed
}

// sha256sumPass runs sha256sum(1) on path and returns the digest it prints
// and its wall time, which includes starting the process.
func sha256sumPass(tb testing.TB, path string) (string, time.Duration) {
	tb.Helper()
	cmd := exec.CommandContext(tb.Context(), "sha256sum", path)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	if err != nil {
		tb.Fatalf("sha256sum %s: %v: %s", path, err, stderr.String())
	}
	digest, _, _ := strings.Cut(stdout.String(), " ")
	return digest, elapsed
}

// parallel runs work(i) for i in [0, n) on the given number of goroutines
// and returns the first error.
func parallel(workers, n int, work func(i int) error) error {
	var next atomic.Int64
	var wg gosync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := work(i); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}
