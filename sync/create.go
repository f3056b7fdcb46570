package sync

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	gosync "sync"
	"time"

	"github.com/photosync/photosync/state"
)

// partialBatchWait is how long a job may wait in a partial batch before the
// lane creates that batch anyway. Without it, a large first sync of many
// small directories would create nothing until every byte is sent, and
// tokens from its first hours could expire before their batch is created.
// One extra call per directory every few minutes costs little quota.
const partialBatchWait = 5 * time.Minute

// laneQueue is how many journaled uploads may wait for the lane, so that
// the journal goes on while the lane waits for batchCreate.
const laneQueue = 2 * MaxBatch

// The lane records created items in the background, in groups: when a
// group's worth of items wait to be recorded, when the oldest has waited
// recordWait, and at the end. Larger transactions write fewer pages per
// item, because the items' keys are spread over the store's indexes. But
// they hold more pages in memory. A group reads pages all over the state
// file and keeps dirty copies of them, and Linux maps 64 KiB of the file
// around each page read. Groups of recordGroup items kept the first sync
// of 100,000 files under 200 MB. While the state file is smaller than
// smallStateFile, a group can map no more than the file, so groups take
// up to largeRecordGroup items. In BenchmarkFirstSync, whose state file
// ends at 19 MB, that cut the store's CPU per file by about a third, on
// the shared 2-core machine of docs/BENCHMARKS.md. A kill before the
// record costs one batchCreate per MaxBatch items on the next pass, from
// the journaled tokens: 40 requests for a large group. maxRecording
// bounds the group commits in flight.
//
// Groups keep their size to the end of a round. The hash indexes' keys
// are random, so half a group rewrites most of the index pages that a
// full group rewrites, and every commit costs two fdatasync calls.
// Splitting a round's last group into halves, so that the commit the
// round waits for was small, cost more CPU than it saved in waiting. In
// five alternated sets of BenchmarkFirstSync at 4 workers, the ratio was
// about 0.02 higher without the split. At 1 worker it did not change.
const (
	recordGroup      = 4 * MaxBatch
	largeRecordGroup = 40 * MaxBatch
	smallStateFile   = 32 << 20
	recordWait       = time.Second
	maxRecording     = 2
)

// recordGroupFor returns the number of created items that one record
// commit takes when the state file has size bytes.
func recordGroupFor(size int64) int {
	if size < smallStateFile {
		return largeRecordGroup
	}
	return recordGroup
}

// created is a batch whose new items wait to be recorded.
type created struct {
	albumID string
	batch   []createJob
	results []CreateResult
	// items are the indexes of the batch's created items.
	items []int
}

// createLane creates media items from upload tokens, one batchCreate at a
// time. Items are grouped by directory so that each call names one album
// and needs no separate add. Every job's token is in the store when the
// lane gets it. The records of a batch's new items are committed in the
// background while the lane creates the next batch. A kill before that
// commit leaves the tokens to be created again, and the server returns the
// existing item for bytes it already holds, so that adds no duplicate.
type createLane struct {
	e    *executor
	jobs chan createJob
	// byDir holds jobs waiting for a full batch, by directory.
	byDir map[string][]createJob
	// since is when the oldest job of each directory's batch arrived.
	since map[string]time.Time
	// retry are operations whose token the server rejected.
	retry []Op

	// unrecorded are the created batches not yet handed to a recording
	// commit, and unrecordedItems their items. groupSize is the number of
	// items of the group they start, from recordGroupFor. recordDue fires
	// recordWait after the first of them arrived.
	unrecorded      []created
	unrecordedItems int
	groupSize       int
	recordDue       <-chan time.Time
	recordTimer     *time.Timer
	// slots bounds the recording commits in flight, and recording waits
	// for them.
	slots     chan struct{}
	recording gosync.WaitGroup
	recordMu  gosync.Mutex
	recordErr error
}

func newCreateLane(e *executor) *createLane {
	return &createLane{e: e, jobs: make(chan createJob, laneQueue), byDir: map[string][]createJob{},
		since: map[string]time.Time{}, slots: make(chan struct{}, maxRecording)}
}

// run consumes jobs until the channel closes. It calls batchCreate whenever
// a directory has a full batch, when a partial batch has waited
// partialBatchWait, and once more for each remainder at the end. After a
// fatal API error or store failure it keeps reading the channel, so the
// journal and the workers do not block on it, but creates nothing more. A spent
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
		case <-l.recordDue:
			l.recordWaiting()
		}
	}
	for _, d := range slices.Sorted(maps.Keys(l.byDir)) {
		for err == nil && len(l.byDir[d]) > 0 && !l.e.halted.Load() {
			err = l.flush(ctx, d)
		}
	}
	// Items created before an error are recorded too.
	l.recordWaiting()
	return errors.Join(err, l.wait())
}

// add queues a job and creates its directory's batch once it is full.
func (l *createLane) add(ctx context.Context, job createJob) error {
	dir := job.op.Dir
	jobs := l.byDir[dir]
	if len(jobs) == 0 {
		l.since[dir] = time.Now()
		// A flushed batch keeps its array until its items are recorded, so
		// each batch gets a new one, sized once instead of grown by
		// doubling.
		if cap(jobs) == 0 {
			jobs = make([]createJob, 0, MaxBatch)
		}
	}
	l.byDir[dir] = append(jobs, job)
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
	batch := l.byDir[dir][:n:n]
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

// create calls batchCreate for a batch and records each result.
func (l *createLane) create(ctx context.Context, albumID string, batch []createJob) error {
	e := l.e
	if err := l.failed(); err != nil {
		return err
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

// requeue queues the files of a batch to be sent again, because the server
// rejected their tokens. The next round replaces their stored tokens.
func (l *createLane) requeue(batch []createJob) {
	for _, j := range batch {
		l.e.s.log.Info().Str("folder", l.e.fr.cfg.Path).Str("path", j.op.Path).
			Msg("upload token rejected; sending the bytes again")
		l.retry = append(l.retry, j.op)
	}
}

// record stores the outcome of each item of a batch. New items are
// recorded in the background; failures at once.
func (l *createLane) record(albumID string, batch []createJob, results []CreateResult) error {
	var createdItems, failed []int
	for i, r := range results {
		switch {
		case r.Err == nil && r.MediaItemID != "":
			createdItems = append(createdItems, i)
		case r.Err != nil && tokenProblem(r.Err):
			l.requeue(batch[i : i+1])
		default:
			failed = append(failed, i)
		}
	}
	if len(createdItems) > 0 {
		if len(l.unrecorded) == 0 {
			l.recordTimer = time.NewTimer(recordWait)
			l.recordDue = l.recordTimer.C
			l.groupSize = recordGroup
			if size, err := l.e.s.opts.Store.Size(); err == nil {
				l.groupSize = recordGroupFor(size)
			}
		}
		l.e.addUncounted(albumID, len(createdItems))
		l.unrecorded = append(l.unrecorded, created{albumID: albumID, batch: batch, results: results, items: createdItems})
		l.unrecordedItems += len(createdItems)
		if l.unrecordedItems >= l.groupSize {
			l.recordWaiting()
		}
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

// recordWaiting hands the unrecorded batches to a recording commit that
// runs in the background. Their albums' items count against the albums'
// cap until then through the executor's uncounted items.
func (l *createLane) recordWaiting() {
	if len(l.unrecorded) == 0 {
		return
	}
	e, group := l.e, l.unrecorded
	l.unrecorded, l.unrecordedItems = nil, 0
	l.recordTimer.Stop()
	l.recordDue = nil
	l.slots <- struct{}{}
	l.recording.Add(1)
	go func() {
		defer l.recording.Done()
		defer func() { <-l.slots }()
		if err := e.recordCreated(group); err != nil {
			l.recordMu.Lock()
			l.recordErr = errors.Join(l.recordErr, err)
			l.recordMu.Unlock()
		}
	}()
}

// failed returns the error of a failed background commit.
func (l *createLane) failed() error {
	l.recordMu.Lock()
	defer l.recordMu.Unlock()
	return l.recordErr
}

// wait waits for the background commits and returns their errors.
func (l *createLane) wait() error {
	l.recording.Wait()
	return l.failed()
}

// recordCreated records the created items of a group of batches, their
// files and their albums' new counts, and deletes their pending uploads, in
// one transaction, and then counts them in the summary.
func (e *executor) recordCreated(group []created) error {
	folder := e.fr.cfg.Path
	now := e.s.opts.Now()
	items := itemsByID(group)
	// Batch shares the commit with the journal's and other records'
	// commits that run meanwhile. The albums' stored counts and their
	// uncounted items change together, under commitMu.
	e.commitMu.Lock()
	err := e.s.opts.Store.Batch(func(tx *state.Tx) error {
		for _, it := range items {
			c := &group[it.batch]
			j, r := c.batch[it.item], c.results[it.item]
			if err := recordItem(tx, r.MediaItemID, j.op.SHA256, r.FileName, j.mimeType, c.albumID, now); err != nil {
				return err
			}
		}
		for _, c := range group {
			for _, i := range c.items {
				j, r := c.batch[i], c.results[i]
				f := state.File{Folder: folder, Path: j.op.Path, Size: j.op.Size, ModTime: j.op.ModTime,
					SHA256: j.op.SHA256, MediaItemID: r.MediaItemID, AlbumID: c.albumID, Status: state.StatusSynced}
				if err := tx.PutFile(f); err != nil {
					return err
				}
				if err := tx.DeleteUpload(j.op.SHA256); err != nil {
					return err
				}
			}
			if c.albumID != "" {
				if err := countItems(tx, c.albumID, len(c.items)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err == nil {
		e.countMu.Lock()
		for _, c := range group {
			e.addUncountedLocked(c.albumID, -len(c.items))
		}
		e.settled++
		e.countMu.Unlock()
	}
	e.commitMu.Unlock()
	if err != nil {
		return storeError(err)
	}
	// The records' keys are spread over the whole file, so a first sync
	// maps most of it. The pages stay in the page cache.
	if err := e.s.opts.Store.ReleaseMappedPages(); err != nil {
		e.s.log.Warn().Err(err).Msg("release mapped pages of the state file")
	}
	for _, c := range group {
		for _, i := range c.items {
			j := c.batch[i]
			e.sum.add(func(s *Summary) {
				s.Uploaded++
				s.UploadedBytes += j.op.Size
			})
			ev := e.s.log.Info().Str("folder", folder).Str("path", j.op.Path).Str("media_id", c.results[i].MediaItemID)
			if c.albumID != "" {
				ev = ev.Str("album", c.albumID)
			}
			ev.Msg("uploaded")
		}
	}
	return nil
}

// createdItem locates one created item of a group: the index of its batch
// in the group and its index in that batch.
type createdItem struct {
	batch, item int
	id          string
}

// itemsByID returns the created items of a group in the byte order of their
// media item IDs, and items of the same ID in group order. The server's IDs
// are random, so in that order consecutive puts into the media items
// bucket land on the same pages, which cut the store's CPU per item by
// about 5% in BenchmarkFirstSyncRecords.
func itemsByID(group []created) []createdItem {
	n := 0
	for _, c := range group {
		n += len(c.items)
	}
	items := make([]createdItem, 0, n)
	for b, c := range group {
		for _, i := range c.items {
			items = append(items, createdItem{batch: b, item: i, id: c.results[i].MediaItemID})
		}
	}
	slices.SortStableFunc(items, func(x, y createdItem) int { return strings.Compare(x.id, y.id) })
	return items
}

// recordItem stores a media item with its content hash, adding albumID to
// the albums it is known to be in.
func recordItem(tx *state.Tx, id, sha, fileName, mimeType, albumID string, now time.Time) error {
	m := state.MediaItem{ID: id, SHA256: sha, Filename: fileName, MimeType: mimeType,
		CreatedAt: now, Origin: state.OriginLocal}
	if albumID != "" {
		m.AlbumIDs = []string{albumID}
	}
	return tx.MergeMediaItem(m)
}
