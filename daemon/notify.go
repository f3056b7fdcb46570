package daemon

import (
	"time"

	sddaemon "github.com/coreos/go-systemd/v22/daemon"
	"github.com/rs/zerolog"
)

// notify sends one sd_notify state, such as "READY=1", to systemd. Outside
// a unit with NOTIFY_SOCKET set it does nothing.
func notify(log zerolog.Logger, state string) {
	if _, err := sddaemon.SdNotify(false, state); err != nil {
		log.Warn().Err(err).Msg("sd_notify failed")
	}
}

// notifyStatus sends the summary line as STATUS= when it changed.
func (d *Daemon) notifyStatus() {
	d.mu.Lock()
	if d.summary == "" {
		d.summary = d.summaryLocked()
	}
	line := d.summary
	d.mu.Unlock()
	if line == d.lastNotify {
		return
	}
	d.lastNotify = line
	notify(d.log, "STATUS="+line)
}

// startWatchdog sends WATCHDOG=1 at half the interval that systemd set in
// WATCHDOG_USEC, if any, and returns the function that stops it.
//
// NOTE: the pings come from their own goroutine, so they show that the
// process runs, not that a pass makes progress. A pass may rightly take
// hours on a large first upload.
func startWatchdog(log zerolog.Logger) (stop func()) {
	interval, err := sddaemon.SdWatchdogEnabled(false)
	if err != nil || interval <= 0 {
		if err != nil {
			log.Warn().Err(err).Msg("Watchdog setting not read")
		}
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		ticker := time.NewTicker(interval / 2)
		defer ticker.Stop()
		for {
			select {
			case <-done:
				return
			case <-ticker.C:
				notify(log, "WATCHDOG=1")
			}
		}
	}()
	return func() { close(done) }
}
