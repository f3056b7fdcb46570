package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/photosync/photosync/config"
	"github.com/photosync/photosync/daemon"
	photosync "github.com/photosync/photosync/sync"
)

// daemonProgressLogEvery is how often `photosync sync` logs the progress of
// a daemon's pass when its output is not a terminal.
const daemonProgressLogEvery = 5 * time.Second

// syncViaDaemon requests a pass over folders from a daemon running on cfg's
// socket, follows its progress and prints its summary. It reports false, and
// does nothing, when no daemon listens on the socket. The caller then runs
// the pass itself.
func syncViaDaemon(ctx context.Context, a *app, cfg *config.Config, folders []config.Folder,
	opts syncOptions, explicit bool) (bool, error) {
	client := daemon.NewClient(cfg.Socket)
	if opts.dryRun {
		st, err := client.Status(ctx)
		if errors.Is(err, daemon.ErrNotRunning) {
			return false, nil
		}
		if err != nil {
			return true, fatalError(err)
		}
		return true, fatalError(fmt.Errorf("a photosync daemon (pid %d) holds the state store, which a dry "+
			"run reads; stop the daemon for the dry run, or see its plans with photosync status", st.PID))
	}

	req := daemon.SyncRequest{Confirm: opts.yes}
	if explicit {
		for _, f := range folders {
			req.Folders = append(req.Folders, f.Path)
		}
	}
	follow := newDaemonProgress(a)
	final, err := client.Sync(ctx, req, follow.update)
	if errors.Is(err, daemon.ErrNotRunning) {
		return false, nil
	}
	follow.finish()
	if err != nil {
		return true, fatalError(err)
	}
	a.log.Info().Str("socket", cfg.Socket).Msg("The running daemon made the pass")

	var sum *photosync.Summary
	if len(final.Summary) > 0 {
		sum = &photosync.Summary{}
		if err := json.Unmarshal(final.Summary, sum); err != nil {
			return true, fatalError(fmt.Errorf("read the daemon's pass summary: %w", err))
		}
		sum.Write(a.stdout)
	}
	switch {
	case final.Error != "" && (final.Fatal || sum == nil):
		return true, fatalError(fmt.Errorf("sync stopped: %s", final.Error))
	case final.Error != "":
		return true, fatalError(fmt.Errorf("sync: %s", final.Error))
	}
	return true, syncExit(nil, sum)
}

// daemonProgress turns the cumulative progress lines of a daemon's pass
// into the events of the sync command's progress bar, or into log lines
// when stderr is not a terminal.
type daemonProgress struct {
	a      *app
	bar    *syncProgress
	last   daemon.Progress
	logged time.Time
}

func newDaemonProgress(a *app) *daemonProgress {
	return &daemonProgress{a: a, bar: newSyncProgress(a.stderr)}
}

func (p *daemonProgress) update(ev daemon.SyncEvent) {
	if ev.Progress == nil {
		return
	}
	cur := *ev.Progress
	delta := photosync.Progress{
		PlannedFiles: cur.PlannedFiles - p.last.PlannedFiles,
		PlannedBytes: cur.PlannedBytes - p.last.PlannedBytes,
		DoneFiles:    cur.DoneFiles - p.last.DoneFiles,
		DoneBytes:    cur.DoneBytes - p.last.DoneBytes,
		Path:         ev.Path,
	}
	p.last = cur
	if p.bar != nil {
		p.bar.update(delta)
		return
	}
	if time.Since(p.logged) >= daemonProgressLogEvery {
		p.logged = time.Now()
		p.a.log.Info().Int("files_done", cur.DoneFiles).Int("files_planned", cur.PlannedFiles).
			Int64("bytes_done", cur.DoneBytes).Int64("bytes_planned", cur.PlannedBytes).
			Msg("Daemon pass in progress")
	}
}

func (p *daemonProgress) finish() {
	if p.bar != nil {
		p.bar.finish()
	}
}
