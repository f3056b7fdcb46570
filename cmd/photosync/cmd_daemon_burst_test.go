package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/photosync/photosync/daemon"
	"github.com/photosync/photosync/internal/testenv"
)

// burstFiles is the number of files the burst test creates at once.
const burstFiles = 5000

// burstDirs is the number of directories, and so albums, they spread over.
const burstDirs = 10

func TestDaemonBurstMoveAndRemove(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads 5,000 files")
	}
	e := newDaemonEnv(t, daemonConfig{logLevel: "debug"})
	// The files arrive a few dozen per watcher delay, so a limit of 5
	// pending paths makes the burst overflow into rescans, the path a real
	// event overflow takes.
	d := e.start(daemon.DebugWatchMaxPendingEnv + "=5")

	for i := range burstFiles {
		name := filepath.Join(e.root, fmt.Sprintf("Burst/%02d/img%04d.png", i%burstDirs, i))
		writePNG(t, name, 10_000+i)
	}
	e.waitRemoteMatches("the burst")
	logData, err := os.ReadFile(d.log)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`"rescans":[1-9]`).Match(logData) {
		t.Errorf("the watcher never fell back to a rescan during the burst; daemon log in %s", d.log)
	}

	// A directory filled outside the tree and moved in arrives as one
	// rename event; its files must all be found.
	outside := filepath.Join(e.dir, "Imported")
	for i := range 20 {
		writePNG(t, filepath.Join(outside, fmt.Sprintf("imp%02d.png", i)), 50_000+i)
	}
	if err := os.Rename(outside, filepath.Join(e.root, "Imported")); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(e.root, "Burst", "03")); err != nil {
		t.Fatal(err)
	}
	e.waitRemoteMatches("the moved-in and the removed directory")

	// Removed files leave their items in the library, because the API
	// cannot delete items; nothing may be there twice.
	items, _ := e.emu.Library()
	if want := burstFiles + 20; len(items) != want {
		t.Errorf("remote has %d items, want %d", len(items), want)
	}
}

// waitRemoteMatches waits until the remote albums hold exactly the local
// files of their directories.
func (e *daemonEnv) waitRemoteMatches(what string) {
	e.t.Helper()
	var why string
	e.waitRemoteFor(what, func(items []testenv.Item, albums []testenv.Album) bool {
		var ok bool
		ok, why = remoteMatches(localTree(e.t, e.root), items, albums)
		return ok
	}, func() string { return why })
}
