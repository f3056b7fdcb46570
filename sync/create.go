package sync

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"time"

	"github.com/photosync/photosync/state"
)

// createLane creates media items from upload tokens, one batchCreate at a
// time. Items are grouped by directory so that each call names one album
// and needs no separate add.
type createLane struct {
	e    *executor
	jobs chan createJob
	// byDir holds jobs waiting for a full batch, by directory.
	byDir map[string][]createJob
	// retry are operations whose token the server rejected.
	retry []Op
}

func newCreateLane(e *executor) *createLane {
	return &createLane{e: e, jobs: make(chan createJob), byDir: map[string][]createJob{}}
}

// run consumes jobs until the channel closes, calling batchCreate whenever
// a directory has a full batch and once more for each remainder at the end.
// After a fatal API error or store failure it keeps reading the channel, so
// uploading workers do not block on it, but creates nothing more. A spent
// budget does not stop it: the bytes are already sent, and creating their
// items costs one request per MaxBatch files. Jobs left uncreated keep
// their token in the store for the next pass.
func (l *createLane) run(ctx context.Context) error {
	var err error
	for job := range l.jobs {
		if err != nil || l.e.halted.Load() {
			continue
		}
		dir := job.op.Dir
		l.byDir[dir] = append(l.byDir[dir], job)
		if len(l.byDir[dir]) >= MaxBatch {
			err = l.flush(ctx, dir)
		}
	}
	if err != nil {
		return err
	}
	dirs := make([]string, 0, len(l.byDir))
	for d := range l.byDir {
		dirs = append(dirs, d)
	}
	slices.Sort(dirs)
	for _, d := range dirs {
		for len(l.byDir[d]) > 0 && !l.e.halted.Load() {
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
	e := l.e
	folder := e.fr.cfg.Path
	now := e.s.opts.Now()
	var created []int
	var failed []int
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
		e.s.log.Info().Str("folder", folder).Str("path", j.op.Path).
			Str("media_id", results[i].MediaItemID).Str("album", albumID).Msg("uploaded")
	}
	for _, i := range failed {
		err := results[i].Err
		if err == nil {
			err = fmt.Errorf("batchCreate returned no item and no status")
		}
		if classify(err) == classPermanent {
			if dropErr := e.dropUpload(batch[i].op.SHA256); dropErr != nil {
				return dropErr
			}
		}
		e.handleError(err, []string{batch[i].op.Path}, "create media item")
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
