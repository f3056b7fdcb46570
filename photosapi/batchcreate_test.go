package photosapi_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/api"
)

// mixedBatchCreate is a batchCreate response with a created item, a failed
// one, a success without an item and a created item without a status.
const mixedBatchCreate = `{"newMediaItemResults": [
  {"uploadToken": "t0", "status": {"message": "Success"},
   "mediaItem": {"id": "m0", "productUrl": "https://photos.google.com/lr/photo/m0",
     "baseUrl": "https://lh3.googleusercontent.com/m0", "mimeType": "image/jpeg",
     "mediaMetadata": {"creationTime": "2012-11-04T05:42:02Z", "width": "40", "height": "80",
       "photo": {"cameraMake": "Canon", "focalLength": 4.3, "exposureTime": "0.0025s"}},
     "filename": "IMG_0001.jpg"}},
  {"uploadToken": "t1", "status": {"code": 3, "message": "Failed: There was an error while trying to create this media item.",
     "details": [{"@type": "type.googleapis.com/google.rpc.DebugInfo", "detail": "x"}]}},
  {"uploadToken": "t2", "status": {"message": "Success"}},
  {"uploadToken": "t3", "mediaItem": {"id": "m3", "mimeType": "video/mp4", "filename": "clip \u00e9.mp4"}}
]}`

func mixedRequest() api.BatchCreateMediaItemsRequest {
	var req api.BatchCreateMediaItemsRequest
	for _, tok := range []string{"t0", "t1", "t2", "t3"} {
		req.NewMediaItems = append(req.NewMediaItems, api.NewMediaItem{SimpleMediaItem: &api.SimpleMediaItem{UploadToken: tok}})
	}
	return req
}

func TestBatchCreateItemsMatchesBatchCreate(t *testing.T) {
	srv, n := scripted(t, mixedBatchCreate)
	c, _ := newTestClient(t, srv.URL, nil)
	full, err := c.BatchCreate(t.Context(), mixedRequest())
	if err != nil {
		t.Fatal(err)
	}
	items, err := c.BatchCreateItems(t.Context(), mixedRequest())
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Load(); got != 2 {
		t.Errorf("server got %d requests, want 2", got)
	}
	if len(items) != len(full) {
		t.Fatalf("BatchCreateItems returned %d results, BatchCreate %d", len(items), len(full))
	}
	for i, r := range full {
		want := photosapi.CreatedItem{Err: r.Err()}
		if r.MediaItem != nil {
			want.ID, want.Filename, want.MimeType = r.MediaItem.ID, r.MediaItem.Filename, r.MediaItem.MimeType
		}
		if diff := cmp.Diff(want, items[i], cmp.Comparer(sameError)); diff != "" {
			t.Errorf("item %d differs from BatchCreate's (-BatchCreate +BatchCreateItems):\n%s", i, diff)
		}
	}
	for i, wantFailed := range []bool{false, true, true, false} {
		if failed := items[i].Err != nil; failed != wantFailed {
			t.Errorf("item %d failed = %v, want %v (%v)", i, failed, wantFailed, items[i].Err)
		}
	}
	if items[3].Filename != "clip é.mp4" {
		t.Errorf("item 3 file name = %q, want the unescaped name", items[3].Filename)
	}
}

// sameError compares two errors by their *api.Error fields, or by text.
func sameError(a, b error) bool {
	var ea, eb *api.Error
	if errors.As(a, &ea) && errors.As(b, &eb) {
		return cmp.Equal(ea, eb)
	}
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Error() == b.Error()
}

func TestBatchCreateItemsCountMismatch(t *testing.T) {
	srv, _ := scripted(t, `{"newMediaItemResults":[]}`)
	c, _ := newTestClient(t, srv.URL, nil)
	_, err := c.BatchCreateItems(t.Context(), api.BatchCreateMediaItemsRequest{
		NewMediaItems: []api.NewMediaItem{{SimpleMediaItem: &api.SimpleMediaItem{UploadToken: "t"}}}})
	if err == nil || !strings.Contains(err.Error(), "0 results for 1 items") {
		t.Errorf("error = %v, want a result count mismatch", err)
	}
}

func TestBatchCreateFileNameLength(t *testing.T) {
	srv, n := scripted(t, `{"newMediaItemResults":[{"mediaItem":{"id":"m"}}]}`)
	c, _ := newTestClient(t, srv.URL, nil)
	create := func(name string) error {
		_, err := c.BatchCreateItems(t.Context(), api.BatchCreateMediaItemsRequest{
			NewMediaItems: []api.NewMediaItem{{SimpleMediaItem: &api.SimpleMediaItem{UploadToken: "t", FileName: name}}}})
		return err
	}
	// Two bytes per character: the limit counts characters, not bytes.
	if err := create(strings.Repeat("é", api.MaxFileNameLength)); err != nil {
		t.Errorf("name of %d two-byte characters: %v, want it accepted", api.MaxFileNameLength, err)
	}
	err := create(strings.Repeat("é", api.MaxFileNameLength+1))
	if !errors.Is(err, api.ErrInvalidRequest) {
		t.Errorf("name of %d characters: %v, want ErrInvalidRequest", api.MaxFileNameLength+1, err)
	}
	if got := n.Load(); got != 1 {
		t.Errorf("server got %d requests, want 1: the long name must not be sent", got)
	}
}

func TestBatchCreateResultsSurviveNextResponse(t *testing.T) {
	// The second response overwrites the first in a reused read buffer
	// unless decoding copied everything it kept.
	second := strings.NewReplacer("m0", "xx", "Failed", "XXXXXX", "DebugInfo", "XXXXXXXXX").Replace(mixedBatchCreate)
	srv, _ := scripted(t, second, func(w http.ResponseWriter) { io.WriteString(w, mixedBatchCreate) })
	c, _ := newTestClient(t, srv.URL, nil)
	first, err := c.BatchCreate(t.Context(), mixedRequest())
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%+v %+v %s", *first[0].MediaItem, *first[1].Status, first[1].Status.Details[0])
	if _, err := c.BatchCreate(t.Context(), mixedRequest()); err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%+v %+v %s", *first[0].MediaItem, *first[1].Status, first[1].Status.Details[0])
	if got != want {
		t.Errorf("first results changed after the next response:\n got %s\nwant %s", got, want)
	}
	if !strings.Contains(got, "DebugInfo") {
		t.Errorf("first results lack the status details: %s", got)
	}
}
