package sync

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/api"
	"github.com/photosync/photosync/state"
)

// maxAlbumItems is the most media items one Google Photos album can hold.
// A directory with more continues in numbered overflow albums.
const maxAlbumItems = 20000

// Meta key prefixes of the album bookkeeping kept in the store's settings.
const (
	// metaAlbumCreating journals an album creation, with its start time and
	// title, before the request goes out. A crash leaves the entry behind,
	// and the next pass looks the album up by title before creating it, so
	// it is not created twice.
	metaAlbumCreating = "sync.album-creating\x00"
	// metaRootAlbum maps a folder's root, which has no directory name the
	// store's directory index accepts, to its album.
	metaRootAlbum = "sync.root-album\x00"
)

// albumCreateMargin is added to the request timeout in albumCreateWindow.
// It covers the attempts that failed before albums.create reached the
// server, with their backoff (about 9 s, or 2.5 minutes when every response
// is a 429), and a server that finishes the request just after the client
// gave up. It is an estimate.
const albumCreateMargin = 5 * time.Minute

// albumCreateWindow is how long after its journal entry an interrupted
// albums.create may still be processed by the server. The client sends
// albums.create at most once per call, because a repeat could create a
// second album, and abandons it after photosapi.DefaultRequestTimeout, the
// timeout the command line's client uses.
// NOTE: a client built with a longer Options.RequestTimeout needs a longer
// window.
const albumCreateWindow = photosapi.DefaultRequestTimeout + albumCreateMargin

// albumInFlightError reports that an interrupted albums.create may still be
// processed by the server, so creating the album now could make a second
// one. The directory's files stay pending until the next pass.
type albumInFlightError struct {
	title string
}

func (e *albumInFlightError) Error() string {
	return fmt.Sprintf("album creation for %q may still be in progress; retried next pass", e.title)
}

// deferForAlbum leaves paths pending when err is an *albumInFlightError and
// reports whether it was one.
func (e *executor) deferForAlbum(err error, paths []string) bool {
	var inFlight *albumInFlightError
	if !errors.As(err, &inFlight) {
		return false
	}
	folder := e.fr.cfg.Path
	for _, p := range paths {
		e.sum.pending(folder, p, inFlight.Error())
	}
	e.s.log.Info().Str("folder", folder).Str("title", inFlight.title).Int("files", len(paths)).Msg(inFlight.Error())
	return true
}

// serverRejected reports whether err is an HTTP response saying that the
// server did not carry out the request: a 4xx, such as an invalid title or
// a rate limit, or a 503, which Google uses for overload. A 500, 502 or 504
// may come after the work was done, behind a gateway, and a timeout or a
// lost connection leaves the outcome unknown too.
func serverRejected(err error) bool {
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.Item {
		return false
	}
	status := apiErr.HTTPStatus
	return status >= 400 && status < 500 || status == http.StatusServiceUnavailable
}

// creatingValue encodes a creation journal entry: its start time and title.
func creatingValue(started time.Time, title string) string {
	return started.UTC().Format(time.RFC3339Nano) + "\x00" + title
}

// creatingStart returns the start time of a creation journal entry. An
// entry without one, written by an older photosync, gives the zero time.
func creatingStart(value string) time.Time {
	stamp, _, ok := strings.Cut(value, "\x00")
	if !ok {
		return time.Time{}
	}
	started, err := time.Parse(time.RFC3339Nano, stamp)
	if err != nil {
		return time.Time{}
	}
	return started
}

func albumMetaKey(prefix, folder, dir string, overflow int) string {
	return prefix + folder + "\x00" + dir + "\x00" + strconv.Itoa(overflow)
}

// overflowTitle returns the title of the overflow-th album of a directory:
// the title itself for the first, then "title (2)", "title (3)" and so on.
func overflowTitle(title string, overflow int) string {
	if overflow == 0 {
		return title
	}
	return fmt.Sprintf("%s (%d)", title, overflow+1)
}

// lookupAlbum returns the overflow-th album of a directory of folder.
func lookupAlbum(tx *state.Tx, folder, dir string, overflow int) (state.Album, bool, error) {
	if dir != "" {
		return tx.AlbumForDir(folder, dir, overflow)
	}
	id, ok, err := tx.GetMeta(albumMetaKey(metaRootAlbum, folder, "", overflow))
	if err != nil || !ok || id == "" {
		return state.Album{}, false, err
	}
	return tx.GetAlbum(id)
}

// saveAlbum stores a new album of a directory and clears its creation
// journal entry, in one transaction.
func saveAlbum(tx *state.Tx, folder, dir string, overflow int, a state.Album) error {
	if dir != "" {
		a.Folder, a.Dir, a.Overflow = folder, dir, overflow
	}
	if err := tx.PutAlbum(a); err != nil {
		return err
	}
	if dir == "" {
		if err := tx.PutMeta(albumMetaKey(metaRootAlbum, folder, "", overflow), a.ID); err != nil {
			return err
		}
	}
	return tx.PutMeta(albumMetaKey(metaAlbumCreating, folder, dir, overflow), "")
}

// countItems changes the item count of an album by delta.
func countItems(tx *state.Tx, albumID string, delta int) error {
	a, ok, err := tx.GetAlbum(albumID)
	if err != nil || !ok {
		return err
	}
	a.ItemCount = max(0, a.ItemCount+delta)
	return tx.PutAlbum(a)
}

// albumWithRoom returns the first album of a directory that can take more
// items, creating it when needed, and how many items it can take. It runs
// in the serial lane only, which is what keeps two workers from creating
// the same album.
func (e *executor) albumWithRoom(ctx context.Context, dir string) (state.Album, int, error) {
	title, ok := albumTitle(dir, e.fr.cfg.RootAlbum)
	if !ok {
		return state.Album{}, MaxBatch, nil
	}
	for overflow := 0; ; overflow++ {
		a, found, room, err := e.albumRoom(dir, overflow, false)
		if err == nil && found && room < MaxBatch {
			a, found, room, err = e.albumRoom(dir, overflow, true)
		}
		if err != nil {
			return state.Album{}, 0, storeError(err)
		}
		if !found {
			a, err = e.createAlbum(ctx, dir, overflow, overflowTitle(title, overflow))
			if err != nil {
				return state.Album{}, 0, err
			}
			room = maxAlbumItems - a.ItemCount
		}
		if room > 0 {
			return a, room, nil
		}
	}
}

// albumRoom reads the overflow-th album of a directory from the store and
// how many more items it can take. Exact makes it wait for the record
// commits in flight, so the room is exact. Otherwise it reads the stored
// count, then the album's uncounted items, and reads again when a commit
// settled its items in between. Only the lane, which calls this, adds
// uncounted items, so the uncounted items read after the store are those
// of before it. So it may count the items of a commit that is ending
// twice, and give less room than there is, but never more.
func (e *executor) albumRoom(dir string, overflow int, exact bool) (a state.Album, found bool, room int, err error) {
	if exact {
		e.commitMu.Lock()
		defer e.commitMu.Unlock()
	}
	for {
		e.countMu.Lock()
		settled := e.settled
		e.countMu.Unlock()
		err = e.s.opts.Store.View(func(tx *state.Tx) error {
			var err error
			a, found, err = lookupAlbum(tx, e.fr.cfg.Path, dir, overflow)
			return err
		})
		if err != nil || !found {
			return a, found, 0, err
		}
		e.countMu.Lock()
		same := e.settled == settled
		uncounted := e.uncounted[a.ID]
		e.countMu.Unlock()
		if same {
			return a, true, maxAlbumItems - a.ItemCount - uncounted, nil
		}
	}
}

// createAlbum creates the overflow-th album of a directory. The creation is
// journaled before the request. A journal entry left by a crash makes it
// look for an album of that title first, and wait out albumCreateWindow
// before it creates one, because the old request may still complete.
func (e *executor) createAlbum(ctx context.Context, dir string, overflow int, title string) (state.Album, error) {
	folder := e.fr.cfg.Path
	key := albumMetaKey(metaAlbumCreating, folder, dir, overflow)
	var interrupted bool
	var started time.Time
	err := e.s.opts.Store.View(func(tx *state.Tx) error {
		v, ok, err := tx.GetMeta(key)
		if ok && v != "" {
			interrupted, started = true, creatingStart(v)
		}
		return err
	})
	if err != nil {
		return state.Album{}, storeError(err)
	}

	// An album of this title that the store does not know is ours from a
	// creation that a crash interrupted, or from a state directory that was
	// lost or moved aside: take it over instead of creating a duplicate.
	if interrupted {
		// The listing may predate the end of the interrupted request.
		e.sum.remoteAlbums.reset()
	}
	id, count := "", 0
	existing, found, err := e.existingAlbum(ctx, title)
	if err != nil {
		return state.Album{}, err
	}
	if found {
		id, count = existing.ID, existing.Count
		msg := "adopted existing album with the directory's title"
		if interrupted {
			msg = "adopted album whose creation was interrupted"
		}
		e.s.log.Info().Str("folder", folder).Str("album", id).Str("title", title).Msg(msg)
	}
	// The clock is read after the listing, which can take long: the
	// window runs from the request.
	now := e.s.opts.Now()
	if !found && interrupted && now.Before(started.Add(albumCreateWindow)) {
		return state.Album{}, &albumInFlightError{title: title}
	}
	if !found {
		// The entry goes in right before the request, so that a failed
		// listing leaves none that would make the next pass wait.
		err := e.s.opts.Store.Update(func(tx *state.Tx) error {
			return tx.PutMeta(key, creatingValue(now, title))
		})
		if err != nil {
			return state.Album{}, storeError(err)
		}
	}
	if id == "" {
		id, err = e.s.opts.Remote.CreateAlbum(ctx, title)
		if err != nil {
			if serverRejected(err) {
				// No album was made, so the next pass need not look for
				// one or wait for the request. Otherwise the journal entry
				// stays, and the next pass waits out albumCreateWindow.
				clearErr := e.s.opts.Store.Update(func(tx *state.Tx) error {
					return tx.PutMeta(key, "")
				})
				if clearErr != nil {
					return state.Album{}, storeError(clearErr)
				}
			}
			return state.Album{}, fmt.Errorf("create album %q: %w", title, err)
		}
		e.sum.add(func(s *Summary) { s.AlbumsCreated++ })
		e.s.log.Info().Str("folder", folder).Str("album", id).Str("title", title).Msg("album created")
	}
	a := state.Album{ID: id, Title: title, ItemCount: count}
	err = e.s.opts.Store.Update(func(tx *state.Tx) error {
		return saveAlbum(tx, folder, dir, overflow, a)
	})
	if err != nil {
		return state.Album{}, storeError(err)
	}
	return a, nil
}
