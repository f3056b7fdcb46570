package reliability

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/photosync/photosync/internal/testenv"
)

// missingFile returns the one supported local file whose content has no
// item, and fails the test unless exactly one has none.
func (e *env) missingFile() testenv.LocalFile {
	e.t.Helper()
	items, _ := e.emu.Library()
	remote := map[string]bool{}
	for _, it := range items {
		remote[it.SHA256] = true
	}
	var missing []testenv.LocalFile
	for _, f := range e.supported() {
		if !remote[f.SHA256] {
			missing = append(missing, f)
		}
	}
	if len(missing) != 1 {
		e.t.Fatalf("%d local files have no item, want 1: %v", len(missing), missing)
	}
	return missing[0]
}

func TestItemStatusPermanent(t *testing.T) {
	const message = "The caller does not have permission"
	e := newEnv(t)
	e.addPhotos("", 2, "root")
	e.addPhotos("Trips/2024", 4, "trip")
	e.emu.AddFault(`{"method":"mediaItems.batchCreate","itemStatus":{"code":7,"message":"` + message + `"},"count":1}`)

	res := e.run("sync")
	if res.Code != 1 {
		t.Errorf("first sync exit %d, want 1 for the failed file: %s", res.Code, res)
	}
	bad := e.missingFile()
	if !strings.Contains(res.Stdout+res.Stderr, filepath.Base(bad.Rel)) {
		t.Errorf("first sync does not name the failed file %s: %s", bad.Rel, res)
	}
	if !strings.Contains(res.Stdout+res.Stderr, message) {
		t.Errorf("first sync does not show the server's message %q: %s", message, res)
	}

	// The failed file is held until it changes: the next run sends nothing.
	e.emu.ResetRequests()
	res = e.run("sync")
	if res.Code != 1 {
		t.Errorf("second sync exit %d, want 1 for the held file: %s", res.Code, res)
	}
	if sent := e.emu.Requests(); sent.ByMethod["uploads"] != 0 || sent.ByMethod["mediaItems.batchCreate"] != 0 {
		t.Errorf("second sync sent uploads %d and batchCreate %d, want neither for an unchanged failed file",
			sent.ByMethod["uploads"], sent.ByMethod["mediaItems.batchCreate"])
	}
	if still := e.missingFile(); still.Rel != bad.Rel {
		t.Errorf("second sync: %s has no item, want %s", still.Rel, bad.Rel)
	}

	later := time.Now().Add(-30 * time.Minute)
	if err := os.Chtimes(filepath.Join(e.root, filepath.FromSlash(bad.Rel)), later, later); err != nil {
		t.Fatal(err)
	}
	e.syncUntilConverged()
}

func TestItemStatusUploadToken(t *testing.T) {
	e := newEnv(t)
	e.addPhotos("", 2, "root")
	e.addPhotos("Trips/2024", 4, "trip")
	var total int64
	for _, f := range e.supported() {
		total += f.Size
	}
	e.emu.AddFault(`{"method":"mediaItems.batchCreate","itemStatus":{"code":3,` +
		`"message":"Request must contain a valid upload token."},"count":1}`)

	res := e.run("sync")
	if res.Code != 0 {
		t.Fatalf("sync exit %d, want 0 after sending the bytes again: %s", res.Code, res)
	}
	e.checkConverged()
	e.checkStateClean()
	extra := e.emu.Requests().UploadBytes - total
	resent := false
	for _, f := range e.supported() {
		resent = resent || extra == f.Size
	}
	if !resent {
		t.Errorf("sync sent %d bytes more than the files' %d, want the size of the one rejected file", extra, total)
	}
}
