package sync

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/photosync/photosync/state"
)

// crashBeforeLink puts in's store and folder in the state that a kill
// leaves between the transaction that records a download and the link
// that gives the file its final name. The records of rel and the journal
// entry that names it exist, and the file still has its temporary name.
func crashBeforeLink(t *testing.T, in *install, rel string) {
	t.Helper()
	tmpRel := filepath.ToSlash(filepath.Join(filepath.Dir(rel), TempPrefix+"0123456789abcdef"))
	if err := os.Rename(in.abs(rel), in.abs(tmpRel)); err != nil {
		t.Fatal(err)
	}
	err := in.store.Update(func(tx *state.Tx) error {
		return tx.PutMeta(metaDownloading+in.root+"\x00"+tmpRel, rel)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCrashBeforeLinkLooseItem recreates what a kill leaves between the
// records and the link of two downloads, one of an item outside every
// album. The next pass drops the records of the names that never appeared
// and must download both items again in the same pass.
func TestCrashBeforeLinkLooseItem(t *testing.T) {
	h := newHarness(t)
	a, b := newInstall(t, h, "laptop"), newInstall(t, h, "nas")
	a.write("loose.jpg", orientation(1))
	a.write("Album/in-album.jpg", orientation(2))
	a.sync()
	b.sync()
	want := []string{"Album/in-album.jpg", "loose.jpg"}
	if got := b.files(); !slices.Equal(got, want) {
		t.Fatalf("b's files after the first pass = %q, want %q", got, want)
	}

	crashBeforeLink(t, b, "loose.jpg")
	crashBeforeLink(t, b, "Album/in-album.jpg")
	b.sync()
	if got := b.files(); !slices.Equal(got, want) {
		t.Errorf("b's files after the restart = %q, want %q", got, want)
	}
}
