package daemon

import (
	"bytes"
	"strings"
	"testing"

	"github.com/photosync/photosync/config"
)

func FuzzReadSyncStream(f *testing.F) {
	f.Add([]byte(`{"progress":{"planned_files":3,"planned_bytes":30,"done_files":1,"done_bytes":10},"path":"a.jpg"}
{"done":true,"summary":{"Found":3,"Uploaded":3}}
`))
	f.Add([]byte(`{"done":true,"error":"login needed","fatal":true}`))
	f.Add([]byte(`{"progress":{}}`))
	f.Add([]byte("not json\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		calls := 0
		ev, err := readSyncStream(bytes.NewReader(data), func(ev SyncEvent) {
			calls++
			if ev.Progress == nil {
				t.Fatal("progress called without progress")
			}
		})
		if err != nil && ev != nil {
			t.Fatalf("both an event and an error: %v", err)
		}
		if err == nil && (ev == nil || !ev.Done) {
			t.Fatalf("no error and no final event: %+v", ev)
		}
	})
}

func FuzzDecodeSyncRequest(f *testing.F) {
	cfg := &config.Config{File: "config.yaml", Folders: []config.Folder{{Path: "/photos"}}}
	f.Add([]byte(``))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"folders":["/photos"],"confirm":true}`))
	f.Add([]byte(`{"folders":["/elsewhere"]}`))
	f.Add([]byte(`{"dry_run":true}`))
	f.Add([]byte(`{} {}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := decodeSyncRequest(bytes.NewReader(data), cfg)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "invalid sync request body") &&
				!strings.Contains(err.Error(), "is not in the daemon's config") {
				t.Fatalf("error without the expected prefix: %v", err)
			}
			return
		}
		for _, root := range req.Folders {
			if root != "/photos" {
				t.Fatalf("accepted folder %q outside the config", root)
			}
		}
	})
}
