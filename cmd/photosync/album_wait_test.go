package main

import (
	"strings"
	"testing"

	"github.com/photosync/photosync/daemon"
)

// A 502 from albums.create may hide an album the server made. The next
// run leaves the album's files pending until the request can no longer be
// in flight, and then creates the album once. The runs read their clock
// from the emulator, so the test moves it instead of waiting.
func TestSyncCommandWaitsAfterAlbumGatewayError(t *testing.T) {
	e := newSyncEnv(t)
	e.env = append(e.env, daemon.DebugClockEnv+"="+e.emu.URL+"/emulator/v1/clock")
	e.copyMedia()
	e.emu.AddFault(`{"method":"albums.create","status":502,"count":1}`)

	first := e.sync()
	if first.Code != exitItemsFailed {
		t.Fatalf("first sync exit %d, want %d; stderr:\n%s", first.Code, exitItemsFailed, first.Stderr)
	}
	before := e.emu.Requests()
	second := e.sync()
	if second.Code != exitItemsFailed || !strings.Contains(second.Stdout+second.Stderr, "may still be in progress") {
		t.Errorf("second sync exit %d, want %d and the files pending for the album; stdout:\n%s\nstderr:\n%s",
			second.Code, exitItemsFailed, second.Stdout, second.Stderr)
	}
	after := e.emu.Requests()
	if n := after.ByMethod["albums.create"] - before.ByMethod["albums.create"]; n != 0 {
		t.Errorf("second sync sent %d albums.create requests, want 0", n)
	}

	// The wait is the client's one-minute request timeout plus a margin
	// of five minutes.
	e.emu.AdvanceClock("7m")
	third := e.sync()
	if third.Code != exitOK {
		t.Fatalf("sync after the wait exit %d, want 0; stdout:\n%s\nstderr:\n%s", third.Code, third.Stdout, third.Stderr)
	}
	e.checkExactlyOnce(e.supportedFiles())
}
