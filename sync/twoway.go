package sync

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	gosync "sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/photosync/photosync/config"
	"github.com/photosync/photosync/photosapi/api"
	"github.com/photosync/photosync/state"
)

// baseURLMaxAge is the age after which a listed base URL is fetched again
// before a download. Base URLs live about 60 minutes; ten minutes of margin
// cover a download that starts late in a long pass.
const baseURLMaxAge = 50 * time.Minute

// Poll runs the download direction once over the folders whose mode
// downloads: it lists the remote side, downloads new items into their
// album's directory, moves files whose item left its album to the folder's
// trash and records album renames. The daemon calls it between passes; Run
// calls it after the upload direction. Problems with single items or
// folders are recorded in the Summary; the error contract is Run's. Poll
// must not run while Run or another Poll of the same Syncer runs.
func (s *Syncer) Poll(ctx context.Context, folders []config.Folder) (sum *Summary, err error) {
	sum = newSummary()
	if s.opts.Requests != nil {
		defer func() {
			if flushErr := s.opts.Requests.Flush(); flushErr != nil && err == nil {
				err = &FatalError{Err: flushErr}
			}
		}()
	}
	return sum, s.pollFolders(ctx, folders, sum)
}

// pollFolders is the download direction of a pass. Folders already listed
// in sum.Folders, because the upload direction stopped them, are left out.
func (s *Syncer) pollFolders(ctx context.Context, folders []config.Folder, sum *Summary) error {
	reader, ok := s.opts.Remote.(RemoteReader)
	if !ok || s.opts.DryRun {
		return nil
	}
	down := s.downloadFolders(folders, sum)
	if len(down) == 0 {
		return nil
	}
	downloads := map[string]bool{}
	for _, f := range down {
		downloads[f.Path] = true
	}
	ps, err := s.loadPollState(folders)
	if err != nil {
		return err
	}
	ch, err := s.poll(ctx, reader, ps, downloads)
	if err != nil {
		return s.pollFailed(ctx, err, down, sum)
	}
	if err := s.placeAlbums(ch, ps, down, sum); err != nil {
		return err
	}
	failedAlbums := map[string]bool{}
	for i, f := range down {
		d := &downloadRun{s: s, reader: reader, cfg: f, root: f.Path, ch: ch, ps: ps, sum: sum,
			first: i == 0, failedAlbums: failedAlbums}
		if err := d.run(ctx); err != nil {
			return err
		}
	}
	return s.notePoll(ch, failedAlbums, down)
}

// downloadFolders checks the marker of each downloading folder and returns
// those that may be written.
func (s *Syncer) downloadFolders(folders []config.Folder, sum *Summary) []config.Folder {
	stopped := map[string]bool{}
	for _, p := range sum.Folders {
		stopped[p.Folder] = true
	}
	var out []config.Folder
	for _, f := range folders {
		if !f.Mode.Downloads() || stopped[f.Path] {
			continue
		}
		err := s.checkDownloadFolder(f)
		if err == nil {
			out = append(out, f)
			continue
		}
		s.log.Error().Err(err).Str("folder", f.Path).Msg("folder not synced")
		sum.Folders = append(sum.Folders, FileProblem{Folder: f.Path, Reason: err.Error()})
	}
	return out
}

// checkDownloadFolder checks the root and marker of a folder and records a
// new folder.
func (s *Syncer) checkDownloadFolder(f config.Folder) error {
	_, seen, err := s.opts.Store.GetFolder(f.Path)
	if err != nil {
		return storeError(err)
	}
	if err := CheckMarker(f.Path, seen, false, s.opts.Now()); err != nil {
		return err
	}
	if !seen {
		if err := s.opts.Store.PutFolder(state.Folder{ID: f.Path}); err != nil {
			return storeError(err)
		}
	}
	return nil
}

// pollFailed turns a failed listing into the pass's outcome: fatal for a
// spent quota or a rejected login, a problem of every downloading folder
// otherwise.
func (s *Syncer) pollFailed(ctx context.Context, err error, down []config.Folder, sum *Summary) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if classify(err) == classFatal {
		reason := fatalReason(err)
		sum.stop(reason)
		return &FatalError{Err: errors.New(reason)}
	}
	s.log.Warn().Err(err).Msg("poll failed; trying again next pass")
	for _, f := range down {
		sum.pending(f.Path, "", "poll: "+err.Error())
	}
	return nil
}

// placeAlbums gives each listed album that has no directory yet one in the
// first downloading folder, and records albums renamed remotely. A new
// album whose title is the root_album of a downloading folder maps to that
// folder's root instead, as the upload direction of an install with the
// same config would have created it. A new album whose directory another
// album already mirrors gets the directory name with a suffix derived from
// its id.
func (s *Syncer) placeAlbums(ch *remoteChanges, ps *pollState, down []config.Folder, sum *Summary) error {
	first := down[0].Path
	used := map[string]string{}
	for id, p := range ps.places {
		if p.folder == first {
			used[NameKey(p.dir)] = id
		}
	}
	albums := slices.Clone(ch.albums)
	slices.SortFunc(albums, func(a, b RemoteAlbum) int { return cmp.Compare(a.ID, b.ID) })
	return storeError(s.opts.Store.Update(func(tx *state.Tx) error {
		for _, a := range albums {
			if _, ok := ps.places[a.ID]; ok {
				if err := s.noteRename(tx, a, ps, sum); err != nil {
					return err
				}
				continue
			}
			if folder, ok := rootAlbumFolder(down, a.Title); ok {
				if err := placeRootAlbum(tx, a, folder); err != nil {
					return err
				}
				ps.places[a.ID] = place{folder: folder}
				s.log.Info().Str("folder", folder).Str("album", a.ID).Msg("new remote album of the folder root")
				continue
			}
			dir := AlbumDir(a.Title, a.ID)
			if owner, taken := used[NameKey(dir)]; taken && owner != a.ID {
				dir = path.Join(dirOf(dir), WithSuffix(path.Base(dir), a.ID))
			}
			used[NameKey(dir)] = a.ID
			if err := placeAlbum(tx, a, first, dir); err != nil {
				return err
			}
			ps.places[a.ID] = place{folder: first, dir: dir}
			s.log.Info().Str("folder", first).Str("album", a.ID).Str("path", dir).Msg("new remote album")
		}
		return nil
	}))
}

// placeAlbum records the directory of a new remote album. When the
// directory has no album of its own yet, the album becomes its album, so
// files added there locally go into it and no second album of that title
// is created.
func placeAlbum(tx *state.Tx, a RemoteAlbum, folder, dir string) error {
	if err := tx.PutMeta(metaAlbumDir+a.ID, folder+"\x00"+dir); err != nil {
		return err
	}
	rec := state.Album{ID: a.ID, Title: a.Title}
	if _, has, err := tx.AlbumForDir(folder, dir, 0); err != nil {
		return err
	} else if !has {
		rec.Folder, rec.Dir = folder, dir
	}
	return tx.PutAlbum(rec)
}

// rootAlbumFolder returns the path of the first folder in down whose
// root_album setting produces the album title title.
//
// NOTE: a sub-directory whose path equals root_album gets the same album
// title on the uploading install, so its album also maps to the root here.
// The overflow albums of a full root album ("Title (2)" and so on) still
// map to a sub-directory of that name.
func rootAlbumFolder(down []config.Folder, title string) (string, bool) {
	for _, f := range down {
		if rootTitle, ok := albumTitle("", f.RootAlbum); ok && rootTitle == title {
			return f.Path, true
		}
	}
	return "", false
}

// placeRootAlbum records a new remote album that maps to the root of
// folder. When the root has no album of its own yet, the album becomes the
// root's album, so files added at the root locally go into it and the
// upload direction creates no second album of that title.
func placeRootAlbum(tx *state.Tx, a RemoteAlbum, folder string) error {
	if err := tx.PutMeta(metaAlbumDir+a.ID, folder+"\x00"); err != nil {
		return err
	}
	_, has, err := lookupAlbum(tx, folder, "", 0)
	if err != nil {
		return err
	}
	if !has {
		if err := tx.PutMeta(albumMetaKey(metaRootAlbum, folder, "", 0), a.ID); err != nil {
			return err
		}
	}
	return tx.PutAlbum(state.Album{ID: a.ID, Title: a.Title})
}

// noteRename records an album whose remote title changed. Its directory
// stays; the new title is kept as RemoteTitle for status.
func (s *Syncer) noteRename(tx *state.Tx, a RemoteAlbum, ps *pollState, sum *Summary) error {
	stored, ok := ps.albums[a.ID]
	if !ok || a.Title == stored.Title || a.Title == stored.RemoteTitle {
		return nil
	}
	stored.RemoteTitle = a.Title
	ps.albums[a.ID] = stored
	sum.add(func(s *Summary) {
		s.AlbumsRenamed = append(s.AlbumsRenamed, fmt.Sprintf("%q is now %q", stored.Title, a.Title))
	})
	s.log.Info().Str("album", a.ID).Str("title", a.Title).Msg("album renamed remotely; its folder stays")
	return tx.PutAlbum(stored)
}

// notePoll stores the listed count and cover of each album listed again
// without a failure, so the next poll lists it only when they change, and
// the time of a full poll.
func (s *Syncer) notePoll(ch *remoteChanges, failed map[string]bool, down []config.Folder) error {
	now := s.opts.Now()
	return storeError(s.opts.Store.Update(func(tx *state.Tx) error {
		for _, a := range ch.albums {
			if _, listed := ch.listed[a.ID]; !listed || failed[a.ID] {
				continue
			}
			rec, ok, err := tx.GetAlbum(a.ID)
			if err != nil || !ok {
				return err
			}
			rec.ItemCount, rec.CoverID, rec.UpdatedAt = a.Count, a.CoverID, now
			if err := tx.PutAlbum(rec); err != nil {
				return err
			}
			if err := tx.DeleteMeta(metaRelist + a.ID); err != nil {
				return err
			}
		}
		for _, f := range down {
			rec, ok, err := tx.GetFolder(f.Path)
			if err != nil || !ok {
				return err
			}
			rec.LastPoll = now
			if err := tx.PutFolder(rec); err != nil {
				return err
			}
		}
		if !ch.full || len(failed) > 0 {
			return nil
		}
		return tx.PutMeta(metaLastFullPoll, now.UTC().Format(time.RFC3339Nano))
	}))
}

// downloadRun is the download direction of one pass on one folder.
type downloadRun struct {
	s      *Syncer
	reader RemoteReader
	cfg    config.Folder
	root   string
	ch     *remoteChanges
	ps     *pollState
	sum    *Summary
	// first marks the folder that receives new albums and loose items.
	first bool

	// mu guards the fields below and makes the choice of a final name and
	// its link one step.
	mu gosync.Mutex
	// byPath maps the folder's recorded paths to their media item ids.
	byPath map[string]string
	// taken caches the name keys of a directory's entries, by directory.
	taken map[string]map[string]bool
	// dirs collects the absolute directories that received a download.
	dirs map[string]bool
	// failedAlbums collects albums with a failed download or removal, whose
	// count must not be stored, so the next poll lists them again.
	failedAlbums map[string]bool
}

// fetchJob is one item to download into a directory.
type fetchJob struct {
	item    RemoteItem
	dir     string
	albumID string
	// tmp is the journaled temporary file, relative to the folder root.
	tmp string
}

func (d *downloadRun) run(ctx context.Context) error {
	d.byPath, d.taken, d.dirs = map[string]string{}, map[string]map[string]bool{}, map[string]bool{}
	byID := map[string]state.File{}
	err := d.s.opts.Store.ForEachFile(d.root, func(f state.File) error {
		d.byPath[f.Path] = f.MediaItemID
		if f.MediaItemID != "" {
			byID[f.MediaItemID] = f
		}
		return nil
	})
	if err != nil {
		return storeError(err)
	}
	jobs, gone := d.diff(byID)
	if err := d.trash(gone); err != nil {
		return err
	}
	return d.fetchAll(ctx, jobs)
}

// diff returns the items to download and the recorded files whose item
// left the album of their directory. An item that left one album and is in
// another album of the folder moved remotely: its file goes to the trash
// and the item downloads into the new album's directory.
func (d *downloadRun) diff(byID map[string]state.File) ([]fetchJob, []state.File) {
	ids := make([]string, 0, len(d.ch.listed))
	for id := range d.ch.listed {
		if p, ok := d.ps.places[id]; ok && p.folder == d.root {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	byAlbum := map[string][]state.File{}
	for _, f := range byID {
		if f.AlbumID != "" && f.Status == state.StatusSynced {
			byAlbum[f.AlbumID] = append(byAlbum[f.AlbumID], f)
		}
	}

	var gone []state.File
	leaving := map[string]bool{}
	for _, albumID := range ids {
		present := map[string]bool{}
		for _, it := range d.ch.listed[albumID] {
			present[it.ID] = true
		}
		for _, f := range byAlbum[albumID] {
			if !present[f.MediaItemID] {
				gone = append(gone, f)
				leaving[f.MediaItemID] = true
			}
		}
	}

	// NOTE: an item in two albums of one folder is downloaded once, into
	// the directory of the album with the smaller id.
	var jobs []fetchJob
	queued := map[string]bool{}
	wanted := func(id string) bool {
		_, have := byID[id]
		return (!have || leaving[id]) && !d.ps.tombs[id] && !queued[id]
	}
	for _, albumID := range ids {
		for _, it := range d.ch.listed[albumID] {
			if wanted(it.ID) && byID[it.ID].AlbumID != albumID {
				queued[it.ID] = true
				jobs = append(jobs, fetchJob{item: it, dir: d.ps.places[albumID].dir, albumID: albumID})
			}
		}
	}
	if d.first {
		for _, it := range d.ch.loose {
			if _, have := byID[it.ID]; !have && !queued[it.ID] {
				queued[it.ID] = true
				jobs = append(jobs, fetchJob{item: it})
			}
		}
	}
	slices.SortFunc(gone, func(a, b state.File) int { return cmp.Compare(a.Path, b.Path) })
	return jobs, gone
}

// fetchAll downloads the jobs on Options.Workers workers, 50 at a time:
// each group gets fresh base URLs when the listing is old, downloads in
// parallel and is placed in one store transaction. A failed item is left
// for the next pass; a fatal error stops the rest.
func (d *downloadRun) fetchAll(ctx context.Context, jobs []fetchJob) error {
	if len(jobs) == 0 {
		return nil
	}
	if err := d.journalTemps(jobs); err != nil {
		return err
	}
	for start := 0; start < len(jobs); start += MaxBatch {
		chunk := jobs[start:min(start+MaxBatch, len(jobs))]
		if err := d.refresh(ctx, chunk); err != nil {
			// This group and the later ones stay undone, so their albums
			// must be listed again by the next poll.
			for _, job := range jobs[start:] {
				d.failed(job.albumID)
			}
			return d.fetchFailed(ctx, err, fetchJob{})
		}
		results := make([]*fetched, len(chunk))
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(d.s.opts.Workers)
		for i, job := range chunk {
			if job.item.Processing {
				d.sum.pending(d.root, path.Join(job.dir, job.item.Filename), "video still processing remotely")
				d.failed(job.albumID)
				continue
			}
			g.Go(func() error {
				f, err := d.fetchOne(gctx, job)
				if err != nil {
					return d.fetchFailed(gctx, err, job)
				}
				results[i] = f
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			// The pass stops here, so remove the files fetched but not
			// placed instead of leaving them until the next pass.
			for _, f := range results {
				if f != nil {
					os.Remove(f.tmp)
				}
			}
			return err
		}
		if err := d.placeAll(chunk, results); err != nil {
			return err
		}
	}
	return d.finishDownloads(jobs)
}

// refresh fetches fresh base URLs, 50 items a call, when the listing is
// older than baseURLMaxAge.
func (d *downloadRun) refresh(ctx context.Context, jobs []fetchJob) error {
	if len(jobs) == 0 || d.s.opts.Now().Sub(d.ch.at) < baseURLMaxAge {
		return nil
	}
	// NOTE: the listing time stays the same, so every later group of a
	// long pass is refreshed too, one batchGet per 50 items.
	for start := 0; start < len(jobs); start += MaxBatch {
		batch := jobs[start:min(start+MaxBatch, len(jobs))]
		ids := make([]string, len(batch))
		for i, j := range batch {
			ids[i] = j.item.ID
		}
		fresh, err := d.reader.GetItems(ctx, ids)
		if err != nil {
			return fmt.Errorf("refresh base URLs: %w", err)
		}
		byID := map[string]RemoteItem{}
		for _, it := range fresh {
			byID[it.ID] = it
		}
		for i := range batch {
			if it, ok := byID[batch[i].item.ID]; ok {
				batch[i].item.BaseURL, batch[i].item.Processing = it.BaseURL, it.Processing
			}
		}
	}
	return nil
}

// fetchOne downloads one item into its temporary file. A base URL that
// expired is fetched again once.
func (d *downloadRun) fetchOne(ctx context.Context, job fetchJob) (*fetched, error) {
	if _, err := ensureDir(d.root, job.dir, d.beforeWrite); err != nil {
		return nil, err
	}
	f, err := d.fetchTo(ctx, job.item, job)
	if err == nil || !api.IsExpiredURL(err) {
		return f, err
	}
	fresh, err := d.reader.GetItems(ctx, []string{job.item.ID})
	if err != nil {
		return nil, fmt.Errorf("refresh base URL of %s: %w", job.item.ID, err)
	}
	if len(fresh) == 0 {
		return nil, fmt.Errorf("refresh base URL of %s: the item is gone", job.item.ID)
	}
	job.item.BaseURL = fresh[0].BaseURL
	return d.fetchTo(ctx, job.item, job)
}

// fetchFailed records a failed download and returns an error only when it
// stops the pass.
func (d *downloadRun) fetchFailed(ctx context.Context, err error, job fetchJob) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var fatal *FatalError
	if errors.As(err, &fatal) {
		return err
	}
	if classify(err) == classFatal {
		reason := fatalReason(err)
		d.sum.stop(reason)
		return &FatalError{Err: errors.New(reason)}
	}
	d.failed(job.albumID)
	rel := path.Join(job.dir, job.item.Filename)
	d.s.log.Warn().Err(err).Str("folder", d.root).Str("media_id", job.item.ID).Msg("download failed; trying again next pass")
	d.sum.pending(d.root, rel, err.Error())
	return nil
}

func (d *downloadRun) failed(albumID string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.failedAlbums[albumID] = true
}

// writeRemote prints the download direction's counts, when there are any.
func (s *Summary) writeRemote(w io.Writer) {
	if s.Downloaded+s.Trashed+len(s.AlbumsRenamed) == 0 {
		return
	}
	fmt.Fprintf(w, "downloaded %d (%s), moved to trash %d\n", s.Downloaded,
		formatBytes(s.DownloadedBytes), s.Trashed)
	for _, r := range s.AlbumsRenamed {
		fmt.Fprintf(w, "album renamed remotely, folder kept: %s\n", r)
	}
}
