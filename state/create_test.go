package state

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestOpenRemovesLeftoverNewFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	tmp := path + newFileSuffix
	// A kill while the first run built the file leaves a partial one.
	if err := os.WriteFile(tmp, []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}

	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open with a leftover %s: %v", tmp, err)
	}
	defer s.Close()
	if _, err := os.Stat(tmp); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat(%s) after Open = %v, want not exist", tmp, err)
	}
	if err := s.PutMeta("k", "v"); err != nil {
		t.Errorf("PutMeta on the new store: %v", err)
	}
}

func TestOpenRenamesCompleteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	var checked bool
	beforeRename = func(tmp string) {
		checked = true
		if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Stat(%s) before the rename = %v, want not exist", path, err)
		}
		db, err := bolt.Open(tmp, 0o600, &bolt.Options{ReadOnly: true})
		if err != nil {
			t.Errorf("open %s before the rename: %v", tmp, err)
			return
		}
		defer db.Close()
		err = db.View(func(tx *bolt.Tx) error {
			version, err := readSchemaVersion(tx)
			if version != SchemaVersion {
				t.Errorf("schema version before the rename = %d, want %d", version, SchemaVersion)
			}
			for _, name := range allBuckets {
				if tx.Bucket(name) == nil {
					t.Errorf("bucket %s is missing before the rename", name)
				}
			}
			return err
		})
		if err != nil {
			t.Errorf("read %s before the rename: %v", tmp, err)
		}
	}
	t.Cleanup(func() { beforeRename = nil })

	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !checked {
		t.Error("Open did not build the new file under a temporary name")
	}
}

func TestOpenExistingFileSkipsCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutMeta("k", "v"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	beforeRename = func(string) { t.Error("Open rebuilt an existing state file") }
	t.Cleanup(func() { beforeRename = nil })
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, ok, err := s.GetMeta("k"); v != "v" || !ok || err != nil {
		t.Errorf("GetMeta after reopening = %q, %v, %v; want v", v, ok, err)
	}
}
