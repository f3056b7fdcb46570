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

// storedFormats returns the format bytes of the file records and media
// items of a closed state file, keyed by "files/" or "media/" and the key.
func storedFormats(t *testing.T, path string) map[string]byte {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	formats := map[string]byte{}
	err = db.View(func(tx *bolt.Tx) error {
		err := tx.Bucket(bucketFiles).Bucket([]byte(migrateRoot)).ForEach(func(k, v []byte) error {
			formats["files/"+string(k)] = v[0]
			return nil
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketMedia).ForEach(func(k, v []byte) error {
			formats["media/"+string(k)] = v[0]
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return formats
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
	if m2, ok, err := s.GetMediaItem("m2"); err != nil || !ok || m2.ID != "m2" || m2.SHA256 != "" {
		t.Errorf("GetMediaItem(m2) after migration = %+v, %v, %v", m2, ok, err)
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
	formats := storedFormats(t, path)
	if len(formats) != 8 {
		t.Errorf("found %d records after migration, want 5 files and 3 media items: %v", len(formats), formats)
	}
	for key, format := range formats {
		want := byte(formatFileV2)
		if strings.HasPrefix(key, "media/") {
			want = formatMediaV2
		}
		if format != want {
			t.Errorf("record %s has format %d after migration, want %d", key, format, want)
		}
	}
}

func TestMigrateManyRecords(t *testing.T) {
	// More records than one batch of rewriteRecords, so that the rewrite
	// seeks back several times.
	const n = 2*rewriteBatch + 7
	path := writeVersion2(t, func(tx *bolt.Tx) error {
		folder := tx.Bucket(bucketFiles).Bucket([]byte(migrateRoot))
		media := tx.Bucket(bucketMedia)
		for i := range n {
			sha := fmt.Sprintf("%064x", i)
			path := fmt.Sprintf("many/%05d.jpg", i)
			if err := folder.Put([]byte(path), encodeFileV1(File{Path: path, SHA256: sha, Size: int64(i)})); err != nil {
				return err
			}
			v, err := encodeJSON(MediaItem{ID: fmt.Sprintf("item%05d", i), SHA256: sha})
			if err != nil {
				return err
			}
			if err := media.Put([]byte(fmt.Sprintf("item%05d", i)), v); err != nil {
				return err
			}
		}
		return migrateAddHashIndexes(tx)
	})
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open of a version 2 file: %v", err)
	}
	files := 0
	err = s.ForEachFile(migrateRoot, func(f File) error {
		if strings.HasPrefix(f.Path, "many/") {
			var i int
			fmt.Sscanf(f.Path, "many/%05d.jpg", &i)
			if f.Size != int64(i) || f.SHA256 != fmt.Sprintf("%064x", i) {
				t.Errorf("file %s after migration has size %d and SHA-256 %s", f.Path, f.Size, f.SHA256)
			}
			files++
		}
		return nil
	})
	if err != nil {
		t.Fatalf("ForEachFile: %v", err)
	}
	if files != n {
		t.Errorf("found %d files after migration, want %d", files, n)
	}
	items := 0
	err = s.ForEachMediaItem(func(m MediaItem) error {
		items++
		return nil
	})
	if err != nil {
		t.Fatalf("ForEachMediaItem: %v", err)
	}
	if items != n+2 {
		t.Errorf("found %d media items after migration, want %d", items, n+2)
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
	for key, format := range storedFormats(t, path) {
		if format != formatFileV2 && format != formatMediaV2 {
			t.Errorf("record %s has format %d after migration", key, format)
		}
	}
}

func TestMigrateVersion2Failure(t *testing.T) {
	path := writeVersion2(t, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMedia).Put([]byte("bad"), []byte{formatMediaV2 + 1})
	})
	_, err := Open(path, Options{})
	if err == nil {
		t.Fatal("Open migrated a file with an undecodable media item")
	}
	for _, want := range []string{"migrate schema version 2 to 3", "encode file records and media items", "media item bad"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if v := storedVersion(t, path); v != 2 {
		t.Errorf("stored schema version = %d after a failed migration, want 2", v)
	}
	for key, format := range storedFormats(t, path) {
		if strings.HasPrefix(key, "files/") && format != formatFileV1 {
			t.Errorf("file record %s has format %d after a failed migration, want %d", key, format, formatFileV1)
		}
	}
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
