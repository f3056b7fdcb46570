package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"time"

	"github.com/photosync/photosync/config"
	photosync "github.com/photosync/photosync/sync"
	"github.com/photosync/photosync/sync/scan"
)

// syncWaiter is a POST /v1/sync request waiting for its pass.
type syncWaiter struct {
	req SyncRequest
	// events holds the latest progress event; older ones are replaced,
	// because each carries the cumulative counts.
	events chan SyncEvent
	// done receives the final event.
	done chan SyncEvent
}

func newSyncWaiter(req SyncRequest) *syncWaiter {
	return &syncWaiter{req: req, events: make(chan SyncEvent, 1), done: make(chan SyncEvent, 1)}
}

// progress replaces the waiting progress event with ev. Only the pass's
// progress callback calls it, one call at a time.
func (w *syncWaiter) progress(ev SyncEvent) {
	select {
	case <-w.events:
	default:
	}
	select {
	case w.events <- ev:
	default:
	}
}

func (w *syncWaiter) finish(ev SyncEvent) {
	w.done <- ev
}

// requestSync queues a sync request for the loop and wakes it. Once the
// daemon is stopping, it ends the request at once.
func (d *Daemon) requestSync(w *syncWaiter) {
	d.mu.Lock()
	if d.stopping {
		d.mu.Unlock()
		w.finish(SyncEvent{Done: true, Error: "the daemon is stopping", Fatal: true})
		return
	}
	d.waiters = append(d.waiters, w)
	d.mu.Unlock()
	trigger(d.syncNow)
}

// dropWaiter removes a request whose client went away before its pass.
func (d *Daemon) dropWaiter(w *syncWaiter) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.waiters = slices.DeleteFunc(d.waiters, func(x *syncWaiter) bool { return x == w })
}

func (d *Daemon) takeWaiters() []*syncWaiter {
	d.mu.Lock()
	defer d.mu.Unlock()
	w := d.waiters
	d.waiters = nil
	return w
}

// stop marks the daemon as stopping and ends every waiting request.
func (d *Daemon) stop() {
	d.mu.Lock()
	d.stopping = true
	d.mu.Unlock()
	for _, w := range d.takeWaiters() {
		w.finish(SyncEvent{Done: true, Error: "the daemon is stopping", Fatal: true})
	}
}

// pass runs one pass of the engine over folders and records its outcome in
// their status. The waiters receive its progress and its summary.
func (d *Daemon) pass(ctx context.Context, folders []*folder, confirm bool, waiters []*syncWaiter, t *timers) {
	cfg := d.config()
	start := d.clock.Now()
	var cfgs []config.Folder
	d.mu.Lock()
	for _, f := range folders {
		f.dirty = false
		cfgs = append(cfgs, f.cfg)
		if f.cfg.Mode.Uploads() {
			f.status.State = StateScanning
			f.status.Progress = &Progress{}
		}
	}
	d.mu.Unlock()
	d.publish(quotaCheck{}, t)
	d.notifyStatus()

	total := &Progress{}
	syncer, err := d.newSyncer(cfg, confirm, func(p photosync.Progress) {
		d.progress(folders, total, p, waiters)
	})
	var sum *photosync.Summary
	if err == nil {
		d.log.Debug().Int("folders", len(cfgs)).Bool("confirmed", confirm).Msg("Pass started")
		sum, err = syncer.Run(ctx, cfgs)
	}
	elapsed := d.clock.Now().Sub(start)
	d.metrics.passDuration.Observe(elapsed.Seconds())
	d.afterPass(folders, sum, err, start)
	// A pass holds every record and scan entry of its folders, hundreds of
	// MiB for 100,000 files, and maps the pages of the state file it read,
	// and the daemon then idles for minutes or hours. Returning that
	// memory now keeps the idle footprint small. The file's pages stay in
	// the page cache.
	defer debug.FreeOSMemory()
	defer func() {
		if err := d.opts.Store.ReleaseMappedPages(); err != nil {
			d.log.Warn().Err(err).Msg("Mapped pages of the state file not released")
		}
	}()

	final := SyncEvent{Done: true}
	if sum != nil {
		// The plans list every operation of the pass; the summary's
		// reader needs only the counts and the problems.
		sum.Plans = nil
		final.Summary, _ = json.Marshal(sum)
	}
	if err != nil {
		final.Error = err.Error()
		var fatal *photosync.FatalError
		final.Fatal = errors.As(err, &fatal) || sum == nil
	}
	for _, w := range waiters {
		w.finish(final)
	}
}

// newSyncer returns an engine for one pass or poll over the open
// connection.
func (d *Daemon) newSyncer(cfg *config.Config, confirm bool, progress func(photosync.Progress)) (*photosync.Syncer, error) {
	return photosync.New(photosync.Options{
		Store:            d.opts.Store,
		Remote:           d.conn.remote,
		Requests:         d.counter,
		Budget:           photosync.Budget{DailyLimit: cfg.Quota.DailyLimit, PollReserve: cfg.Quota.PollReserve},
		Workers:          cfg.Workers,
		SettleTime:       cfg.SettleTime,
		Confirmed:        confirm,
		Logger:           d.opts.Logger,
		Now:              d.clock.Now,
		Progress:         progress,
		FullPollInterval: cfg.FullPollInterval,
		BeforeWrite:      d.ignoreOwnWrite,
	})
}

// ownWriteMargin is how long the watcher ignores a path that the engine is
// about to write. The watcher times events when it handles them, which on a
// loaded machine can be seconds after the write, so the margin is generous.
// A user's change to the same path within the margin is missed by the
// watcher but found by the folder's next pass, at the latest the rescan
// at scan_interval.
const ownWriteMargin = 10 * time.Second

// ignoreOwnWrite registers the path rel under root, which the engine is
// about to write, with the watcher's Ignore, so that the write does not
// start a pass.
// The engine calls it from its download workers.
func (d *Daemon) ignoreOwnWrite(root, rel string) {
	if d.watch == nil {
		return
	}
	// The watcher runs on the system clock, not on the daemon's Clock.
	if err := d.watch.Ignore(root, rel, time.Now().Add(ownWriteMargin)); err != nil {
		// A folder that is not watched has no events to ignore.
		d.log.Debug().Err(err).Str("folder", root).Str("path", rel).Msg("Own write not ignored")
	}
}

// progress applies one progress event of the engine to the folder status
// and the waiters.
func (d *Daemon) progress(folders []*folder, total *Progress, p photosync.Progress, waiters []*syncWaiter) {
	d.mu.Lock()
	for _, f := range folders {
		if f.cfg.Path != p.Folder || f.status.Progress == nil {
			continue
		}
		addProgress(f.status.Progress, p)
		if p.PlannedFiles > 0 || p.DoneFiles > 0 {
			f.status.State = StateSyncing
		}
	}
	addProgress(total, p)
	snapshot := *total
	d.summary = d.summaryLocked()
	d.mu.Unlock()
	for _, w := range waiters {
		w.progress(SyncEvent{Progress: &snapshot, Path: p.Path})
	}
	if p.DoneFiles > 0 {
		d.notifyStatus()
	}
}

func addProgress(dst *Progress, p photosync.Progress) {
	dst.PlannedFiles += p.PlannedFiles
	dst.PlannedBytes += p.PlannedBytes
	dst.DoneFiles += p.DoneFiles
	dst.DoneBytes += p.DoneBytes
}

// unsettledReason is the key of the summary's Skipped map for files that
// were still changing.
var unsettledReason = scan.Unsettled.String()

// afterPass records the outcome of a pass in the status of its folders.
func (d *Daemon) afterPass(folders []*folder, sum *photosync.Summary, runErr error, start time.Time) {
	reauth, quota := d.apiErrs.take()
	switch {
	case reauth != nil:
		d.loginFailed(reauth)
	case quota != nil:
		d.quotaSpent(quota)
	}
	// A pass that the engine stopped because the budget ran out leaves the
	// count at the pause threshold; the check turns that into the pause.
	if _, err := d.quota.check(); err != nil {
		d.log.Error().Err(err).Msg("Request count not read")
	}
	if sum != nil {
		d.metrics.uploads.Add(float64(sum.Uploaded))
		d.metrics.uploadedBytes.Add(float64(sum.UploadedBytes))
		d.metrics.downloads.Add(float64(sum.Downloaded))
		d.metrics.downloadBytes.Add(float64(sum.DownloadedBytes))
	}
	now := d.clock.Now()
	for _, f := range folders {
		st := d.folderOutcome(f, sum, runErr)
		st.LastScan = start
		// A folder that only downloads succeeded when the pass's poll did.
		if st.State == StateIdle && st.LastError == "" && len(st.Failures) == 0 &&
			(f.cfg.Mode.Uploads() || runErr == nil) {
			st.LastSuccess = now
		}
		d.mu.Lock()
		st.LastPoll, st.NextPoll = f.status.LastPoll, f.status.NextPoll
		st.WatchChanges = f.status.WatchChanges
		// The engine's pass ends with a poll of the folders that download.
		if f.cfg.Mode.Downloads() && runErr == nil {
			st.LastPoll = now
		}
		if st.LastSuccess.IsZero() {
			st.LastSuccess = f.status.LastSuccess
		}
		f.status = st
		d.mu.Unlock()
		d.metrics.setFolder(st)
	}
	switch {
	case runErr == nil || errors.Is(runErr, context.Canceled):
	case d.login.needed || !d.quota.pausedUntil.IsZero():
		// The pause is logged where it starts and shows in status.
		d.log.Info().Err(runErr).Msg("Pass stopped")
	default:
		d.log.Error().Err(runErr).Msg("Pass stopped")
	}
}

// folderOutcome returns a folder's status after a pass, from the summary,
// the pass's error and the store's records.
func (d *Daemon) folderOutcome(f *folder, sum *photosync.Summary, runErr error) FolderStatus {
	root := f.cfg.Path
	st := FolderStatus{Path: root, Mode: string(f.cfg.Mode), State: StateIdle}
	counts, err := countFiles(d.opts.Store, root)
	if err != nil {
		st.State, st.LastError = StateError, fmt.Sprintf("read the folder's records: %v", err)
		return st
	}
	st.InSync, st.Queued, st.Failed, st.Failures = counts.synced, counts.pending, counts.failed, counts.failures
	if sum == nil {
		if runErr != nil {
			st.State, st.LastError = StateError, runErr.Error()
		}
		return st
	}

	for _, p := range sum.Pending {
		if p.Folder == root && len(st.Failures) < MaxFailures {
			st.Failures = append(st.Failures, Failure{Path: p.Path, Reason: p.Reason, Pending: true})
		}
	}
	unsettled := 0
	for _, p := range sum.Skipped[unsettledReason] {
		if len(p) > len(root) && p[:len(root)] == root && p[len(root)] == '/' {
			unsettled++
		}
	}
	if unsettled > 0 {
		st.Queued += unsettled
		f.settleAt = time.Now().Add(d.config().SettleTime)
	}

	if plan := sum.Plans[root]; plan != nil && plan.Paused != "" {
		st.State, st.PauseReason, st.PauseDetail = StatePaused, PauseDeletes, plan.Paused
		return st
	}
	for _, p := range sum.Folders {
		if p.Folder != root {
			continue
		}
		st.State, st.LastError = StateError, p.Reason
		if f.missing() {
			st.State = StateMissingRoot
		}
		return st
	}
	switch {
	case d.login.needed:
		st.State, st.PauseReason, st.PauseDetail = StatePaused, PauseLogin, d.login.reason
	case !d.quota.pausedUntil.IsZero():
		st.State, st.PauseReason, st.PauseDetail = StatePaused, PauseQuota, d.quota.reason
	case runErr != nil && !errors.Is(runErr, context.Canceled):
		st.State, st.LastError = StateError, runErr.Error()
	}
	return st
}
