package sync

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

func TestSyncLogsAddsToAlbums(t *testing.T) {
	h := newHarness(t)
	root := t.TempDir()
	writeFrom(t, root, "A/one.jpg", orientation(1))
	writeFrom(t, root, "top.jpg", orientation(2))
	var logs bytes.Buffer
	// The lane logs from more than one goroutine.
	h.settings = func(o *Options) { o.Logger = zerolog.New(zerolog.SyncWriter(&logs)) }
	h.sync(folderAt(root))

	// A copy of an uploaded photo in a new directory is an add, and one in
	// the root, which has no album, is only recorded.
	writeFrom(t, root, "B/copy.jpg", orientation(1))
	writeFrom(t, root, "top-copy.jpg", orientation(2))
	h.sync(folderAt(root))

	messages := map[string]map[string]any{}
	for line := range strings.Lines(logs.String()) {
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if album, ok := ev["album"]; ok && album == "" {
			t.Errorf("log line with an empty album field: %s", line)
		}
		if p, ok := ev["path"].(string); ok {
			messages[p] = ev
		}
	}
	if got := messages["top.jpg"]["message"]; got != "uploaded" {
		t.Errorf("top.jpg logged %q, want %q", got, "uploaded")
	}
	if got := messages["B/copy.jpg"]["message"]; got != "added to album" {
		t.Errorf("B/copy.jpg logged %q, want %q", got, "added to album")
	}
	if got := messages["top-copy.jpg"]["message"]; got != "recorded; the content was already uploaded" {
		t.Errorf("top-copy.jpg logged %q, want the record message", got)
	}
}

func TestSyncCountsCopiesInThePass(t *testing.T) {
	for _, dryRun := range []bool{true, false} {
		t.Run(map[bool]string{true: "dry run", false: "sync"}[dryRun], func(t *testing.T) {
			h := newHarness(t)
			root := t.TempDir()
			writeFrom(t, root, "A/one.jpg", orientation(1))
			writeFrom(t, root, "A/copy.jpg", orientation(1))
			writeFrom(t, root, "B/copy.jpg", orientation(1))
			h.settings = func(o *Options) { o.DryRun = dryRun }

			sum := h.sync(folderAt(root))
			if sum.AlreadyPresent != 0 {
				t.Errorf("already present %d, want 0 because no content had an item", sum.AlreadyPresent)
			}
			if sum.Copies != 2 {
				t.Errorf("copies %d, want 2", sum.Copies)
			}
			var out strings.Builder
			sum.Write(&out)
			if !strings.Contains(out.String(), "copies of files uploaded in this pass: 2") {
				t.Errorf("summary does not report the copies:\n%s", out.String())
			}
		})
	}
}
