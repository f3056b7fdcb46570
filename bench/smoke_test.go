package bench

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/photosync/photosync/config"
	photosync "github.com/photosync/photosync/sync"
)

// TestPassesOnSmallTree runs every pass of the benchmarks once on a tree
// of a few photos, so that plain go test keeps the harness working. It
// times nothing.
func TestPassesOnSmallTree(t *testing.T) {
	const dirs, files = 2, 60
	tree := writeTree(t, TreeOptions{Dirs: dirs, Files: files, Side: tinySide})

	if got := len(loadTree(t, tree)); got != files {
		t.Fatalf("loadTree read %d photos, want %d", got, files)
	}
	rawPass(t, loadTree(t, tree), config.DefaultWorkers)

	first := firstSyncPass(t, noStopwatch{}, tree, config.DefaultWorkers)
	// Each album's 30 photos fit one batchCreate. On top come one token
	// refresh and one albums.create per album. The engine also lists the
	// app's albums once, to adopt an album of the same title.
	perAlbum := files / dirs
	batches := dirs * ((perAlbum + photosync.MaxBatch - 1) / photosync.MaxBatch)
	want := map[string]int{"uploads": files, "mediaItems.batchCreate": batches, "albums.create": dirs, "token": 1}
	for method, n := range want {
		if got := first.requests.ByMethod[method]; got != n {
			t.Errorf("first sync: %d %s requests, want %d (all: %v)", got, method, n, first.requests.ByMethod)
		}
	}
	if got := first.requests.ByMethod["albums.list"]; got > 1 {
		t.Errorf("first sync: %d albums.list requests, want at most 1", got)
	}
	if got, limit := first.requests.Total, files+batches+dirs+2; got > limit {
		t.Errorf("first sync: %d requests in all, want at most %d: %v", got, limit, first.requests.ByMethod)
	}

	emu := startEmulator(t)
	eng := newEngine(t, emu, tree.Root, config.DefaultWorkers)
	eng.run(t)
	again := resyncPass(t, noStopwatch{}, eng, tree)
	if again.readBytes < 0 {
		t.Log("this system has no /proc/self/io; the check that the re-run read no photo is skipped")
	} else {
		t.Logf("re-run read %d bytes; the photos hold %d", again.readBytes, tree.Bytes)
		checkNothingHashed(t, again, tree)
	}
	findPass(t, tree.Root)
}

// TestHashPassMatchesSha256sum checks the hash benchmark's two sides on a
// small file.
func TestHashPassMatchesSha256sum(t *testing.T) {
	if _, err := exec.LookPath("sha256sum"); err != nil {
		t.Skip("sha256sum is not installed")
	}
	path := filepath.Join(t.TempDir(), "random.bin")
	writeRandomFile(t, path, 3<<20+5)
	want, _ := sha256sumPass(t, path)
	hashPass(t, path, want)
	timeSha256sum(t, path, want)
}
