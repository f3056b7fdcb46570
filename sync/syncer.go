package sync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	gosync "sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/photosync/photosync/config"
	"github.com/photosync/photosync/state"
)

// Options configures a Syncer.
type Options struct {
	// Store is the state store. It holds the records and the journal.
	Store *state.Store
	// Remote is the Library API. It may be nil for a dry run.
	Remote Remote
	// Requests counts the client's requests. It must be the counter wired
	// into the client's request hook. Nil disables the budget check.
	Requests *RequestCounter
	// Budget is the share of the daily quota that uploads may spend.
	Budget Budget
	// Workers is the number of byte uploads that run at once. Zero means
	// config.DefaultWorkers.
	Workers int
	// SettleTime is how long a file must stay unchanged before it is
	// uploaded. Zero disables the check.
	SettleTime time.Duration
	// WaitSettle makes Run wait once, up to SettleTime, for files that were
	// still changing at the first scan, and then scan their folders again.
	// The one-shot sync sets it so that a copy that just finished is not
	// left for the next run. The daemon leaves it off because it rescans
	// anyway.
	WaitSettle bool
	// DryRun makes Run scan and plan only: it writes nothing, locally or
	// remotely, and returns the plans in the Summary.
	DryRun bool
	// Confirmed lifts the pause of folders whose local deletes would remove
	// a large share of their items from albums.
	Confirmed bool
	// ResumableThreshold is the file size from which uploads are resumable.
	// Zero means DefaultResumableThreshold.
	ResumableThreshold int64
	// Logger receives the pass's events, tagged with component "sync".
	Logger zerolog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Progress, when set, receives progress events from several goroutines,
	// one call at a time.
	Progress func(Progress)
	// FullPollInterval is the time between two complete listings of the
	// remote side. Zero means config.DefaultFullPollInterval.
	FullPollInterval time.Duration
	// DownloadWriter, when set, wraps the writer of each download's
	// temporary file. Tests use it to simulate a full disk.
	DownloadWriter func(io.Writer) io.Writer
	// BeforeWrite, when set, is called right before the download direction
	// creates a directory, places a download under its real name or moves
	// a file into the trash (once for the source and once for each
	// destination name it tries). root is the folder root and rel the
	// slash-separated path relative to it. Download workers call it
	// concurrently. The daemon uses it to tell its watcher to ignore its
	// own writes.
	BeforeWrite func(root, rel string)
}

// DefaultResumableThreshold is the size from which uploads use a resumable
// session. Google recommends resumable uploads for large files and flaky
// networks. A raw upload that breaks starts over, and below 32 MiB that
// costs under half a minute on a 10 Mbit/s uplink (an estimate). Photos,
// nearly all smaller, keep the cheaper one-request raw upload.
const DefaultResumableThreshold = 32 << 20

// tokenMaxAge is the age after which a stored upload token is not reused.
// Google documents a lifetime of one day; the hour of margin covers clock
// skew and a batch that waits in the creation lane.
const tokenMaxAge = 23 * time.Hour

// Progress is one progress event of a pass.
type Progress struct {
	// PlannedFiles and PlannedBytes, when not zero, add to the work planned.
	PlannedFiles int
	PlannedBytes int64
	// DoneFiles and DoneBytes, when not zero, add to the work finished.
	DoneFiles int
	DoneBytes int64
	// Folder and Path name the file an event is about, when there is one.
	Folder, Path string
	// Note, when not empty, describes what the pass is waiting for, such as
	// files that are still being written.
	Note string
}

// FatalError is an error that stops the whole pass: a login that needs
// renewing, a spent daily quota, full storage or a broken state store.
type FatalError struct {
	Err error
}

// Error returns the message of the underlying error.
func (e *FatalError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *FatalError) Unwrap() error { return e.Err }

// Syncer runs passes of the upload direction over synced folders. One
// Syncer must run one pass at a time, because the serial lane that writes
// albums and creates items belongs to the account.
type Syncer struct {
	opts Options
	log  zerolog.Logger

	// progressMu makes Progress calls one at a time.
	progressMu gosync.Mutex
}

// emit sends a progress event to Options.Progress, if set.
func (s *Syncer) emit(p Progress) {
	if s.opts.Progress == nil {
		return
	}
	s.progressMu.Lock()
	defer s.progressMu.Unlock()
	s.opts.Progress(p)
}

// New returns a Syncer, or an error naming the missing option.
func New(opts Options) (*Syncer, error) {
	if opts.Store == nil {
		return nil, errors.New("new syncer: Options.Store is nil")
	}
	if opts.Remote == nil && !opts.DryRun {
		return nil, errors.New("new syncer: Options.Remote is nil")
	}
	if opts.Workers <= 0 {
		opts.Workers = config.DefaultWorkers
	}
	if opts.ResumableThreshold <= 0 {
		opts.ResumableThreshold = DefaultResumableThreshold
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Syncer{opts: opts, log: opts.Logger.With().Str("component", "sync").Logger()}, nil
}

// Run makes one pass over folders: it checks each folder's root and marker,
// scans it, plans the changes and carries them out. Folders whose mode does
// not upload are left alone. A problem with one file or one folder is
// recorded in the Summary and does not stop the others. Run returns a
// *FatalError, together with the Summary so far, when the pass had to stop
// early; any other error means the pass could not run at all.
func (s *Syncer) Run(ctx context.Context, folders []config.Folder) (sum *Summary, err error) {
	sum = newSummary()
	if s.opts.Requests != nil {
		// Counts kept in memory must reach the store however the pass ends.
		defer func() {
			if flushErr := s.opts.Requests.Flush(); flushErr != nil && err == nil {
				err = &FatalError{Err: flushErr}
			}
		}()
	}
	if err := s.recoverAllDownloads(folders); err != nil {
		return sum, err
	}
	if err := s.adoptAll(ctx, folders, sum); err != nil {
		return sum, err
	}
	work, err := s.prepareAll(ctx, folders, sum)
	if err != nil {
		return sum, err
	}
	if err := s.settle(ctx, work); err != nil {
		return sum, err
	}
	for _, fr := range work {
		if err := s.plan(fr, sum); err != nil {
			return sum, err
		}
	}
	if s.opts.DryRun {
		return sum, nil
	}
	sum.shared = sharedUploads(work)
	for _, fr := range work {
		if err := s.execute(ctx, fr, sum); err != nil {
			return sum, err
		}
		if reason := sum.stopped(); reason != "" {
			return sum, &FatalError{Err: errors.New(reason)}
		}
	}
	if err := s.dropStaleUploads(work); err != nil {
		return sum, err
	}
	return sum, s.pollFolders(ctx, folders, sum)
}

// prepareAll prepares each uploading folder. A folder that cannot be
// synced is recorded in the summary and left out; only a fatal error or a
// cancelled context is returned.
func (s *Syncer) prepareAll(ctx context.Context, folders []config.Folder, sum *Summary) ([]*folderRun, error) {
	var work []*folderRun
	for _, f := range folders {
		if !f.Mode.Uploads() {
			s.log.Info().Str("folder", f.Path).Str("mode", string(f.Mode)).Msg("folder does not upload; skipped")
			continue
		}
		fr, err := s.prepare(ctx, f, sum)
		if err == nil {
			work = append(work, fr)
			continue
		}
		var fatal *FatalError
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case errors.As(err, &fatal):
			return nil, err
		}
		s.log.Error().Err(err).Str("folder", f.Path).Msg("folder not synced")
		reason := err.Error()
		sum.Folders = append(sum.Folders, FileProblem{Folder: f.Path, Reason: reason})
		if err := s.noteFolder(f.Path, func(rec *state.Folder) { rec.LastError = reason }); err != nil {
			return nil, err
		}
	}
	return work, nil
}

// sharedUploads returns the content hashes that more than one folder plans
// to upload. Only those can get their item from an earlier folder of the
// pass, so only their uploads look for one.
func sharedUploads(work []*folderRun) map[string]bool {
	if len(work) < 2 {
		return nil
	}
	first := map[string]int{}
	shared := map[string]bool{}
	for i, fr := range work {
		for _, op := range fr.plan.Ops {
			if op.Kind != OpUpload {
				continue
			}
			if j, ok := first[op.SHA256]; !ok {
				first[op.SHA256] = i
			} else if j != i {
				shared[op.SHA256] = true
			}
		}
	}
	return shared
}

// dropStaleUploads deletes pending uploads of the pass's folders whose
// content no file needs any more, because the file was deleted or changed
// since a crash left the upload behind. Their bytes would never be created.
func (s *Syncer) dropStaleUploads(work []*folderRun) error {
	folders := map[string]bool{}
	for _, fr := range work {
		if fr.plan.Paused == "" {
			folders[fr.cfg.Path] = true
		}
	}
	// Most passes leave no upload behind. Looking in a read transaction
	// first spares them the set of planned content and a write
	// transaction, which syncs the state file twice even when it changes
	// nothing.
	var pending []string
	err := s.opts.Store.View(func(tx *state.Tx) error {
		return tx.ForEachUpload(func(u state.Upload) error {
			if folders[u.Folder] {
				pending = append(pending, u.SHA256)
			}
			return nil
		})
	})
	if err != nil {
		return storeError(err)
	}
	if len(pending) == 0 {
		return nil
	}
	planned := map[string]bool{}
	for _, fr := range work {
		if fr.plan.Paused != "" {
			continue
		}
		for _, op := range fr.plan.Ops {
			if op.Kind == OpUpload {
				planned[op.SHA256] = true
			}
		}
	}
	if !slices.ContainsFunc(pending, func(sha string) bool { return !planned[sha] }) {
		return nil
	}
	return storeError(s.opts.Store.Update(func(tx *state.Tx) error {
		var stale []string
		err := tx.ForEachUpload(func(u state.Upload) error {
			if folders[u.Folder] && !planned[u.SHA256] {
				stale = append(stale, u.SHA256)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, sha := range stale {
			if err := tx.DeleteUpload(sha); err != nil {
				return err
			}
		}
		return nil
	}))
}

// storeError marks a failed store access as fatal: the journal is what
// makes the pass safe, so the pass cannot go on without it.
func storeError(err error) error {
	if err == nil {
		return nil
	}
	var fatal *FatalError
	if errors.As(err, &fatal) {
		return err
	}
	return &FatalError{Err: fmt.Errorf("state store: %w", err)}
}
