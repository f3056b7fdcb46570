package sync

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/photosync/photosync/config"
	"github.com/photosync/photosync/state"
	"github.com/photosync/photosync/sync/scan"
)

// folderRun is the work of one pass on one folder.
type folderRun struct {
	cfg config.Folder
	// known are the folder's records, sorted by path in byte order as the
	// store returns them. plan hands them to Reconcile and drops them.
	known  []KnownFile
	result *scan.Result
	plan   *Plan
}

// prepare checks the folder's root and marker, loads its records and scans
// it.
func (s *Syncer) prepare(ctx context.Context, f config.Folder, sum *Summary) (*folderRun, error) {
	fr := &folderRun{cfg: f}
	var seen bool
	err := s.opts.Store.View(func(tx *state.Tx) error {
		_, ok, err := tx.GetFolder(f.Path)
		if err != nil {
			return err
		}
		seen = ok
		// Sizing the slice first keeps a folder's records in one array,
		// without the copies that growing it would leave to the collector.
		n, err := tx.CountFiles(f.Path)
		if err != nil {
			return err
		}
		fr.known = make([]KnownFile, 0, n)
		return tx.ForEachFile(f.Path, func(file state.File) error {
			fr.known = append(fr.known, knownFile(file))
			return nil
		})
	})
	if err != nil {
		return nil, storeError(err)
	}
	// Reading the records made most of the state file resident in the
	// process's memory map. Later steps fault back in only what they read.
	if err := s.opts.Store.ReleaseMappedPages(); err != nil {
		s.log.Warn().Err(err).Str("folder", f.Path).Msg("state file pages not released from memory")
	}
	if err := CheckMarker(f.Path, seen, s.opts.DryRun, s.opts.Now()); err != nil {
		return nil, err
	}
	if !seen && !s.opts.DryRun {
		err := s.opts.Store.Update(func(tx *state.Tx) error {
			return tx.PutFolder(state.Folder{ID: f.Path})
		})
		if err != nil {
			return nil, storeError(err)
		}
	}
	if err := s.scan(ctx, fr); err != nil {
		return nil, err
	}
	return fr, s.noteFolder(f.Path, func(rec *state.Folder) {
		rec.LastScan, rec.LastError = s.opts.Now(), ""
	})
}

// noteFolder updates the store's record of a folder, if there is one. It
// writes nothing in a dry run, nor when change leaves the record as it is:
// a write transaction syncs the state file twice however little it
// changes, and most passes leave a folder's pause as it was. change may
// run twice, so it must depend on the record alone.
func (s *Syncer) noteFolder(folder string, change func(*state.Folder)) error {
	if s.opts.DryRun {
		return nil
	}
	unchanged := false
	err := s.opts.Store.View(func(tx *state.Tx) error {
		rec, ok, err := tx.GetFolder(folder)
		if err != nil {
			return err
		}
		next := rec
		if ok {
			change(&next)
		}
		unchanged = next == rec
		return nil
	})
	if err != nil {
		return storeError(err)
	}
	if unchanged {
		return nil
	}
	return storeError(s.opts.Store.Update(func(tx *state.Tx) error {
		rec, ok, err := tx.GetFolder(folder)
		if err != nil || !ok {
			return err
		}
		change(&rec)
		return tx.PutFolder(rec)
	}))
}

func (s *Syncer) scan(ctx context.Context, fr *folderRun) error {
	prev := func(p string) (int64, time.Time, string, bool) {
		i, ok := slices.BinarySearchFunc(fr.known, p, func(k KnownFile, p string) int {
			return strings.Compare(k.Path, p)
		})
		if !ok || fr.known[i].SHA256 == "" {
			return 0, time.Time{}, "", false
		}
		k := fr.known[i]
		return k.Size, k.ModTime, k.SHA256, true
	}
	res, err := scan.Scan(ctx, scan.Options{
		Root:           fr.cfg.Path,
		Include:        fr.cfg.Include,
		Exclude:        fr.cfg.Exclude,
		FollowSymlinks: fr.cfg.FollowSymlinks,
		SettleTime:     s.opts.SettleTime,
		Now:            s.opts.Now,
		Logger:         s.log,
	}, prev)
	if err != nil {
		return fmt.Errorf("scan %s: %w", fr.cfg.Path, err)
	}
	fr.result = res
	return nil
}

// settle waits once for files that were still changing and scans their
// folders again. The wait is SettleTime, the longest any such file needs;
// a file that is still changing after it is skipped until the next run.
func (s *Syncer) settle(ctx context.Context, work []*folderRun) error {
	if !s.opts.WaitSettle || s.opts.SettleTime <= 0 {
		return nil
	}
	var again []*folderRun
	for _, fr := range work {
		for _, sk := range fr.result.Skipped {
			if sk.Kind == scan.Unsettled {
				again = append(again, fr)
				break
			}
		}
	}
	if len(again) == 0 {
		return nil
	}
	s.log.Info().Dur("settle_time", s.opts.SettleTime).Int("folders", len(again)).
		Msg("waiting for recently modified files to settle")
	s.emit(Progress{Note: fmt.Sprintf("waiting %s for recently modified files to settle", s.opts.SettleTime)})
	timer := time.NewTimer(s.opts.SettleTime)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
	}
	for _, fr := range again {
		if err := s.scan(ctx, fr); err != nil {
			return err
		}
	}
	return nil
}

// plan reconciles a scanned folder with its records.
func (s *Syncer) plan(fr *folderRun, sum *Summary) error {
	res := fr.result
	in := ReconcileInput{
		Rules: Rules{
			RemoteDelete: RemoteDelete(fr.cfg.RemoteDelete),
			RootAlbum:    fr.cfg.RootAlbum,
			DeleteShare:  fr.cfg.DeleteThreshold,
			Confirmed:    s.opts.Confirmed,
		},
	}
	in.Local = make([]LocalFile, 0, len(res.Entries))
	for _, e := range res.Entries {
		in.Local = append(in.Local, LocalFile{Path: e.Path, Size: e.Size, ModTime: e.ModTime, SHA256: e.SHA256})
	}
	// The scan's entries and the records are both sorted by path, so one
	// walk over both finds the records the scan did not hash.
	in.Known = fr.known
	next := 0
	for _, k := range fr.known {
		for next < len(res.Entries) && res.Entries[next].Path < k.Path {
			next++
		}
		hashed := next < len(res.Entries) && res.Entries[next].Path == k.Path
		if !hashed && !res.Absent(k.Path) {
			in.Present = append(in.Present, k.Path)
		}
	}
	fr.known = nil
	// Reconcile looks up the content of every new file. One read
	// transaction serves all of them, because beginning one per file cost
	// more than the lookups.
	err := s.opts.Store.View(func(tx *state.Tx) error {
		in.Content = func(sha string) (string, bool) { return mediaItemOf(tx, sha) }
		fr.plan = Reconcile(in)
		return nil
	})
	if err != nil {
		return storeError(err)
	}
	sum.Plans[fr.cfg.Path] = fr.plan
	if fr.plan.Paused == "" {
		s.emit(Progress{PlannedFiles: fr.plan.Count(OpUpload), PlannedBytes: fr.plan.UploadBytes(),
			Folder: fr.cfg.Path})
	}

	sum.Found += len(res.Entries) + len(res.Skipped)
	for _, sk := range res.Skipped {
		s.skipScanned(sum, fr.cfg.Path, sk)
	}
	for _, h := range fr.plan.Held {
		sum.fail(fr.cfg.Path, h.Path, h.Reason)
	}
	// Files whose content has an item, or gets one through another file's
	// upload, need no bytes sent. The second kind is an add without an
	// item id, and a dry run must not call it present.
	copies := 0
	for _, op := range fr.plan.Ops {
		if op.Kind == OpAdd && op.MediaItemID == "" {
			copies++
		}
	}
	sum.Copies += copies
	sum.AlreadyPresent += len(res.Entries) - fr.plan.Count(OpUpload) - len(fr.plan.Held) - copies
	if fr.plan.Paused != "" {
		sum.Folders = append(sum.Folders, FileProblem{Folder: fr.cfg.Path, Reason: fr.plan.Paused})
		s.log.Warn().Str("folder", fr.cfg.Path).Str("reason", fr.plan.Paused).Msg("folder paused")
	}
	return s.noteFolder(fr.cfg.Path, func(rec *state.Folder) {
		rec.Paused, rec.PauseReason = fr.plan.Paused != "", fr.plan.Paused
	})
}

// contentIndex returns the stored media item of a content hash.
func (s *Syncer) contentIndex(sha string) (string, bool) {
	var id string
	var ok bool
	_ = s.opts.Store.View(func(tx *state.Tx) error {
		id, ok = mediaItemOf(tx, sha)
		return nil
	})
	return id, ok
}

// mediaItemOf returns the stored media item of a content hash. A failed
// lookup counts as no item, so the content is uploaded again.
func mediaItemOf(tx *state.Tx, sha string) (string, bool) {
	m, ok, err := tx.MediaItemByHash(sha)
	if err != nil || !ok || m.ID == "" {
		return "", false
	}
	return m.ID, true
}

func knownFile(f state.File) KnownFile {
	k := KnownFile{Path: f.Path, Size: f.Size, ModTime: f.ModTime, SHA256: f.SHA256,
		MediaItemID: f.MediaItemID, AlbumID: f.AlbumID, Reason: f.Reason}
	switch f.Status {
	case state.StatusSynced:
		k.Status = KnownSynced
	case state.StatusFailed:
		k.Status = KnownFailed
	default:
		k.Status = KnownPending
	}
	return k
}
