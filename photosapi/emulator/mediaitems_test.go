package emulator

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/photosync/photosync/internal/media"
)

func TestBatchCreateRequestErrors(t *testing.T) {
	env := startEnv(t, Options{})
	token := env.uploadRaw(sample(t, "Camera Roll/IMG_1811.JPG"), "a.jpg")
	simple := func(tok, name, desc string) map[string]any {
		return map[string]any{"description": desc, "simpleMediaItem": map[string]any{"uploadToken": tok, "fileName": name}}
	}
	fifty := make([]any, 50)
	fiftyOne := make([]any, 51)
	for i := range fiftyOne {
		fiftyOne[i] = simple(token, "", "")
		if i < 50 {
			fifty[i] = simple(token, "", "")
		}
	}
	tests := []struct {
		name    string
		body    any
		status  int
		message string
	}{
		{"no items", map[string]any{}, 400, "Request must contain at least one newMediaItems entry."},
		{"51 items", map[string]any{"newMediaItems": fiftyOne}, 400, msgTooManyItems},
		{"50 items", map[string]any{"newMediaItems": fifty}, 200, ""},
		{"unknown token", map[string]any{"newMediaItems": []any{simple("bogus", "", "")}}, 400, msgInvalidUploadToken},
		{"missing token", map[string]any{"newMediaItems": []any{map[string]any{}}}, 400, msgInvalidUploadToken},
		{"file name 256", map[string]any{"newMediaItems": []any{simple(token, strings.Repeat("n", 256), "")}}, 400,
			"newMediaItems[0]: the fileName is 256 characters, more than the maximum of 255."},
		{"file name 255", map[string]any{"newMediaItems": []any{simple(token, strings.Repeat("n", 255), "")}}, 200, ""},
		{"description 1000", map[string]any{"newMediaItems": []any{simple(token, "", strings.Repeat("d", 1000))}}, 400,
			"newMediaItems[0]: The description is 1000 characters: it must be shorter than 1000."},
		{"position without album", map[string]any{"newMediaItems": []any{simple(token, "", "")},
			"albumPosition": map[string]any{"position": "FIRST_IN_ALBUM"}}, 400, "albumPosition is only allowed together with albumId."},
		{"unknown field", map[string]any{"newMediaItems": []any{simple(token, "", "")}, "albumID": "x"}, 400,
			`Invalid JSON payload received. Unknown name "albumID": Cannot find field.`},
		{"nested unknown field", map[string]any{"newMediaItems": []any{map[string]any{"simpleMediaItem": map[string]any{"token": "x"}}}}, 400,
			`Invalid JSON payload received. Unknown name "token" at 'newMediaItems[0].simpleMediaItem': Cannot find field.`},
		{"wrong type", map[string]any{"albumId": 5}, 400, "Invalid value at 'albumId' (TYPE_STRING), 5"},
		{"field twice", `{"newMediaItems":[{"simpleMediaItem":{"uploadToken":"` + token + `","fileName":"a.jpg","file_name":"b.jpg"}}]}`, 400,
			`Invalid JSON payload received. Duplicate name at 'newMediaItems[0].simpleMediaItem': "fileName" and "file_name" set the same field.`},
		{"name twice", `{"albumId":"x","newMediaItems":[],"albumId":"y"}`, 400,
			`Invalid JSON payload received. Duplicate name: "albumId" is set more than once.`},
		{"unknown album", map[string]any{"albumId": "nope", "newMediaItems": []any{simple(token, "", "")}}, 400, msgInvalidAlbumID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := env.do("POST", "/v1/mediaItems:batchCreate", tc.body)
			if status != tc.status {
				t.Fatalf("status = %d, want %d: %s", status, tc.status, body)
			}
			if tc.status != 200 {
				e := googleError(t, body)
				if e.Message != tc.message {
					t.Errorf("message = %q, want %q", e.Message, tc.message)
				}
				if e.Status != "INVALID_ARGUMENT" {
					t.Errorf("status = %q, want INVALID_ARGUMENT", e.Status)
				}
			}
		})
	}
}

func TestBatchCreatePerItemStatusesInOrder(t *testing.T) {
	env := startEnv(t, Options{})
	good := env.uploadRaw(sample(t, "Camera Roll/IMG_1811.JPG"), "good.jpg")
	bad := env.uploadRaw([]byte("this is not a picture"), "notes.txt")
	video := env.uploadRaw(sample(t, "Tricky/clip.mp4"), "clip.mp4")
	var resp batchCreateResponse
	env.mustJSON("POST", "/v1/mediaItems:batchCreate", map[string]any{"newMediaItems": []any{
		map[string]any{"simpleMediaItem": map[string]any{"uploadToken": good}},
		map[string]any{"simpleMediaItem": map[string]any{"uploadToken": bad}},
		map[string]any{"simpleMediaItem": map[string]any{"uploadToken": video, "fileName": "renamed.mp4"}, "description": "beach"},
	}}, &resp)
	if len(resp.NewMediaItemResults) != 3 {
		t.Fatalf("got %d results, want 3", len(resp.NewMediaItemResults))
	}
	r0, r1, r2 := resp.NewMediaItemResults[0], resp.NewMediaItemResults[1], resp.NewMediaItemResults[2]
	if r0.UploadToken != good || r0.Status.Message != "Success" || r0.MediaItem.Filename != "good.jpg" {
		t.Errorf("result 0 = %+v, want success for good.jpg", r0)
	}
	if r1.UploadToken != bad || r1.MediaItem != nil || r1.Status.Code != 3 || r1.Status.Message != msgCreateFailed {
		t.Errorf("result 1 = %+v, want code 3 failure without an item", r1)
	}
	if r2.MediaItem == nil || r2.MediaItem.Filename != "renamed.mp4" || r2.MediaItem.Description != "beach" {
		t.Fatalf("result 2 = %+v, want renamed.mp4 with its description", r2)
	}
	if v := r2.MediaItem.MediaMetadata.Video; v == nil || v.Status != "PROCESSING" {
		t.Errorf("new video metadata = %+v, want status PROCESSING", v)
	}
	env.clock.Advance(DefaultVideoProcessingTime)
	var later mediaItemJSON
	env.mustJSON("GET", "/v1/mediaItems/"+r2.MediaItem.ID, nil, &later)
	if v := later.MediaMetadata.Video; v == nil || v.Status != "READY" {
		t.Errorf("video metadata after processing time = %+v, want status READY", v)
	}
}

func TestBatchCreateDeduplicatesBytes(t *testing.T) {
	env := startEnv(t, Options{})
	data := sample(t, "Camera Roll/IMG_1811.JPG")
	first := env.create(data, "first.jpg")
	albumID := env.createAlbum("Trips")
	token := env.uploadRaw(data, "second.jpg")
	body := map[string]any{"albumId": albumID, "newMediaItems": []any{
		map[string]any{"simpleMediaItem": map[string]any{"uploadToken": token, "fileName": "second.jpg"}},
	}}
	var resp batchCreateResponse
	env.mustJSON("POST", "/v1/mediaItems:batchCreate", body, &resp)
	again := resp.NewMediaItemResults[0].MediaItem
	if again.ID != first.ID || again.Filename != "first.jpg" {
		t.Errorf("second creation = %s %q, want the first item %s %q", again.ID, again.Filename, first.ID, "first.jpg")
	}
	// The same token works again within its lifetime and changes nothing.
	env.mustJSON("POST", "/v1/mediaItems:batchCreate", body, &resp)
	if resp.NewMediaItemResults[0].MediaItem.ID != first.ID {
		t.Errorf("repeated token created %s, want %s", resp.NewMediaItemResults[0].MediaItem.ID, first.ID)
	}
	var items struct{ Items []inspectItemJSON }
	env.inspect("GET", "items", nil, &items)
	if len(items.Items) != 1 {
		t.Fatalf("library holds %d items, want 1", len(items.Items))
	}
	if diff := cmp.Diff([]string{albumID}, items.Items[0].AlbumIDs); diff != "" {
		t.Errorf("album ids (-want +got):\n%s", diff)
	}

	// Another client gets the same item, which stays the first client's.
	other := env.accessToken("client-b", "refresh-b")
	otherToken := env.uploadRawAs(other, data, "third.jpg")
	status, _, raw := env.doAs(other, "POST", "/v1/mediaItems:batchCreate", map[string]any{"newMediaItems": []any{
		map[string]any{"simpleMediaItem": map[string]any{"uploadToken": otherToken}}}})
	if status != 200 {
		t.Fatalf("batchCreate by client-b: %d %s", status, raw)
	}
	decodeInto(t, raw, &resp)
	if got := resp.NewMediaItemResults[0].MediaItem; got == nil || got.ID != first.ID {
		t.Errorf("client-b's creation = %+v, want the first item %s", got, first.ID)
	}
	env.inspect("GET", "items", nil, &items)
	if len(items.Items) != 1 || items.Items[0].CreatorClientID != "client-a" || items.Items[0].Filename != "first.jpg" {
		t.Errorf("items after client-b's creation = %+v, want one, first.jpg by client-a", items.Items)
	}
}

func TestUploadTokenExpiresAfterADay(t *testing.T) {
	env := startEnv(t, Options{})
	old := env.uploadRaw(sample(t, "Camera Roll/IMG_1811.JPG"), "old.jpg")
	env.inspect("POST", "clock", map[string]any{"advance": "24h"}, nil)
	env.token = env.accessToken("client-a", "refresh-a")
	fresh := env.uploadRaw(sample(t, "Camera Roll/portrait.jpg"), "fresh.jpg")
	var resp batchCreateResponse
	env.mustJSON("POST", "/v1/mediaItems:batchCreate", map[string]any{"newMediaItems": []any{
		map[string]any{"simpleMediaItem": map[string]any{"uploadToken": old}},
		map[string]any{"simpleMediaItem": map[string]any{"uploadToken": fresh}},
	}}, &resp)
	expired, created := resp.NewMediaItemResults[0], resp.NewMediaItemResults[1]
	if expired.MediaItem != nil || expired.Status.Code != 3 || expired.Status.Message != statusTokenExpired.Message {
		t.Errorf("expired token result = %+v, want per-item code 3 %q", expired, statusTokenExpired.Message)
	}
	if created.MediaItem == nil || created.MediaItem.Filename != "fresh.jpg" {
		t.Errorf("fresh token in the same batch = %+v, want fresh.jpg created", created)
	}
}

func TestBatchGetKeepsOrderAndFlagsBadIDs(t *testing.T) {
	env := startEnv(t, Options{})
	a := env.create(sample(t, "Camera Roll/IMG_1811.JPG"), "a.jpg")
	b := env.create(sample(t, "Camera Roll/portrait.jpg"), "b.jpg")
	q := url.Values{"mediaItemIds": {b.ID, "missing", a.ID}}
	var resp batchGetResponse
	env.mustJSON("GET", "/v1/mediaItems:batchGet?"+q.Encode(), nil, &resp)
	if len(resp.MediaItemResults) != 3 {
		t.Fatalf("got %d results, want 3", len(resp.MediaItemResults))
	}
	if resp.MediaItemResults[0].MediaItem.ID != b.ID || resp.MediaItemResults[2].MediaItem.ID != a.ID {
		t.Errorf("results are not in request order: %+v", resp.MediaItemResults)
	}
	if diff := cmp.Diff(&statusJSON{Code: 3, Message: msgInvalidMediaItemID}, resp.MediaItemResults[1].Status); diff != "" {
		t.Errorf("bad id status (-want +got):\n%s", diff)
	}

	for _, tc := range []struct {
		name    string
		ids     []string
		message string
	}{
		{"none", nil, "Request must contain at least one media item id."},
		{"51", strings.Split(strings.Repeat("x,", 51)[:101], ","), msgTooManyItems},
		{"duplicate", []string{a.ID, a.ID}, fmt.Sprintf("Request contains the media item id %q more than once.", a.ID)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "51" {
				for i := range tc.ids {
					tc.ids[i] = fmt.Sprintf("id%d", i)
				}
			}
			status, _, body := env.do("GET", "/v1/mediaItems:batchGet?"+url.Values{"mediaItemIds": tc.ids}.Encode(), nil)
			if status != 400 {
				t.Fatalf("status = %d, want 400: %s", status, body)
			}
			if e := googleError(t, body); e.Message != tc.message {
				t.Errorf("message = %q, want %q", e.Message, tc.message)
			}
		})
	}
}

func TestMediaItemsGetAndPatch(t *testing.T) {
	env := startEnv(t, Options{})
	it := env.create(sample(t, "Camera Roll/IMG_1811.JPG"), "a.jpg")
	status, _, body := env.do("GET", "/v1/mediaItems/unknown", nil)
	if e := googleError(t, body); status != 400 || e.Message != msgInvalidMediaItemID {
		t.Errorf("get unknown = %d %q, want 400 %q", status, e.Message, msgInvalidMediaItemID)
	}
	var patched mediaItemJSON
	env.mustJSON("PATCH", "/v1/mediaItems/"+it.ID+"?updateMask=description", map[string]any{"description": "at the lake"}, &patched)
	if patched.Description != "at the lake" {
		t.Errorf("description = %q, want %q", patched.Description, "at the lake")
	}
	for _, tc := range []struct {
		name, query string
		body        any
		message     string
	}{
		{"no mask", "", map[string]any{"description": "x"}, "updateMask is required: use description."},
		{"other mask", "?updateMask=filename", map[string]any{"filename": "x"}, `Invalid updateMask "filename": the only field that can be updated is description.`},
		{"too long", "?updateMask=description", map[string]any{"description": strings.Repeat("x", 1000)}, "The description is 1000 characters: it must be shorter than 1000."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := env.do("PATCH", "/v1/mediaItems/"+it.ID+tc.query, tc.body)
			if e := googleError(t, body); status != 400 || e.Message != tc.message {
				t.Errorf("got %d %q, want 400 %q", status, e.Message, tc.message)
			}
		})
	}
}

func TestListPagesWithoutRepeats(t *testing.T) {
	env := startEnv(t, Options{})
	files := []string{"Camera Roll/IMG_1811.JPG", "Camera Roll/portrait.jpg", "Tricky/no_exif.jpg", "Tricky/screenshot.png", "Tricky/animated.gif"}
	want := map[string]bool{}
	for _, f := range files {
		want[env.create(sample(t, f), f).ID] = true
	}
	seen := map[string]bool{}
	token := ""
	pages := 0
	for {
		var page mediaItemsPage
		env.mustJSON("GET", "/v1/mediaItems?pageSize=2&pageToken="+url.QueryEscape(token), nil, &page)
		pages++
		for _, it := range page.MediaItems {
			if seen[it.ID] {
				t.Errorf("item %s listed twice", it.ID)
			}
			seen[it.ID] = true
		}
		if page.NextPageToken == "" {
			break
		}
		token = page.NextPageToken
		if pages == 1 {
			// Items created while the client pages: the newest sorts
			// before the page already returned and is not listed, the
			// oldest sorts after it and is.
			env.create(sample(t, "Tricky/exif_no_date.jpg"), "new.jpg")
			oldest := env.create(sample(t, "Tricky/exif-only/2004-01-11-22-45-15-sep-2004-01-11-22-45-15a.jpg"), "old.jpg")
			want[oldest.ID] = true
		}
	}
	if pages != 3 {
		t.Errorf("listed in %d pages, want 3", pages)
	}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("listed items (-want +got):\n%s", diff)
	}
	status, _, body := env.do("GET", "/v1/mediaItems?pageToken=garbage", nil)
	if status != http.StatusBadRequest {
		t.Errorf("bad page token: status %d: %s", status, body)
	}
}

func TestEmptyListIsEmptyObject(t *testing.T) {
	env := startEnv(t, Options{})
	for _, path := range []string{"/v1/mediaItems", "/v1/albums"} {
		status, _, body := env.do("GET", path, nil)
		if status != 200 || string(body) != "{}" {
			t.Errorf("GET %s = %d %s, want 200 {}", path, status, body)
		}
	}
}

func TestPageSizeDefaultsAndMaximums(t *testing.T) {
	env := startEnv(t, Options{})
	for i := range albumsPageMax + 1 {
		env.createAlbum(fmt.Sprintf("album %d", i))
	}
	base := sample(t, "Camera Roll/IMG_1811.JPG")
	var items []any
	for i := range itemsPageMax + 1 {
		// JPEG readers ignore bytes after the image, so each copy is a
		// distinct photo.
		data := append(slices.Clone(base), fmt.Sprintf("copy %08d", i)...)
		items = append(items, map[string]any{"simpleMediaItem": map[string]any{
			"uploadToken": env.uploadRaw(data, fmt.Sprintf("p%d.jpg", i))}})
	}
	for start := 0; start < len(items); start += 50 {
		batch := items[start:min(start+50, len(items))]
		env.mustJSON("POST", "/v1/mediaItems:batchCreate", map[string]any{"newMediaItems": batch}, nil)
	}

	for _, tc := range []struct {
		name, method, path string
		body               any
		want               int
	}{
		{"albums default", "GET", "/v1/albums", nil, albumsPageDefault},
		{"albums clamped", "GET", "/v1/albums?pageSize=1000", nil, albumsPageMax},
		{"items default", "GET", "/v1/mediaItems", nil, itemsPageDefault},
		{"items clamped", "GET", "/v1/mediaItems?pageSize=1000", nil, itemsPageMax},
		{"search default", "POST", "/v1/mediaItems:search", map[string]any{}, itemsPageDefault},
		{"search clamped", "POST", "/v1/mediaItems:search", map[string]any{"pageSize": 1000}, itemsPageMax},
	} {
		var page struct {
			Albums        []albumJSON
			MediaItems    []mediaItemJSON
			NextPageToken string
		}
		env.mustJSON(tc.method, tc.path, tc.body, &page)
		if got := len(page.Albums) + len(page.MediaItems); got != tc.want {
			t.Errorf("%s: page of %d, want %d", tc.name, got, tc.want)
		}
		if page.NextPageToken == "" {
			t.Errorf("%s: no nextPageToken, want one because more remain", tc.name)
		}
	}
}

func TestPageSizeClampedAndNegativeRejected(t *testing.T) {
	env := startEnv(t, Options{})
	status, _, _ := env.do("GET", "/v1/mediaItems?pageSize=1000", nil)
	if status != 200 {
		t.Errorf("pageSize=1000: status %d, want 200 (clamped)", status)
	}
	status, _, body := env.do("GET", "/v1/albums?pageSize=-1", nil)
	if status != 400 {
		t.Errorf("pageSize=-1: status %d, want 400: %s", status, body)
	}
	status, _, body = env.do("GET", "/v1/mediaItems?pageSize=abc", nil)
	if e := googleError(t, body); status != 400 || e.Message != `Invalid value at 'page_size' (TYPE_INT32), "abc"` {
		t.Errorf("pageSize=abc: %d %q", status, e.Message)
	}
	status, _, body = env.do("GET", "/v1/mediaItems?colour=red", nil)
	if e := googleError(t, body); status != 400 || !strings.HasPrefix(e.Message, `Invalid JSON payload received. Unknown name "colour"`) {
		t.Errorf("unknown query parameter: %d %q", status, e.Message)
	}
	status, _, _ = env.do("GET", "/v1/mediaItems?alt=json&prettyPrint=false&fields=mediaItems&%24.xgafv=2", nil)
	if status != 200 {
		t.Errorf("standard parameters: status %d, want 200", status)
	}
}

func TestRequestBodyProtoNamesAndStringIntegers(t *testing.T) {
	env := startEnv(t, Options{})
	env.create(sample(t, "Camera Roll/IMG_1811.JPG"), "a.jpg")
	env.create(sample(t, "Camera Roll/portrait.jpg"), "b.jpg")
	var page mediaItemsPage
	env.mustJSON("POST", "/v1/mediaItems:search", map[string]any{"page_size": "1"}, &page)
	if len(page.MediaItems) != 1 || page.NextPageToken == "" {
		t.Errorf("search with page_size \"1\" returned %d items, next page %q", len(page.MediaItems), page.NextPageToken)
	}
	status, _, body := env.do("POST", "/v1/mediaItems:search", map[string]any{"pageSize": "ten"})
	if e := googleError(t, body); status != 400 || e.Message != `Invalid value at 'pageSize' (TYPE_INT32), "ten"` {
		t.Errorf("pageSize \"ten\" = %d %q", status, e.Message)
	}
}

func TestBatchCreateRejectsOversizedPhoto(t *testing.T) {
	env := startEnv(t, Options{})
	token := env.uploadRaw(sample(t, "Tricky/no_exif.jpg"), "huge.jpg")
	// Uploading 200 MB in a test is too slow, so the recorded size is
	// raised instead.
	env.run.Server.mu.Lock()
	env.run.Server.st.UploadTokens[token].Size = media.MaxPhotoSize + 1
	env.run.Server.mu.Unlock()
	var resp batchCreateResponse
	env.mustJSON("POST", "/v1/mediaItems:batchCreate", map[string]any{"newMediaItems": []any{
		map[string]any{"simpleMediaItem": map[string]any{"uploadToken": token}}}}, &resp)
	got := resp.NewMediaItemResults[0]
	if got.MediaItem != nil || got.Status.Code != 3 || !strings.Contains(got.Status.Message, "more than the 209715200 bytes") {
		t.Errorf("oversized photo result = %+v, want a per-item code 3 naming the limit", got)
	}
}
