package state

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

const checkRoot = "/photos/check"

// fillForCheck writes a small consistent store with a folder, two files, a
// media item and an album, and closes it.
func fillForCheck(t *testing.T, path string) {
	t.Helper()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Update(func(tx *Tx) error {
		for _, err := range []error{
			tx.PutFolder(Folder{ID: checkRoot}),
			tx.PutFile(File{Folder: checkRoot, Path: "a.jpg", SHA256: strings.Repeat("a", 64)}),
			tx.PutFile(File{Folder: checkRoot, Path: "b.jpg", SHA256: strings.Repeat("b", 64)}),
			tx.PutMediaItem(MediaItem{ID: "m1", SHA256: strings.Repeat("a", 64)}),
			tx.PutAlbum(Album{ID: "A1", Folder: checkRoot, Dir: "trips"}),
			tx.PutUpload(Upload{SHA256: strings.Repeat("c", 64)}),
			tx.AddRequests("2026-01-01", map[string]int{"upload": 1}),
		} {
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// plantUpload stores value as a pending upload of sha under the next
// sequence number, with its index entry, bypassing the store's checks.
func plantUpload(tx *bolt.Tx, sha string, value []byte) error {
	return putNewUpload(tx.Bucket(bucketUploads), tx.Bucket(bucketUploadHash), uploadHashKey(sha), value)
}

func TestCheckFindsPlantedProblems(t *testing.T) {
	shaA := strings.Repeat("a", 64)
	tests := []struct {
		name        string
		plant       func(tx *bolt.Tx) error
		wantBucket  string
		wantMessage string
	}{
		{"file missing from index", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketFileHash).Delete(fileHashKey(shaA, checkRoot, "a.jpg"))
		}, "files_by_hash", "missing from the index"},
		{"index entry without file", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketFileHash).Put(fileHashKey(shaA, checkRoot, "gone.jpg"), nil)
		}, "files_by_hash", "points at missing file gone.jpg"},
		{"index entry with other hash", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketFileHash).Put(fileHashKey(shaA, checkRoot, "b.jpg"), nil)
		}, "files_by_hash", "but the file has"},
		{"malformed index key", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketFileHash).Put([]byte("short"), nil)
		}, "files_by_hash", "malformed index key"},
		{"files of unknown folder", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketFolders).Delete([]byte(checkRoot))
		}, "files", "no folder record"},
		{"undecodable file", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketFiles).Bucket([]byte(checkRoot)).Put([]byte("c.jpg"), []byte{1, 0})
		}, "files", "record does not decode"},
		{"media item under wrong key", func(tx *bolt.Tx) error {
			v := tx.Bucket(bucketMedia).Get([]byte("m1"))
			return tx.Bucket(bucketMedia).Put([]byte("m9"), append([]byte(nil), v...))
		}, "media_items", `belongs under key "m1"`},
		{"media index entry without item", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMediaHash).Put(mediaHashKey(shaA, "m7"), nil)
		}, "media_by_hash", "missing media item m7"},
		{"media item missing from index", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMediaHash).Delete(mediaHashKey(shaA, "m1"))
		}, "media_by_hash", "missing from the index"},
		{"album missing from index", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketAlbumDir).Delete(albumDirKey(checkRoot, "trips", 0))
		}, "albums_by_dir", "missing from the index"},
		{"album index entry without album", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketAlbumDir).Put(albumDirKey(checkRoot, "other", 0), []byte("A9"))
		}, "albums_by_dir", "missing album A9"},
		{"album index entry for other dir", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketAlbumDir).Put(albumDirKey(checkRoot, "trips", 1), []byte("A1"))
		}, "albums_by_dir", "which mirrors directory"},
		{"undecodable upload", func(tx *bolt.Tx) error {
			return plantUpload(tx, strings.Repeat("d", 64), []byte{formatUploadV2, 0})
		}, "uploads", "invalid record"},
		{"invalid upload", func(tx *bolt.Tx) error {
			sha := strings.Repeat("e", 64)
			return plantUpload(tx, sha, encodeUpload(Upload{SHA256: sha, Stage: 7}))
		}, "uploads", "invalid stage"},
		{"upload missing from index", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketUploadHash).Delete(uploadHashKey(strings.Repeat("c", 64)))
		}, "uploads_by_hash", "missing from the index"},
		{"upload index entry without upload", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketUploadHash).Put(uploadHashKey(strings.Repeat("f", 64)), uploadSeqKey(99))
		}, "uploads_by_hash", "points at missing upload 0000000000000063"},
		{"upload index entry with other hash", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketUploadHash).Put(uploadHashKey(strings.Repeat("f", 64)), uploadSeqKey(1))
		}, "uploads_by_hash", "which has SHA-256 \"cccc"},
		{"malformed upload index entry", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketUploadHash).Put([]byte("short"), uploadSeqKey(1))
		}, "uploads_by_hash", "malformed index entry"},
		{"upload key beyond sequence", func(tx *bolt.Tx) error {
			sha := strings.Repeat("9", 64)
			if err := tx.Bucket(bucketUploads).Put(uploadSeqKey(1000), encodeUpload(Upload{SHA256: sha})); err != nil {
				return err
			}
			return tx.Bucket(bucketUploadHash).Put(uploadHashKey(sha), uploadSeqKey(1000))
		}, "uploads", "sequence number 1000 is beyond the bucket's sequence 1"},
		{"upload key not a sequence number", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketUploads).Put([]byte("abc"), encodeUpload(Upload{SHA256: strings.Repeat("9", 64)}))
		}, "uploads", "key has 3 bytes"},
		{"bad request day", func(tx *bolt.Tx) error {
			v, _ := encodeJSON(map[string]int{"upload": 1})
			return tx.Bucket(bucketRequests).Put([]byte("yesterday"), v)
		}, "requests", "not a date"},
		{"negative request count", func(tx *bolt.Tx) error {
			v, _ := encodeJSON(map[string]int{"upload": -4})
			return tx.Bucket(bucketRequests).Put([]byte("2026-01-02"), v)
		}, "requests", "invalid count -4"},
		{"unknown bucket", func(tx *bolt.Tx) error {
			_, err := tx.CreateBucket([]byte("extra"))
			return err
		}, "extra", "unknown bucket"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			fillForCheck(t, path)

			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Update(tc.plant); err != nil {
				t.Fatalf("plant: %v", err)
			}
			db.Close()

			s, err := Open(path, Options{})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			problems, err := s.Check()
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if len(problems) != 1 {
				t.Errorf("Check found %d problems, want 1: %v", len(problems), problems)
			}
			for _, p := range problems {
				if p.Bucket != tc.wantBucket || !strings.Contains(p.Message, tc.wantMessage) {
					t.Errorf("problem %q, want one in bucket %s containing %q", p, tc.wantBucket, tc.wantMessage)
				}
			}
		})
	}
}

func TestCheckCleanStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	fillForCheck(t, path)
	s, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	problems, err := s.Check()
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 0 {
		t.Errorf("Check of a consistent store found %v", problems)
	}
}

func TestIndexMismatchIsDamage(t *testing.T) {
	shaA := strings.Repeat("a", 64)
	path := filepath.Join(t.TempDir(), "state.db")
	fillForCheck(t, path)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, err := range []error{
			tx.Bucket(bucketFileHash).Put(fileHashKey(shaA, checkRoot, "gone.jpg"), nil),
			tx.Bucket(bucketMediaHash).Delete(mediaHashKey(shaA, "m1")),
			tx.Bucket(bucketMediaHash).Put(mediaHashKey(shaA, "m0"), nil),
			tx.Bucket(bucketAlbumDir).Put(albumDirKey(checkRoot, "other", 0), []byte("A1")),
		} {
			if err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var ce *CorruptError
	_, err = s.FilesByHash(shaA)
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "gone.jpg") {
		t.Errorf("FilesByHash with a dangling index entry returned %v, want a *CorruptError naming gone.jpg", err)
	}
	_, _, err = s.MediaItemByHash(shaA)
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "media item m0") {
		t.Errorf("MediaItemByHash with a dangling index entry returned %v, want a *CorruptError naming m0", err)
	}
	_, _, err = s.AlbumForDir(checkRoot, "other", 0)
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "album A1") {
		t.Errorf("AlbumForDir with a wrong index entry returned %v, want a *CorruptError naming A1", err)
	}
}
