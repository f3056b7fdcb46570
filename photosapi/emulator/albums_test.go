package emulator

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAlbumsCreateAndLimits(t *testing.T) {
	env := startEnv(t, Options{})
	tests := []struct {
		name    string
		body    any
		status  int
		message string
	}{
		{"ok", map[string]any{"album": map[string]any{"title": "Trips"}}, 200, ""},
		{"title 500", map[string]any{"album": map[string]any{"title": strings.Repeat("t", 500)}}, 200, ""},
		{"title 501", map[string]any{"album": map[string]any{"title": strings.Repeat("t", 501)}}, 400,
			"The album title is 501 characters, more than the maximum of 500."},
		{"no album", map[string]any{}, 400, "Request must contain an album."},
		{"unknown field", map[string]any{"album": map[string]any{"name": "x"}}, 400,
			`Invalid JSON payload received. Unknown name "name" at 'album': Cannot find field.`},
		{"malformed", "{", 400, "Invalid JSON payload received. Unexpected token."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := env.do("POST", "/v1/albums", tc.body)
			if status != tc.status {
				t.Fatalf("status = %d, want %d: %s", status, tc.status, body)
			}
			if tc.status != 200 {
				if e := googleError(t, body); e.Message != tc.message {
					t.Errorf("message = %q, want %q", e.Message, tc.message)
				}
			}
		})
	}
}

func TestBatchAddAndRemoveAreAllOrNothing(t *testing.T) {
	env := startEnv(t, Options{})
	a := env.create(sample(t, "Camera Roll/IMG_1811.JPG"), "a.jpg")
	b := env.create(sample(t, "Camera Roll/portrait.jpg"), "b.jpg")
	albumID := env.createAlbum("Trips")
	path := "/v1/albums/" + albumID
	status, _, body := env.do("POST", path+":batchAddMediaItems", map[string]any{"mediaItemIds": []string{a.ID, "bogus"}})
	if e := googleError(t, body); status != 400 || e.Message != msgBatchInvalidID {
		t.Errorf("add with a bad id = %d %q", status, e.Message)
	}
	assertAlbum(t, env, albumID, nil)

	env.mustJSON("POST", path+":batchAddMediaItems", map[string]any{"mediaItemIds": []string{b.ID, a.ID}}, nil)
	assertAlbum(t, env, albumID, []string{b.ID, a.ID})

	status, _, body = env.do("POST", path+":batchRemoveMediaItems", map[string]any{"mediaItemIds": []string{a.ID, "bogus"}})
	if e := googleError(t, body); status != 400 || e.Message != msgBatchInvalidID {
		t.Errorf("remove with a bad id = %d %q", status, e.Message)
	}
	status, _, _ = env.do("POST", path+":batchRemoveMediaItems", map[string]any{"mediaItemIds": []string{a.ID, a.ID}})
	if status != 400 {
		t.Errorf("remove with duplicate ids: status %d, want 400", status)
	}
	env.mustJSON("POST", path+":batchRemoveMediaItems", map[string]any{"mediaItemIds": []string{a.ID}}, nil)
	assertAlbum(t, env, albumID, []string{b.ID})

	other := env.accessToken("client-b", "refresh-b")
	status, _, body = env.doAs(other, "POST", path+":batchAddMediaItems", map[string]any{"mediaItemIds": []string{a.ID}})
	if e := googleError(t, body); status != 400 || e.Message != msgNoAlbumPermission {
		t.Errorf("another client adding to this album = %d %q, want 400 %q", status, e.Message, msgNoAlbumPermission)
	}
	token := env.uploadRawAs(other, sample(t, "Tricky/no_exif.jpg"), "c.jpg")
	status, _, body = env.doAs(other, "POST", "/v1/mediaItems:batchCreate", map[string]any{"albumId": albumID,
		"newMediaItems": []any{map[string]any{"simpleMediaItem": map[string]any{"uploadToken": token}}}})
	if e := googleError(t, body); status != 400 || e.Message != msgNoAlbumPermission {
		t.Errorf("another client creating into this album = %d %q, want 400 %q", status, e.Message, msgNoAlbumPermission)
	}
	ids := make([]string, 51)
	for i := range ids {
		ids[i] = fmt.Sprintf("id%d", i)
	}
	status, _, body = env.do("POST", path+":batchAddMediaItems", map[string]any{"mediaItemIds": ids})
	if e := googleError(t, body); status != 400 || e.Message != msgTooManyItems {
		t.Errorf("51 ids = %d %q", status, e.Message)
	}
}

func assertAlbum(t *testing.T, env *testEnv, albumID string, want []string) {
	t.Helper()
	var page mediaItemsPage
	env.mustJSON("POST", "/v1/mediaItems:search", map[string]any{"albumId": albumID}, &page)
	var got []string
	for _, it := range page.MediaItems {
		got = append(got, it.ID)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("album contents (-want +got):\n%s", diff)
	}
}

func TestAlbumCapOf20000(t *testing.T) {
	env := startEnv(t, Options{})
	it := env.create(sample(t, "Camera Roll/IMG_1811.JPG"), "a.jpg")
	albumID := env.createAlbum("Full")
	env.run.Server.mu.Lock()
	a := env.run.Server.st.Albums[albumID]
	for i := range maxAlbumItems {
		a.Entries = append(a.Entries, albumEntry{MediaItemID: fmt.Sprintf("filler%d", i)})
	}
	env.run.Server.mu.Unlock()
	status, _, body := env.do("POST", "/v1/albums/"+albumID+":batchAddMediaItems", map[string]any{"mediaItemIds": []string{it.ID}})
	if status != 400 || !strings.Contains(googleError(t, body).Message, "at most 20000") {
		t.Errorf("adding to a full album = %d %s", status, body)
	}
}

func TestAlbumPatchAndPositions(t *testing.T) {
	env := startEnv(t, Options{})
	a := env.create(sample(t, "Camera Roll/IMG_1811.JPG"), "a.jpg")
	b := env.create(sample(t, "Camera Roll/portrait.jpg"), "b.jpg")
	albumID := env.createAlbum("Trips")
	env.mustJSON("POST", "/v1/albums/"+albumID+":batchAddMediaItems", map[string]any{"mediaItemIds": []string{a.ID}}, nil)
	token := env.uploadRaw(sample(t, "Tricky/no_exif.jpg"), "c.jpg")
	var resp batchCreateResponse
	env.mustJSON("POST", "/v1/mediaItems:batchCreate", map[string]any{"albumId": albumID,
		"albumPosition": map[string]any{"position": "FIRST_IN_ALBUM"},
		"newMediaItems": []any{map[string]any{"simpleMediaItem": map[string]any{"uploadToken": token}}}}, &resp)
	c := resp.NewMediaItemResults[0].MediaItem
	env.mustJSON("POST", "/v1/albums/"+albumID+":batchAddMediaItems", map[string]any{"mediaItemIds": []string{b.ID}}, nil)
	assertAlbum(t, env, albumID, []string{c.ID, a.ID, b.ID})

	var patched albumJSON
	env.mustJSON("PATCH", "/v1/albums/"+albumID+"?updateMask=title,cover_photo_media_item_id",
		map[string]any{"title": "Holidays", "coverPhotoMediaItemId": b.ID}, &patched)
	if patched.Title != "Holidays" || patched.CoverPhotoMediaItemID != b.ID || patched.MediaItemsCount != "3" {
		t.Errorf("patched album = %+v", patched)
	}
	status, _, _ := env.do("PATCH", "/v1/albums/"+albumID, map[string]any{"title": "x"})
	if status != 400 {
		t.Errorf("patch without updateMask: status %d, want 400", status)
	}
	status, _, _ = env.do("POST", "/v1/albums/"+albumID+":addEnrichment", map[string]any{
		"newEnrichmentItem": map[string]any{"textEnrichment": map[string]any{"text": "x"}, "mapEnrichment": map[string]any{}},
		"albumPosition":     map[string]any{"position": "LAST_IN_ALBUM"}})
	if status != 400 {
		t.Errorf("enrichment with two kinds: status %d, want 400", status)
	}
	status, _, _ = env.do("POST", "/v1/albums/"+albumID+":addEnrichment", map[string]any{
		"newEnrichmentItem": map[string]any{"textEnrichment": map[string]any{"text": "x"}},
		"albumPosition":     map[string]any{"position": "AFTER_MEDIA_ITEM", "relativeMediaItemId": "nope"}})
	if status != 400 {
		t.Errorf("enrichment after a missing item: status %d, want 400", status)
	}
}

func TestSearchFilterRules(t *testing.T) {
	env := startEnv(t, Options{})
	photo := env.create(sample(t, "Camera Roll/IMG_1811.JPG"), "a.jpg")
	video := env.create(sample(t, "Tricky/clip.mp4"), "clip.mp4")
	albumID := env.createAlbum("Trips")
	dates := func(n int) []any {
		d := make([]any, n)
		for i := range d {
			d[i] = map[string]any{"year": 2020 + i}
		}
		return d
	}
	cats := func(n int) []string {
		return []string{"LANDSCAPES", "RECEIPTS", "CITYSCAPES", "LANDMARKS", "SELFIES", "PEOPLE", "PETS", "WEDDINGS", "BIRTHDAYS", "DOCUMENTS", "TRAVEL"}[:n]
	}
	tests := []struct {
		name   string
		body   map[string]any
		status int
		want   []string
	}{
		{"album and filters", map[string]any{"albumId": albumID, "filters": map[string]any{}}, 400, nil},
		{"orderBy without dateFilter", map[string]any{"orderBy": orderNewestFirst}, 400, nil},
		{"orderBy with mediaType", map[string]any{"orderBy": orderNewestFirst, "filters": map[string]any{
			"dateFilter": map[string]any{"dates": dates(1)}, "mediaTypeFilter": map[string]any{"mediaTypes": []string{"PHOTO"}}}}, 400, nil},
		{"orderBy with contentFilter", map[string]any{"orderBy": orderOldestFirst, "filters": map[string]any{
			"dateFilter": map[string]any{"dates": dates(1)}, "contentFilter": map[string]any{"includedContentCategories": []string{"PETS"}}}}, 400, nil},
		{"orderBy with featureFilter", map[string]any{"orderBy": orderOldestFirst, "filters": map[string]any{
			"dateFilter": map[string]any{"dates": dates(1)}, "featureFilter": map[string]any{"includedFeatures": []string{"FAVORITES"}}}}, 400, nil},
		{"orderBy with flags", map[string]any{"orderBy": orderOldestFirst, "filters": map[string]any{
			"dateFilter": map[string]any{"dates": dates(1)}, "includeArchivedMedia": true, "excludeNonAppCreatedData": true}}, 200, nil},
		{"bad orderBy", map[string]any{"orderBy": "name", "filters": map[string]any{"dateFilter": map[string]any{"dates": dates(1)}}}, 400, nil},
		{"two media types", map[string]any{"filters": map[string]any{"mediaTypeFilter": map[string]any{"mediaTypes": []string{"PHOTO", "VIDEO"}}}}, 400, nil},
		{"unknown media type", map[string]any{"filters": map[string]any{"mediaTypeFilter": map[string]any{"mediaTypes": []string{"AUDIO"}}}}, 400, nil},
		{"six dates", map[string]any{"filters": map[string]any{"dateFilter": map[string]any{"dates": dates(6)}}}, 400, nil},
		{"all-zero date", map[string]any{"filters": map[string]any{"dateFilter": map[string]any{"dates": []any{map[string]any{}}}}}, 400, nil},
		{"month only", map[string]any{"filters": map[string]any{"dateFilter": map[string]any{"dates": []any{map[string]any{"month": 7}}}}}, 400, nil},
		{"eleven categories", map[string]any{"filters": map[string]any{"contentFilter": map[string]any{"includedContentCategories": cats(11)}}}, 400, nil},
		{"category in both lists", map[string]any{"filters": map[string]any{"contentFilter": map[string]any{
			"includedContentCategories": []string{"PETS"}, "excludedContentCategories": []string{"PETS"}}}}, 400, nil},
		{"photos only", map[string]any{"filters": map[string]any{"mediaTypeFilter": map[string]any{"mediaTypes": []string{"PHOTO"}}}}, 200, []string{photo.ID}},
		{"videos only", map[string]any{"filters": map[string]any{"mediaTypeFilter": map[string]any{"mediaTypes": []string{"VIDEO"}}}}, 200, []string{video.ID}},
		{"favourites match nothing", map[string]any{"filters": map[string]any{"featureFilter": map[string]any{"includedFeatures": []string{"FAVORITES"}}}}, 200, nil},
		{"feature NONE matches all", map[string]any{"filters": map[string]any{"featureFilter": map[string]any{"includedFeatures": []string{"NONE"}}}}, 200, []string{video.ID, photo.ID}},
		{"included category matches nothing", map[string]any{"filters": map[string]any{"contentFilter": map[string]any{
			"includedContentCategories": []string{"LANDSCAPES"}}}}, 200, nil},
		{"excluded category removes nothing", map[string]any{"filters": map[string]any{"contentFilter": map[string]any{
			"excludedContentCategories": []string{"SCREENSHOTS", "PETS"}}}}, 200, []string{video.ID, photo.ID}},
		{"included NONE matches all", map[string]any{"filters": map[string]any{"contentFilter": map[string]any{
			"includedContentCategories": []string{"NONE"}}}}, 200, []string{video.ID, photo.ID}},
		{"NONE beside a category is ignored", map[string]any{"filters": map[string]any{"contentFilter": map[string]any{
			"includedContentCategories": []string{"NONE", "PETS"}}}}, 200, nil},
		{"no filters", map[string]any{}, 200, []string{video.ID, photo.ID}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := env.do("POST", "/v1/mediaItems:search", tc.body)
			if status != tc.status {
				t.Fatalf("status = %d, want %d: %s", status, tc.status, body)
			}
			if status != 200 {
				if e := googleError(t, body); e.Status != "INVALID_ARGUMENT" {
					t.Errorf("status = %q, want INVALID_ARGUMENT", e.Status)
				}
				return
			}
			var page mediaItemsPage
			decodeInto(t, body, &page)
			var got []string
			for _, it := range page.MediaItems {
				got = append(got, it.ID)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("results (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEscapedIDsInPath(t *testing.T) {
	env := startEnv(t, Options{})
	albumID := env.createAlbum("escaped")
	item := env.create(sample(t, "Camera Roll/IMG_1811.JPG"), "a.jpg")

	for _, tc := range []struct {
		method, path string
		status       int
		message      string
	}{
		{"GET", "/v1/albums/abc%2Fdef", 400, msgInvalidAlbumID},
		{"GET", "/v1/albums/abc%3Adef", 400, msgInvalidAlbumID},
		{"POST", "/v1/albums/abc%2Fdef:batchAddMediaItems", 400, msgInvalidAlbumID},
		{"GET", "/v1/mediaItems/abc%2Fdef", 400, msgInvalidMediaItemID},
		{"GET", "/v1/mediaItems/abc%3Adef", 400, msgInvalidMediaItemID},
		{"PATCH", "/v1/mediaItems/abc%2Fdef?updateMask=description", 400, msgInvalidMediaItemID},
		// A literal "/" still adds a path segment that no method has.
		{"GET", "/v1/albums/abc/def", 404, "Method not found."},
	} {
		var body any
		if tc.method != "GET" {
			body = map[string]any{"mediaItemIds": []string{item.ID}, "description": "d"}
		}
		status, _, data := env.do(tc.method, tc.path, body)
		if status != tc.status {
			t.Errorf("%s %s: status %d, want %d: %s", tc.method, tc.path, status, tc.status, data)
			continue
		}
		if e := googleError(t, data); e.Message != tc.message {
			t.Errorf("%s %s: message %q, want %q", tc.method, tc.path, e.Message, tc.message)
		}
	}

	// An id with escaped characters that are not needed still names the
	// same album and item.
	var album albumJSON
	env.mustJSON("GET", "/v1/albums/"+escapeAll(albumID), nil, &album)
	if album.ID != albumID {
		t.Errorf("album by escaped id = %q, want %q", album.ID, albumID)
	}
	var got mediaItemJSON
	env.mustJSON("GET", "/v1/mediaItems/"+escapeAll(item.ID), nil, &got)
	if got.ID != item.ID {
		t.Errorf("item by escaped id = %q, want %q", got.ID, item.ID)
	}
}

// escapeAll percent-encodes every byte of s.
func escapeAll(s string) string {
	var b strings.Builder
	for i := range len(s) {
		fmt.Fprintf(&b, "%%%02X", s[i])
	}
	return b.String()
}

func TestBatchCreateIntoAlbumAddsEachItemOnce(t *testing.T) {
	env := startEnv(t, Options{})
	a := env.create(sample(t, "Camera Roll/IMG_1811.JPG"), "a.jpg")
	albumID := env.createAlbum("Trips")
	env.mustJSON("POST", "/v1/albums/"+albumID+":batchAddMediaItems", map[string]any{"mediaItemIds": []string{a.ID}}, nil)
	tokens := []string{
		env.uploadRaw(sample(t, "Camera Roll/IMG_1811.JPG"), "a-again.jpg"),
		env.uploadRaw(sample(t, "Camera Roll/portrait.jpg"), "b.jpg"),
		env.uploadRaw(sample(t, "Camera Roll/portrait.jpg"), "b-again.jpg"),
	}
	var items []any
	for _, token := range tokens {
		items = append(items, map[string]any{"simpleMediaItem": map[string]any{"uploadToken": token}})
	}
	var resp batchCreateResponse
	env.mustJSON("POST", "/v1/mediaItems:batchCreate", map[string]any{"albumId": albumID, "newMediaItems": items}, &resp)
	if len(resp.NewMediaItemResults) != 3 {
		t.Fatalf("batchCreate returned %d results, want 3", len(resp.NewMediaItemResults))
	}
	if got := resp.NewMediaItemResults[0].MediaItem.ID; got != a.ID {
		t.Errorf("bytes already in the library created %s, want the existing item %s", got, a.ID)
	}
	b := resp.NewMediaItemResults[1].MediaItem.ID
	if got := resp.NewMediaItemResults[2].MediaItem.ID; got != b {
		t.Errorf("the same bytes twice in one request created %s and %s, want one item", b, got)
	}
	assertAlbum(t, env, albumID, []string{a.ID, b})
}
