package state

// The methods below run one Tx method in a transaction of their own. Use
// Store.Update directly when several writes must commit together.

// GetFolder returns a folder; see Tx.GetFolder.
func (s *Store) GetFolder(id string) (f Folder, ok bool, err error) {
	err = s.View(func(tx *Tx) error {
		f, ok, err = tx.GetFolder(id)
		return err
	})
	return f, ok, err
}

// PutFolder writes a folder; see Tx.PutFolder.
func (s *Store) PutFolder(f Folder) error {
	return s.Update(func(tx *Tx) error { return tx.PutFolder(f) })
}

// ListFolders returns all folders; see Tx.ListFolders.
func (s *Store) ListFolders() (folders []Folder, err error) {
	err = s.View(func(tx *Tx) error {
		folders, err = tx.ListFolders()
		return err
	})
	return folders, err
}

// GetFile returns a file; see Tx.GetFile.
func (s *Store) GetFile(folder, path string) (f File, ok bool, err error) {
	err = s.View(func(tx *Tx) error {
		f, ok, err = tx.GetFile(folder, path)
		return err
	})
	return f, ok, err
}

// PutFile writes a file; see Tx.PutFile.
func (s *Store) PutFile(f File) error {
	return s.Update(func(tx *Tx) error { return tx.PutFile(f) })
}

// DeleteFile removes a file; see Tx.DeleteFile.
func (s *Store) DeleteFile(folder, path string) error {
	return s.Update(func(tx *Tx) error { return tx.DeleteFile(folder, path) })
}

// ForEachFile calls fn for each file of folder inside one read transaction;
// see Tx.ForEachFile.
func (s *Store) ForEachFile(folder string, fn func(File) error) error {
	return s.View(func(tx *Tx) error { return tx.ForEachFile(folder, fn) })
}

// FilesByHash returns the files with a content hash; see Tx.FilesByHash.
func (s *Store) FilesByHash(sha256 string) (files []File, err error) {
	err = s.View(func(tx *Tx) error {
		files, err = tx.FilesByHash(sha256)
		return err
	})
	return files, err
}

// GetMediaItem returns a media item; see Tx.GetMediaItem.
func (s *Store) GetMediaItem(id string) (m MediaItem, ok bool, err error) {
	err = s.View(func(tx *Tx) error {
		m, ok, err = tx.GetMediaItem(id)
		return err
	})
	return m, ok, err
}

// PutMediaItem writes a media item; see Tx.PutMediaItem.
func (s *Store) PutMediaItem(m MediaItem) error {
	return s.Update(func(tx *Tx) error { return tx.PutMediaItem(m) })
}

// DeleteMediaItem removes a media item; see Tx.DeleteMediaItem.
func (s *Store) DeleteMediaItem(id string) error {
	return s.Update(func(tx *Tx) error { return tx.DeleteMediaItem(id) })
}

// MediaItemByHash returns a media item by content hash; see
// Tx.MediaItemByHash.
func (s *Store) MediaItemByHash(sha256 string) (m MediaItem, ok bool, err error) {
	err = s.View(func(tx *Tx) error {
		m, ok, err = tx.MediaItemByHash(sha256)
		return err
	})
	return m, ok, err
}

// ForEachMediaItem calls fn for each media item inside one read transaction;
// see Tx.ForEachMediaItem.
func (s *Store) ForEachMediaItem(fn func(MediaItem) error) error {
	return s.View(func(tx *Tx) error { return tx.ForEachMediaItem(fn) })
}

// GetAlbum returns an album; see Tx.GetAlbum.
func (s *Store) GetAlbum(id string) (a Album, ok bool, err error) {
	err = s.View(func(tx *Tx) error {
		a, ok, err = tx.GetAlbum(id)
		return err
	})
	return a, ok, err
}

// PutAlbum writes an album; see Tx.PutAlbum.
func (s *Store) PutAlbum(a Album) error {
	return s.Update(func(tx *Tx) error { return tx.PutAlbum(a) })
}

// ForEachAlbum calls fn for each album inside one read transaction; see
// Tx.ForEachAlbum.
func (s *Store) ForEachAlbum(fn func(Album) error) error {
	return s.View(func(tx *Tx) error { return tx.ForEachAlbum(fn) })
}

// AlbumForDir returns the album of a directory; see Tx.AlbumForDir.
func (s *Store) AlbumForDir(folder, dir string, overflow int) (a Album, ok bool, err error) {
	err = s.View(func(tx *Tx) error {
		a, ok, err = tx.AlbumForDir(folder, dir, overflow)
		return err
	})
	return a, ok, err
}

// GetUpload returns a pending upload; see Tx.GetUpload.
func (s *Store) GetUpload(sha256 string) (u Upload, ok bool, err error) {
	err = s.View(func(tx *Tx) error {
		u, ok, err = tx.GetUpload(sha256)
		return err
	})
	return u, ok, err
}

// PutUpload writes a pending upload; see Tx.PutUpload.
func (s *Store) PutUpload(u Upload) error {
	return s.Update(func(tx *Tx) error { return tx.PutUpload(u) })
}

// DeleteUpload removes a pending upload; see Tx.DeleteUpload.
func (s *Store) DeleteUpload(sha256 string) error {
	return s.Update(func(tx *Tx) error { return tx.DeleteUpload(sha256) })
}

// ForEachUpload calls fn for each pending upload inside one read
// transaction; see Tx.ForEachUpload.
func (s *Store) ForEachUpload(fn func(Upload) error) error {
	return s.View(func(tx *Tx) error { return tx.ForEachUpload(fn) })
}

// PutTombstone writes a tombstone; see Tx.PutTombstone.
func (s *Store) PutTombstone(t Tombstone) error {
	return s.Update(func(tx *Tx) error { return tx.PutTombstone(t) })
}

// GetTombstone returns a tombstone; see Tx.GetTombstone.
func (s *Store) GetTombstone(mediaItemID string) (t Tombstone, ok bool, err error) {
	err = s.View(func(tx *Tx) error {
		t, ok, err = tx.GetTombstone(mediaItemID)
		return err
	})
	return t, ok, err
}

// DeleteTombstone removes a tombstone; see Tx.DeleteTombstone.
func (s *Store) DeleteTombstone(mediaItemID string) error {
	return s.Update(func(tx *Tx) error { return tx.DeleteTombstone(mediaItemID) })
}

// ForEachTombstone calls fn for each tombstone inside one read transaction;
// see Tx.ForEachTombstone.
func (s *Store) ForEachTombstone(fn func(Tombstone) error) error {
	return s.View(func(tx *Tx) error { return tx.ForEachTombstone(fn) })
}

// AddRequests adds request counts to a quota day; see Tx.AddRequests.
func (s *Store) AddRequests(day string, byMethod map[string]int) error {
	return s.Update(func(tx *Tx) error { return tx.AddRequests(day, byMethod) })
}

// Requests returns the request counts of a quota day; see Tx.Requests.
func (s *Store) Requests(day string) (total int, byMethod map[string]int, err error) {
	err = s.View(func(tx *Tx) error {
		total, byMethod, err = tx.Requests(day)
		return err
	})
	return total, byMethod, err
}

// GetMeta returns a small setting; see Tx.GetMeta.
func (s *Store) GetMeta(key string) (value string, ok bool, err error) {
	err = s.View(func(tx *Tx) error {
		value, ok, err = tx.GetMeta(key)
		return err
	})
	return value, ok, err
}

// DeleteMeta removes a small setting; see Tx.DeleteMeta.
func (s *Store) DeleteMeta(key string) error {
	return s.Update(func(tx *Tx) error { return tx.DeleteMeta(key) })
}

// PutMeta sets a small setting; see Tx.PutMeta.
func (s *Store) PutMeta(key, value string) error {
	return s.Update(func(tx *Tx) error { return tx.PutMeta(key, value) })
}
