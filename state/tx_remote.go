package state

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
)

// GetMediaItem returns the media item with the given ID and reports whether
// it exists.
func (tx *Tx) GetMediaItem(id string) (MediaItem, bool, error) {
	if err := validateID("media item", id); err != nil {
		return MediaItem{}, false, fmt.Errorf("get media item: %w", err)
	}
	m, ok, err := tx.getMediaItem(id)
	if err != nil {
		return MediaItem{}, false, fmt.Errorf("get media item %s: %w", id, err)
	}
	return m, ok, nil
}

// getMediaItem reads the media item with the given ID and reports whether
// it exists. A record that does not decode is a *CorruptError.
func (tx *Tx) getMediaItem(id string) (MediaItem, bool, error) {
	raw, err := tx.get(bucketMedia, tx.scratchKey(id))
	if err != nil || raw == nil {
		return MediaItem{}, false, err
	}
	m, err := decodeMediaItem(raw)
	if err != nil {
		return MediaItem{}, false, tx.s.corrupt(fmt.Errorf("bucket %s key %q: %w", bucketMedia, id, err))
	}
	return m, true, nil
}

// PutMediaItem creates or replaces a media item and keeps the hash index in
// step with m.SHA256.
func (tx *Tx) PutMediaItem(m MediaItem) error {
	if err := tx.writable("put media item"); err != nil {
		return err
	}
	if err := m.validate(); err != nil {
		return fmt.Errorf("put media item: %w", err)
	}
	if err := tx.putMediaItem(m); err != nil {
		return fmt.Errorf("put media item %s: %w", m.ID, err)
	}
	return nil
}

func (tx *Tx) putMediaItem(m MediaItem) error {
	old, existed, err := tx.getMediaItem(m.ID)
	if err != nil {
		return err
	}
	return tx.replaceMediaItem(old, existed, m)
}

// MergeMediaItem stores m when no media item has its ID. Otherwise it
// keeps the stored item, sets its SHA256 from m when it has none, and adds
// the IDs of m.AlbumIDs that it lacks. It reads the stored item once,
// where GetMediaItem followed by PutMediaItem reads it twice.
func (tx *Tx) MergeMediaItem(m MediaItem) error {
	if err := tx.writable("merge media item"); err != nil {
		return err
	}
	if err := m.validate(); err != nil {
		return fmt.Errorf("merge media item: %w", err)
	}
	old, existed, err := tx.getMediaItem(m.ID)
	if err == nil {
		merged := m
		if existed {
			merged = old
			if merged.SHA256 == "" {
				merged.SHA256 = m.SHA256
			}
			for _, a := range m.AlbumIDs {
				if !slices.Contains(merged.AlbumIDs, a) {
					merged.AlbumIDs = append(merged.AlbumIDs, a)
				}
			}
		}
		err = tx.replaceMediaItem(old, existed, merged)
	}
	if err != nil {
		return fmt.Errorf("merge media item %s: %w", m.ID, err)
	}
	return nil
}

// replaceMediaItem writes m over old, the stored item of the same ID when
// existed is set, and keeps the hash index in step.
func (tx *Tx) replaceMediaItem(old MediaItem, existed bool, m MediaItem) error {
	if err := tx.put(bucketMedia, tx.scratchKey(m.ID), encodeMediaItem(m)); err != nil {
		return err
	}
	if existed && old.SHA256 == m.SHA256 {
		return nil
	}
	if existed && old.SHA256 != "" {
		if err := tx.delete(bucketMediaHash, tx.scratchKey(old.SHA256, m.ID)); err != nil {
			return err
		}
	}
	if m.SHA256 != "" {
		return tx.put(bucketMediaHash, tx.scratchKey(m.SHA256, m.ID), nil)
	}
	return nil
}

// DeleteMediaItem removes a media item and its hash index entry. Deleting an
// unknown ID is not an error.
func (tx *Tx) DeleteMediaItem(id string) error {
	if err := tx.writable("delete media item"); err != nil {
		return err
	}
	if err := validateID("media item", id); err != nil {
		return fmt.Errorf("delete media item: %w", err)
	}
	old, existed, err := tx.getMediaItem(id)
	if err == nil && existed {
		err = tx.delete(bucketMedia, []byte(id))
	}
	if err == nil && existed && old.SHA256 != "" {
		err = tx.delete(bucketMediaHash, mediaHashKey(old.SHA256, id))
	}
	if err != nil {
		return fmt.Errorf("delete media item %s: %w", id, err)
	}
	return nil
}

// MediaItemByHash returns a media item whose content has the given
// lowercase hex SHA-256 and reports whether one exists. The server stores
// identical bytes once, so there is normally one. When several items have
// the hash, it returns the one with the smallest ID.
func (tx *Tx) MediaItemByHash(sha256 string) (MediaItem, bool, error) {
	if err := validateSHA256(sha256, false); err != nil {
		return MediaItem{}, false, fmt.Errorf("media item by hash: %w", err)
	}
	m, ok, err := tx.mediaItemByHash(sha256)
	if err != nil {
		return MediaItem{}, false, fmt.Errorf("media item by hash %s: %w", sha256, err)
	}
	return m, ok, nil
}

func (tx *Tx) mediaItemByHash(sha256 string) (MediaItem, bool, error) {
	index, err := tx.bucket(bucketMediaHash)
	if err != nil {
		return MediaItem{}, false, err
	}
	// The first key with the hash as prefix names the smallest ID.
	prefix := tx.scratchKey(sha256)
	var id string
	err = tx.protect(func() error {
		k, _ := tx.cursor(index).Seek(prefix)
		if bytes.HasPrefix(k, prefix) {
			id = string(k[len(prefix):])
		}
		return nil
	})
	if err != nil {
		return MediaItem{}, false, err
	}
	if id == "" {
		return MediaItem{}, false, nil
	}
	m, ok, err := tx.getMediaItem(id)
	if err != nil {
		return MediaItem{}, false, err
	}
	if !ok || m.SHA256 != sha256 {
		return MediaItem{}, false, tx.s.corrupt(fmt.Errorf(
			"index entry for media item %s does not match its record", id))
	}
	return m, true, nil
}

// ForEachMediaItem calls fn for each media item in ID order. It stops at and
// returns the first error from fn.
func (tx *Tx) ForEachMediaItem(fn func(MediaItem) error) error {
	b, err := tx.bucket(bucketMedia)
	if err != nil {
		return err
	}
	return tx.cursorWalk(b, nil, func(k, v []byte) error {
		m, err := decodeMediaItem(v)
		if err != nil {
			return tx.s.corrupt(fmt.Errorf("bucket %s key %q: %w", bucketMedia, k, err))
		}
		return fn(m)
	})
}

// GetAlbum returns the album with the given ID and reports whether it
// exists.
func (tx *Tx) GetAlbum(id string) (Album, bool, error) {
	if err := validateID("album", id); err != nil {
		return Album{}, false, fmt.Errorf("get album: %w", err)
	}
	var a Album
	ok, err := tx.getJSON(bucketAlbums, []byte(id), &a)
	if err != nil {
		return Album{}, false, fmt.Errorf("get album %s: %w", id, err)
	}
	return a, ok, nil
}

// PutAlbum creates or replaces an album and keeps the directory index in
// step with a.Folder, a.Dir and a.Overflow. It sets a.UpdatedAt to the
// store's current time. It fails when another album already mirrors the same
// directory and overflow number; clear that album's Folder and Dir first.
func (tx *Tx) PutAlbum(a Album) error {
	if err := tx.writable("put album"); err != nil {
		return err
	}
	if err := a.validate(); err != nil {
		return fmt.Errorf("put album: %w", err)
	}
	if uint64(a.Overflow) > math.MaxUint32 {
		return fmt.Errorf("put album %s: overflow number %d is too large", a.ID, a.Overflow)
	}
	if err := tx.putAlbum(a); err != nil {
		return fmt.Errorf("put album %s: %w", a.ID, err)
	}
	return nil
}

func (tx *Tx) putAlbum(a Album) error {
	var newKey []byte
	if a.Folder != "" {
		newKey = albumDirKey(a.Folder, a.Dir, a.Overflow)
		holder, err := tx.get(bucketAlbumDir, newKey)
		if err != nil {
			return err
		}
		if holder != nil && string(holder) != a.ID {
			return fmt.Errorf("album %s already mirrors directory %q (overflow %d) of %s; "+
				"clear its folder and directory first", holder, a.Dir, a.Overflow, a.Folder)
		}
	}

	var old Album
	existed, err := tx.getJSON(bucketAlbums, []byte(a.ID), &old)
	if err != nil {
		return err
	}
	a.UpdatedAt = tx.s.now().UTC()
	if err := tx.putJSON(bucketAlbums, []byte(a.ID), a); err != nil {
		return err
	}

	if existed && old.Folder != "" {
		oldKey := albumDirKey(old.Folder, old.Dir, old.Overflow)
		if !bytes.Equal(oldKey, newKey) {
			if err := tx.delete(bucketAlbumDir, oldKey); err != nil {
				return err
			}
		}
	}
	if newKey != nil {
		return tx.put(bucketAlbumDir, newKey, []byte(a.ID))
	}
	return nil
}

// ForEachAlbum calls fn for each album in ID order. It stops at and returns
// the first error from fn.
func (tx *Tx) ForEachAlbum(fn func(Album) error) error {
	return forEachJSON(tx, bucketAlbums, fn)
}

// AlbumForDir returns the album that mirrors directory dir of folder with
// the given overflow number, 0 for the first album of the directory, and
// reports whether one exists. dir is relative to the folder root, and "" is
// the root itself.
func (tx *Tx) AlbumForDir(folder, dir string, overflow int) (Album, bool, error) {
	if err := validateFolderID(folder); err != nil {
		return Album{}, false, fmt.Errorf("album for directory: %w", err)
	}
	if err := validateAlbumDir(dir); err != nil {
		return Album{}, false, fmt.Errorf("album for directory: %w", err)
	}
	if overflow < 0 || uint64(overflow) > math.MaxUint32 {
		return Album{}, false, fmt.Errorf("album for directory %s: overflow number %d is out of range", dir, overflow)
	}
	id, err := tx.get(bucketAlbumDir, albumDirKey(folder, dir, overflow))
	if err != nil {
		return Album{}, false, fmt.Errorf("album for directory %s in %s: %w", dir, folder, err)
	}
	if id == nil {
		return Album{}, false, nil
	}
	var a Album
	ok, err := tx.getJSON(bucketAlbums, id, &a)
	if err != nil {
		return Album{}, false, fmt.Errorf("album for directory %s in %s: %w", dir, folder, err)
	}
	if !ok || a.Folder != folder || a.Dir != dir || a.Overflow != overflow {
		return Album{}, false, fmt.Errorf("album for directory %s in %s: %w", dir, folder, tx.s.corrupt(fmt.Errorf(
			"index entry for album %s does not match its record", id)))
	}
	return a, true, nil
}

// PutTombstone creates or replaces the tombstone of t.MediaItemID.
func (tx *Tx) PutTombstone(t Tombstone) error {
	if err := tx.writable("put tombstone"); err != nil {
		return err
	}
	if err := validateID("media item", t.MediaItemID); err != nil {
		return fmt.Errorf("put tombstone: %w", err)
	}
	if err := tx.putJSON(bucketTombstones, []byte(t.MediaItemID), t); err != nil {
		return fmt.Errorf("put tombstone %s: %w", t.MediaItemID, err)
	}
	return nil
}

// GetTombstone returns the tombstone of a media item and reports whether it
// exists.
func (tx *Tx) GetTombstone(mediaItemID string) (Tombstone, bool, error) {
	if err := validateID("media item", mediaItemID); err != nil {
		return Tombstone{}, false, fmt.Errorf("get tombstone: %w", err)
	}
	var t Tombstone
	ok, err := tx.getJSON(bucketTombstones, []byte(mediaItemID), &t)
	if err != nil {
		return Tombstone{}, false, fmt.Errorf("get tombstone %s: %w", mediaItemID, err)
	}
	return t, ok, nil
}

// DeleteTombstone removes the tombstone of a media item, for example when
// its file is downloaded again on purpose. Deleting an unknown one is not an
// error.
func (tx *Tx) DeleteTombstone(mediaItemID string) error {
	if err := tx.writable("delete tombstone"); err != nil {
		return err
	}
	if err := validateID("media item", mediaItemID); err != nil {
		return fmt.Errorf("delete tombstone: %w", err)
	}
	if err := tx.delete(bucketTombstones, []byte(mediaItemID)); err != nil {
		return fmt.Errorf("delete tombstone %s: %w", mediaItemID, err)
	}
	return nil
}

// ForEachTombstone calls fn for each tombstone in media item ID order. It
// stops at and returns the first error from fn.
func (tx *Tx) ForEachTombstone(fn func(Tombstone) error) error {
	return forEachJSON(tx, bucketTombstones, fn)
}

// AddRequests adds request counts, keyed by API method name, to the counts
// of a quota day as returned by QuotaDay.
func (tx *Tx) AddRequests(day string, byMethod map[string]int) error {
	if err := tx.writable("add requests"); err != nil {
		return err
	}
	if err := validateDay(day); err != nil {
		return fmt.Errorf("add requests: %w", err)
	}
	for method, n := range byMethod {
		if method == "" {
			return fmt.Errorf("add requests for %s: method name is empty", day)
		}
		if n < 0 {
			return fmt.Errorf("add requests for %s: count %d for %s is negative", day, n, method)
		}
	}
	if len(byMethod) == 0 {
		return nil
	}
	counts := make(map[string]int)
	if _, err := tx.getJSON(bucketRequests, []byte(day), &counts); err != nil {
		return fmt.Errorf("add requests for %s: %w", day, err)
	}
	for method, n := range byMethod {
		counts[method] += n
	}
	if err := tx.putJSON(bucketRequests, []byte(day), counts); err != nil {
		return fmt.Errorf("add requests for %s: %w", day, err)
	}
	return nil
}

// Requests returns the request counts of a quota day: the total and the
// count per API method. Both are zero or empty for a day without requests.
func (tx *Tx) Requests(day string) (total int, byMethod map[string]int, err error) {
	if err := validateDay(day); err != nil {
		return 0, nil, fmt.Errorf("requests: %w", err)
	}
	byMethod = make(map[string]int)
	if _, err := tx.getJSON(bucketRequests, []byte(day), &byMethod); err != nil {
		return 0, nil, fmt.Errorf("requests for %s: %w", day, err)
	}
	for _, n := range byMethod {
		total += n
	}
	return total, byMethod, nil
}

// GetMeta returns a small setting, such as the OAuth client ID or the time
// of the last full poll, and reports whether it is set.
func (tx *Tx) GetMeta(key string) (string, bool, error) {
	if key == "" {
		return "", false, errors.New("get meta: key is empty")
	}
	v, err := tx.get(bucketSettings, []byte(key))
	if err != nil {
		return "", false, fmt.Errorf("get meta %s: %w", key, err)
	}
	if v == nil {
		return "", false, nil
	}
	return string(v), true, nil
}

// DeleteMeta removes a small setting. Deleting an unset key is not an
// error.
func (tx *Tx) DeleteMeta(key string) error {
	if err := tx.writable("delete meta"); err != nil {
		return err
	}
	if key == "" {
		return errors.New("delete meta: key is empty")
	}
	if err := tx.delete(bucketSettings, []byte(key)); err != nil {
		return fmt.Errorf("delete meta %s: %w", key, err)
	}
	return nil
}

// PutMeta sets a small setting.
func (tx *Tx) PutMeta(key, value string) error {
	if err := tx.writable("put meta"); err != nil {
		return err
	}
	if key == "" {
		return errors.New("put meta: key is empty")
	}
	if err := tx.put(bucketSettings, []byte(key), []byte(value)); err != nil {
		return fmt.Errorf("put meta %s: %w", key, err)
	}
	return nil
}
