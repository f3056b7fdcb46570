package scan_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/photosync/photosync/sync/scan"
)

// ExampleScan scans a folder twice: the first scan hashes every photo, the
// second reuses the hashes of the first through Previous and reads nothing.
func ExampleScan() {
	root, err := os.MkdirTemp("", "scan-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(root)
	photo, err := os.ReadFile("../../testdata/media/Tricky/png_named_as.jpg")
	if err != nil {
		log.Fatal(err)
	}
	must(os.MkdirAll(filepath.Join(root, "Trips", ".photosync"), 0o755))
	must(os.WriteFile(filepath.Join(root, "Trips", "beach.jpg"), photo, 0o644))
	must(os.WriteFile(filepath.Join(root, "Trips", "notes.txt"), []byte("sunny\n"), 0o644))
	must(os.WriteFile(filepath.Join(root, "Trips", "upload.jpg.part"), photo, 0o644))

	ctx := context.Background()
	// The files were written just now, so SettleTime stays zero here. A
	// daemon sets it to hold back files that are still being written.
	opts := scan.Options{Root: root}
	first, err := scan.Scan(ctx, opts, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range first.Entries {
		fmt.Printf("entry %s: %s, hashed %v\n", e.Path, e.Format.MIME, e.Hashed)
	}
	for _, s := range first.Skipped {
		fmt.Printf("skip %s: %v\n", s.Path, s.Kind)
	}

	// A store would return what it recorded from the first scan.
	known := map[string]scan.Entry{}
	for _, e := range first.Entries {
		known[e.Path] = e
	}
	prev := func(path string) (int64, time.Time, string, bool) {
		e, ok := known[path]
		return e.Size, e.ModTime, e.SHA256, ok
	}
	second, err := scan.Scan(ctx, opts, prev)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("second scan: %d entries, %d files hashed\n", len(second.Entries), second.HashedFiles)
	fmt.Println("notes.txt absent:", second.Absent("Trips/notes.txt"))
	fmt.Println("old.jpg absent:", second.Absent("Trips/old.jpg"))

	// Output:
	// entry Trips/beach.jpg: image/png, hashed true
	// skip Trips/notes.txt: unsupported
	// second scan: 1 entries, 0 files hashed
	// notes.txt absent: false
	// old.jpg absent: true
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
