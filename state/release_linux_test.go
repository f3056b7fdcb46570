package state_test

import (
	"fmt"
	"testing"

	"github.com/photosync/photosync/internal/testenv"
	"github.com/photosync/photosync/state"
)

func TestReleaseMappedPages(t *testing.T) {
	s, path := openStore(t)
	const n = 5000
	err := s.Update(func(tx *state.Tx) error {
		if err := tx.PutFolder(state.Folder{ID: rootA}); err != nil {
			return err
		}
		for i := range n {
			f := state.File{Folder: rootA, Path: fmt.Sprintf("d%02d/IMG_%05d.jpg", i%20, i),
				SHA256: fmt.Sprintf("%064x", i), MediaItemID: fmt.Sprintf("item-%05d", i)}
			if err := tx.PutFile(f); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	countFiles := func() int {
		t.Helper()
		count := 0
		err := s.ForEachFile(rootA, func(f state.File) error {
			count++
			return nil
		})
		if err != nil {
			t.Fatalf("ForEachFile: %v", err)
		}
		return count
	}

	if got := countFiles(); got != n {
		t.Fatalf("read %d files, want %d", got, n)
	}
	before := testenv.ResidentKiB(t, path)
	if before == 0 {
		t.Fatalf("no page of %s is resident after reading every record", path)
	}
	if err := s.ReleaseMappedPages(); err != nil {
		t.Fatalf("ReleaseMappedPages: %v", err)
	}
	if after := testenv.ResidentKiB(t, path); after != 0 {
		t.Errorf("%d KiB of %s still resident after ReleaseMappedPages, %d KiB before", after, path, before)
	}
	// The records read the same after the release.
	if got := countFiles(); got != n {
		t.Errorf("read %d files after the release, want %d", got, n)
	}
	f, ok, err := s.GetFile(rootA, "d07/IMG_00007.jpg")
	if err != nil || !ok || f.SHA256 != fmt.Sprintf("%064x", 7) {
		t.Errorf("GetFile after the release = %+v, %v, %v", f, ok, err)
	}
	wantNoProblems(t, s)
}

func TestReleaseMappedPagesNewStore(t *testing.T) {
	s, _ := openStore(t)
	if err := s.ReleaseMappedPages(); err != nil {
		t.Fatalf("ReleaseMappedPages of a new store: %v", err)
	}
}
