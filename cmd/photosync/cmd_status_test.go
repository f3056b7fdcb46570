package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/photosync/photosync/daemon"
)

const statusDocument = `{
  "version": 1, "pid": 4242, "started": "2026-06-01T10:00:00Z",
  "summary": "Idle; 1,204 items in sync",
  "folders": [
    {"path": "/photos", "mode": "two-way", "state": "paused", "pause_reason": "delete share over threshold",
     "pause_detail": "local deletes would remove 30 of 40 items", "in_sync": 1204, "queued": 3, "failed": 7,
     "failures": [{"path": "a.heic", "reason": "unsupported"}, {"path": "b.jpg", "reason": "timeout", "pending": true}],
     "last_poll": "2026-06-01T11:59:00Z"},
    {"path": "/mnt/usb", "mode": "upload-only", "state": "missing root", "in_sync": 0, "queued": 0, "failed": 0,
     "last_error": "folder /mnt/usb: /mnt/usb is missing"}
  ],
  "accounts": [{"login_needed": true, "login_error": "invalid_grant", "uploads_paused": true,
    "quota": {"day": "2026-06-01", "limit": 10000, "reserve": 1000, "used": 9000, "left": 1000,
      "reset": "2026-06-02T07:00:00Z", "paused_until": "2026-06-02T07:00:00Z"}}],
  "added_by_a_newer_daemon": true
}`

func TestWriteStatusTable(t *testing.T) {
	var st daemon.Status
	if err := json.Unmarshal([]byte(statusDocument), &st); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	writeStatus(&out, &st, time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
	got := out.String()
	for _, want := range []string{
		"pid 4242, running for 2h0m0s",
		"Idle; 1,204 items in sync",
		"paused (delete share over threshold)",
		"1204",
		"1m0s ago",
		"missing root",
		"never",
		"/mnt/usb: folder /mnt/usb: /mnt/usb is missing",
		"/photos paused: local deletes would remove 30 of 40 items",
		"a.heic: unsupported",
		"9000 of 10000 requests used today, 1000 left (1000 kept for polls)",
		"uploads paused until",
		"login needed: run photosync auth login (invalid_grant)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
}

func FuzzWriteStatus(f *testing.F) {
	f.Add([]byte(statusDocument))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"folders":[{"state":"State(9)","failures":[{},{},{},{},{},{},{}]}],"accounts":[{}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var st daemon.Status
		if json.Unmarshal(data, &st) != nil {
			return
		}
		var out strings.Builder
		writeStatus(&out, &st, time.Now())
		if !strings.Contains(out.String(), "photosync daemon") {
			t.Fatalf("table lacks its header:\n%s", out.String())
		}
	})
}
