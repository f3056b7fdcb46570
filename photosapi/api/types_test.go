package api_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/photosync/photosync/photosapi/api"
)

func TestDurationText(t *testing.T) {
	for _, tc := range []struct {
		text string
		want time.Duration
	}{
		{"0.0025s", 2500 * time.Microsecond},
		{"0s", 0},
		{"3s", 3 * time.Second},
		{"-1.5s", -1500 * time.Millisecond},
		{"0.000000001s", time.Nanosecond},
		{"9223372036.854775807s", time.Duration(1<<63 - 1)},
	} {
		t.Run(tc.text, func(t *testing.T) {
			d, err := api.ParseDuration(tc.text)
			if err != nil {
				t.Fatalf("ParseDuration: %v", err)
			}
			if time.Duration(d) != tc.want {
				t.Errorf("ParseDuration = %s, want %s", time.Duration(d), tc.want)
			}
			if got := d.String(); got != tc.text {
				t.Errorf("String() = %q, want %q", got, tc.text)
			}
		})
	}
}

func TestDurationRejectsBadText(t *testing.T) {
	for _, text := range []string{"", "s", "1", "1.s", ".5s", "1.0000000001s", "1e3s", "+1s", "9223372037s", "--1s", "1,5s", " 1s"} {
		if _, err := api.ParseDuration(text); err == nil {
			t.Errorf("ParseDuration(%q) succeeded", text)
		} else if !strings.Contains(err.Error(), "0.0025s") {
			t.Errorf("ParseDuration(%q) error %q does not show the expected form", text, err)
		}
	}
}

func TestMediaItemDecode(t *testing.T) {
	const body = `{"id":"m1","productUrl":"https://photos.google.com/lr/photo/m1","baseUrl":"https://lh3.googleusercontent.com/x",
	  "mimeType":"image/jpeg","filename":"IMG_1.jpg",
	  "mediaMetadata":{"creationTime":"2024-07-15T18:30:25Z","width":"4032","height":"3024",
	    "photo":{"cameraMake":"Canon","focalLength":4.2,"apertureFNumber":1.8,"isoEquivalent":100,"exposureTime":"0.0025s"}}}`
	var got api.MediaItem
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	want := api.MediaItem{
		ID:         "m1",
		ProductURL: "https://photos.google.com/lr/photo/m1",
		BaseURL:    "https://lh3.googleusercontent.com/x",
		MimeType:   "image/jpeg",
		Filename:   "IMG_1.jpg",
		MediaMetadata: &api.MediaMetadata{
			CreationTime: time.Date(2024, 7, 15, 18, 30, 25, 0, time.UTC),
			Width:        4032,
			Height:       3024,
			Photo: &api.Photo{CameraMake: "Canon", FocalLength: 4.2, ApertureFNumber: 1.8,
				ISOEquivalent: 100, ExposureTime: api.Duration(2500 * time.Microsecond)},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decoded item differs (-want +got):\n%s", diff)
	}
}

func TestInt64FieldsEncodeAsStrings(t *testing.T) {
	data, err := json.Marshal(api.Album{ID: "a", MediaItemsCount: 12})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"id":"a","mediaItemsCount":"12"}`; string(data) != want {
		t.Errorf("Marshal = %s, want %s", data, want)
	}
	data, err = json.Marshal(api.MediaMetadata{Width: 1, Height: 2})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"width":"1","height":"2"}`; string(data) != want {
		t.Errorf("Marshal = %s, want %s", data, want)
	}
}

func TestSearchRequestEncode(t *testing.T) {
	req := api.SearchMediaItemsRequest{
		PageSize: 100,
		OrderBy:  api.OrderByCreationTimeDesc,
		Filters: &api.Filters{
			DateFilter: &api.DateFilter{
				Dates:  []api.Date{{Year: 2024, Month: 7}},
				Ranges: []api.DateRange{{StartDate: &api.Date{Year: 2020, Month: 1, Day: 1}, EndDate: &api.Date{Year: 2020, Month: 12, Day: 31}}},
			},
			IncludeArchivedMedia: true,
		},
	}
	data, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"pageSize":100,"filters":{"dateFilter":{"dates":[{"year":2024,"month":7}],` +
		`"ranges":[{"startDate":{"year":2020,"month":1,"day":1},"endDate":{"year":2020,"month":12,"day":31}}]},` +
		`"includeArchivedMedia":true},"orderBy":"MediaMetadata.creation_time desc"}`
	if string(data) != want {
		t.Errorf("Marshal =\n%s\nwant\n%s", data, want)
	}
}

func TestBatchCreateResponseDecode(t *testing.T) {
	const body = `{"newMediaItemResults":[
	  {"uploadToken":"t1","status":{"message":"Success"},"mediaItem":{"id":"m1","filename":"a.jpg"}},
	  {"uploadToken":"t2","status":{"code":3,"message":"Failed: There was an error while trying to create this media item."}}]}`
	var resp api.BatchCreateMediaItemsResponse
	if err := json.Unmarshal([]byte(body), &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp.NewMediaItemResults) != 2 {
		t.Fatalf("got %d results, want 2", len(resp.NewMediaItemResults))
	}
	if err := resp.NewMediaItemResults[0].Err(); err != nil {
		t.Errorf("first result: %v", err)
	}
	if err := resp.NewMediaItemResults[1].Err(); !api.IsPermanent(err) {
		t.Errorf("second result error %v is not permanent", err)
	}
}
