package check

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/photosync/photosync/state"
)

// brokenFixture returns a fixture with a repair waiting in each place:
// a media item and an album the server does not know, and the record of a
// pending file that is gone.
func brokenFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	f.breakItem("r.jpg")
	f.breakAlbum("Trips")
	if err := f.store.PutFile(state.File{Folder: f.root, Path: "gone.jpg", Size: 10,
		ModTime: time.Now().Add(-time.Hour), Status: state.StatusPending}); err != nil {
		t.Fatal(err)
	}
	return f
}

// checkFails runs a check with --repair that must fail with an error
// containing each of wants, and checks that it changed no record.
func (f *fixture) checkFails(wants ...string) {
	f.t.Helper()
	before := f.snapshot()
	report, err := Run(f.t.Context(), f.options(true))
	if err == nil {
		f.t.Fatalf("check succeeded with findings %v, want an error", report.Findings)
	}
	for _, want := range wants {
		if !strings.Contains(err.Error(), want) {
			f.t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if after := f.snapshot(); after != before {
		f.t.Errorf("a failed check changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func TestCheckBatchGetFailure(t *testing.T) {
	f := brokenFixture(t)
	f.fault(map[string]any{"method": "mediaItems.batchGet", "status": 500})
	f.checkFails("get media items", "500", "nothing was repaired")
}

func TestCheckAlbumsListFailure(t *testing.T) {
	f := brokenFixture(t)
	f.fault(map[string]any{"method": "albums.list", "status": 503})
	f.checkFails("list albums", "503", "nothing was repaired")
}

func TestCheckLaterBatchFailure(t *testing.T) {
	f := newFixture(t)
	// 60 ids the server does not know fill more than one batchGet batch,
	// and the second batch fails.
	for i := range 60 {
		if err := f.store.PutMediaItem(state.MediaItem{ID: fmt.Sprintf("unknown-%02d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	f.fault(map[string]any{"method": "mediaItems.batchGet", "status": 500, "after": 1})
	f.checkFails("get media items", "nothing was repaired")
	if got := f.requests()["mediaItems.batchGet"]; got < 2 {
		t.Errorf("%d batchGet requests, want the second batch sent", got)
	}
}

// partialBatchGet returns the body of a batchGet response for every media
// item of the store in its order, in which the item of the file rel
// carries the status INTERNAL instead of the item.
func (f *fixture) partialBatchGet(rel string) string {
	f.t.Helper()
	failing := f.file(rel).MediaItemID
	type result struct {
		Status    map[string]any    `json:"status,omitempty"`
		MediaItem map[string]string `json:"mediaItem,omitempty"`
	}
	var results []result
	err := f.store.ForEachMediaItem(func(m state.MediaItem) error {
		if m.ID == failing {
			results = append(results, result{Status: map[string]any{"code": 13, "message": "Internal error encountered."}})
			return nil
		}
		results = append(results, result{MediaItem: map[string]string{"id": m.ID, "filename": m.Filename,
			"mimeType": m.MimeType}})
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	body, err := json.Marshal(map[string]any{"mediaItemResults": results})
	if err != nil {
		f.t.Fatal(err)
	}
	return string(body)
}

func TestCheckTransientItemStatusOnce(t *testing.T) {
	f := newFixture(t)
	f.fault(map[string]any{"method": "mediaItems.batchGet", "status": 200, "count": 1,
		"body": f.partialBatchGet("r.jpg")})
	before := f.snapshot()

	report := f.check(true)
	if !report.Clean() {
		t.Errorf("findings %v, want none: the batch sent again returns the item", report.Findings)
	}
	if after := f.snapshot(); after != before {
		t.Errorf("check changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if got := f.requests()["mediaItems.batchGet"]; got != 2 {
		t.Errorf("%d batchGet requests, want 2: the batch and the batch sent again", got)
	}
}

func TestCheckTransientItemStatusRepeated(t *testing.T) {
	f := newFixture(t)
	f.fault(map[string]any{"method": "mediaItems.batchGet", "status": 200, "body": f.partialBatchGet("r.jpg")})
	before := f.snapshot()

	report, err := Run(t.Context(), f.options(true))
	if err == nil {
		for _, finding := range report.Findings {
			if finding.Kind == KindItemMissing {
				t.Errorf("transient item status reported as %s: %s", finding.Kind, finding)
			}
		}
	}
	if after := f.snapshot(); after != before {
		t.Errorf("check repaired on a transient item status:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}
