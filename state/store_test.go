package state_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/photosync/photosync/state"
)

func TestReadOnlyStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := state.Open(path, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutMeta("client_id", "abc"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	ro, err := state.Open(path, state.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only Open: %v", err)
	}
	defer ro.Close()
	if v, ok, err := ro.GetMeta("client_id"); v != "abc" || !ok || err != nil {
		t.Errorf("GetMeta on a read-only store = %q, %v, %v; want abc", v, ok, err)
	}
	wantErrorContaining(t, ro.PutMeta("client_id", "x"), "update state", "opened read-only")
}

func TestOpenEmptyPath(t *testing.T) {
	_, err := state.Open("", state.Options{})
	wantErrorContaining(t, err, "path is empty", "state_dir")
}

func TestOpenNegativeLockTimeout(t *testing.T) {
	_, err := state.Open(filepath.Join(t.TempDir(), "state.db"), state.Options{LockTimeout: -1})
	wantErrorContaining(t, err, "lock timeout -1ns is negative")
}

func TestOpenMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "state.db")
	_, err := state.Open(path, state.Options{})
	wantErrorContaining(t, err, filepath.Dir(path)+" does not exist", "set state_dir")
	if errors.As(err, new(*state.CorruptError)) {
		t.Errorf("missing directory reported as damage: %v", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	s := openStoreWithFolders(t)
	const writers, filesEach = 4, 50
	var wg sync.WaitGroup
	errs := make(chan error, 2*writers)
	for w := range writers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range filesEach {
				f := state.File{Folder: rootA, Path: fmt.Sprintf("w%d/%03d.jpg", w, i), SHA256: hash('1')}
				if err := s.PutFile(f); err != nil {
					errs <- err
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range filesEach {
				if _, err := s.FilesByHash(hash('1')); err != nil {
					errs <- err
					return
				}
			}
		}()
	}

	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	files, err := s.FilesByHash(hash('1'))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != writers*filesEach {
		t.Errorf("FilesByHash found %d files, want %d", len(files), writers*filesEach)
	}
	wantNoProblems(t, s)
}

func TestCloseTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := state.Open(path, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("first Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	// The lock is free for the next opener.
	s2, err := state.Open(path, state.Options{})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	s2.Close()
}

func TestTxAfterTransaction(t *testing.T) {
	s := openStoreWithFolders(t)
	var kept *state.Tx
	if err := s.View(func(tx *state.Tx) error { kept = tx; return nil }); err != nil {
		t.Fatal(err)
	}
	_, _, err := kept.GetFile(rootA, "a.jpg")
	wantErrorContaining(t, err, "transaction is closed")
	if errors.As(err, new(*state.CorruptError)) {
		t.Errorf("use of a closed transaction reported as damage: %v", err)
	}
}

func TestSizeFollowsFile(t *testing.T) {
	s, path := openStore(t)
	before, err := s.Size()
	if err != nil {
		t.Fatalf("Size: %v", err)
	}
	if err := s.PutFolder(state.Folder{ID: rootA}); err != nil {
		t.Fatal(err)
	}
	err = s.Update(func(tx *state.Tx) error {
		for i := range 2000 {
			if err := tx.PutFile(state.File{Folder: rootA, Path: fmt.Sprintf("IMG_%04d.jpg", i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	after, err := s.Size()
	if err != nil {
		t.Fatalf("Size: %v", err)
	}
	if after <= before {
		t.Errorf("Size = %d after 2,000 files, want more than the %d of a new store", after, before)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if after > info.Size() {
		t.Errorf("Size = %d, more than the file's %d bytes", after, info.Size())
	}
}
