package photosapi_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/api"
	"github.com/photosync/photosync/photosapi/emulator"
)

func TestConformanceSearchFilters(t *testing.T) {
	e := startEnv(t, emulator.Options{VideoProcessingTime: -1}, nil)
	ctx := t.Context()
	var created []api.MediaItem
	for _, name := range []string{"Camera Roll/IMG_1811.JPG", "Camera Roll/GOPR0042.JPG", "Tricky/clip.mp4"} {
		_, data := sample(t, name)
		created = append(created, createItem(t, e, data, name[strings.LastIndex(name, "/")+1:], ""))
	}
	for _, it := range created {
		if it.MediaMetadata == nil || it.MediaMetadata.CreationTime.IsZero() {
			t.Fatalf("item %s has no creation time", it.Filename)
		}
	}
	search := func(req api.SearchMediaItemsRequest) []string {
		t.Helper()
		return itemIDs(collect(t, e.client.Search(ctx, req)))
	}

	// A range wide enough for every item, in both orders.
	wide := &api.DateFilter{Ranges: []api.DateRange{{StartDate: &api.Date{Year: 1900, Month: 1, Day: 1}, EndDate: &api.Date{Year: 2100, Month: 12, Day: 31}}}}
	oldest := search(api.SearchMediaItemsRequest{Filters: &api.Filters{DateFilter: wide}, OrderBy: api.OrderByCreationTime})
	newest := search(api.SearchMediaItemsRequest{Filters: &api.Filters{DateFilter: wide}, OrderBy: api.OrderByCreationTimeDesc})
	if len(oldest) != 3 {
		t.Fatalf("wide date range found %d items, want 3", len(oldest))
	}
	reversed := slices.Clone(newest)
	slices.Reverse(reversed)
	if !slices.Equal(oldest, reversed) {
		t.Errorf("oldest first %v is not newest first %v reversed", oldest, newest)
	}
	times := map[string]int64{}
	for _, it := range created {
		times[it.ID] = it.MediaMetadata.CreationTime.Unix()
	}
	for i := 1; i < len(oldest); i++ {
		if times[oldest[i-1]] > times[oldest[i]] {
			t.Errorf("oldest-first order %v is not sorted by creation time", oldest)
		}
	}

	// A whole-year date matches the items taken that year.
	first := created[0]
	year := int32(first.MediaMetadata.CreationTime.Year())
	byYear := search(api.SearchMediaItemsRequest{Filters: &api.Filters{DateFilter: &api.DateFilter{Dates: []api.Date{{Year: year}}}}})
	if !slices.Contains(byYear, first.ID) {
		t.Errorf("items of %d are %v, want %s among them", year, byYear, first.ID)
	}
	for _, id := range byYear {
		for _, it := range created {
			if it.ID == id && int32(it.MediaMetadata.CreationTime.Year()) != year {
				t.Errorf("item %s from %d matched year %d", it.Filename, it.MediaMetadata.CreationTime.Year(), year)
			}
		}
	}

	if got := search(api.SearchMediaItemsRequest{Filters: &api.Filters{
		FeatureFilter: &api.FeatureFilter{IncludedFeatures: []api.Feature{api.FeatureFavorites}}}}); len(got) != 0 {
		t.Errorf("favorites search found %v, want none", got)
	}
	if got := search(api.SearchMediaItemsRequest{Filters: &api.Filters{
		ContentFilter: &api.ContentFilter{ExcludedContentCategories: []api.ContentCategory{api.CategoryScreenshots}}}}); len(got) > 3 {
		t.Errorf("content search found %d items, more than exist", len(got))
	}
	all := search(api.SearchMediaItemsRequest{Filters: &api.Filters{IncludeArchivedMedia: true, ExcludeNonAppCreatedData: true}})
	if len(all) != 3 {
		t.Errorf("search with only flags found %d items, want 3", len(all))
	}
}

func TestConformanceSearchPages(t *testing.T) {
	e := startEnv(t, emulator.Options{}, nil)
	_, base := sample(t, "Orientation/f1-exif.jpg")
	for i := range 7 {
		createItem(t, e, uniqueJPEG(base, uint64(i)), fmt.Sprintf("f%d.jpg", i), "")
	}
	e.resetRequests(t)
	got := collect(t, e.client.Search(t.Context(), api.SearchMediaItemsRequest{PageSize: 3}))
	if len(got) != 7 {
		t.Errorf("search returned %d items, want 7", len(got))
	}
	if n := e.requests(t).ByMethod["mediaItems.search"]; n != 3 {
		t.Errorf("7 items at 3 per page took %d requests, want 3", n)
	}
}

func TestConformanceBatchesOfFifty(t *testing.T) {
	e := startEnv(t, emulator.Options{}, nil)
	ctx := t.Context()
	album, err := e.client.CreateAlbum(ctx, strings.Repeat("é", api.MaxAlbumTitleLength))
	if err != nil {
		t.Fatalf("album title of %d characters: %v", api.MaxAlbumTitleLength, err)
	}
	_, base := sample(t, "Orientation/f2-exif.jpg")
	req := api.BatchCreateMediaItemsRequest{}
	for i := range api.MaxBatchCreateItems {
		data := uniqueJPEG(base, uint64(i))
		token, err := e.client.UploadRaw(ctx, bytes.NewReader(data), int64(len(data)), fmt.Sprintf("f%d.jpg", i), "image/jpeg")
		if err != nil {
			t.Fatal(err)
		}
		req.NewMediaItems = append(req.NewMediaItems, api.NewMediaItem{SimpleMediaItem: &api.SimpleMediaItem{UploadToken: token}})
	}
	results, err := e.client.BatchCreate(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i, r := range results {
		if err := r.Err(); err != nil {
			t.Fatalf("item %d: %v", i, err)
		}
		if r.UploadToken != req.NewMediaItems[i].SimpleMediaItem.UploadToken {
			t.Errorf("result %d is for another upload token", i)
		}
		ids = append(ids, r.MediaItem.ID)
	}

	got, err := e.client.BatchGet(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range got {
		if r.Err() != nil || r.MediaItem.ID != ids[i] {
			t.Errorf("batchGet result %d = %+v, want item %s", i, r, ids[i])
		}
	}
	if err := e.client.BatchAddMediaItems(ctx, album.ID, ids); err != nil {
		t.Fatal(err)
	}
	inAlbum := itemIDs(collect(t, e.client.Search(ctx, api.SearchMediaItemsRequest{AlbumID: album.ID})))
	if !slices.Equal(inAlbum, ids) {
		t.Errorf("album holds %d items, want the 50 added in order", len(inAlbum))
	}
	if err := e.client.BatchRemoveMediaItems(ctx, album.ID, ids); err != nil {
		t.Fatal(err)
	}
	if left := collect(t, e.client.Search(ctx, api.SearchMediaItemsRequest{AlbumID: album.ID})); len(left) != 0 {
		t.Errorf("album holds %d items after removing all", len(left))
	}
	if all := collect(t, e.client.ListMediaItems(ctx, photosapi.ListOptions{})); len(all) != 50 {
		t.Errorf("library holds %d items after the album removal, want 50", len(all))
	}
}
