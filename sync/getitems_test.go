package sync

import (
	"encoding/json"
	"testing"

	"github.com/photosync/photosync/photosapi/api"
)

// GetItems leaves out an id the server rejects for good, and fails the
// call on a transient status, so that a caller never takes an item that
// failed this time for a missing one.
func TestGetItemsPerItemStatus(t *testing.T) {
	h := newHarness(t)
	root := t.TempDir()
	writeFrom(t, root, "a.jpg", orientation(1))
	h.sync(folderAt(root))
	items := h.items()
	if len(items) != 1 {
		t.Fatalf("library has %d items, want 1", len(items))
	}
	id := items[0].ID
	reader, ok := NewRemote(h.client).(RemoteReader)
	if !ok {
		t.Fatal("the client's Remote does not implement RemoteReader")
	}

	answer := func(status map[string]any) string {
		body, err := json.Marshal(map[string]any{"mediaItemResults": []map[string]any{
			{"mediaItem": map[string]string{"id": id, "filename": "a.jpg", "mimeType": "image/jpeg"}},
			{"status": status},
		}})
		if err != nil {
			t.Fatal(err)
		}
		return string(body)
	}
	ids := []string{id, "unknown-id"}

	h.post("faults", map[string]any{"method": "mediaItems.batchGet", "status": 200, "count": 1,
		"body": answer(map[string]any{"code": 3, "message": "Invalid media item ID."})})
	got, err := reader.GetItems(t.Context(), ids)
	if err != nil {
		t.Fatalf("GetItems with an INVALID_ARGUMENT status: %v", err)
	}
	if len(got) != 1 || got[0].ID != id {
		t.Errorf("GetItems returned %+v, want only %s", got, id)
	}

	h.post("faults", map[string]any{"method": "mediaItems.batchGet", "status": 200, "count": 1,
		"body": answer(map[string]any{"code": 13, "message": "Internal error encountered."})})
	got, err = reader.GetItems(t.Context(), ids)
	if err == nil {
		t.Fatalf("GetItems with an INTERNAL status returned %+v and no error", got)
	}
	if !api.IsRetryable(err) {
		t.Errorf("GetItems error %v is not retryable", err)
	}
}
