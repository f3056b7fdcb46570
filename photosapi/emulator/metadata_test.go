package emulator

import (
	"testing"
	"time"

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
	var withDates []string
	for _, name := range []string{"Tricky/canon_eos_gps.jpg", "Camera Roll/GOPR0042.JPG", "Camera Roll/IMG_1811.JPG", "Camera Roll/portrait.jpg", "Tricky/future_date.jpg"} {
		data := sample(t, name)
		if md, _ := media.ReadMetadata(data, media.Detect(data)); !md.CaptureTime.IsZero() {
			env.create(data, name)
			withDates = append(withDates, name)
		}
	}
	if len(withDates) < 2 {
		t.Fatalf("only %d samples have a capture time, want at least 2", len(withDates))
	}
	search := func(order string) []string {
		var page mediaItemsPage
		env.mustJSON("POST", "/v1/mediaItems:search", map[string]any{"orderBy": order, "filters": map[string]any{
			"dateFilter": map[string]any{"ranges": []any{map[string]any{
				"startDate": map[string]any{"year": 1900, "month": 1, "day": 1},
				"endDate":   map[string]any{"year": 9999, "month": 12, "day": 31}}}}}}, &page)
		var times []string
		for _, it := range page.MediaItems {
			times = append(times, it.MediaMetadata.CreationTime)
		}
		return times
	}
	oldest, newest := search(orderOldestFirst), search(orderNewestFirst)
	if len(oldest) != len(withDates) || len(newest) != len(withDates) {
		t.Fatalf("found %d and %d items, want %d", len(oldest), len(newest), len(withDates))
	}
	for i := 1; i < len(oldest); i++ {
		if oldest[i-1] > oldest[i] {
			t.Errorf("oldest-first order has %s before %s", oldest[i-1], oldest[i])
		}
		if newest[i-1] < newest[i] {
			t.Errorf("newest-first order has %s before %s", newest[i-1], newest[i])
		}
	}
}
