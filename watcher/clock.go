package watcher

import "time"

// Clock is the source of time of a Watcher. Tests inject a fake clock to run
// the delays in virtual time.
type Clock interface {
	// Now returns the current time.
	Now() time.Time

	// AfterFunc calls f in its own goroutine once d has passed, unless the
	// returned timer is stopped first.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending call started by [Clock.AfterFunc].
type Timer interface {
	// Stop prevents the call if it has not started yet, and reports whether
	// it did so.
	Stop() bool
}

// systemClock is the Clock of the time package.
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) AfterFunc(d time.Duration, f func()) Timer {
	return time.AfterFunc(d, f)
}
