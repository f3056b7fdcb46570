// Package daemon runs photosync as a long-lived service: the watcher, the
// timers and the sync engine of package sync, one pass at a time, with a
// status socket for `photosync status`, `photosync sync` and Prometheus.
//
// A [Daemon] has one scheduler loop per account, because the engine's serial
// lane that creates items and writes albums belongs to the account. Triggers
// (watcher batches, the poll timer at poll_interval, the rescan timer at
// scan_interval and sync requests from the socket) mark folders dirty. They
// arrive through 1-buffered channels with non-blocking sends, so any number
// of triggers during a pass cause one more pass, not one each. The loop then
// runs a pass of the engine over the dirty folders, which uploads local
// changes and then downloads remote ones. The poll timer runs the engine's
// download direction alone.
//
// The loop owns the per-folder state. It publishes a copy after every
// change, which the socket handlers and sd_notify read without waiting for
// the loop.
//
// The quota scheduler reads the day's request count from the store (the
// engine's request counter). It pauses uploads when the share of
// the daily limit left for them is spent, or when the API returns its
// daily-quota error, and resumes them at the next reset, midnight in
// America/Los_Angeles. The requests kept back by quota.poll_reserve stay
// for polling. A rejected login (a revoked or expired refresh token) makes
// the daemon wait in the login-needed state while it keeps watching and
// queueing. It tries again once the token file changes.
//
// Time comes from a [Clock], so that tests can move it.
package daemon
