package reliability

import (
	"testing"
	"time"
)

// TestCrashAlbumCreateInFlight kills a sync while its albums.create
// request is held on the emulator and restarts it at once. The held
// request completes after the restart listed the albums.
func TestCrashAlbumCreateInFlight(t *testing.T) {
	t.Skip("TODO: the restart creates a second album of the same title when the killed run's " +
		"albums.create completes on the server after the restart listed the albums; " +
		"sync adopts only albums that exist when it lists them")
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
	e.syncOK()
	// The held request ends 2 s after it arrived, so a second album, if
	// any, appears within this deadline. Reaching it is the passing case.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if _, albums := e.remote(); len(albums) >= 2 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.checkConverged()
}
