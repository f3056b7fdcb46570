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
