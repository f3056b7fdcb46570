package sync

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/photosync/photosync/config"
	"github.com/photosync/photosync/state"
)

// Meta keys of the download direction in the store's settings.
const (
	// metaLastFullPoll holds the time of the last complete listing, in
	// RFC 3339 form.
	metaLastFullPoll = "sync.last-full-poll"
	// metaAlbumDir maps a remote album to the directory it was given: key
	// prefix and album id, value folder, NUL, directory. Albums that the
	// upload direction created, or that became a directory's album, are
	// found through the album record instead.
	metaAlbumDir = "sync.album-dir\x00"
	// metaRelist marks an album, by id after the prefix, that the next poll
	// lists whatever its count, because a record of one of its items was
	// dropped.
	metaRelist = "sync.relist\x00"
)

// place is the directory of a folder that an album is mirrored in.
type place struct {
	folder string
	dir    string
}

// pollState is what a poll compares the remote listing with.
type pollState struct {
	albums map[string]state.Album
	places map[string]place
	// known holds the ids of recorded media items, and tombs those whose
	// local file the user deleted.
	known, tombs map[string]bool
	// relist holds the albums marked with metaRelist.
	relist   map[string]bool
	lastFull time.Time
}

// remoteChanges is the outcome of one poll.
type remoteChanges struct {
	full bool
	// albums holds every album listed, and listed the complete item lists
	// of the albums listed again, by album id.
	albums []RemoteAlbum
	listed map[string][]RemoteItem
	// loose holds unrecorded items outside every album, newest first.
	loose []RemoteItem
	// at is when the listing started; base URLs expire an hour later.
	at time.Time
}

// loadPollState reads the albums, their directories and the recorded items
// of the store.
func (s *Syncer) loadPollState(folders []config.Folder) (*pollState, error) {
	ps := &pollState{albums: map[string]state.Album{}, places: map[string]place{},
		known: map[string]bool{}, tombs: map[string]bool{}, relist: map[string]bool{}}
	err := s.opts.Store.View(func(tx *state.Tx) error {
		err := tx.ForEachAlbum(func(a state.Album) error {
			ps.albums[a.ID] = a
			if a.Folder != "" {
				ps.places[a.ID] = place{folder: a.Folder, dir: a.Dir}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, f := range folders {
			err := tx.ForEachMeta(metaRootAlbum+f.Path+"\x00", func(_, id string) error {
				ps.places[id] = place{folder: f.Path}
				return nil
			})
			if err != nil {
				return err
			}
		}
		err = tx.ForEachMeta(metaAlbumDir, func(k, v string) error {
			folder, dir, _ := strings.Cut(v, "\x00")
			ps.places[strings.TrimPrefix(k, metaAlbumDir)] = place{folder: folder, dir: dir}
			return nil
		})
		if err != nil {
			return err
		}
		err = tx.ForEachMeta(metaRelist, func(k, _ string) error {
			ps.relist[strings.TrimPrefix(k, metaRelist)] = true
			return nil
		})
		if err != nil {
			return err
		}
		err = tx.ForEachMediaItem(func(m state.MediaItem) error {
			ps.known[m.ID] = true
			return nil
		})
		if err != nil {
			return err
		}
		err = tx.ForEachTombstone(func(t state.Tombstone) error {
			ps.tombs[t.MediaItemID] = true
			return nil
		})
		if err != nil {
			return err
		}
		v, ok, err := tx.GetMeta(metaLastFullPoll)
		if err == nil && ok {
			ps.lastFull, _ = time.Parse(time.RFC3339Nano, v)
		}
		return err
	})
	return ps, storeError(err)
}

// poll lists the remote side and returns what changed since the store's
// records. A poll lists every album (50 a page) but the items only of
// albums that are new, not yet placed, or whose item count or cover item
// differs from the stored album: an addition or removal changes the count.
// Items outside albums are found through mediaItems.list, newest first: a
// poll reads its first page, and the next ones only while a whole page is
// unrecorded. So a poll where nothing changed costs the album pages plus
// one request. Every full-poll interval, and on the first poll of a store,
// a full poll lists everything.
//
// NOTE: mediaItems.list orders by creation time, which is the capture time
// of a photo. An addition outside albums of an old photo, or an album that
// gained and lost one item between two polls, is found only by the next
// full poll.
func (s *Syncer) poll(ctx context.Context, reader RemoteReader, ps *pollState,
	downloads map[string]bool) (*remoteChanges, error) {
	interval := s.opts.FullPollInterval
	if interval <= 0 {
		interval = config.DefaultFullPollInterval
	}
	now := s.opts.Now()
	ch := &remoteChanges{full: ps.lastFull.IsZero() || now.Sub(ps.lastFull) >= interval,
		listed: map[string][]RemoteItem{}, at: now}
	for a, err := range reader.Albums(ctx) {
		if err != nil {
			return nil, fmt.Errorf("list albums: %w", err)
		}
		ch.albums = append(ch.albums, a)
	}
	inAlbum := map[string]bool{}
	for _, a := range ch.albums {
		if p, ok := ps.places[a.ID]; ok && !downloads[p.folder] {
			continue
		}
		stored, ok := ps.albums[a.ID]
		_, placed := ps.places[a.ID]
		same := ok && placed && !ps.relist[a.ID] && stored.ItemCount == a.Count && stored.CoverID == a.CoverID
		if !ch.full && same {
			continue
		}
		var list []RemoteItem
		for it, err := range reader.AlbumItems(ctx, a.ID) {
			if err != nil {
				return nil, fmt.Errorf("list album %s: %w", a.ID, err)
			}
			list = append(list, it)
			inAlbum[it.ID] = true
		}
		ch.listed[a.ID] = list
	}
	if err := s.pollLoose(ctx, reader, ps, ch, inAlbum); err != nil {
		return nil, err
	}
	if len(ch.loose) == 0 {
		return ch, nil
	}
	return ch, s.recheckAlbums(ctx, reader, ps, ch, downloads)
}

// recheckAlbums lists the albums again after the listing of the items
// outside albums found some, and lists the items of each album that is new
// or whose item count or cover changed since the first listing of the poll.
// An item added to an album between the two listings is in the album's
// items but was not in the first listing, so without this it would count
// as outside albums and come down into the folder root. A poll that finds
// nothing new pays no extra request.
func (s *Syncer) recheckAlbums(ctx context.Context, reader RemoteReader, ps *pollState, ch *remoteChanges,
	downloads map[string]bool) error {
	first := make(map[string]RemoteAlbum, len(ch.albums))
	for _, a := range ch.albums {
		first[a.ID] = a
	}
	var albums []RemoteAlbum
	for a, err := range reader.Albums(ctx) {
		if err != nil {
			return fmt.Errorf("list albums: %w", err)
		}
		albums = append(albums, a)
	}
	inAlbum := map[string]bool{}
	for _, a := range albums {
		if p, ok := ps.places[a.ID]; ok && !downloads[p.folder] {
			continue
		}
		if old, ok := first[a.ID]; ok && old.Count == a.Count && old.CoverID == a.CoverID {
			continue
		}
		var list []RemoteItem
		for it, err := range reader.AlbumItems(ctx, a.ID) {
			if err != nil {
				return fmt.Errorf("list album %s: %w", a.ID, err)
			}
			list = append(list, it)
			inAlbum[it.ID] = true
		}
		ch.listed[a.ID] = list
	}
	ch.albums = albums
	ch.loose = slices.DeleteFunc(ch.loose, func(it RemoteItem) bool { return inAlbum[it.ID] })
	return nil
}

// pollLoose collects the unrecorded items outside albums.
func (s *Syncer) pollLoose(ctx context.Context, reader RemoteReader, ps *pollState,
	ch *remoteChanges, inAlbum map[string]bool) error {
	n, unknownInPage := 0, 0
	for it, err := range reader.LibraryItems(ctx) {
		if err != nil {
			return fmt.Errorf("list media items: %w", err)
		}
		n++
		if !ps.known[it.ID] && !ps.tombs[it.ID] && !inAlbum[it.ID] {
			ch.loose = append(ch.loose, it)
			unknownInPage++
		}
		if n%itemPageSize == 0 {
			if !ch.full && unknownInPage < itemPageSize {
				return nil
			}
			unknownInPage = 0
		}
	}
	return nil
}
