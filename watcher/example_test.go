package watcher_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/photosync/photosync/watcher"
)

// This example shows how a daemon wires a Watcher: add the synced folders,
// run it until the context ends, and act on each batch.
func Example() {
	w, err := watcher.New(watcher.Options{})
	if err != nil {
		log.Fatal(err)
	}
	for _, folder := range []string{"/home/ana/Pictures"} {
		err := w.Add(folder)
		if errors.Is(err, watcher.ErrWatchLimit) {
			// The folder stays registered but must be scanned periodically.
			log.Print(err)
		} else if err != nil {
			log.Fatal(err)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	go func() {
		if err := w.Run(ctx); err != nil {
			log.Print(err)
		}
	}()

	// Before writing a download into place, the daemon silences its path.
	_ = w.Ignore("/home/ana/Pictures", "Trips/2024/beach.jpg", time.Now().Add(time.Minute))

	for batch := range w.Batches() {
		for _, dir := range batch.Rescan {
			fmt.Printf("rescan %q under %s\n", dir, batch.Root)
		}
		for _, rel := range batch.Paths {
			fmt.Printf("look at %s under %s\n", rel, batch.Root)
		}
	}
}
