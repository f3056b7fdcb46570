package bench

import (
	"os"
	"runtime"
	"testing"

	"github.com/photosync/photosync/config"
	"github.com/photosync/photosync/internal/testenv"
)

// TestResyncReleasesStateFile checks that a re-run does not leave the
// state file resident in the process's memory map. Loading a folder's
// records reads pages all over the file, and on Linux each read maps up to
// 64 KiB of cached pages around it. Without the release, most of the file
// would count in the process's RSS for the rest of the pass.
func TestResyncReleasesStateFile(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the state file's pages are released on Linux only")
	}
	tree := writeTree(t, TreeOptions{Dirs: 4, Files: 3000, Side: tinySide})
	emu := startEmulator(t)
	eng := newEngine(t, emu, tree.Root, config.DefaultWorkers)
	eng.run(t)
	eng.run(t)
	// bbolt grows the file ahead of its data, so the records of 3,000
	// photos fill about two thirds of it, and a load without the release
	// leaves about that much resident.
	checkStateFileReleased(t, eng, "the re-run")
}

// TestFirstSyncReleasesStateFile checks the same after a first sync, whose
// records of created items read pages all over the file while the lane
// goes on creating items.
func TestFirstSyncReleasesStateFile(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the state file's pages are released on Linux only")
	}
	tree := writeTree(t, TreeOptions{Dirs: 4, Files: 3000, Side: tinySide})
	emu := startEmulator(t)
	eng := newEngine(t, emu, tree.Root, config.DefaultWorkers)
	eng.run(t)
	checkStateFileReleased(t, eng, "the first sync")
}

// checkStateFileReleased fails the test when more than an eighth of the
// engine's state file is resident in the process's map after the pass
// named when.
func checkStateFileReleased(t *testing.T, eng *engine, when string) {
	t.Helper()
	info, err := os.Stat(eng.store.Path())
	if err != nil {
		t.Fatal(err)
	}
	resident := testenv.ResidentKiB(t, eng.store.Path())
	size := info.Size() / 1024
	t.Logf("after %s, %d KiB of the %d KiB state file are resident", when, resident, size)
	if resident > size/8 {
		t.Errorf("after %s, %d KiB of the %d KiB state file are resident, want at most an eighth",
			when, resident, size)
	}
}
