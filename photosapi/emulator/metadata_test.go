package emulator

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/photosync/photosync/internal/media"
)

func TestMetadataFromBytesAndLocationStripped(t *testing.T) {
	env := startEnv(t, Options{})
	data := sample(t, "Tricky/canon_eos_gps.jpg")
	want, err := media.ReadMetadata(data, media.Detect(data))
	if err != nil || want.CaptureTime.IsZero() || !want.HasLocation {
		t.Fatalf("sample metadata = %+v (%v), want a capture time and a location", want, err)
	}
	item := env.create(data, "canon.jpg")
	md := item.MediaMetadata
	if md.CreationTime != want.CaptureTime.UTC().Format(time.RFC3339) {
		t.Errorf("creationTime = %s, want the EXIF time %s", md.CreationTime, want.CaptureTime.UTC().Format(time.RFC3339))
	}
	if md.Photo == nil || md.Photo.CameraMake != want.CameraMake || md.Photo.CameraModel != want.CameraModel {
		t.Errorf("photo metadata = %+v, want camera %q %q", md.Photo, want.CameraMake, want.CameraModel)
	}
	status, _, body := env.doAs("", "GET", item.BaseURL+"=d", nil)
	if status != 200 {
		t.Fatalf("=d: status %d", status)
	}
	got, _ := media.ReadMetadata(body, media.Detect(body))
	if got.HasLocation {
		t.Error("=d download still has a GPS location")
	}
	if !got.CaptureTime.Equal(want.CaptureTime) {
		t.Errorf("=d download capture time = %v, want %v kept", got.CaptureTime, want.CaptureTime)
	}

	year := want.CaptureTime.UTC().Year()
	var page mediaItemsPage
	env.mustJSON("POST", "/v1/mediaItems:search", map[string]any{"filters": map[string]any{
		"dateFilter": map[string]any{"dates": []any{map[string]any{"year": year}}}}}, &page)
	if len(page.MediaItems) != 1 || page.MediaItems[0].ID != item.ID {
		t.Errorf("search for %d found %d items, want the Canon photo", year, len(page.MediaItems))
	}
	page = mediaItemsPage{}
	env.mustJSON("POST", "/v1/mediaItems:search", map[string]any{"filters": map[string]any{
		"dateFilter": map[string]any{"ranges": []any{map[string]any{
			"startDate": map[string]any{"year": year + 1, "month": 1, "day": 1},
			"endDate":   map[string]any{"year": year + 2, "month": 1, "day": 1}}}}}}, &page)
	if len(page.MediaItems) != 0 {
		t.Errorf("search for a later range found %d items, want none", len(page.MediaItems))
	}
}

func TestSearchOrderByCreationTime(t *testing.T) {
	env := startEnv(t, Options{})
	// JPEGs whose only capture time is in EXIF, named by that time, sent
	// in neither order.
	names := []string{
		"2009-04-23-07-21-35-sep-2009-04-23-07-21-35a.jpg",
		"2004-01-11-22-45-15-sep-2004-01-11-22-45-15a.jpg",
		"2216-11-15-11-46-51-sep-2216-11-15-11-46-51a.jpg",
		"2007-07-13-17-02-30-sep-2007-07-13-17-02-30a.jpg",
		"2012-09-21-22-07-34-sep-2012-09-21-22-07-34.jpg",
	}
	for _, name := range names {
		env.create(sample(t, "Tricky/exif-only/"+name), name)
	}
	// The file without a capture time never matches a dateFilter.
	env.create(sample(t, "Tricky/exif_no_date.jpg"), "exif_no_date.jpg")

	search := func(body map[string]any) []string {
		var page mediaItemsPage
		env.mustJSON("POST", "/v1/mediaItems:search", body, &page)
		var got []string
		for _, it := range page.MediaItems {
			got = append(got, it.Filename)
		}
		return got
	}
	wide := map[string]any{"dateFilter": map[string]any{"ranges": []any{map[string]any{
		"startDate": map[string]any{"year": 1900, "month": 1, "day": 1},
		"endDate":   map[string]any{"year": 9999, "month": 12, "day": 31}}}}}
	oldest := slices.Sorted(slices.Values(names))
	newest := slices.Clone(oldest)
	slices.Reverse(newest)

	if diff := cmp.Diff(oldest, search(map[string]any{"orderBy": orderOldestFirst, "filters": wide})); diff != "" {
		t.Errorf("oldest first (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(newest, search(map[string]any{"orderBy": orderNewestFirst, "filters": wide})); diff != "" {
		t.Errorf("newest first (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(newest, search(map[string]any{"filters": wide})); diff != "" {
		t.Errorf("without orderBy (-want +got):\n%s", diff)
	}

	// mediaItems.list returns the newest first too. The file without a
	// capture time has its upload time, in 2026.
	var page mediaItemsPage
	env.mustJSON("GET", "/v1/mediaItems", nil, &page)
	var listed []string
	for _, it := range page.MediaItems {
		listed = append(listed, it.Filename)
	}
	wantListed := slices.Insert(slices.Clone(newest), 1, "exif_no_date.jpg")
	if diff := cmp.Diff(wantListed, listed); diff != "" {
		t.Errorf("mediaItems.list order (-want +got):\n%s", diff)
	}
}
