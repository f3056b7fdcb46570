package reliability

import (
	"strings"
	"testing"

	"github.com/photosync/photosync/internal/testenv"
)

// TestCrashAlbumCreateInFlight kills a sync while its albums.create
// request is held on the emulator and restarts it at once. The held
// request completes after the restart listed the albums, so the restart
// must leave the directory pending instead of creating a second album, and
// the next sync adopts the album the held request made.
func TestCrashAlbumCreateInFlight(t *testing.T) {
	e := newEnv(t)
	e.addPhotos("Trips", 2, "trip")
	e.emu.AddFault(`{"method":"albums.create","delay":"2s","count":1}`)
	cmd := e.command(t.Context(), "sync")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, "the album creation request", testenv.CommandTimeout, func() bool {
		return e.emu.Requests().ByMethod["albums.create"] >= 1
	})
	_ = cmd.Process.Kill()
	_ = cmd.Wait()

	res := e.run("sync")
	if out := res.Stdout + res.Stderr; !strings.Contains(out, `album creation for "Trips" may still be in progress`) {
		t.Errorf("restart does not report the album creation in progress: %s", res)
	}
	if n := e.emu.Requests().ByMethod["albums.create"]; n != 1 {
		t.Errorf("albums.create requests after the restart = %d, want 1", n)
	}
	testenv.WaitFor(t, "the held album creation", testenv.CommandTimeout, func() bool {
		_, albums := e.emu.Library()
		return len(albums) >= 1
	})
	e.syncOK()
	if n := e.emu.Requests().ByMethod["albums.create"]; n != 1 {
		t.Errorf("albums.create requests = %d, want 1", n)
	}
	e.checkConverged()
}
