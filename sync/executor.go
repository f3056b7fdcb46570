package sync

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	gosync "sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/photosync/photosync/photosapi/api"
	"github.com/photosync/photosync/state"
	"github.com/photosync/photosync/sync/scan"
)

// freshUploadRounds bounds how often one pass sends bytes again after the
// server rejected their upload token (it expired, or the server lost it).
// One repeat recovers from an expired token; a second rejection means the
// problem is not the token.
const freshUploadRounds = 2

// executor carries out one folder's plan.
type executor struct {
	s   *Syncer
	fr  *folderRun
	sum *Summary
	// unremoved lists deleted paths whose removal from an album failed.
	unremoved map[string]bool
	// failedRemovals are the removals that failed this pass.
	failedRemovals []Op
	// halted is set by a fatal API error. Unlike a spent budget, which only
	// stops new uploads, it also stops item creation for uploads already
	// done, because the next call would fail the same way.
	halted atomic.Bool
	// pendingUploads are the stored pending uploads by content hash, read
	// once before the uploads start.
	pendingUploads map[string]state.Upload
	// buffers are the read buffers of the uploads that send from memory.
	buffers bufferPool

	// relinkMu guards relinked.
	relinkMu gosync.Mutex
	// relinked are uploads whose content got an item after planning, from
	// another folder earlier in the pass. They become adds.
	relinked []Op

	// commitMu makes an album's stored item count and its uncounted items
	// change together: a record commit holds it while it commits and takes
	// its items out of uncounted. albumWithRoom takes it only when the
	// count it read without it leaves an album less than a batch of room,
	// so that the lane does not wait for every commit.
	commitMu gosync.Mutex
	// countMu guards uncounted and settled.
	countMu gosync.Mutex
	// uncounted are items created in each album whose records are not
	// committed yet, so the stored item count lacks them.
	uncounted map[string]int
	// settled counts the record commits that took their items out of
	// uncounted.
	settled int
}

// addUncounted adds n to the items of album albumID that its stored count
// lacks.
func (e *executor) addUncounted(albumID string, n int) {
	e.countMu.Lock()
	defer e.countMu.Unlock()
	e.addUncountedLocked(albumID, n)
}

// addUncountedLocked is addUncounted for a caller that holds countMu.
func (e *executor) addUncountedLocked(albumID string, n int) {
	if e.uncounted == nil {
		e.uncounted = map[string]int{}
	}
	e.uncounted[albumID] += n
	if e.uncounted[albumID] == 0 {
		delete(e.uncounted, albumID)
	}
}

// execute runs the plan of one folder: uploads and creations first, then
// adds and moves, store-only records, removals from albums and finally the
// records of deleted files, whose removal must have succeeded first.
func (s *Syncer) execute(ctx context.Context, fr *folderRun, sum *Summary) error {
	plan := fr.plan
	if plan.Paused != "" {
		return nil
	}
	e := &executor{s: s, fr: fr, sum: sum, unremoved: map[string]bool{}}
	// Grouping the operations by kind in place, keeping their order within
	// a kind, spares a copy of a plan that can hold 100,000 uploads.
	slices.SortStableFunc(plan.Ops, func(a, b Op) int { return int(a.Kind) - int(b.Kind) })
	byKind := map[OpKind][]Op{}
	for ops := plan.Ops; len(ops) > 0; {
		n := 1
		for n < len(ops) && ops[n].Kind == ops[0].Kind {
			n++
		}
		byKind[ops[0].Kind] = ops[:n:n]
		ops = ops[n:]
	}
	uploads := byKind[OpUpload]
	links := append(byKind[OpAdd], byKind[OpMove]...)
	records, forgets := byKind[OpRecord], byKind[OpForget]
	removes, err := e.withPendingRemovals(byKind[OpRemove])
	if err != nil {
		return err
	}
	if e.pendingUploads, err = e.loadPendingUploads(); err != nil {
		return err
	}
	// Journal the removals before any record changes, so a kill between a
	// move's record and its removal leaves the removal to the next pass.
	if err := e.savePendingRemovals(removes); err != nil {
		return err
	}

	for round := 0; len(uploads) > 0 && round < freshUploadRounds; round++ {
		var err error
		uploads, err = e.uploadAndCreate(ctx, uploads, round > 0)
		if err != nil {
			return err
		}
	}
	for _, op := range uploads {
		e.sum.pending(fr.cfg.Path, op.Path, "the server rejected the upload token twice")
	}
	links = append(e.relinked, links...)

	steps := []func(context.Context, []Op) error{e.link, e.record, e.remove}
	for i, ops := range [][]Op{links, records, removes} {
		if e.sum.stopped() != "" {
			return nil
		}
		if err := steps[i](ctx, ops); err != nil {
			return err
		}
	}
	if err := e.savePendingRemovals(e.failedRemovals); err != nil {
		return err
	}
	return e.forget(forgets)
}

// uploadAndCreate sends the bytes of ops on the worker pool and creates
// their items in the serial lane. It returns the operations whose upload
// token the server rejected, to be sent again. fresh makes every upload
// start over instead of reusing a stored token or session.
func (e *executor) uploadAndCreate(ctx context.Context, ops []Op, fresh bool) ([]Op, error) {
	lane := newCreateLane(e)
	laneDone := make(chan error, 1)
	go func() { laneDone <- lane.run(ctx) }()
	jl := newJournal(e, lane.jobs)
	jl.expect = len(ops)
	journalDone := make(chan error, 1)
	go func() { journalDone <- jl.run() }()

	// A fixed set of workers takes the operations in order. A goroutine per
	// file would grow a new stack for every upload.
	g, gctx := errgroup.WithContext(ctx)
	var next atomic.Int64
	for range min(e.s.opts.Workers, len(ops)) {
		g.Go(func() error {
			// The plan lists uploads by path, so a worker mostly takes
			// files of the directory its reader has open.
			files := newDirReader(e.fr.cfg.Path)
			defer files.close()
			for {
				i := next.Add(1) - 1
				if i >= int64(len(ops)) || gctx.Err() != nil || e.sum.stopped() != "" {
					return nil
				}
				job, ok, err := e.upload(gctx, ops[i], fresh, &files)
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
				// The journal reads until the workers are done, so the
				// send cannot block for good. A token whose bytes went out
				// is journaled even when the pass is being cancelled.
				jl.in <- job
			}
		})
	}
	uploadErr := g.Wait()
	close(jl.in)
	journalErr := <-journalDone
	laneErr := <-laneDone
	if err := errors.Join(uploadErr, journalErr, laneErr); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	return lane.retry, nil
}

// loadPendingUploads reads the store's pending uploads by content hash.
func (e *executor) loadPendingUploads() (map[string]state.Upload, error) {
	pending := map[string]state.Upload{}
	err := e.s.opts.Store.View(func(tx *state.Tx) error {
		return tx.ForEachUpload(func(u state.Upload) error {
			pending[u.SHA256] = u
			return nil
		})
	})
	return pending, storeError(err)
}

// errorClass is the effect of a failed call on the pass.
type errorClass int

const (
	// classTransient leaves the file pending for the next pass.
	classTransient errorClass = iota
	// classPermanent marks this version of the file failed.
	classPermanent
	// classFatal stops the pass from starting more work.
	classFatal
)

func classify(err error) errorClass {
	switch {
	case api.NeedsReauth(err), api.IsDailyQuota(err), api.IsStorageFull(err):
		return classFatal
	case api.IsPermanent(err):
		return classPermanent
	}
	return classTransient
}

// fatalReason returns the message a fatal error leaves in the summary.
func fatalReason(err error) string {
	switch {
	case api.NeedsReauth(err):
		return fmt.Sprintf("the login was rejected (%v); run `photosync auth login` and sync again", err)
	case api.IsDailyQuota(err):
		return fmt.Sprintf("Google's daily request quota is spent (%v); sync again after midnight Pacific time", err)
	case api.IsStorageFull(err):
		return fmt.Sprintf("the Google account's storage is full (%v); free or buy space, then sync again", err)
	}
	return err.Error()
}

// isTokenRejected reports whether the server rejected an upload token,
// which happens when it expired or is unknown to the server. The bytes must
// be sent again.
func isTokenRejected(err error) bool {
	var e *api.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code == 3 || e.HTTPStatus == 400 ||
		e.Code == 5 || e.HTTPStatus == 404 ||
		e.Code == 9 || e.HTTPStatus == 412
}

// tokenProblem reports whether err is a rejection that names the upload
// token, as opposed to the content or the album.
func tokenProblem(err error) bool {
	return isTokenRejected(err) && strings.Contains(strings.ToLower(err.Error()), "upload token")
}

// handleError records a failed call for the files it concerns. A fatal error
// stops the pass, a permanent one marks the files failed, and any other
// leaves them pending.
func (e *executor) handleError(err error, paths []string, what string) {
	if e.deferForAlbum(err, paths) {
		return
	}
	folder := e.fr.cfg.Path
	switch classify(err) {
	case classFatal:
		e.halted.Store(true)
		// Workers in flight hit the same error; log it once.
		if e.sum.stop(fatalReason(err)) {
			e.s.log.Error().Err(err).Str("folder", folder).Msg(what + " stopped the pass")
		}
	case classPermanent:
		for _, p := range paths {
			e.markFailed(p, fmt.Sprintf("%s: %v", what, err))
		}
	default:
		for _, p := range paths {
			e.sum.pending(folder, p, fmt.Sprintf("%s: %v", what, err))
			e.s.log.Warn().Err(err).Str("folder", folder).Str("path", p).Msg(what + " failed; retried next pass")
		}
	}
}

// markFailed records a permanent failure of the current version of a file,
// which is retried only when its size or modification time change.
func (e *executor) markFailed(rel, reason string) {
	folder := e.fr.cfg.Path
	e.sum.fail(folder, rel, reason)
	e.s.log.Warn().Str("folder", folder).Str("path", rel).Str("error", reason).Msg("file failed")
	entry, ok := e.entry(rel)
	if !ok {
		return
	}
	err := e.s.opts.Store.Update(func(tx *state.Tx) error {
		return tx.PutFile(state.File{Folder: folder, Path: rel, Size: entry.Size, ModTime: entry.ModTime,
			SHA256: entry.SHA256, Status: state.StatusFailed, Reason: reason})
	})
	if err != nil {
		e.s.log.Error().Err(err).Str("folder", folder).Str("path", rel).Msg("record failed file")
	}
}

// entry returns the scanned entry of a path. The scan's entries are sorted
// by path, so a binary search finds it without an index of its own.
func (e *executor) entry(rel string) (scan.Entry, bool) {
	entries := e.fr.result.Entries
	i, ok := slices.BinarySearchFunc(entries, rel, func(entry scan.Entry, p string) int {
		return strings.Compare(entry.Path, p)
	})
	if !ok {
		return scan.Entry{}, false
	}
	return entries[i], true
}

// relink turns an upload into an add when its content already has an item,
// which happens when another folder uploaded the same bytes earlier in the
// pass. It reports whether it did.
func (e *executor) relink(op Op) bool {
	if !e.sum.shared[op.SHA256] {
		return false
	}
	id, ok := e.s.contentIndex(op.SHA256)
	if !ok {
		return false
	}
	op.Kind, op.MediaItemID = OpAdd, id
	_, op.AddToAlbum = albumTitle(op.Dir, e.fr.cfg.RootAlbum)
	e.relinkMu.Lock()
	defer e.relinkMu.Unlock()
	e.relinked = append(e.relinked, op)
	e.sum.add(func(s *Summary) { s.AlreadyPresent++ })
	return true
}
