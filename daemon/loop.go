package daemon

import (
	"context"
	"errors"
	"runtime/debug"
	"time"

	"github.com/photosync/photosync/config"
	"github.com/photosync/photosync/state"
	photosync "github.com/photosync/photosync/sync"
	"github.com/photosync/photosync/watcher"
)

// timers are the loop's timers on the system clock.
type timers struct {
	poll, scan, settle, resume *time.Timer
	nextPoll                   time.Time
}

func newTimers(cfg *config.Config) *timers {
	t := &timers{
		// The first pass ends with a poll, so the timer starts a full
		// interval later.
		poll:   time.NewTimer(cfg.PollInterval),
		scan:   time.NewTimer(cfg.ScanInterval),
		settle: time.NewTimer(time.Hour),
		resume: time.NewTimer(time.Hour),
	}
	t.settle.Stop()
	t.resume.Stop()
	t.nextPoll = time.Now().Add(cfg.PollInterval)
	return t
}

func (t *timers) stop() {
	t.poll.Stop()
	t.scan.Stop()
	t.settle.Stop()
	t.resume.Stop()
}

// loop is the daemon's scheduler: it waits for a trigger, marks the
// folders it concerns dirty, and runs passes over dirty folders while the
// login and the quota allow.
func (d *Daemon) loop(ctx context.Context, watch *watcher.Watcher) error {
	for _, f := range d.folders {
		d.addWatch(f)
	}
	t := newTimers(d.config())
	defer t.stop()
	ready := false

	for {
		d.step(ctx, t)
		if !ready {
			notify(d.log, "READY=1")
			ready = true
		}
		d.notifyStatus()
		if ctx.Err() != nil {
			return nil
		}

		select {
		case <-ctx.Done():
			return nil
		case b, ok := <-watch.Batches():
			if !ok {
				return errors.New("daemon: the watcher stopped")
			}
			d.batch(b)
		case <-t.poll.C:
			d.poll(ctx)
			interval := d.config().PollInterval
			t.poll.Reset(interval)
			t.nextPoll = time.Now().Add(interval)
		case <-t.scan.C:
			d.log.Debug().Msg("Periodic rescan")
			d.markAllDirty()
			for _, f := range d.folders {
				if !f.watching {
					d.addWatch(f)
				}
			}
			t.scan.Reset(d.config().ScanInterval)
		case <-t.settle.C:
			now := time.Now()
			for _, f := range d.folders {
				if !f.settleAt.IsZero() && !now.Before(f.settleAt) {
					f.settleAt = time.Time{}
					f.dirty = true
				}
			}
		case <-t.resume.C:
			// step checks the reset and resumes the uploads.
		case <-d.syncNow:
			// step takes the waiting sync requests.
		case <-d.reloaded:
			d.reload(t)
		}
	}
}

// batch marks the folder of a watcher batch dirty.
func (d *Daemon) batch(b watcher.Batch) {
	for _, f := range d.folders {
		if f.cfg.Path == b.Root {
			d.log.Debug().Str("folder", f.cfg.Path).Int("paths", len(b.Paths)).
				Int("rescans", len(b.Rescan)).Msg("Changes seen")
			f.dirty = true
			d.mu.Lock()
			f.status.WatchChanges += len(b.Paths) + len(b.Rescan)
			d.mu.Unlock()
			return
		}
	}
}

// markAllDirty makes the next pass look at every folder.
func (d *Daemon) markAllDirty() {
	for _, f := range d.folders {
		f.dirty = true
	}
}

// addWatch starts watching a folder's root. A folder that cannot be
// watched, for example because its disk is not mounted or the inotify
// watches ran out, is still scanned at every scan_interval, which also
// tries the watch again.
func (d *Daemon) addWatch(f *folder) {
	err := d.watch.Add(f.cfg.Path)
	d.mu.Lock()
	f.watchErr = ""
	if err != nil {
		f.watchErr = err.Error()
	}
	d.mu.Unlock()
	var limit *watcher.WatchLimitError
	switch {
	case err == nil:
		f.watching = true
		return
	case errors.As(err, &limit):
		// The watcher keeps the root registered as not watching.
		_ = d.watch.Remove(f.cfg.Path)
	}
	f.watching = false
	d.log.Warn().Err(err).Str("folder", f.cfg.Path).Msg("Folder not watched; it is scanned every scan_interval")
}

// step brings the daemon up to date after a wake-up: it opens the API
// client if it can, applies the quota, and runs passes over dirty folders
// and for sync requests.
func (d *Daemon) step(ctx context.Context, t *timers) {
	connected := d.connect(ctx)
	qc, quotaErr := d.quota.check()
	if quotaErr != nil {
		d.log.Error().Err(quotaErr).Msg("Request count not read")
	}
	if d.quota.takeResumed() {
		d.log.Info().Msg("Quota reset; uploads resume")
		d.markAllDirty()
	}
	d.armResume(t)

	waiters := d.takeWaiters()
	blocked := d.blockedReason(connected, qc)
	if blocked != "" || quotaErr != nil || ctx.Err() != nil {
		for _, w := range waiters {
			w.finish(SyncEvent{Done: true, Error: blocked, Fatal: true})
		}
		d.publish(qc, t)
		return
	}

	var plain, confirming []*syncWaiter
	for _, w := range waiters {
		if w.req.Confirm {
			confirming = append(confirming, w)
			continue
		}
		plain = append(plain, w)
		for _, f := range d.foldersOf(w.req.Folders) {
			f.dirty = true
		}
	}
	var dirty []*folder
	for _, f := range d.folders {
		if f.dirty {
			dirty = append(dirty, f)
		}
	}
	if len(dirty) > 0 || len(plain) > 0 {
		d.pass(ctx, dirty, false, plain, t)
	}
	for _, w := range confirming {
		d.pass(ctx, d.foldersOf(w.req.Folders), true, []*syncWaiter{w}, t)
	}
	qc, _ = d.quota.check()
	d.armResume(t)
	d.armSettle(t)
	d.publish(qc, t)
}

// armSettle sets the settle timer to the earliest time at which files that
// were still changing during a pass have settled.
func (d *Daemon) armSettle(t *timers) {
	var next time.Time
	for _, f := range d.folders {
		if !f.settleAt.IsZero() && (next.IsZero() || f.settleAt.Before(next)) {
			next = f.settleAt
		}
	}
	t.settle.Stop()
	if !next.IsZero() {
		t.settle.Reset(max(time.Until(next), 0))
	}
}

// blockedReason returns why passes cannot run now, or "".
func (d *Daemon) blockedReason(connected bool, qc quotaCheck) string {
	switch {
	case d.login.needed || !connected:
		return "login needed: run photosync auth login (" + d.login.reason + ")"
	case qc.uploadsPaused:
		return "uploads paused until the quota reset at " +
			d.quota.pausedUntil.Local().Format(time.RFC3339) + ": " + d.quota.reason
	}
	return ""
}

// armResume sets the resume timer to the quota reset that paused uploads
// wait for. The loop also checks the reset at every other wake-up, so a
// clock that jumps, as in tests, does not leave the uploads paused.
func (d *Daemon) armResume(t *timers) {
	t.resume.Stop()
	if until := d.quota.pausedUntil; !until.IsZero() {
		t.resume.Reset(max(until.Sub(d.clock.Now()), 0))
	}
}

// foldersOf returns the folders with the given roots, or every folder when
// roots is empty. Unknown roots are left out; the socket handler rejects
// them before.
func (d *Daemon) foldersOf(roots []string) []*folder {
	if len(roots) == 0 {
		return d.folders
	}
	var out []*folder
	for _, f := range d.folders {
		for _, r := range roots {
			if f.cfg.Path == r {
				out = append(out, f)
				break
			}
		}
	}
	return out
}

// poll runs the engine's download direction over the folders that
// download, while the poll reserve allows. A folder whose last pass stopped
// with an error is polled too: Poll checks its root and marker itself.
func (d *Daemon) poll(ctx context.Context) {
	cfg := d.config()
	var folders []*folder
	var cfgs []config.Folder
	for _, f := range d.folders {
		if f.cfg.Mode.Downloads() {
			folders = append(folders, f)
			cfgs = append(cfgs, f.cfg)
		}
	}
	if len(folders) == 0 || !d.connect(ctx) {
		return
	}
	qc, err := d.quota.check()
	if err != nil || !d.pollFits(qc) {
		if !d.pollSkipped {
			d.log.Warn().Int("used", qc.used).Msg("Polls skipped until the quota reset: the day's requests are spent")
			d.pollSkipped = true
		}
		return
	}
	d.pollSkipped = false

	syncer, err := d.newSyncer(cfg, false, nil)
	if err != nil {
		d.log.Error().Err(err).Msg("Poll not started")
		return
	}
	start := time.Now()
	sum, pollErr := syncer.Poll(ctx, cfgs)
	d.log.Debug().Dur("duration", time.Since(start)).Int("used", qc.used).Msg("Polled")
	if ctx.Err() != nil {
		return
	}

	reauth, quota := d.apiErrs.take()
	switch {
	case reauth != nil:
		d.loginFailed(reauth)
	case quota != nil:
		d.quotaSpent(quota)
	case pollErr != nil:
		d.log.Warn().Err(pollErr).Msg("Poll failed; retried at the next poll")
	}
	d.afterPoll(folders, sum, pollErr)
	// A complete listing holds every remote item in memory; see pass.
	debug.FreeOSMemory()
}

// pollFits reports whether the requests left today cover a poll. A poll
// lists the album pages and one page of the library; a complete listing,
// every full_poll_interval, also lists each album's items.
//
// NOTE: the estimate covers the album pages and the library page only, so
// a complete listing late in a spent day can go past the limit by the
// pages of the albums' items.
func (d *Daemon) pollFits(qc quotaCheck) bool {
	if d.quota.limit <= 0 {
		return true
	}
	albums := 0
	_ = d.opts.Store.ForEachAlbum(func(state.Album) error {
		albums++
		return nil
	})
	const albumsPerPage, libraryPages = 50, 1
	cost := albums/albumsPerPage + 1 + libraryPages
	return qc.used+cost <= d.quota.limit
}

// afterPoll records a poll's outcome in the status of its folders.
func (d *Daemon) afterPoll(folders []*folder, sum *photosync.Summary, pollErr error) {
	now := d.clock.Now()
	for _, f := range folders {
		counts, err := countFiles(d.opts.Store, f.cfg.Path)
		d.mu.Lock()
		st := &f.status
		if err == nil {
			st.InSync, st.Queued, st.Failed = counts.synced, counts.pending, counts.failed
		}
		problem := ""
		if sum != nil {
			for _, p := range sum.Folders {
				if p.Folder == f.cfg.Path {
					problem = p.Reason
				}
			}
		}
		switch {
		case problem != "":
			st.LastError = problem
		case pollErr == nil:
			st.LastPoll = now
		}
		d.mu.Unlock()
		d.metrics.setFolder(f.status)
	}
	if sum != nil {
		d.metrics.downloads.Add(float64(sum.Downloaded))
		d.metrics.downloadBytes.Add(float64(sum.DownloadedBytes))
	}
}

// quotaSpent pauses uploads until the reset after the API reported its
// daily quota spent.
func (d *Daemon) quotaSpent(err error) {
	if d.quota.pausedUntil.IsZero() {
		d.log.Error().Err(err).Msg("Daily quota spent; uploads paused until the reset")
	}
	d.quota.pause(d.clock.Now(), "Google reported the daily quota spent")
}

// reload applies the config that Reload left.
func (d *Daemon) reload(t *timers) {
	d.mu.Lock()
	cfg, old := d.newConfig, d.cfg
	d.newConfig = nil
	d.mu.Unlock()
	if cfg == nil {
		return
	}
	if cfg.StateDir != old.StateDir || cfg.Socket != old.Socket || cfg.API != old.API {
		d.log.Warn().Msg("Config reloaded; state_dir, socket and api changes apply after a restart")
		cfg.StateDir, cfg.Socket, cfg.API = old.StateDir, old.Socket, old.API
	}

	byPath := map[string]*folder{}
	for _, f := range d.folders {
		byPath[f.cfg.Path] = f
	}
	var folders []*folder
	for _, fc := range cfg.Folders {
		f, ok := byPath[fc.Path]
		if ok {
			delete(byPath, fc.Path)
			f.cfg = fc
			f.dirty = true
		} else {
			f = newFolder(fc)
			d.addWatch(f)
			d.log.Info().Str("folder", fc.Path).Msg("Folder added")
		}
		folders = append(folders, f)
	}
	for path, f := range byPath {
		if f.watching {
			_ = d.watch.Remove(path)
		}
		d.metrics.dropFolder(path)
		d.log.Info().Str("folder", path).Msg("Folder removed")
	}

	d.mu.Lock()
	d.cfg = cfg
	d.folders = folders
	d.mu.Unlock()
	// A pause stays until its reset; check sets a new one if the new
	// limits call for it.
	d.quota.limit, d.quota.reserve = cfg.Quota.DailyLimit, cfg.Quota.PollReserve
	t.poll.Reset(cfg.PollInterval)
	t.nextPoll = time.Now().Add(cfg.PollInterval)
	t.scan.Reset(cfg.ScanInterval)
	if cfg.SettleTime != old.SettleTime {
		if err := d.watch.SetDelay(max(cfg.SettleTime, minWatchDelay)); err != nil {
			d.log.Error().Err(err).Dur("settle_time", cfg.SettleTime).Msg("Watcher delay not changed")
		}
	}
	d.log.Info().Int("folders", len(folders)).Msg("Config reloaded")
}
