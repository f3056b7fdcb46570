package reliability

import (
	"strings"
	"testing"
)

// TestCrashAlbumCreateInFlight kills a sync while its albums.create
// request is held on the emulator and restarts it at once. The held
// request completes after the restart listed the albums, so the restart
// must leave the directory pending instead of creating a second album, and
// the next sync adopts the album the held request made.
func TestCrashAlbumCreateInFlight(t *testing.T) {
	e := newEnv(t)
	e.addPhotos("Trips", 2, "trip")
	e.fault(`{"method":"albums.create","delay":"2s","count":1}`)
	cmd := e.command(t.Context(), "sync")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the album creation request", commandTimeout, func() bool {
		return e.requests().ByMethod["albums.create"] >= 1
	})
	_ = cmd.Process.Kill()
	_ = cmd.Wait()

	res := e.run("sync")
	if out := res.stdout + res.stderr; !strings.Contains(out, `album creation for "Trips" may still be in progress`) {
		t.Errorf("restart does not report the album creation in progress: %s", res)
	}
	if n := e.requests().ByMethod["albums.create"]; n != 1 {
		t.Errorf("albums.create requests after the restart = %d, want 1", n)
	}
	waitFor(t, "the held album creation", commandTimeout, func() bool {
		_, albums := e.remote()
		return len(albums) >= 1
	})
	e.syncOK()
	if n := e.requests().ByMethod["albums.create"]; n != 1 {
		t.Errorf("albums.create requests = %d, want 1", n)
	}
	e.checkConverged()
}
