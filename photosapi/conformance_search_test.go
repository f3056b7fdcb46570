package photosapi_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/api"
	"github.com/photosync/photosync/photosapi/emulator"
)

// exifOnlyFiles are the sample photos whose only capture time is in EXIF,
// oldest first. Each name starts with that time, which the emulator reads
// as UTC.
var exifOnlyFiles = []string{
	"2004-01-11-22-45-15-sep-2004-01-11-22-45-15a.jpg",
	"2006-12-21-15-55-26-sep-2006-12-21-15-55-26a.jpg",
	"2007-05-12-08-19-07-sep-2007-05-12-08-19-07a.jpg",
	"2007-07-13-17-02-30-sep-2007-07-13-17-02-30a.jpg",
	"2008-06-06-13-29-29-sep-2008-06-06-13-29-29a.jpg",
	"2009-04-23-07-21-35-sep-2009-04-23-07-21-35a.jpg",
	"2010-06-20-20-07-39-sep-2010-06-20-20-07-39a.jpg",
	"2011-08-07-19-22-57-sep-2011-08-07-19-22-57a.jpg",
	"2012-09-21-22-07-34-sep-2012-09-21-22-07-34.jpg",
	"2216-11-15-11-46-51-sep-2216-11-15-11-46-51a.jpg",
}

func TestConformanceSearchFilters(t *testing.T) {
	e := startEnv(t, emulator.Options{VideoProcessingTime: -1}, nil)
	ctx := t.Context()

	// byDate maps a capture date, such as "2007-05-12", to the item's id.
	byDate := map[string]string{}
	var photos []string
	for _, name := range exifOnlyFiles {
		_, data := sample(t, "Tricky/exif-only/"+name)
		it := createItem(t, e, data, name, "")
		want, err := time.Parse("2006-01-02-15-04-05", name[:19])
		if err != nil {
			t.Fatal(err)
		}
		if got := it.MediaMetadata.CreationTime; !got.Equal(want) {
			t.Fatalf("item %s has creation time %v, want the EXIF time %v", name, got, want)
		}
		byDate[name[:10]] = it.ID
		photos = append(photos, it.ID)
	}
	_, clip := sample(t, "Tricky/clip.mp4")
	video := createItem(t, e, clip, "clip.mp4", "")
	// The MP4 header of clip.mp4 gives its capture time.
	if got, want := video.MediaMetadata.CreationTime, time.Date(2021, 7, 4, 16, 30, 15, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("clip.mp4 has creation time %v, want %v", got, want)
	}
	byDate["2021-07-04"] = video.ID
	all := append(slices.Clone(photos), video.ID)
	// byTime is every item, oldest first.
	byTime := slices.Insert(slices.Clone(photos), len(photos)-1, video.ID)
	ids := func(dates ...string) []string {
		var out []string
		for _, d := range dates {
			id, ok := byDate[d]
			if !ok {
				t.Fatalf("no sample item was taken on %s", d)
			}
			out = append(out, id)
		}
		return out
	}
	search := func(req api.SearchMediaItemsRequest) []string {
		t.Helper()
		return itemIDs(collect(t, e.client.Search(ctx, req)))
	}
	date := func(y, m, d int32) api.Date { return api.Date{Year: y, Month: m, Day: d} }
	dateRange := func(start, end api.Date) api.DateRange {
		return api.DateRange{StartDate: &start, EndDate: &end}
	}
	dates := func(ds ...api.Date) *api.Filters {
		return &api.Filters{DateFilter: &api.DateFilter{Dates: ds}}
	}
	ranges := func(rs ...api.DateRange) *api.Filters {
		return &api.Filters{DateFilter: &api.DateFilter{Ranges: rs}}
	}

	tests := []struct {
		name    string
		filters *api.Filters
		want    []string
	}{
		{"no filters", nil, all},
		{"only flags", &api.Filters{IncludeArchivedMedia: true, ExcludeNonAppCreatedData: true}, all},
		{"whole year", dates(date(2007, 0, 0)), ids("2007-05-12", "2007-07-13")},
		{"whole month", dates(date(2007, 7, 0)), ids("2007-07-13")},
		{"one day", dates(date(2007, 5, 12)), ids("2007-05-12")},
		{"day without its photo", dates(date(2007, 5, 13)), nil},
		{"day in every year", dates(date(0, 6, 20)), ids("2010-06-20")},
		{"two years", dates(date(2004, 0, 0), date(2216, 0, 0)), ids("2004-01-11", "2216-11-15")},
		{"year of the video", dates(date(2021, 0, 0)), ids("2021-07-04")},
		{"day range inclusive", ranges(dateRange(date(2006, 12, 21), date(2007, 5, 12))), ids("2006-12-21", "2007-05-12")},
		{"day range between photos", ranges(dateRange(date(2007, 5, 13), date(2007, 7, 12))), nil},
		{"month range inclusive", ranges(dateRange(date(2007, 5, 0), date(2007, 7, 0))), ids("2007-05-12", "2007-07-13")},
		{"year range inclusive", ranges(dateRange(date(2008, 0, 0), date(2010, 0, 0))), ids("2008-06-06", "2009-04-23", "2010-06-20")},
		{"range in every year", ranges(dateRange(date(0, 6, 1), date(0, 6, 30))), ids("2008-06-06", "2010-06-20")},
		{"two ranges", ranges(dateRange(date(2004, 1, 11), date(2004, 1, 11)), dateRange(date(2216, 1, 1), date(2216, 12, 31))),
			ids("2004-01-11", "2216-11-15")},
		{"dates and ranges", &api.Filters{DateFilter: &api.DateFilter{
			Dates:  []api.Date{date(2011, 8, 7)},
			Ranges: []api.DateRange{dateRange(date(2012, 1, 1), date(2012, 12, 31))}}}, ids("2011-08-07", "2012-09-21")},
		{"year range with the video", ranges(dateRange(date(2012, 0, 0), date(2216, 0, 0))),
			ids("2012-09-21", "2021-07-04", "2216-11-15")},
		{"photos in a year range", &api.Filters{
			DateFilter:      &api.DateFilter{Ranges: []api.DateRange{dateRange(date(2012, 0, 0), date(2216, 0, 0))}},
			MediaTypeFilter: &api.MediaTypeFilter{MediaTypes: []api.MediaType{api.MediaTypePhoto}}}, ids("2012-09-21", "2216-11-15")},
		{"photos", &api.Filters{MediaTypeFilter: &api.MediaTypeFilter{MediaTypes: []api.MediaType{api.MediaTypePhoto}}}, photos},
		{"videos", &api.Filters{MediaTypeFilter: &api.MediaTypeFilter{MediaTypes: []api.MediaType{api.MediaTypeVideo}}}, []string{video.ID}},
		{"all media", &api.Filters{MediaTypeFilter: &api.MediaTypeFilter{MediaTypes: []api.MediaType{api.MediaTypeAll}}}, all},
		// The emulator classifies no picture, so an included category
		// matches nothing and an excluded one removes nothing.
		{"included category", &api.Filters{ContentFilter: &api.ContentFilter{
			IncludedContentCategories: []api.ContentCategory{api.CategoryLandscapes}}}, nil},
		{"excluded category", &api.Filters{ContentFilter: &api.ContentFilter{
			ExcludedContentCategories: []api.ContentCategory{api.CategoryScreenshots}}}, all},
		{"excluded category and a year", &api.Filters{DateFilter: &api.DateFilter{Dates: []api.Date{date(2007, 0, 0)}},
			ContentFilter: &api.ContentFilter{ExcludedContentCategories: []api.ContentCategory{api.CategoryScreenshots}}},
			ids("2007-05-12", "2007-07-13")},
		// NONE is ignored, alone or beside other categories.
		{"included NONE", &api.Filters{ContentFilter: &api.ContentFilter{
			IncludedContentCategories: []api.ContentCategory{api.CategoryNone}}}, all},
		{"included NONE and a category", &api.Filters{ContentFilter: &api.ContentFilter{
			IncludedContentCategories: []api.ContentCategory{api.CategoryNone, api.CategoryLandscapes}}}, nil},
		{"favorites", &api.Filters{FeatureFilter: &api.FeatureFilter{IncludedFeatures: []api.Feature{api.FeatureFavorites}}}, nil},
		{"feature NONE", &api.Filters{FeatureFilter: &api.FeatureFilter{IncludedFeatures: []api.Feature{api.FeatureNone}}}, all},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := search(api.SearchMediaItemsRequest{Filters: tc.filters})
			if diff := cmp.Diff(sorted(tc.want), sorted(got)); diff != "" {
				t.Errorf("search results (-want +got):\n%s", diff)
			}
		})
	}

	wide := ranges(dateRange(date(1900, 1, 1), date(9999, 12, 31)))
	oldest := search(api.SearchMediaItemsRequest{Filters: wide, OrderBy: api.OrderByCreationTime})
	if diff := cmp.Diff(byTime, oldest); diff != "" {
		t.Errorf("oldest first (-want +got):\n%s", diff)
	}
	newest := search(api.SearchMediaItemsRequest{Filters: wide, OrderBy: api.OrderByCreationTimeDesc})
	reversed := slices.Clone(byTime)
	slices.Reverse(reversed)
	if diff := cmp.Diff(reversed, newest); diff != "" {
		t.Errorf("newest first (-want +got):\n%s", diff)
	}
	// Without orderBy the emulator returns the newest creation time first.
	if diff := cmp.Diff(reversed, search(api.SearchMediaItemsRequest{})); diff != "" {
		t.Errorf("default order (-want +got):\n%s", diff)
	}
}

// sorted returns a sorted copy of ids, or nil when there are none.
func sorted(ids []string) []string {
	if len(ids) == 0 {
		return nil
	}
	return slices.Sorted(slices.Values(ids))
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
