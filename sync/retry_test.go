package sync

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"testing"
)

func TestSyncOnePassSurvivesTransientErrors(t *testing.T) {
	tests := []struct {
		name  string
		fault map[string]any
	}{
		{name: "upload 503", fault: map[string]any{"method": "uploads", "status": 503, "count": 1}},
		{name: "upload 429", fault: map[string]any{"method": "uploads", "status": 429, "count": 1}},
		{name: "upload 429 per minute", fault: map[string]any{"method": "uploads", "preset": "perMinuteQuota", "count": 1}},
		{name: "batchCreate 503", fault: map[string]any{"method": "mediaItems.batchCreate", "status": 503, "count": 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			root, want := faultFixture(t)
			h.post("faults", tc.fault)
			sum := h.sync(folderAt(root))
			if len(sum.Pending) != 0 || len(sum.Failed) != 0 {
				t.Fatalf("one pass left pending %v and failed %v, want none", sum.Pending, sum.Failed)
			}
			h.checkConverged(root, want)
			if n := h.requests().ByMethod[tc.fault["method"].(string)]; n < 2 {
				t.Errorf("%s requests: %d, want the failed one and its retry", tc.fault["method"], n)
			}
		})
	}
}

func TestAttemptHasherHashesLastAttempt(t *testing.T) {
	data := []byte("0123456789abcdef")
	want := fmt.Sprintf("%x", sha256.Sum256(data))
	r := newAttemptHasher(bytes.NewReader(data), int64(len(data)))

	// A first attempt that stops after 5 bytes, then a full one.
	if _, err := io.ReadFull(io.NewSectionReader(r, 0, 5), make([]byte, 5)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, io.NewSectionReader(r, 0, int64(len(data)))); err != nil {
		t.Fatal(err)
	}
	got, err := r.sum()
	if err != nil {
		t.Fatalf("sum after a full second attempt: %v", err)
	}
	if got != want {
		t.Errorf("sum = %s, want %s", got, want)
	}

	// A read that skips bytes leaves them unhashed.
	if _, err := r.ReadAt(make([]byte, 3), 10); err != nil {
		t.Fatal(err)
	}
	if _, err := r.sum(); !errors.Is(err, errChanged) {
		t.Errorf("sum after an out-of-order read: %v, want errChanged", err)
	}
}
