package reliability

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	photosync "github.com/photosync/photosync/sync"
)

// resumableKind is the trial of large files: each trial uploads a few
// files just above the size from which the engine uses resumable
// sessions, with every upload request delayed, so that kills land between
// the chunks of a session. A run over one trial's files takes about 1.5 s.
var resumableKind = crashKind{mode: "upload-only",
	delays: []string{
		`{"method":"uploads","delay":"150ms"}`,
		`{"method":"mediaItems.batchCreate","delay":"250ms"}`,
	},
	maxKill: 1800 * time.Millisecond, ciTrials: 2}

// largePerTrial is the number of large files of each trial. Each takes
// about 33 MiB in the folder and in the emulator's memory while its trial
// runs.
const largePerTrial = 2

// writeLarge writes a photo of size bytes at rel: a sample JPEG followed by
// random bytes from rng after its end marker, so each file has its own
// SHA-256 and no part of it compresses or deduplicates.
func (e *env) writeLarge(rel string, size int64, rng *rand.ChaCha8) {
	e.t.Helper()
	sample, err := os.ReadFile(filepath.Join("..", "testdata", "media", "Orientation", "f1-exif.jpg"))
	if err != nil {
		e.t.Fatal(err)
	}
	data := make([]byte, size)
	n := copy(data, sample)
	if _, err := rng.Read(data[n:]); err != nil {
		e.t.Fatal(err)
	}
	name := filepath.Join(e.root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		e.t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(name, old, old); err != nil {
		e.t.Fatal(err)
	}
}

// TestCrashResumable kills `photosync sync` while it sends large files in
// resumable sessions, and checks that the restart resumes each stored
// session: it may send only the bytes the server did not confirm for it.
// Each trial has an install and an emulator of its own, so the memory and
// disk of the large files are freed after it.
func TestCrashResumable(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, uint64(len(t.Name()))))
	content := rand.NewChaCha8([32]byte(bytes.Repeat([]byte{byte(*seed)}, 32)))
	stats := newCrashStats()
	var sizes int64
	for trial := range trialCount(resumableKind) {
		delay := time.Duration(rng.Int64N(int64(resumableKind.maxKill)))
		t.Run(fmt.Sprintf("trial%03d", trial), func(t *testing.T) {
			e := newEnv(t)
			e.syncOK()
			e.setFaults(resumableKind.delays)
			for i := range largePerTrial {
				size := photosync.DefaultResumableThreshold + 1 + rng.Int64N(1<<20)
				e.writeLarge(fmt.Sprintf("Large/t%d-%d.jpg", trial, i), size, content)
				sizes += size
			}
			want := localSet(e.supported())
			start, finish := syncRuns(e)
			e.killAndRestart(trial, delay, start, finish, stats)
			e.checkLocal(want)
			if t.Failed() {
				t.Fatalf("trial %d (kill after %v) broke the invariants; seed %d", trial, delay, *seed)
			}
		})
		if t.Failed() {
			return
		}
	}
	t.Logf("%s: %s; bytes of the large files: %d", t.Name(), stats, sizes)
}
