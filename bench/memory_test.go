package bench

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/photosync/photosync/config"
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
	resident := residentKiB(t, eng.store.Path())
	size := info.Size() / 1024
	t.Logf("after %s, %d KiB of the %d KiB state file are resident", when, resident, size)
	if resident > size/8 {
		t.Errorf("after %s, %d KiB of the %d KiB state file are resident, want at most an eighth",
			when, resident, size)
	}
}

// residentKiB returns the resident KiB of the process's maps of the file
// at path, from /proc/self/smaps.
func residentKiB(t *testing.T, path string) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	var total int64
	inFile := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		// A map's header line starts with its address range, such as
		// "7f12a000-7f12c000", and ends with the mapped file.
		if !strings.HasSuffix(fields[0], ":") && strings.Contains(fields[0], "-") {
			inFile = fields[len(fields)-1] == path
			continue
		}
		if inFile && fields[0] == "Rss:" && len(fields) >= 2 {
			kib, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				t.Fatalf("smaps line %q: %v", sc.Text(), err)
			}
			total += kib
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return total
}
