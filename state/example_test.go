package state_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/photosync/photosync/state"
)

func Example() {
	dir, err := os.MkdirTemp("", "photosync-state-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	s, err := state.Open(filepath.Join(dir, "state.db"), state.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	// The folder and its first file commit together.
	const root = "/home/ana/Pictures"
	err = s.Update(func(tx *state.Tx) error {
		if err := tx.PutFolder(state.Folder{ID: root}); err != nil {
			return err
		}
		return tx.PutFile(state.File{
			Folder:  root,
			Path:    "Trips/2024/beach.jpg",
			Size:    2_481_152,
			ModTime: time.Date(2024, 7, 14, 10, 30, 0, 123456789, time.UTC),
		})
	})
	if err != nil {
		log.Fatal(err)
	}

	err = s.View(func(tx *state.Tx) error {
		return tx.ForEachFile(root, func(f state.File) error {
			fmt.Println(f.Path, f.Size, f.Status, f.ModTime.Format(time.RFC3339Nano))
			return nil
		})
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output: Trips/2024/beach.jpg 2481152 pending 2024-07-14T10:30:00.123456789Z
}

func ExampleQuotaDay() {
	// 07:30 UTC on 4 December is still 3 December in California.
	t := time.Date(2026, 12, 4, 7, 30, 0, 0, time.UTC)
	fmt.Println(state.QuotaDay(t))
	fmt.Println(state.NextQuotaReset(t).UTC())
	// Output:
	// 2026-12-03
	// 2026-12-04 08:00:00 +0000 UTC
}
