package sync

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/photosync/photosync/state"
)

// itemOutcome is what the engine must do with one batchCreate item that
// the server failed with a status inside an HTTP 200.
type itemOutcome int

const (
	// resendBytes: the status rejects the upload token, so the pass sends
	// the file's bytes again and creates the item.
	resendBytes itemOutcome = iota
	// leavePending: the status is transient, so the file stays pending
	// with its upload token, and the next pass creates it.
	leavePending
	// markFailed: the status is permanent for this version of the file, so
	// the file is failed with the message until it changes.
	markFailed
	// stopPass: the status reports a spent daily quota or full storage, so
	// the pass stops with the reason.
	stopPass
)

// Per-item statuses of batchCreate. The code 3 creation failures and the
// quota and storage messages are ones Google was observed to send. The
// others are written for the test, with the words the engine looks for,
// such as "upload token".
var itemStatusCases = []struct {
	name    string
	code    int
	message string
	outcome itemOutcome
	// stopText is part of the pass's stop reason for stopPass.
	stopText string
}{
	{name: "3 invalid upload token", code: 3, message: "Request must contain a valid upload token.", outcome: resendBytes},
	{name: "3 expired upload token", code: 3, message: "Failed: The upload token has expired. Upload the bytes again.",
		outcome: resendBytes},
	{name: "5 upload token not found", code: 5, message: "Upload token not found.", outcome: resendBytes},
	{name: "9 upload token expired", code: 9, message: "The upload token has expired.", outcome: resendBytes},
	{name: "3 creation failed", code: 3, message: "Failed: There was an error while trying to create this media item.",
		outcome: markFailed},
	{name: "3 bad image", code: 3, message: "BAD_IMAGE: There was an error while trying to create this media item.",
		outcome: markFailed},
	{name: "5 not found", code: 5, message: "Requested entity was not found.", outcome: markFailed},
	{name: "7 permission denied", code: 7, message: "The caller does not have permission", outcome: markFailed},
	{name: "9 failed precondition", code: 9, message: "Precondition check failed.", outcome: markFailed},
	{name: "13 internal", code: 13, message: "Internal error encountered.", outcome: leavePending},
	{name: "14 unavailable", code: 14, message: "The service is currently unavailable.", outcome: leavePending},
	{name: "8 per-minute quota", code: 8, outcome: leavePending,
		message: "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute per user' " +
			"of service 'photoslibrary.googleapis.com' for consumer 'project_number:123'."},
	{name: "8 resource exhausted", code: 8, message: "Resource has been exhausted (e.g. check quota).",
		outcome: leavePending},
	{name: "8 daily quota", code: 8, outcome: stopPass, stopText: "daily request quota",
		message: "Quota exceeded for quota metric 'All requests' and limit 'All requests per day' " +
			"of service 'photoslibrary.googleapis.com' for consumer 'project_number:123'."},
	{name: "8 storage full", code: 8, outcome: stopPass, stopText: "storage is full",
		message: "The remaining storage in the user's account is not enough to perform this operation."},
}

func TestSyncItemStatuses(t *testing.T) {
	for _, tc := range itemStatusCases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			root, want := faultFixture(t)
			sizes := fileSizes(t, root, want)
			var total int64
			for _, size := range sizes {
				total += size
			}
			// The first item of the first batchCreate fails.
			h.post("faults", map[string]any{"method": "mediaItems.batchCreate", "count": 1,
				"itemStatus": map[string]any{"code": tc.code, "message": tc.message}})

			sum, err := h.syncErr(folderAt(root))
			switch tc.outcome {
			case resendBytes:
				h.checkResent(sum, err, sizes, total)
				h.checkConverged(root, want)
			case leavePending:
				h.checkPending(tc.message, sum, err, root, want, total)
			case markFailed:
				h.checkFailed(tc.message, sum, err, root, want, total)
			case stopPass:
				var fatal *FatalError
				if !errors.As(err, &fatal) {
					t.Fatalf("first pass: error %v, want the pass stopped", err)
				}
				if !strings.Contains(sum.Stopped, tc.stopText) {
					t.Errorf("stop reason %q does not contain %q", sum.Stopped, tc.stopText)
				}
				if !strings.Contains(sum.Stopped, tc.message) {
					t.Errorf("stop reason %q does not contain the server's message %q", sum.Stopped, tc.message)
				}
				h.syncUntilDone(folderAt(root))
				h.checkConverged(root, want)
			}
		})
	}
}

// checkResent checks a pass in which the server rejected one upload token:
// the pass sent that file's bytes again and created every item.
func (h *harness) checkResent(sum *Summary, err error, sizes map[string]int64, total int64) {
	h.t.Helper()
	if err != nil {
		h.t.Fatalf("first pass: %v", err)
	}
	if len(sum.Failed) != 0 || len(sum.Pending) != 0 {
		h.t.Errorf("failed %v and pending %v, want neither", sum.Failed, sum.Pending)
	}
	extra := h.requests().UploadBytes - total
	resent := false
	for _, size := range sizes {
		resent = resent || extra == size
	}
	if !resent {
		h.t.Errorf("pass sent %d bytes more than the files' %d, want the size of one file %v", extra, total, sizes)
	}
}

// checkPending checks the two passes of a transient item status: the
// first leaves one file pending and creates the others, and the second
// creates it from the stored upload token without sending bytes again.
func (h *harness) checkPending(message string, sum *Summary, err error, root string, want map[string]string, total int64) {
	h.t.Helper()
	if err != nil {
		h.t.Fatalf("first pass: %v", err)
	}
	if len(sum.Failed) != 0 {
		h.t.Errorf("failed %v, want none", sum.Failed)
	}
	if len(sum.Pending) != 1 {
		h.t.Fatalf("pending %v, want one file", sum.Pending)
	}
	bad := sum.Pending[0]
	if !strings.Contains(bad.Reason, message) {
		h.t.Errorf("pending reason %q does not contain the server's message %q", bad.Reason, message)
	}
	h.checkOthersCreated(bad.Path, want)

	again := h.sync(folderAt(root))
	if len(again.Pending) != 0 || len(again.Failed) != 0 {
		h.t.Errorf("second pass: pending %v, failed %v; want neither", again.Pending, again.Failed)
	}
	h.checkConverged(root, want)
	if sent := h.requests().UploadBytes; sent != total {
		h.t.Errorf("two passes sent %d bytes, want the files' %d: the stored upload token was not reused", sent, total)
	}
}

// checkFailed checks a permanent item status: one file is failed with the
// message, the others are created, an unchanged failed file is not tried
// again, and a changed one is.
func (h *harness) checkFailed(message string, sum *Summary, err error, root string, want map[string]string, total int64) {
	h.t.Helper()
	if err != nil {
		h.t.Fatalf("first pass: %v", err)
	}
	if len(sum.Pending) != 0 {
		h.t.Errorf("pending %v, want none", sum.Pending)
	}
	if len(sum.Failed) != 1 {
		h.t.Fatalf("failed %v, want one file", sum.Failed)
	}
	bad := sum.Failed[0]
	if !strings.Contains(bad.Reason, message) {
		h.t.Errorf("failed reason %q does not contain the server's message %q", bad.Reason, message)
	}
	h.checkOthersCreated(bad.Path, want)
	err = h.store.View(func(tx *state.Tx) error {
		f, ok, err := tx.GetFile(root, bad.Path)
		if err != nil {
			return err
		}
		if !ok || f.Status != state.StatusFailed {
			h.t.Errorf("%s: record %+v, want failed", bad.Path, f)
		}
		if !strings.Contains(f.Reason, message) {
			h.t.Errorf("%s: recorded reason %q does not contain %q", bad.Path, f.Reason, message)
		}
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}

	again := h.sync(folderAt(root))
	if again.Uploaded != 0 || len(again.Failed) != 1 {
		h.t.Errorf("unchanged failed file: uploaded %d, failed %v; want it held, not tried again", again.Uploaded, again.Failed)
	}
	if sent := h.requests().UploadBytes; sent != total {
		h.t.Errorf("two passes sent %d bytes, want the files' %d once", sent, total)
	}

	later := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(root, filepath.FromSlash(bad.Path)), later, later); err != nil {
		h.t.Fatal(err)
	}
	changed := h.sync(folderAt(root))
	if changed.Uploaded != 1 || len(changed.Failed) != 0 {
		h.t.Errorf("changed failed file: uploaded %d, failed %v; want it uploaded", changed.Uploaded, changed.Failed)
	}
	h.checkConverged(root, want)
}

// checkOthersCreated checks that every file but bad has its item, and bad
// has none.
func (h *harness) checkOthersCreated(bad string, want map[string]string) {
	h.t.Helper()
	bySHA := h.itemsBySHA()
	for rel, sha := range want {
		_, ok := bySHA[sha]
		if rel == bad && ok {
			h.t.Errorf("%s: has an item, want none after its status failed", rel)
		}
		if rel != bad && !ok {
			h.t.Errorf("%s: no item, want the other files of the batch created", rel)
		}
	}
}

// fileSizes returns the size of each file of the fixture.
func fileSizes(t *testing.T, root string, files map[string]string) map[string]int64 {
	t.Helper()
	sizes := map[string]int64{}
	for rel := range files {
		info, err := os.Stat(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		sizes[rel] = info.Size()
	}
	return sizes
}
