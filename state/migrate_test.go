package state

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"
)

const migrateRoot = "/photos/old"

// writeVersion1 creates a state file in the layout of schema version 1,
// which had no hash index buckets, and returns its path. edit may change the
// file before it is closed.
func writeVersion1(t *testing.T, version string, edit func(tx *bolt.Tx) error) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	mustJSON := func(v any) []byte {
		b, err := encodeJSON(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	err = db.Update(func(tx *bolt.Tx) error {
		buckets := map[string]map[string][]byte{
			"meta":     {"schema_version": []byte(version)},
			"settings": {"client_id": []byte("old-client")},
			"folders":  {migrateRoot: mustJSON(Folder{ID: migrateRoot})},
			"media_items": {
				"m1": mustJSON(MediaItem{ID: "m1", SHA256: strings.Repeat("1", 64), Filename: "a.jpg"}),
				"m2": mustJSON(MediaItem{ID: "m2"}),
			},
			"albums":        {"A": mustJSON(Album{ID: "A", Folder: migrateRoot, Dir: "x"})},
			"albums_by_dir": {string(albumDirKey(migrateRoot, "x", 0)): []byte("A")},
			"uploads":       {},
			"tombstones":    {},
			"requests":      {"2026-01-01": mustJSON(map[string]int{"upload": 4})},
		}
		for name, records := range buckets {
			b, err := tx.CreateBucket([]byte(name))
			if err != nil {
				return err
			}
			for k, v := range records {
				if err := b.Put([]byte(k), v); err != nil {
					return err
				}
			}
		}
		files, err := tx.CreateBucket(bucketFiles)
		if err != nil {
			return err
		}
		folder, err := files.CreateBucket([]byte(migrateRoot))
		if err != nil {
			return err
		}
		for path, sha := range map[string]string{
			"x/a.jpg":   strings.Repeat("1", 64),
			"x/b.jpg":   strings.Repeat("1", 64),
			"x/c.jpg":   strings.Repeat("2", 64),
			"unhashed":  "",
			"x/y/z.png": strings.Repeat("3", 64),
		} {
			v := encodeFileV1(File{Path: path, SHA256: sha, Size: 10, Status: StatusSynced})
			if err := folder.Put([]byte(path), v); err != nil {
				return err
			}
		}
		if edit != nil {
			return edit(tx)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// encodeFileV1 returns a file record in format formatFileV1, which schema
// versions 1 and 2 wrote: like formatFileV2, with the hash as a uvarint
// length and hex digits.
func encodeFileV1(f File) []byte {
	b := []byte{formatFileV1, byte(f.Status), byte(f.Origin)}
	b = binary.AppendVarint(b, f.Size)
	b = appendTime(b, f.ModTime)
	b = appendTime(b, f.UpdatedAt)
	for _, s := range [...]string{f.SHA256, f.MediaItemID, f.AlbumID, f.Reason} {
		b = appendString(b, s)
	}
	return b
}

// writeVersion2 creates a state file in the layout of schema version 2,
// with the records of writeVersion1 and their hash indexes, and returns its
// path.
func writeVersion2(t *testing.T, edit func(tx *bolt.Tx) error) string {
	t.Helper()
	return writeVersion1(t, "2", func(tx *bolt.Tx) error {
		if err := migrateAddHashIndexes(tx); err != nil {
			return err
		}
		if edit != nil {
			return edit(tx)
		}
		return nil
	})
}

// writeVersion3 creates a state file in the layout of schema version 3,
// with the records of writeVersion2 and uploads stored as schema version 3
// stored them: JSON under their hex SHA-256. It returns the file's path.
func writeVersion3(t *testing.T, uploads []Upload, edit func(tx *bolt.Tx) error) string {
	t.Helper()
	return writeVersion1(t, "3", func(tx *bolt.Tx) error {
		if err := migrateAddHashIndexes(tx); err != nil {
			return err
		}
		for _, u := range uploads {
			v, err := encodeJSON(u)
			if err != nil {
				return err
			}
			if err := tx.Bucket(bucketUploads).Put([]byte(u.SHA256), v); err != nil {
				return err
			}
		}
		if edit != nil {
			return edit(tx)
		}
		return nil
	})
}

// storedRecords returns the values of the file records and media items of
// a closed state file, keyed by "files/" or "media/" and the key.
func storedRecords(t *testing.T, path string) map[string][]byte {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	records := map[string][]byte{}
	err = db.View(func(tx *bolt.Tx) error {
		err := tx.Bucket(bucketFiles).Bucket([]byte(migrateRoot)).ForEach(func(k, v []byte) error {
			records["files/"+string(k)] = bytes.Clone(v)
			return nil
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketMedia).ForEach(func(k, v []byte) error {
			records["media/"+string(k)] = bytes.Clone(v)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return records
}

// storedVersion reads the schema version of a closed state file.
func storedVersion(t *testing.T, path string) int {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var version int
	err = db.View(func(tx *bolt.Tx) error {
		version, err = readSchemaVersion(tx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return version
}

func TestMigrationsCoverEveryVersion(t *testing.T) {
	for i, m := range migrations {
		if m.From != i+1 {
			t.Errorf("migration %d (%s) starts at version %d, want %d", i, m.Name, m.From, i+1)
		}
	}
	if got := len(migrations) + 1; got != SchemaVersion {
		t.Errorf("migrations end at version %d, SchemaVersion is %d", got, SchemaVersion)
	}
}

func TestMigrateVersion1(t *testing.T) {
	path := writeVersion1(t, "1", nil)
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open of a version 1 file: %v", err)
	}

	files, err := s.FilesByHash(strings.Repeat("1", 64))
	if err != nil {
		t.Fatalf("FilesByHash: %v", err)
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, f.Path)
	}
	if diff := cmp.Diff([]string{"x/a.jpg", "x/b.jpg"}, paths); diff != "" {
		t.Errorf("FilesByHash after migration (-want +got):\n%s", diff)
	}
	m, ok, err := s.MediaItemByHash(strings.Repeat("1", 64))
	if err != nil || !ok || m.ID != "m1" {
		t.Errorf("MediaItemByHash after migration = %q, %v, %v; want m1", m.ID, ok, err)
	}
	if v, _, _ := s.GetMeta("client_id"); v != "old-client" {
		t.Errorf("setting after migration = %q, want old-client", v)
	}
	if a, ok, err := s.AlbumForDir(migrateRoot, "x", 0); err != nil || !ok || a.ID != "A" {
		t.Errorf("AlbumForDir after migration = %q, %v, %v; want A", a.ID, ok, err)
	}
	if total, _, err := s.Requests("2026-01-01"); err != nil || total != 4 {
		t.Errorf("Requests after migration = %d, %v; want 4", total, err)
	}
	problems, err := s.Check()
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	for _, p := range problems {
		t.Errorf("Check after migration: %s", p)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	if v := storedVersion(t, path); v != SchemaVersion {
		t.Errorf("stored schema version = %d, want %d", v, SchemaVersion)
	}
}

func TestMigrateVersion2(t *testing.T) {
	created := time.Date(2026, 3, 4, 5, 6, 7, 8, time.UTC)
	path := writeVersion2(t, func(tx *bolt.Tx) error {
		v, err := encodeJSON(MediaItem{ID: "m3", SHA256: strings.Repeat("3", 64), Filename: "z.png",
			MimeType: "image/png", AlbumIDs: []string{"A", "B"}, CreatedAt: created, Origin: OriginDownloaded})
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketMedia).Put([]byte("m3"), v); err != nil {
			return err
		}
		return tx.Bucket(bucketMediaHash).Put(mediaHashKey(strings.Repeat("3", 64), "m3"), nil)
	})
	before := storedRecords(t, path)
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open of a version 2 file: %v", err)
	}

	f, ok, err := s.GetFile(migrateRoot, "x/y/z.png")
	if err != nil || !ok {
		t.Fatalf("GetFile after migration = %v, %v", ok, err)
	}
	want := File{Folder: migrateRoot, Path: "x/y/z.png", SHA256: strings.Repeat("3", 64), Size: 10,
		Status: StatusSynced}
	if diff := cmp.Diff(want, f); diff != "" {
		t.Errorf("file after migration (-want +got):\n%s", diff)
	}
	unhashed, _, err := s.GetFile(migrateRoot, "unhashed")
	if err != nil || unhashed.SHA256 != "" {
		t.Errorf("unhashed file after migration has SHA-256 %q, %v; want none", unhashed.SHA256, err)
	}
	files, err := s.FilesByHash(strings.Repeat("1", 64))
	if err != nil || len(files) != 2 {
		t.Errorf("FilesByHash after migration = %d files, %v; want 2", len(files), err)
	}
	m, ok, err := s.MediaItemByHash(strings.Repeat("3", 64))
	if err != nil || !ok {
		t.Fatalf("MediaItemByHash after migration = %v, %v", ok, err)
	}
	wantItem := MediaItem{ID: "m3", SHA256: strings.Repeat("3", 64), Filename: "z.png", MimeType: "image/png",
		AlbumIDs: []string{"A", "B"}, CreatedAt: created, Origin: OriginDownloaded}
	if diff := cmp.Diff(wantItem, m); diff != "" {
		t.Errorf("media item after migration (-want +got):\n%s", diff)
	}
	items := 0
	if err := s.ForEachMediaItem(func(MediaItem) error { items++; return nil }); err != nil || items != 3 {
		t.Errorf("ForEachMediaItem after migration visited %d items, %v; want 3", items, err)
	}
	wantNoCheckProblems(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	if v := storedVersion(t, path); v != SchemaVersion {
		t.Errorf("stored schema version = %d, want %d", v, SchemaVersion)
	}
	if diff := cmp.Diff(before, storedRecords(t, path)); diff != "" {
		t.Errorf("migration changed records (-before +after):\n%s", diff)
	}
}

func TestMigratedRecordsTakeNewFormat(t *testing.T) {
	path := writeVersion2(t, nil)
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open of a version 2 file: %v", err)
	}
	f, _, err := s.GetFile(migrateRoot, "x/a.jpg")
	if err != nil {
		t.Fatal(err)
	}
	f.MediaItemID = "m1"
	if err := s.PutFile(f); err != nil {
		t.Fatalf("PutFile: %v", err)
	}
	m, _, err := s.GetMediaItem("m1")
	if err != nil {
		t.Fatal(err)
	}
	m.AlbumIDs = []string{"A"}
	if err := s.PutMediaItem(m); err != nil {
		t.Fatalf("PutMediaItem: %v", err)
	}
	wantNoCheckProblems(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	records := storedRecords(t, path)
	for key, want := range map[string]byte{
		"files/x/a.jpg": formatFileV2,
		"files/x/b.jpg": formatFileV1,
		"media/m1":      formatMediaV2,
		"media/m2":      formatJSONV1,
	} {
		if got := records[key][0]; got != want {
			t.Errorf("record %s has format %d, want %d", key, got, want)
		}
	}
	if n, old := len(records["files/x/a.jpg"]), len(records["files/x/b.jpg"]); n >= old {
		t.Errorf("rewritten file record has %d bytes, not fewer than the %d of an old one", n, old)
	}
}

// wantNoCheckProblems fails the test when Check finds anything.
func wantNoCheckProblems(t *testing.T, s *Store) {
	t.Helper()
	problems, err := s.Check()
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	for _, p := range problems {
		t.Errorf("Check: %s", p)
	}
}

func TestMigrateVersion3(t *testing.T) {
	started := time.Date(2026, 3, 4, 5, 6, 7, 8, time.UTC)
	uploads := []Upload{
		{SHA256: strings.Repeat("e", 64), Folder: migrateRoot, Path: "x/v.mp4", FileName: "v.mp4",
			MimeType: "video/mp4", Size: 1 << 30, SessionURL: "http://127.0.0.1:9/upload?id=1",
			SessionStarted: started, Stage: StageSending, Attempts: 2, LastError: "connection reset"},
		{SHA256: strings.Repeat("4", 64), Folder: migrateRoot, Path: "x/d.jpg", FileName: "d.jpg",
			MimeType: "image/jpeg", Size: 10, Token: "CAIS-token", TokenCreated: started.Add(time.Minute),
			AlbumID: "A", Stage: StageUploaded, Attempts: 1},
	}
	path := writeVersion3(t, uploads, nil)
	before := storedRecords(t, path)
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open of a version 3 file: %v", err)
	}

	for _, want := range uploads {
		got, ok, err := s.GetUpload(want.SHA256)
		if err != nil || !ok {
			t.Fatalf("GetUpload(%s) after migration = %v, %v", want.SHA256, ok, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("upload after migration (-want +got):\n%s", diff)
		}
	}
	var order []string
	err = s.ForEachUpload(func(u Upload) error {
		order = append(order, u.Path)
		return nil
	})
	if err != nil {
		t.Fatalf("ForEachUpload after migration: %v", err)
	}
	if diff := cmp.Diff([]string{"x/d.jpg", "x/v.mp4"}, order); diff != "" {
		t.Errorf("ForEachUpload order after migration (-want +got):\n%s", diff)
	}
	// A new upload takes the sequence number after the migrated ones.
	added := Upload{SHA256: strings.Repeat("0", 64), Path: "x/new.jpg"}
	if err := s.PutUpload(added); err != nil {
		t.Fatalf("PutUpload after migration: %v", err)
	}
	wantNoCheckProblems(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	if v := storedVersion(t, path); v != SchemaVersion {
		t.Errorf("stored schema version = %d, want %d", v, SchemaVersion)
	}
	if diff := cmp.Diff(before, storedRecords(t, path)); diff != "" {
		t.Errorf("migration changed file records or media items (-before +after):\n%s", diff)
	}
	wantStoredUploads(t, path, map[uint64]string{1: uploads[1].SHA256, 2: uploads[0].SHA256, 3: added.SHA256})
}

// wantStoredUploads checks that a closed state file holds, in the binary
// format, exactly the pending uploads of want, by sequence number, and
// index entries for them.
func wantStoredUploads(t *testing.T, path string, want map[uint64]string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got := map[uint64]string{}
	err = db.View(func(tx *bolt.Tx) error {
		index := tx.Bucket(bucketUploadHash)
		return tx.Bucket(bucketUploads).ForEach(func(k, v []byte) error {
			if len(k) != uploadSeqLen {
				t.Errorf("uploads key %x is not a sequence number", k)
				return nil
			}
			if v[0] != formatUploadV2 {
				t.Errorf("upload %x has format %d, want %d", k, v[0], formatUploadV2)
			}
			u, err := decodeUpload(v)
			if err != nil {
				return err
			}
			if !bytes.Equal(index.Get(uploadHashKey(u.SHA256)), k) {
				t.Errorf("index entry of upload %x of %s does not point at it", k, u.SHA256)
			}
			got[binary.BigEndian.Uint64(k)] = u.SHA256
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stored uploads by sequence number (-want +got):\n%s", diff)
	}
}

func TestMigrateVersion3Failure(t *testing.T) {
	path := writeVersion3(t, []Upload{{SHA256: strings.Repeat("e", 64)}}, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketUploads).Put([]byte(strings.Repeat("f", 64)), []byte{formatJSONV1, '{'})
	})
	_, err := Open(path, Options{})
	if err == nil {
		t.Fatal("Open migrated a file with an undecodable upload")
	}
	for _, want := range []string{"migrate schema version 3 to", "key pending uploads by sequence number",
		strings.Repeat("f", 64)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if v := storedVersion(t, path); v != 3 {
		t.Errorf("stored schema version = %d after a failed migration, want 3", v)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketUploadHash) != nil {
			t.Error("a failed migration left the uploads_by_hash bucket behind")
		}
		if v := tx.Bucket(bucketUploads).Get([]byte(strings.Repeat("e", 64))); v == nil || v[0] != formatJSONV1 {
			t.Error("a failed migration changed the stored uploads")
		}
		return nil
	})
}

func TestOpenNewerSchema(t *testing.T) {
	newer := SchemaVersion + 1
	path := writeVersion1(t, fmt.Sprint(newer), nil)
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, readOnly := range []bool{false, true} {
		_, err := Open(path, Options{ReadOnly: readOnly})
		if !errors.Is(err, ErrNewerSchema) {
			t.Fatalf("Open(ReadOnly: %v) returned %v, want ErrNewerSchema", readOnly, err)
		}
		for _, want := range []string{path, fmt.Sprintf("schema version %d", newer),
			fmt.Sprintf("version %d", SchemaVersion), "upgrade photosync"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not contain %q", err, want)
			}
		}
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("Open changed a file of a newer schema")
	}
}

func TestOpenOlderSchemaReadOnly(t *testing.T) {
	path := writeVersion1(t, "1", nil)
	_, err := Open(path, Options{ReadOnly: true})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("must be migrated to version %d", SchemaVersion)) {
		t.Errorf("read-only Open of a version 1 file returned %v, want a request to migrate", err)
	}
	if v := storedVersion(t, path); v != 1 {
		t.Errorf("stored schema version = %d after read-only Open, want 1", v)
	}
}

func TestMigrationFailureKeepsOldVersion(t *testing.T) {
	path := writeVersion1(t, "1", func(tx *bolt.Tx) error {
		return tx.Bucket(bucketFiles).Bucket([]byte(migrateRoot)).Put([]byte("bad.jpg"), []byte{1, 2})
	})
	_, err := Open(path, Options{})
	if err == nil {
		t.Fatal("Open migrated a file with an undecodable record")
	}
	for _, want := range []string{fmt.Sprintf("migrate schema version 1 to %d", SchemaVersion),
		"add the content hash indexes", "bad.jpg"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if v := storedVersion(t, path); v != 1 {
		t.Errorf("stored schema version = %d after a failed migration, want 1", v)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketFileHash) != nil {
			t.Error("a failed migration left the files_by_hash bucket behind")
		}
		return nil
	})
}

func TestOpenInvalidSchemaVersion(t *testing.T) {
	path := writeVersion1(t, "two", nil)
	_, err := Open(path, Options{})
	var ce *CorruptError
	if !errors.As(err, &ce) {
		t.Fatalf("Open returned %v, want a *CorruptError", err)
	}
	if !strings.Contains(err.Error(), `schema version "two" is not a positive number`) {
		t.Errorf("error %q does not name the bad version", err)
	}
}

func TestOpenCreatesCurrentSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(path, Options{Now: func() time.Time { return time.Unix(0, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if v := storedVersion(t, path); v != SchemaVersion {
		t.Errorf("new file has schema version %d, want %d", v, SchemaVersion)
	}
}
