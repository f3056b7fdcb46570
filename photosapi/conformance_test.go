package photosapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/api"
	"github.com/photosync/photosync/photosapi/emulator"
)

// createItem uploads data and creates one media item, optionally in an
// album, and returns it.
func createItem(t *testing.T, e *env, data []byte, name, albumID string) api.MediaItem {
	t.Helper()
	token, err := e.client.UploadRaw(t.Context(), bytes.NewReader(data), int64(len(data)), name, "")
	if err != nil {
		t.Fatal(err)
	}
	results, err := e.client.BatchCreate(t.Context(), api.BatchCreateMediaItemsRequest{
		AlbumID:       albumID,
		NewMediaItems: []api.NewMediaItem{{SimpleMediaItem: &api.SimpleMediaItem{UploadToken: token, FileName: name}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := results[0].Err(); err != nil {
		t.Fatal(err)
	}
	return *results[0].MediaItem
}

// collect drains an iterator and fails the test on an error.
func collect[T any](t *testing.T, seq func(func(T, error) bool)) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func TestConformanceAlbums(t *testing.T) {
	e := startEnv(t, emulator.Options{}, nil)
	ctx := t.Context()

	var created []string
	for i := range 5 {
		album, err := e.client.CreateAlbum(ctx, fmt.Sprintf("Trips/%d", 2020+i))
		if err != nil {
			t.Fatal(err)
		}
		if album.ID == "" || !album.IsWriteable {
			t.Errorf("created album = %+v, want an id and isWriteable", album)
		}
		created = append(created, album.ID)
	}

	got, err := e.client.GetAlbum(ctx, created[0])
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Trips/2020" {
		t.Errorf("title = %q, want Trips/2020", got.Title)
	}

	e.resetRequests(t)
	listed := collect(t, e.client.ListAlbums(ctx, photosapi.ListOptions{PageSize: 2}))
	var ids []string
	for _, a := range listed {
		ids = append(ids, a.ID)
	}
	slices.Sort(ids)
	want := slices.Clone(created)
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("listed %v, want %v", ids, want)
	}
	if n := e.requests(t).ByMethod["albums.list"]; n != 3 {
		t.Errorf("listing 5 albums 2 per page took %d requests, want 3", n)
	}

	appCreated := collect(t, e.client.ListAlbums(ctx, photosapi.ListOptions{ExcludeNonAppCreatedData: true}))
	if len(appCreated) != len(created) {
		t.Errorf("listing app-created albums returned %d, want %d", len(appCreated), len(created))
	}

	patched, err := e.client.PatchAlbum(ctx, api.Album{ID: created[1], Title: "Renamed"}, photosapi.AlbumFieldTitle)
	if err != nil {
		t.Fatal(err)
	}
	if patched.Title != "Renamed" {
		t.Errorf("patched title = %q", patched.Title)
	}

	enrichment, err := e.client.AddEnrichment(ctx, created[0],
		api.NewEnrichmentItem{TextEnrichment: &api.TextEnrichment{Text: "Day one"}},
		api.AlbumPosition{Position: api.PositionFirstInAlbum})
	if err != nil {
		t.Fatal(err)
	}
	if enrichment.ID == "" {
		t.Error("enrichment has no id")
	}

	_, err = e.client.GetAlbum(ctx, "no-such-album")
	if !api.IsPermanent(err) {
		t.Errorf("GetAlbum of an unknown id: IsPermanent(%v) = false", err)
	}
}

func TestConformanceMediaItems(t *testing.T) {
	e := startEnv(t, emulator.Options{VideoProcessingTime: -1}, nil)
	ctx := t.Context()

	album, err := e.client.CreateAlbum(ctx, "Camera Roll")
	if err != nil {
		t.Fatal(err)
	}
	_, photo := sample(t, "Camera Roll/IMG_1811.JPG")
	_, video := sample(t, "Tricky/clip.mp4")
	_, other := sample(t, "Camera Roll/portrait.jpg")
	first := createItem(t, e, photo, "IMG_1811.JPG", album.ID)
	clip := createItem(t, e, video, "clip.mp4", album.ID)
	loose := createItem(t, e, other, "portrait.jpg", "")

	if first.Filename != "IMG_1811.JPG" || first.MimeType != "image/jpeg" {
		t.Errorf("created item = %+v", first)
	}
	if md := first.MediaMetadata; md == nil || md.Width == 0 || md.Height == 0 {
		t.Errorf("created item metadata = %+v, want dimensions", first.MediaMetadata)
	}

	// The emulator stores the bytes the client sent.
	sum := sha256.Sum256(photo)
	var stored *emulatorItem
	for _, it := range e.items(t) {
		if it.ID == first.ID {
			stored = &it
		}
	}
	if stored == nil {
		t.Fatalf("emulator has no item %s", first.ID)
	}
	if stored.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("stored sha256 %s differs from the file's", stored.SHA256)
	}

	got, err := e.client.GetMediaItem(ctx, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != first.ID || got.BaseURL == "" {
		t.Errorf("GetMediaItem = %+v", got)
	}

	results, err := e.client.BatchGet(ctx, []string{first.ID, "unknown-id", clip.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 3 {
		t.Fatalf("BatchGet returned %d results, want 3", len(results))
	}
	if results[0].Err() != nil || results[0].MediaItem.ID != first.ID {
		t.Errorf("result 0 = %+v", results[0])
	}
	if err := results[1].Err(); !api.IsPermanent(err) {
		t.Errorf("result for an unknown id: IsPermanent(%v) = false", err)
	}
	if results[2].Err() != nil || results[2].MediaItem.ID != clip.ID {
		t.Errorf("result 2 = %+v", results[2])
	}

	all := collect(t, e.client.ListMediaItems(ctx, photosapi.ListOptions{}))
	if len(all) != 3 {
		t.Errorf("ListMediaItems returned %d items, want 3", len(all))
	}

	inAlbum := collect(t, e.client.Search(ctx, api.SearchMediaItemsRequest{AlbumID: album.ID}))
	if len(inAlbum) != 2 || inAlbum[0].ID != first.ID || inAlbum[1].ID != clip.ID {
		t.Errorf("album search returned %v, want [%s %s] in album order", itemIDs(inAlbum), first.ID, clip.ID)
	}

	videos := collect(t, e.client.Search(ctx, api.SearchMediaItemsRequest{
		Filters: &api.Filters{MediaTypeFilter: &api.MediaTypeFilter{MediaTypes: []api.MediaType{api.MediaTypeVideo}}},
	}))
	if len(videos) != 1 || videos[0].ID != clip.ID {
		t.Errorf("video search returned %v, want [%s]", itemIDs(videos), clip.ID)
	}
	photos := collect(t, e.client.Search(ctx, api.SearchMediaItemsRequest{
		Filters: &api.Filters{MediaTypeFilter: &api.MediaTypeFilter{MediaTypes: []api.MediaType{api.MediaTypePhoto}}},
	}))
	if got := itemIDs(photos); len(got) != 2 || !slices.Contains(got, first.ID) || !slices.Contains(got, loose.ID) {
		t.Errorf("photo search returned %v, want %s and %s", got, first.ID, loose.ID)
	}

	patched, err := e.client.PatchMediaItem(ctx, api.MediaItem{ID: loose.ID, Description: "Portrait"}, photosapi.MediaItemFieldDescription)
	if err != nil {
		t.Fatal(err)
	}
	if patched.Description != "Portrait" {
		t.Errorf("patched description = %q", patched.Description)
	}

	if err := e.client.BatchAddMediaItems(ctx, album.ID, []string{loose.ID}); err != nil {
		t.Fatal(err)
	}
	if err := e.client.BatchRemoveMediaItems(ctx, album.ID, []string{first.ID}); err != nil {
		t.Fatal(err)
	}
	after := itemIDs(collect(t, e.client.Search(ctx, api.SearchMediaItemsRequest{AlbumID: album.ID})))
	if !slices.Equal(after, []string{clip.ID, loose.ID}) {
		t.Errorf("album holds %v after add and remove, want [%s %s]", after, clip.ID, loose.ID)
	}

	err = e.client.BatchAddMediaItems(ctx, album.ID, []string{"no-such-item"})
	if !api.IsPermanent(err) {
		t.Errorf("adding an unknown item: IsPermanent(%v) = false", err)
	}
}

func itemIDs(items []api.MediaItem) []string {
	var ids []string
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	return ids
}

func TestConformanceDownload(t *testing.T) {
	e := startEnv(t, emulator.Options{}, nil)
	_, photo := sample(t, "Camera Roll/IMG_1811.JPG")
	item := createItem(t, e, photo, "IMG_1811.JPG", "")

	var buf bytes.Buffer
	n, err := e.client.Download(t.Context(), item.BaseURL, photosapi.ParamPhoto, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(buf.Len()) || n == 0 {
		t.Errorf("Download returned %d and wrote %d bytes", n, buf.Len())
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte{0xFF, 0xD8}) {
		t.Errorf("downloaded bytes do not start a JPEG")
	}

	var thumb bytes.Buffer
	if _, err := e.client.Download(t.Context(), item.BaseURL, "w64-h64-c", &thumb); err != nil {
		t.Fatal(err)
	}
	if thumb.Len() == 0 || thumb.Len() >= buf.Len() {
		t.Errorf("thumbnail has %d bytes, original %d", thumb.Len(), buf.Len())
	}

	// Base URLs expire after an hour.
	e.inspect(t, http.MethodPost, "clock", map[string]string{"advance": "2h"}, nil)
	_, err = e.client.Download(t.Context(), item.BaseURL, photosapi.ParamPhoto, &bytes.Buffer{})
	if !api.IsExpiredURL(err) {
		t.Errorf("IsExpiredURL(%v) = false after two hours", err)
	}
	fresh, err := e.client.GetMediaItem(t.Context(), item.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.Download(t.Context(), fresh.BaseURL, photosapi.ParamPhoto, &bytes.Buffer{}); err != nil {
		t.Errorf("download from a fresh base URL: %v", err)
	}
}

func TestConformanceDeduplicatesBytes(t *testing.T) {
	e := startEnv(t, emulator.Options{}, nil)
	_, photo := sample(t, "Camera Roll/IMG_1811.JPG")
	first := createItem(t, e, photo, "first.jpg", "")
	second := createItem(t, e, photo, "second.jpg", "")
	if first.ID != second.ID {
		t.Errorf("identical bytes made items %s and %s, want one", first.ID, second.ID)
	}
	if second.Filename != "first.jpg" {
		t.Errorf("second creation has name %q, want the first name", second.Filename)
	}
	if n := len(e.items(t)); n != 1 {
		t.Errorf("emulator holds %d items, want 1", n)
	}
}

func TestConformanceBatchCreateItemStatus(t *testing.T) {
	e := startEnv(t, emulator.Options{}, nil)
	_, a := sample(t, "Camera Roll/IMG_1811.JPG")
	_, b := sample(t, "Camera Roll/portrait.jpg")
	tokenA, err := e.client.UploadRaw(t.Context(), bytes.NewReader(a), int64(len(a)), "a.jpg", "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	tokenB, err := e.client.UploadRaw(t.Context(), bytes.NewReader(b), int64(len(b)), "b.jpg", "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	e.fault(t, map[string]any{
		"method": "mediaItems.batchCreate", "count": 1,
		"itemStatus": map[string]any{"code": 13, "message": "Failed: There was an error while trying to create this media item."},
	})
	results, err := e.client.BatchCreate(t.Context(), api.BatchCreateMediaItemsRequest{NewMediaItems: []api.NewMediaItem{
		{SimpleMediaItem: &api.SimpleMediaItem{UploadToken: tokenA}},
		{SimpleMediaItem: &api.SimpleMediaItem{UploadToken: tokenB}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, r := range results {
		if err := r.Err(); err != nil {
			failed++
			if !api.IsRetryable(err) {
				t.Errorf("item status 13: IsRetryable(%v) = false", err)
			}
		}
	}
	if failed != 1 {
		t.Errorf("%d items failed, want 1", failed)
	}
}

func TestConformanceLimits(t *testing.T) {
	e := startEnv(t, emulator.Options{}, nil)
	ctx := t.Context()
	ids := make([]string, 51)
	for i := range ids {
		ids[i] = fmt.Sprintf("id-%d", i)
	}
	items := make([]api.NewMediaItem, 51)
	for i := range items {
		items[i] = api.NewMediaItem{SimpleMediaItem: &api.SimpleMediaItem{UploadToken: fmt.Sprintf("t%d", i)}}
	}
	long := strings.Repeat("x", 501)

	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"album title too long", func() error { _, err := e.client.CreateAlbum(ctx, long); return err }},
		{"album title empty", func() error { _, err := e.client.CreateAlbum(ctx, " "); return err }},
		{"batchGet 51 ids", func() error { _, err := e.client.BatchGet(ctx, ids); return err }},
		{"batchGet repeated id", func() error { _, err := e.client.BatchGet(ctx, []string{"a", "a"}); return err }},
		{"batchGet no ids", func() error { _, err := e.client.BatchGet(ctx, nil); return err }},
		{"batchAdd 51 ids", func() error { return e.client.BatchAddMediaItems(ctx, "album", ids) }},
		{"batchRemove empty id", func() error { return e.client.BatchRemoveMediaItems(ctx, "album", []string{""}) }},
		{"batchCreate 51 items", func() error {
			_, err := e.client.BatchCreate(ctx, api.BatchCreateMediaItemsRequest{NewMediaItems: items})
			return err
		}},
		{"batchCreate position without album", func() error {
			_, err := e.client.BatchCreate(ctx, api.BatchCreateMediaItemsRequest{
				NewMediaItems: items[:1], AlbumPosition: &api.AlbumPosition{Position: api.PositionFirstInAlbum}})
			return err
		}},
		{"empty upload", func() error {
			_, err := e.client.UploadRaw(ctx, bytes.NewReader(nil), 0, "empty.jpg", "image/jpeg")
			return err
		}},
		{"search album and filters", func() error {
			return firstError(e.client.Search(ctx, api.SearchMediaItemsRequest{AlbumID: "a", Filters: &api.Filters{}}))
		}},
		{"search two media types", func() error {
			return firstError(e.client.Search(ctx, api.SearchMediaItemsRequest{Filters: &api.Filters{
				MediaTypeFilter: &api.MediaTypeFilter{MediaTypes: []api.MediaType{api.MediaTypePhoto, api.MediaTypeVideo}}}}))
		}},
		{"search order without date filter", func() error {
			return firstError(e.client.Search(ctx, api.SearchMediaItemsRequest{OrderBy: api.OrderByCreationTime}))
		}},
		{"search six dates", func() error {
			dates := make([]api.Date, 6)
			for i := range dates {
				dates[i] = api.Date{Year: int32(2000 + i)}
			}
			return firstError(e.client.Search(ctx, api.SearchMediaItemsRequest{Filters: &api.Filters{
				DateFilter: &api.DateFilter{Dates: dates}}}))
		}},
		{"search month only", func() error {
			return firstError(e.client.Search(ctx, api.SearchMediaItemsRequest{Filters: &api.Filters{
				DateFilter: &api.DateFilter{Dates: []api.Date{{Month: 7}}}}}))
		}},
		{"search category twice", func() error {
			return firstError(e.client.Search(ctx, api.SearchMediaItemsRequest{Filters: &api.Filters{
				ContentFilter: &api.ContentFilter{
					IncludedContentCategories: []api.ContentCategory{api.CategoryPets},
					ExcludedContentCategories: []api.ContentCategory{api.CategoryPets}}}}))
		}},
		{"list page size 101", func() error {
			return firstError(e.client.ListMediaItems(ctx, photosapi.ListOptions{PageSize: 101}))
		}},
		{"patch media item title", func() error {
			_, err := e.client.PatchMediaItem(ctx, api.MediaItem{ID: "m"}, "title")
			return err
		}},
		{"patch album unknown field", func() error {
			_, err := e.client.PatchAlbum(ctx, api.Album{ID: "a"}, "description")
			return err
		}},
		{"enrichment with two kinds", func() error {
			_, err := e.client.AddEnrichment(ctx, "a", api.NewEnrichmentItem{
				TextEnrichment:     &api.TextEnrichment{Text: "x"},
				LocationEnrichment: &api.LocationEnrichment{}}, api.AlbumPosition{})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.resetRequests(t)
			err := tc.call()
			if !errors.Is(err, api.ErrInvalidRequest) {
				t.Fatalf("error = %v, want api.ErrInvalidRequest", err)
			}
			if !api.IsPermanent(err) {
				t.Errorf("IsPermanent(%v) = false", err)
			}
			if n := e.requests(t).Total; n != 0 {
				t.Errorf("client sent %d requests for an invalid call", n)
			}
		})
	}
}

// firstError returns the first error a sequence yields.
func firstError[T any](seq func(func(T, error) bool)) error {
	for _, err := range seq {
		if err != nil {
			return err
		}
	}
	return nil
}

func TestConformanceDailyQuota(t *testing.T) {
	e := startEnv(t, emulator.Options{}, nil)
	e.fault(t, map[string]any{"preset": "dailyQuota", "method": "albums.list", "count": 1})
	err := firstError(e.client.ListAlbums(t.Context(), photosapi.ListOptions{}))
	if !api.IsDailyQuota(err) {
		t.Fatalf("IsDailyQuota(%v) = false", err)
	}
	if api.IsRetryable(err) {
		t.Errorf("IsRetryable(%v) = true", err)
	}
	if n := e.requests(t).ByMethod["albums.list"]; n != 1 {
		t.Errorf("client sent %d albums.list requests, want 1", n)
	}
}

func TestConformanceRetriesUnavailable(t *testing.T) {
	e := startEnv(t, emulator.Options{}, nil)
	album, err := e.client.CreateAlbum(t.Context(), "A")
	if err != nil {
		t.Fatal(err)
	}
	e.fault(t, map[string]any{"method": "albums.get", "status": 503, "count": 2})
	if _, err := e.client.GetAlbum(t.Context(), album.ID); err != nil {
		t.Fatal(err)
	}
	if n := e.requests(t).ByMethod["albums.get"]; n != 3 {
		t.Errorf("emulator saw %d albums.get requests, want 3", n)
	}
	if len(e.rec.waits) != 2 {
		t.Errorf("client waited %d times, want 2", len(e.rec.waits))
	}
}

func TestConformanceStorageFull(t *testing.T) {
	e := startEnv(t, emulator.Options{}, nil)
	_, photo := sample(t, "Camera Roll/IMG_1811.JPG")
	token, err := e.client.UploadRaw(t.Context(), bytes.NewReader(photo), int64(len(photo)), "a.jpg", "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	e.fault(t, map[string]any{"preset": "storageFull", "method": "mediaItems.batchCreate", "count": 1})
	_, err = e.client.BatchCreate(t.Context(), api.BatchCreateMediaItemsRequest{
		NewMediaItems: []api.NewMediaItem{{SimpleMediaItem: &api.SimpleMediaItem{UploadToken: token}}}})
	if !api.IsStorageFull(err) {
		t.Fatalf("IsStorageFull(%v) = false", err)
	}
}

func TestConformanceRevokedToken(t *testing.T) {
	e := startEnv(t, emulator.Options{}, nil)
	if _, err := e.client.CreateAlbum(t.Context(), "A"); err != nil {
		t.Fatal(err)
	}
	e.fault(t, map[string]any{"revokeRefreshToken": "refresh-" + t.Name()})
	_, err := e.client.CreateAlbum(t.Context(), "B")
	if !api.NeedsReauth(err) {
		t.Fatalf("NeedsReauth(%v) = false", err)
	}
}

func TestConformanceSharingGone(t *testing.T) {
	e := startEnv(t, emulator.Options{}, nil)
	album, err := e.client.CreateAlbum(t.Context(), "A")
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.client.ShareAlbum(t.Context(), album.ID, api.SharedAlbumOptions{})
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.HTTPStatus != http.StatusForbidden {
		t.Fatalf("ShareAlbum error = %v, want HTTP 403", err)
	}
	if !api.IsPermanent(err) {
		t.Errorf("IsPermanent(%v) = false", err)
	}
	if err := firstError(e.client.ListSharedAlbums(t.Context(), photosapi.ListOptions{})); err == nil {
		t.Error("ListSharedAlbums succeeded after the 2025 cut-off")
	}
}

func TestConformanceSharingLegacy(t *testing.T) {
	e := startEnv(t, emulator.Options{Legacy: true}, nil)
	ctx := t.Context()
	album, err := e.client.CreateAlbum(ctx, "Shared")
	if err != nil {
		t.Fatal(err)
	}
	info, err := e.client.ShareAlbum(ctx, album.ID, api.SharedAlbumOptions{IsCollaborative: true})
	if err != nil {
		t.Fatal(err)
	}
	if info == nil || info.ShareToken == "" {
		t.Fatalf("share info = %+v, want a share token", info)
	}
	if opts := info.SharedAlbumOptions; opts == nil || !opts.IsCollaborative {
		t.Errorf("shared album options = %+v", info.SharedAlbumOptions)
	}

	shared, err := e.client.GetSharedAlbum(ctx, info.ShareToken)
	if err != nil {
		t.Fatal(err)
	}
	if shared.ID != album.ID {
		t.Errorf("GetSharedAlbum id = %q, want %q", shared.ID, album.ID)
	}
	listed := collect(t, e.client.ListSharedAlbums(ctx, photosapi.ListOptions{}))
	if len(listed) != 1 || listed[0].ID != album.ID {
		t.Errorf("ListSharedAlbums = %v", listed)
	}

	joined, err := e.client.JoinSharedAlbum(ctx, info.ShareToken)
	if err != nil {
		t.Fatal(err)
	}
	if joined == nil || joined.ID != album.ID {
		t.Errorf("JoinSharedAlbum = %+v", joined)
	}
	// NOTE: the owner leaving its own album is what the emulator allows
	// here; the real service may reject it.
	if err := e.client.LeaveSharedAlbum(ctx, info.ShareToken); err != nil && !api.IsPermanent(err) {
		t.Errorf("LeaveSharedAlbum: %v", err)
	}
	if err := e.client.UnshareAlbum(ctx, album.ID); err != nil {
		t.Fatal(err)
	}
	got, err := e.client.GetAlbum(ctx, album.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ShareInfo != nil {
		t.Errorf("album still has share info %+v after unshare", got.ShareInfo)
	}
}

func TestConformanceIDsWithSlashOrColon(t *testing.T) {
	e := startEnv(t, emulator.Options{}, nil)
	ctx := t.Context()
	for _, id := range []string{"abc/def", "abc:def", "abc:share"} {
		_, err := e.client.GetAlbum(ctx, id)
		checkAPIError(t, "GetAlbum("+id+")", err, http.StatusBadRequest, "Invalid album ID.")
		_, err = e.client.GetMediaItem(ctx, id)
		checkAPIError(t, "GetMediaItem("+id+")", err, http.StatusBadRequest, "Invalid media item ID.")
	}
}

// checkAPIError fails unless err wraps an *api.Error with status and
// message.
func checkAPIError(t *testing.T, call string, err error, status int, message string) {
	t.Helper()
	var apiErr *api.Error
	if !errors.As(err, &apiErr) {
		t.Errorf("%s: error %v, want an *api.Error", call, err)
		return
	}
	if apiErr.HTTPStatus != status {
		t.Errorf("%s: HTTP %d, want %d", call, apiErr.HTTPStatus, status)
	}
	if apiErr.Message != message {
		t.Errorf("%s: message %q, want %q", call, apiErr.Message, message)
	}
}

func TestConformanceUploadFileNameIsRaw(t *testing.T) {
	e := startEnv(t, emulator.Options{}, nil)
	ctx := t.Context()
	// "%41" would become "A" and "%20" a space if either side
	// percent-decoded the header. A lone "%" is not a valid escape.
	cases := []struct {
		name      string
		resumable bool
	}{
		{"50% off #1.jpg", false},
		{"Scan %41 #2 Ärger 写真.jpg", false},
		{"Ferien %20 2024 #3 ü.jpg", true},
	}
	_, base := sample(t, "Orientation/f3-exif.jpg")
	for i, tc := range cases {
		name := tc.name
		data := uniqueJPEG(base, uint64(i))
		var token string
		var err error
		if tc.resumable {
			token, err = uploadResumable(ctx, e.client, data, name)
		} else {
			token, err = e.client.UploadRaw(ctx, bytes.NewReader(data), int64(len(data)), name, "image/jpeg")
		}
		if err != nil {
			t.Fatalf("upload %q: %v", name, err)
		}
		// No fileName in batchCreate, so the item takes the upload's name.
		results, err := e.client.BatchCreate(ctx, api.BatchCreateMediaItemsRequest{
			NewMediaItems: []api.NewMediaItem{{SimpleMediaItem: &api.SimpleMediaItem{UploadToken: token}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := results[0].Err(); err != nil {
			t.Fatal(err)
		}
		if got := results[0].MediaItem.Filename; got != name {
			t.Errorf("item from upload named %q has filename %q", name, got)
		}
	}
}

// uploadResumable sends data through a resumable session and returns the
// upload token.
func uploadResumable(ctx context.Context, c *photosapi.Client, data []byte, name string) (string, error) {
	up, err := c.StartResumable(ctx, int64(len(data)), name, "image/jpeg")
	if err != nil {
		return "", err
	}
	return up.Upload(ctx, bytes.NewReader(data))
}
