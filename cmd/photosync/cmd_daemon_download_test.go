package main

import (
	"bytes"
	"encoding/json"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/photosync/photosync/daemon"
	"github.com/photosync/photosync/internal/testenv"
)

// peer returns the config of a second install against e's emulator: its own
// folder, state directory and refresh token, with e's OAuth client, and no
// daemon socket in common with e.
func (e *daemonEnv) peer(name string) (config, root string) {
	e.t.Helper()
	dir := e.t.TempDir()
	data, err := os.ReadFile(e.config)
	if err != nil {
		e.t.Fatal(err)
	}
	token := testenv.WriteToken(e.t, filepath.Join(dir, "token.json"), name+"-refresh")
	root = filepath.Join(dir, "Photos")
	if err := os.MkdirAll(root, 0o755); err != nil {
		e.t.Fatal(err)
	}
	cfg := string(data)
	for _, r := range []struct{ old, new string }{
		{"state_dir: " + filepath.Join(e.dir, "state"), "state_dir: " + filepath.Join(dir, "state")},
		{"socket: " + e.socket, "socket: " + filepath.Join(dir, "run", "photosync.sock")},
		{"token_file: " + filepath.Join(e.dir, "token.json"), "token_file: " + token},
		{"path: " + e.root, "path: " + root},
	} {
		if !strings.Contains(cfg, r.old) {
			e.t.Fatalf("peer config: the daemon's config lacks %q", r.old)
		}
		cfg = strings.Replace(cfg, r.old, r.new, 1)
	}
	return testenv.WritePrivate(e.t, filepath.Join(dir, "config.yaml"), cfg), root
}

// runConfig runs the binary with another config to the end.
func (e *daemonEnv) runConfig(config string, args ...string) testenv.Result {
	e.t.Helper()
	saved := e.config
	e.config = config
	defer func() { e.config = saved }()
	return e.run(args...)
}

func TestDaemonDownloadsPeerPhoto(t *testing.T) {
	e := newDaemonEnv(t, daemonConfig{})
	e.start(daemon.DebugPollIntervalEnv + "=1s")
	before := e.waitStatus("the first poll", func(st *daemon.Status) bool {
		return !st.Folders[0].LastPoll.IsZero()
	})

	peerConfig, peerRoot := e.peer("laptop")
	e.peerSync(peerConfig, peerRoot, map[string]int{"Trip/beach.png": 42})
	items, _ := e.emu.Library()
	if len(items) != 1 {
		t.Fatalf("remote has %d items after the peer's sync, want 1", len(items))
	}

	target := filepath.Join(e.root, "Trip", "beach.png")
	st := e.waitStatus("the peer's photo downloaded", func(st *daemon.Status) bool {
		_, err := os.Stat(target)
		return err == nil && st.Folders[0].InSync == 1 && st.Folders[0].LastPoll.After(before.Folders[0].LastPoll)
	})

	got, err := os.ReadFile(target)
	if err != nil {
		t.Fatalf("read the download: %v", err)
	}
	// The download contains the item's =d bytes, which need not equal the
	// uploaded file, but must decode as an image.
	if _, format, err := image.DecodeConfig(bytes.NewReader(got)); err != nil {
		t.Errorf("decode %s (%d bytes): %v", target, len(got), err)
	} else if format != "png" {
		t.Errorf("%s decodes as %s, want png", target, format)
	}
	if tree := localTree(t, e.root); len(tree) != 1 || len(tree["Trip"]) != 1 {
		t.Errorf("daemon folder tree = %v, want one file in Trip", tree)
	}

	// status --json shows the poll that brought the photo in.
	out := e.run("status", "--json")
	if out.Code != 0 {
		t.Fatalf("status --json: exit %d, stderr %s", out.Code, out.Stderr)
	}
	var printed daemon.Status
	if err := json.Unmarshal([]byte(out.Stdout), &printed); err != nil {
		t.Fatalf("status --json output: %v\n%s", err, out.Stdout)
	}
	if got := printed.Folders[0].LastPoll; got.Before(st.Folders[0].LastPoll) {
		t.Errorf("status --json last_poll = %v, want at or after %v", got, st.Folders[0].LastPoll)
	}
	if got := printed.Folders[0].InSync; got != 1 {
		t.Errorf("status --json in_sync = %d, want 1", got)
	}

	f := printed.Folders[0]
	if f.Queued != 0 || f.Failed != 0 {
		t.Errorf("folder queued = %d, failed = %d, want 0 and 0", f.Queued, f.Failed)
	}
	if f.LastError != "" {
		t.Errorf("folder last_error = %q, want none", f.LastError)
	}

	// A pass must see the download as the item it came from and upload
	// nothing. The download's modification time is the time it was placed,
	// so a pass within settle_time skips it as unsettled and exits 1; the
	// loop repeats the sync until a pass looks at the file.
	deadline := time.Now().Add(daemonWait)
	var res testenv.Result
	for {
		res = e.run("sync")
		if res.Code == 0 {
			break
		}
		if !strings.Contains(res.Stdout, "skipped, unsettled: 1") || time.Now().After(deadline) {
			t.Fatalf("sync through the daemon: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
		}
		time.Sleep(200 * time.Millisecond) // polling interval, not synchronization
	}
	if !strings.Contains(res.Stdout, "0 uploaded") {
		t.Errorf("sync through the daemon uploaded the download:\n%s", res.Stdout)
	}
	items, albums := e.emu.Library()
	if len(items) != 1 {
		t.Errorf("remote has %d items after the daemon's pass, want 1", len(items))
	}
	if up := e.emu.Requests().ByMethod["uploads"]; up != 1 {
		t.Errorf("emulator saw %d byte uploads, want 1: the peer's", up)
	}
	var trip int
	for _, a := range albums {
		if a.Title == "Trip" {
			trip++
		}
	}
	if trip != 1 {
		t.Errorf("remote has %d albums titled Trip, want 1", trip)
	}
}

// peerSync writes each rel under the peer's root, or removes it when its
// seed is negative, and runs the peer's one-shot sync.
func (e *daemonEnv) peerSync(config, root string, seeds map[string]int) {
	e.t.Helper()
	old := time.Now().Add(-time.Hour)
	for rel, seed := range seeds {
		name := filepath.Join(root, filepath.FromSlash(rel))
		if seed < 0 {
			if err := os.Remove(name); err != nil {
				e.t.Fatal(err)
			}
			continue
		}
		// An hour-old file has settled, so the sync uploads it at once.
		writePNG(e.t, name, seed)
		if err := os.Chtimes(name, old, old); err != nil {
			e.t.Fatal(err)
		}
	}
	res := e.runConfig(config, "sync")
	if res.Code != 0 {
		e.t.Fatalf("peer sync: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
}

// TestDaemonIgnoresOwnWrites checks that the files the daemon downloads or
// moves to the trash are not reported back by its watcher. A file that the
// test writes afterwards is reported. The watcher reports a path once it
// has been quiet for the same delay whatever the path, so by the time that
// file's change shows in status, a report of the daemon's earlier writes
// would show too.
func TestDaemonIgnoresOwnWrites(t *testing.T) {
	e := newDaemonEnv(t, daemonConfig{})
	e.start(daemon.DebugPollIntervalEnv + "=1s")
	peerConfig, peerRoot := e.peer("laptop")

	e.peerSync(peerConfig, peerRoot, map[string]int{"Trip/a.png": 1, "Trip/b.png": 2})
	e.waitStatus("the peer's photos downloaded", func(st *daemon.Status) bool {
		return st.Folders[0].InSync == 2
	})
	writePNG(t, filepath.Join(e.root, "first.png"), 3)
	st := e.waitStatus("the first user file uploaded", func(st *daemon.Status) bool {
		return st.Folders[0].WatchChanges >= 1 && st.Folders[0].InSync == 3
	})
	if got := st.Folders[0].WatchChanges; got != 1 {
		t.Errorf("watch_changes after two downloads and one user file = %d, want 1", got)
	}

	e.peerSync(peerConfig, peerRoot, map[string]int{"Trip/a.png": -1})
	e.waitStatus("the removed photo moved to the trash", func(st *daemon.Status) bool {
		_, err := os.Stat(filepath.Join(e.root, "Trip", "a.png"))
		return os.IsNotExist(err) && st.Folders[0].InSync == 2
	})
	trashed, err := filepath.Glob(filepath.Join(e.root, ".photosync", "trash", "*", "Trip", "a.png"))
	if err != nil || len(trashed) != 1 {
		t.Fatalf("trash contains %v (%v), want Trip/a.png once", trashed, err)
	}
	writePNG(t, filepath.Join(e.root, "second.png"), 4)
	st = e.waitStatus("the second user file uploaded", func(st *daemon.Status) bool {
		return st.Folders[0].WatchChanges >= 2 && st.Folders[0].InSync == 3
	})
	if got := st.Folders[0].WatchChanges; got != 2 {
		t.Errorf("watch_changes after a move to the trash and a second user file = %d, want 2", got)
	}
}
