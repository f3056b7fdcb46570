package daemon

import (
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/photosync/photosync/watcher"
)

// publish updates the account status, the folders' pause states, the
// summary line and the metrics from the loop's state.
func (d *Daemon) publish(qc quotaCheck, t *timers) {
	used, err := d.counter.Used()
	if err != nil {
		used = qc.used
	}
	account := AccountStatus{
		LoginNeeded:   d.login.needed,
		UploadsPaused: !d.quota.pausedUntil.IsZero(),
		Quota:         d.quota.snapshot(used),
	}
	if d.login.needed {
		account.LoginError = d.login.reason
	}
	nextPoll := d.clock.Now().Add(time.Until(t.nextPoll))

	d.mu.Lock()
	defer d.mu.Unlock()
	d.account = account
	for _, f := range d.folders {
		st := &f.status
		st.NextPoll = nextPoll
		if st.State != StateIdle && !(st.State == StatePaused && st.PauseReason != PauseDeletes) {
			continue
		}
		switch {
		case !f.cfg.Mode.Uploads():
			st.State, st.PauseReason, st.PauseDetail = StateIdle, "", ""
		case d.login.needed:
			st.State, st.PauseReason, st.PauseDetail = StatePaused, PauseLogin, d.login.reason
		case account.UploadsPaused:
			st.State, st.PauseReason, st.PauseDetail = StatePaused, PauseQuota, d.quota.reason
		default:
			st.State, st.PauseReason, st.PauseDetail = StateIdle, "", ""
		}
	}
	d.summary = d.summaryLocked()
	d.metrics.setAccount(account)
}

// summaryLocked returns the one-line status for sd_notify and `photosync
// status`, such as "Idle; 1,204 items in sync" or "Uploading 3/40".
func (d *Daemon) summaryLocked() string {
	if d.login.needed {
		return "Needs login: run photosync auth login"
	}
	var inSync, failed, done, planned int
	scanning, missing := false, 0
	for _, f := range d.folders {
		st := f.status
		inSync += st.InSync
		failed += st.Failed
		if st.Progress != nil {
			done += st.Progress.DoneFiles
			planned += st.Progress.PlannedFiles
		}
		switch st.State {
		case StateScanning:
			scanning = true
		case StateMissingRoot:
			missing++
		}
	}

	var line string
	switch {
	case planned > 0:
		line = fmt.Sprintf("Uploading %s/%s", thousands(done), thousands(planned))
	case scanning:
		line = "Scanning"
	case !d.quota.pausedUntil.IsZero():
		line = "Uploads paused until the quota reset at " + d.quota.pausedUntil.Local().Format("15:04 MST")
	default:
		line = "Idle"
	}

	line += "; " + thousands(inSync) + " item"
	if inSync != 1 {
		line += "s"
	}
	line += " in sync"
	if failed > 0 {
		line += ", " + thousands(failed) + " failed"
	}
	if missing > 0 {
		line += fmt.Sprintf("; %d folder(s) missing", missing)
	}
	return line
}

// thousands formats n with commas between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// status returns a copy of the status document.
func (d *Daemon) status() Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := Status{
		Version:  StatusVersion,
		PID:      pid(),
		Started:  d.started,
		Summary:  d.summary,
		Accounts: []AccountStatus{d.account},
	}
	watched := map[string]watcher.RootStatus{}
	if d.watch != nil {
		for _, rs := range d.watch.Status() {
			watched[rs.Root] = rs
		}
	}
	for _, f := range d.folders {
		fs := f.status
		if fs.Progress != nil {
			p := *fs.Progress
			fs.Progress = &p
		}
		fs.Failures = append([]Failure(nil), fs.Failures...)
		if rs, ok := watched[filepath.Clean(f.cfg.Path)]; ok {
			fs.Watching = rs.Watching
			if !rs.Watching && rs.Err != nil {
				fs.WatchError = rs.Err.Error()
			}
		} else {
			fs.WatchError = f.watchErr
		}
		st.Folders = append(st.Folders, fs)
	}
	return st
}
