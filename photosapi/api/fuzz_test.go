package api_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/photosync/photosync/photosapi/api"
)

func FuzzParseError(f *testing.F) {
	f.Add(429, dailyQuotaBody)
	f.Add(429, perMinuteBody)
	f.Add(401, `{"code":16,"message":"Authentication session is not defined."}`)
	f.Add(400, `{"error":"invalid_grant","error_description":"Bad Request"}`)
	f.Add(502, "<html>bad gateway</html>")
	f.Add(503, `{"error":{"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"1s"}]}}`)
	f.Add(400, `{"error":{"code":"x"}}`)
	f.Add(500, "\xff\xfe")
	f.Fuzz(func(t *testing.T, status int, body string) {
		e := api.ParseError("albums.get", status, http.Header{"Retry-After": {"3"}}, []byte(body), epoch)
		if e.HTTPStatus != status {
			t.Errorf("HTTPStatus = %d, want %d", e.HTTPStatus, status)
		}
		for name, text := range map[string]string{"Message": e.Message, "Reason": e.Reason, "Status": e.Status} {
			if len(text) > 204 {
				t.Errorf("%s has %d bytes, want at most 200 plus an ellipsis", name, len(text))
			}
		}
		if !utf8.ValidString(e.Message) {
			t.Errorf("Message %q is not UTF-8", e.Message)
		}
		if e.Status == "" {
			t.Error("Status is empty")
		}
		_ = e.Error()
		// The classifiers must not panic on any body.
		_ = api.IsRetryable(e) || api.IsDailyQuota(e) || api.IsPermanent(e) || api.NeedsReauth(e) || api.IsStorageFull(e)
	})
}

func FuzzDuration(f *testing.F) {
	for _, s := range []string{"0.0025s", "3s", "-1.5s", "0.000000001s", "9223372036.854775807s", "1.s", "abc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		d, err := api.ParseDuration(text)
		if err != nil {
			return
		}
		again, err := api.ParseDuration(d.String())
		if err != nil {
			t.Fatalf("ParseDuration(%q) of String() of %q: %v", d.String(), text, err)
		}
		if again != d {
			t.Errorf("round trip of %q: %d, want %d", text, again, d)
		}
	})
}

// roundTrip decodes data into a new T and, when that works, checks that
// encoding and decoding again yields the same value. An empty list and a
// missing one are equal, because the API leaves out empty lists.
func roundTrip[T any](t *testing.T, data []byte) {
	var first T
	if json.Unmarshal(data, &first) != nil {
		return
	}
	encoded, err := json.Marshal(first)
	if err != nil {
		t.Fatalf("encode %+v: %v", first, err)
	}
	var second T
	if err := json.Unmarshal(encoded, &second); err != nil {
		t.Fatalf("decode own encoding %s: %v", encoded, err)
	}
	if diff := cmp.Diff(first, second, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("round trip differs (-first +second):\n%s", diff)
	}
}

func FuzzDecodeListMediaItems(f *testing.F) {
	f.Add(`{}`)
	f.Add(`{"mediaItems":[{"id":"m1","mediaMetadata":{"creationTime":"2024-07-15T18:30:25Z","width":"4032","height":"3024","video":{"fps":29.97,"status":"READY"}}}],"nextPageToken":"p2"}`)
	f.Add(`{"mediaItems":[{"mediaMetadata":{"width":4032}}]}`)
	f.Add(`{"mediaItems":[{"mediaMetadata":{"photo":{"exposureTime":"0.0025s"}}}]}`)
	f.Fuzz(func(t *testing.T, body string) {
		roundTrip[api.ListMediaItemsResponse](t, []byte(body))
		roundTrip[api.SearchMediaItemsResponse](t, []byte(body))
	})
}

func FuzzDecodeListAlbums(f *testing.F) {
	f.Add(`{"albums":[{"id":"a","title":"Trips/2024","mediaItemsCount":"12","isWriteable":true}],"nextPageToken":"x"}`)
	f.Add(`{"sharedAlbums":[{"id":"a","shareInfo":{"shareToken":"s","sharedAlbumOptions":{"isCollaborative":true}}}]}`)
	f.Fuzz(func(t *testing.T, body string) {
		roundTrip[api.ListAlbumsResponse](t, []byte(body))
		roundTrip[api.ListSharedAlbumsResponse](t, []byte(body))
	})
}

func FuzzDecodeBatchResults(f *testing.F) {
	f.Add(`{"newMediaItemResults":[{"uploadToken":"t1","status":{"message":"Success"},"mediaItem":{"id":"m1"}},{"uploadToken":"t2","status":{"code":3,"message":"Failed"}}]}`)
	f.Add(`{"mediaItemResults":[{"status":{"code":3,"message":"Invalid media item ID."}},{"mediaItem":{"id":"m"}}]}`)
	f.Add(`{"newMediaItemResults":[{"status":{"code":13,"details":[{"@type":"x"}]}}]}`)
	f.Fuzz(func(t *testing.T, body string) {
		roundTrip[api.BatchCreateMediaItemsResponse](t, []byte(body))
		roundTrip[api.BatchGetMediaItemsResponse](t, []byte(body))
		var resp api.BatchCreateMediaItemsResponse
		if json.Unmarshal([]byte(body), &resp) == nil {
			for _, r := range resp.NewMediaItemResults {
				// A result without an item always reports an error.
				if err := r.Err(); err == nil && (r.MediaItem == nil || r.MediaItem.ID == "") {
					t.Errorf("Err() = nil for a result without an item: %+v", r)
				}
			}
		}
	})
}
