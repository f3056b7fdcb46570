package sync

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"time"

	"github.com/photosync/photosync/state"
)

// partialBatchWait is how long a job may wait in a partial batch before the
// lane creates that batch anyway. Without it, a large first sync of many
// small directories would create nothing until every byte is sent, and
// tokens from its first hours could expire before their batch is created.
// One extra call per directory every few minutes costs little quota.
const partialBatchWait = 5 * time.Minute

// createLane creates media items from upload tokens, one batchCreate at a
// time. Items are grouped by directory so that each call names one album
// and needs no separate add.
type createLane struct {
	e    *executor
	jobs chan createJob
	// byDir holds jobs waiting for a full batch, by directory.
	byDir map[string][]createJob
	// since is when the oldest job of each directory's batch arrived.
	since map[string]time.Time
	// retry are operations whose token the server rejected.
	retry []Op
}

func newCreateLane(e *executor) *createLane {
	return &createLane{e: e, jobs: make(chan createJob), byDir: map[string][]createJob{},
		since: map[string]time.Time{}}
}

// run consumes jobs until the channel closes. It calls batchCreate whenever
// a directory has a full batch, when a partial batch has waited
// partialBatchWait, and once more for each remainder at the end. After a
// fatal API error or store failure it keeps reading the channel, so
// uploading workers do not block on it, but creates nothing more. A spent
// budget does not stop it: the bytes are already sent, and creating their
// items costs one request per MaxBatch files. Jobs left uncreated keep
// their token in the store for the next pass.
func (l *createLane) run(ctx context.Context) error {
	ticker := time.NewTicker(partialBatchWait / 2)
	defer ticker.Stop()
	var err error
	for open := true; open; {
		select {
		case job, ok := <-l.jobs:
			if !ok {
				open = false
				break
			}
			if err == nil && !l.e.halted.Load() {
				err = l.add(ctx, job)
			}
		case <-ticker.C:
			if err == nil && !l.e.halted.Load() {
				err = l.flushWaiting(ctx, time.Now().Add(-partialBatchWait))
			}
		}
	}
	if err != nil {
		return err
	}
	for _, d := range slices.Sorted(maps.Keys(l.byDir)) {
		for len(l.byDir[d]) > 0 && !l.e.halted.Load() {
			if err := l.flush(ctx, d); err != nil {
				return err
			}
		}
	}
	return nil
}

// add queues a job and creates its directory's batch once it is full.
func (l *createLane) add(ctx context.Context, job createJob) error {
	dir := job.op.Dir
	if len(l.byDir[dir]) == 0 {
		l.since[dir] = time.Now()
	}
	l.byDir[dir] = append(l.byDir[dir], job)
	if len(l.byDir[dir]) >= MaxBatch {
		return l.flush(ctx, dir)
	}
	return nil
}

// flushWaiting creates the batches whose oldest job arrived before cutoff.
func (l *createLane) flushWaiting(ctx context.Context, cutoff time.Time) error {
	for _, d := range slices.Sorted(maps.Keys(l.byDir)) {
		if len(l.byDir[d]) > 0 && l.since[d].Before(cutoff) {
			if err := l.flush(ctx, d); err != nil {
				return err
			}
		}
	}
	return nil
}

// flush creates one batch of a directory's waiting jobs.
func (l *createLane) flush(ctx context.Context, dir string) error {
	e := l.e
	album, room, err := e.albumWithRoom(ctx, dir)
	if err != nil {
		jobs := l.byDir[dir]
		delete(l.byDir, dir)
		var fatal *FatalError
		if errors.As(err, &fatal) {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		e.handleError(err, jobPaths(jobs), "create album")
		return nil
	}
	n := min(len(l.byDir[dir]), MaxBatch, room)
	batch := l.byDir[dir][:n]
	l.byDir[dir] = l.byDir[dir][n:]
	l.since[dir] = time.Now()
	return l.create(ctx, album.ID, batch)
}

func jobPaths(jobs []createJob) []string {
	paths := make([]string, len(jobs))
	for i, j := range jobs {
		paths[i] = j.op.Path
	}
	return paths
}

// create journals a batch as StageCreating, calls batchCreate, and records
// each result. A crash between the journal and the records leaves tokens
// that the next pass creates again. The server returns the existing item
// for bytes it already has, so that repeat adds no duplicate.
func (l *createLane) create(ctx context.Context, albumID string, batch []createJob) error {
	e := l.e
	err := e.s.opts.Store.Update(func(tx *state.Tx) error {
		for _, j := range batch {
			u, ok, err := tx.GetUpload(j.op.SHA256)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("journal batch: pending upload of %s is missing", j.op.Path)
			}
			u.Stage, u.AlbumID = state.StageCreating, albumID
			if err := tx.PutUpload(u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return storeError(err)
	}

	items := make([]NewItem, len(batch))
	for i, j := range batch {
		items[i] = NewItem{UploadToken: j.token, FileName: path.Base(j.op.Path)}
	}
	results, err := e.s.opts.Remote.BatchCreate(ctx, albumID, items)
	if err == nil && len(results) != len(batch) {
		err = fmt.Errorf("batchCreate returned %d results for %d items", len(results), len(batch))
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if tokenProblem(err) {
			l.requeue(batch)
			return nil
		}
		l.e.handleError(err, jobPaths(batch), "create media items")
		return nil
	}
	return l.record(albumID, batch, results)
}

// requeue drops the stored tokens of a batch and queues its files to be sent
// again.
func (l *createLane) requeue(batch []createJob) {
	for _, j := range batch {
		l.e.s.log.Info().Str("folder", l.e.fr.cfg.Path).Str("path", j.op.Path).
			Msg("upload token rejected; sending the bytes again")
		l.retry = append(l.retry, j.op)
	}
}

// record stores the outcome of each item of a batch.
func (l *createLane) record(albumID string, batch []createJob, results []CreateResult) error {
	var created, failed []int
	for i, r := range results {
		switch {
		case r.Err == nil && r.MediaItemID != "":
			created = append(created, i)
		case r.Err != nil && tokenProblem(r.Err):
			l.requeue(batch[i : i+1])
		default:
			failed = append(failed, i)
		}
	}
	if err := l.recordCreated(albumID, batch, results, created); err != nil {
		return err
	}
	for _, i := range failed {
		err := results[i].Err
		if err == nil {
			err = fmt.Errorf("batchCreate returned no item and no status")
		}
		if classify(err) == classPermanent {
			if dropErr := l.e.dropUpload(batch[i].op.SHA256); dropErr != nil {
				return dropErr
			}
		}
		l.e.handleError(err, []string{batch[i].op.Path}, "create media item")
	}
	return nil
}

// recordCreated records the created items of a batch, their files and the
// album's new count, and deletes their pending uploads, in one transaction.
func (l *createLane) recordCreated(albumID string, batch []createJob, results []CreateResult, created []int) error {
	e := l.e
	folder := e.fr.cfg.Path
	now := e.s.opts.Now()
	err := e.s.opts.Store.Update(func(tx *state.Tx) error {
		for _, i := range created {
			j, r := batch[i], results[i]
			if err := recordItem(tx, r.MediaItemID, j.op.SHA256, r.FileName, j.mimeType, albumID, now); err != nil {
				return err
			}
			f := state.File{Folder: folder, Path: j.op.Path, Size: j.op.Size, ModTime: j.op.ModTime,
				SHA256: j.op.SHA256, MediaItemID: r.MediaItemID, AlbumID: albumID, Status: state.StatusSynced}
			if err := tx.PutFile(f); err != nil {
				return err
			}
			if err := tx.DeleteUpload(j.op.SHA256); err != nil {
				return err
			}
		}
		if albumID != "" && len(created) > 0 {
			return countItems(tx, albumID, len(created))
		}
		return nil
	})
	if err != nil {
		return storeError(err)
	}
	for _, i := range created {
		j := batch[i]
		e.sum.add(func(s *Summary) {
			s.Uploaded++
			s.UploadedBytes += j.op.Size
		})
		ev := e.s.log.Info().Str("folder", folder).Str("path", j.op.Path).Str("media_id", results[i].MediaItemID)
		if albumID != "" {
			ev = ev.Str("album", albumID)
		}
		ev.Msg("uploaded")
	}
	return nil
}

// recordItem stores a media item with its content hash, adding albumID to
// the albums it is known to be in.
func recordItem(tx *state.Tx, id, sha, fileName, mimeType, albumID string, now time.Time) error {
	m, ok, err := tx.GetMediaItem(id)
	if err != nil {
		return err
	}
	if !ok {
		m = state.MediaItem{ID: id, SHA256: sha, Filename: fileName, MimeType: mimeType,
			CreatedAt: now, Origin: state.OriginLocal}
	}
	if m.SHA256 == "" {
		m.SHA256 = sha
	}
	if albumID != "" && !slices.Contains(m.AlbumIDs, albumID) {
		m.AlbumIDs = append(m.AlbumIDs, albumID)
	}
	return tx.PutMediaItem(m)
}
