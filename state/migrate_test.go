package state

import (
	"bytes"
	"errors"
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
			v := encodeFile(File{Path: path, SHA256: sha, Size: 10, Status: StatusSynced})
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

func TestOpenNewerSchema(t *testing.T) {
	path := writeVersion1(t, "3", nil)
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, readOnly := range []bool{false, true} {
		_, err := Open(path, Options{ReadOnly: readOnly})
		if !errors.Is(err, ErrNewerSchema) {
			t.Fatalf("Open(ReadOnly: %v) returned %v, want ErrNewerSchema", readOnly, err)
		}
		for _, want := range []string{path, "schema version 3", "version 2", "upgrade photosync"} {
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
	if err == nil || !strings.Contains(err.Error(), "must be migrated to version 2") {
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
	for _, want := range []string{"migrate schema version 1 to 2", "add the content hash indexes", "bad.jpg"} {
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
