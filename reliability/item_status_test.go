package reliability

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// missingFile returns the one supported local file whose content has no
// item, and fails the test unless exactly one has none.
func (e *env) missingFile() localFile {
	e.t.Helper()
	items, _ := e.remote()
	remote := map[string]bool{}
	for _, it := range items {
		remote[it.SHA256] = true
	}
	var missing []localFile
	for _, f := range e.supported() {
		if !remote[f.sha] {
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
	e.fault(`{"method":"mediaItems.batchCreate","itemStatus":{"code":7,"message":"` + message + `"},"count":1}`)

	res := e.run("sync")
	if res.code != 1 {
		t.Errorf("first sync exit %d, want 1 for the failed file: %s", res.code, res)
	}
	bad := e.missingFile()
	if !strings.Contains(res.stdout+res.stderr, filepath.Base(bad.rel)) {
		t.Errorf("first sync does not name the failed file %s: %s", bad.rel, res)
	}
	if !strings.Contains(res.stdout+res.stderr, message) {
		t.Errorf("first sync does not show the server's message %q: %s", message, res)
	}

	// The failed file is held until it changes: the next run sends nothing.
	e.resetRequestCounts()
	res = e.run("sync")
	if res.code != 1 {
		t.Errorf("second sync exit %d, want 1 for the held file: %s", res.code, res)
	}
	if sent := e.requests(); sent.ByMethod["uploads"] != 0 || sent.ByMethod["mediaItems.batchCreate"] != 0 {
		t.Errorf("second sync sent uploads %d and batchCreate %d, want neither for an unchanged failed file",
			sent.ByMethod["uploads"], sent.ByMethod["mediaItems.batchCreate"])
	}
	if still := e.missingFile(); still.rel != bad.rel {
		t.Errorf("second sync: %s has no item, want %s", still.rel, bad.rel)
	}

	later := time.Now().Add(-30 * time.Minute)
	if err := os.Chtimes(filepath.Join(e.root, filepath.FromSlash(bad.rel)), later, later); err != nil {
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
		total += f.size
	}
	e.fault(`{"method":"mediaItems.batchCreate","itemStatus":{"code":3,` +
		`"message":"Request must contain a valid upload token."},"count":1}`)

	res := e.run("sync")
	if res.code != 0 {
		t.Fatalf("sync exit %d, want 0 after sending the bytes again: %s", res.code, res)
	}
	e.checkConverged()
	e.checkStateClean()
	extra := e.requests().UploadBytes - total
	resent := false
	for _, f := range e.supported() {
		resent = resent || extra == f.size
	}
	if !resent {
		t.Errorf("sync sent %d bytes more than the files' %d, want the size of the one rejected file", extra, total)
	}
}
