package daemon

import (
	"os"
	"time"

	"github.com/photosync/photosync/config"
	"github.com/photosync/photosync/state"
	photosync "github.com/photosync/photosync/sync"
)

// folder is one synced folder of the daemon.
type folder struct {
	cfg config.Folder

	// status is guarded by Daemon.mu.
	status FolderStatus
	// watchErr is the error of the last failed attempt to watch the root,
	// or empty. Daemon.mu guards it.
	watchErr string

	// The fields below belong to the loop goroutine.
	dirty    bool      // a pass must look at the folder
	settleAt time.Time // when files that were still changing have settled
	watching bool      // the watcher has the root
}

func newFolder(cfg config.Folder) *folder {
	return &folder{cfg: cfg, dirty: true, status: FolderStatus{
		Path: cfg.Path, Mode: string(cfg.Mode), State: StateIdle,
	}}
}

// missing reports whether the folder's root or marker is gone.
func (f *folder) missing() bool {
	if _, err := os.Stat(f.cfg.Path); err != nil {
		return true
	}
	_, err := os.Stat(photosync.MarkerPath(f.cfg.Path))
	return err != nil
}

// fileCounts are a folder's files by upload status, from the store.
type fileCounts struct {
	synced, pending, failed int
	// failures holds up to MaxFailures failed files with their reason.
	failures []Failure
}

// countFiles reads every record of a folder, so the loop calls it once per
// pass and not for each status request.
func countFiles(store *state.Store, root string) (fileCounts, error) {
	var c fileCounts
	err := store.ForEachFile(root, func(f state.File) error {
		switch f.Status {
		case state.StatusSynced:
			c.synced++
		case state.StatusPending:
			c.pending++
		case state.StatusFailed:
			c.failed++
			if len(c.failures) < MaxFailures {
				c.failures = append(c.failures, Failure{Path: f.Path, Reason: f.Reason})
			}
		}
		return nil
	})
	return c, err
}
