package state_test

import (
	"fmt"
	"testing"

	"github.com/photosync/photosync/state"
)

func TestCountFiles(t *testing.T) {
	s, _ := openStore(t)
	for _, n := range []int{0, 1, 1500} {
		folder := fmt.Sprintf("/photos/count%d", n)
		err := s.Update(func(tx *state.Tx) error {
			if err := tx.PutFolder(state.Folder{ID: folder}); err != nil {
				return err
			}
			for i := range n {
				f := state.File{Folder: folder, Path: fmt.Sprintf("d%02d/IMG_%05d.jpg", i%7, i)}
				if err := tx.PutFile(f); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = s.View(func(tx *state.Tx) error {
			got, err := tx.CountFiles(folder)
			if err != nil {
				return err
			}
			if got != n {
				t.Errorf("CountFiles(%s) = %d, want %d", folder, got, n)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("CountFiles(%s): %v", folder, err)
		}
	}
	err := s.View(func(tx *state.Tx) error {
		if got, err := tx.CountFiles("/photos/unknown"); err != nil || got != 0 {
			t.Errorf("CountFiles of an unknown folder = %d, %v; want 0", got, err)
		}
		if _, err := tx.CountFiles("relative"); err == nil {
			t.Error("CountFiles accepted a relative folder ID")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
