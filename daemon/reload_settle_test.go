package daemon

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/photosync/photosync/config"
)

// withSettleTime returns cfg parsed again with another settle_time.
func (h *harness) withSettleTime(cfg *config.Config, settle string) *config.Config {
	h.t.Helper()
	var b strings.Builder
	b.WriteString("state_dir: " + cfg.StateDir + "\nsocket: " + cfg.Socket + "\nsettle_time: " + settle +
		"\nscan_interval: 1h\nfolders:\n")
	for _, f := range cfg.Folders {
		b.WriteString("  - path: " + f.Path + "\n")
	}
	parsed, err := config.Parse(filepath.Join(h.dir, "config.yaml"), []byte(b.String()))
	if err != nil {
		h.t.Fatalf("parse config: %v\n%s", err, b.String())
	}
	return parsed
}

// A reloaded settle time reaches the watcher at once: a change that waits
// under a long delay comes due by the new short one.
func TestReloadSettleTimeReachesWatcher(t *testing.T) {
	h := startHarness(t, "A")
	root := filepath.Join(h.dir, "A")

	h.d.Reload(h.withSettleTime(h.newConfig("A"), "1h"))
	for deadline := time.Now().Add(waitTimeout); h.d.watch.Delay() != time.Hour; {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting for the watcher's one-hour delay")
		}
		time.Sleep(10 * time.Millisecond)
	}
	name := filepath.Join(root, "late.png")
	sha := writeSettledPNG(t, name, 7)
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(name, old, old); err != nil {
		t.Fatal(err)
	}

	h.d.Reload(h.withSettleTime(h.newConfig("A"), "1s"))
	h.waitStatus("the file uploaded", func(st *Status) bool {
		f, ok := folderStatus(st, root)
		return ok && f.InSync == 1
	})
	if !h.remoteSHAs()[sha] {
		t.Error("the file has no item")
	}
}

// A folder that only downloads shows when its last pass succeeded, like
// one that uploads.
func TestDownloadOnlyFolderShowsLastSuccess(t *testing.T) {
	h := startHarness(t, "A")
	rootD := filepath.Join(h.dir, "D")
	if err := os.MkdirAll(rootD, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := h.newConfig("A")
	yaml := "state_dir: " + cfg.StateDir + "\nsocket: " + cfg.Socket + "\nsettle_time: 1s\nscan_interval: 1h\n" +
		"folders:\n  - path: " + filepath.Join(h.dir, "A") + "\n  - path: " + rootD + "\n    mode: download-only\n"
	parsed, err := config.Parse(filepath.Join(h.dir, "config.yaml"), []byte(yaml))
	if err != nil {
		t.Fatalf("parse config: %v\n%s", err, yaml)
	}
	h.d.Reload(parsed)
	st := h.waitStatus("a pass over the download-only folder", func(st *Status) bool {
		f, ok := folderStatus(st, rootD)
		return ok && !f.LastPoll.IsZero()
	})
	f, _ := folderStatus(st, rootD)
	if f.LastSuccess.IsZero() {
		t.Errorf("download-only folder after a pass with no failure: last_success is zero; status %+v", f)
	}
}
