package sync

import (
	"fmt"
	"strings"
	"testing"
)

func TestSummaryWriteGroupsReasons(t *testing.T) {
	s := newSummary()
	s.Found, s.Uploaded, s.UploadedBytes, s.AlreadyPresent = 20, 3, 3<<20, 2
	for i := range 12 {
		s.skip("/photos", fmt.Sprintf("notes/%02d.txt", i), "unsupported")
	}
	s.skip("/photos", "empty.jpg", "empty")
	s.fail("/photos", "bad.jpg", "create media item: BAD_IMAGE")
	s.pending("/photos", "slow.jpg", "upload: HTTP 503")
	s.stop("daily request budget spent")

	var b strings.Builder
	s.Write(&b)
	out := b.String()
	for _, want := range []string{
		"found 20 files: 3 uploaded (3.0 MiB), 2 already present, 13 skipped, 1 failed, 1 pending\n",
		"skipped, empty: 1\n  /photos/empty.jpg\n",
		"skipped, unsupported: 12\n",
		"  ... and 2 more\n",
		"failed: 1\n  /photos/bad.jpg: create media item: BAD_IMAGE\n",
		"pending, retried next run: 1\n  /photos/slow.jpg: upload: HTTP 503\n",
		"stopped early: daily request budget spent\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if !s.HasFailures() {
		t.Error("HasFailures = false with a failed and a pending file")
	}
}

func TestSummaryStopKeepsFirstReason(t *testing.T) {
	s := newSummary()
	if !s.stop("first") {
		t.Error("first stop reported as not first")
	}
	if s.stop("second") {
		t.Error("second stop reported as first")
	}
	if s.Stopped != "first" {
		t.Errorf("Stopped = %q, want %q", s.Stopped, "first")
	}
}
