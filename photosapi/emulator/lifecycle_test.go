package emulator

import (
	"bytes"
	"encoding/json"
	"image"
	_ "image/jpeg"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestStatePersistsAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	clock := NewFakeClock(testStart)
	opts := Options{DataDir: dir, Clock: clock, DailyQuota: 20}
	first, err := Start(opts, "")
	if err != nil {
		t.Fatal(err)
	}
	env := &testEnv{t: t, run: first, clock: clock, http: http.DefaultClient}
	env.token = env.accessToken("client-a", "refresh-a")
	item := env.create(sample(t, "Camera Roll/IMG_1811.JPG"), "kept.jpg")
	albumID := env.createAlbum("Kept")
	env.mustJSON("POST", "/v1/albums/"+albumID+":batchAddMediaItems", map[string]any{"mediaItemIds": []string{item.ID}}, nil)
	env.mustJSON("PATCH", "/v1/mediaItems/"+item.ID+"?updateMask=description", map[string]any{"description": "kept"}, nil)
	env.inspect("POST", "faults", map[string]any{"revokeRefreshToken": "refresh-revoked"}, nil)
	env.inspect("POST", "faults", map[string]any{"method": "sharedAlbums.list", "status": 500}, nil)
	for range 4 {
		env.mustJSON("GET", "/v1/albums", nil, nil)
	}
	if _, err := Start(opts, ""); err == nil {
		t.Error("a second emulator opened a data directory in use")
	}
	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	second, err := Start(opts, "")
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	env.run = second
	var got mediaItemJSON
	env.mustJSON("GET", "/v1/mediaItems/"+item.ID, nil, &got)
	if got.Filename != "kept.jpg" || got.Description != "kept" {
		t.Errorf("item after restart = %q %q, want kept.jpg with description kept", got.Filename, got.Description)
	}
	assertAlbum(t, env, albumID, []string{item.ID})
	// Faults and request counters live in memory only.
	var faults struct{ Faults []faultSpec }
	env.inspect("GET", "faults", nil, &faults)
	if len(faults.Faults) != 0 {
		t.Errorf("faults after restart = %+v, want none", faults.Faults)
	}
	var counts requestsJSON
	env.inspect("GET", "requests", nil, &counts)
	if n := counts.ByMethod["albums.create"]; n != 0 {
		t.Errorf("albums.create count after restart = %d, want 0", n)
	}
	status, _, body := env.do("GET", got.BaseURL+"=d", nil)
	if status != 200 || len(body) == 0 {
		t.Errorf("download after restart = %d (%d bytes)", status, len(body))
	}
	status, body = env.postForm("/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"refresh-revoked"}, "client_id": {"client-a"}})
	if status != 400 {
		t.Errorf("revoked refresh token after restart = %d %s, want 400", status, body)
	}
	// 9 requests were made before the restart and 2 since. The quota
	// counters survived, so 9 more fill the quota of 20.
	for range 9 {
		env.mustJSON("GET", "/v1/albums", nil, nil)
	}
	if status, _, _ := env.do("GET", "/v1/albums", nil); status != 429 {
		t.Errorf("request over the daily quota after restart: status %d, want 429", status)
	}
}

func TestBaseURLExpiresAfterAnHour(t *testing.T) {
	env := startEnv(t, Options{})
	item := env.create(sample(t, "Camera Roll/IMG_1811.JPG"), "a.jpg")
	status, header, body := env.doAs("", "GET", item.BaseURL+"=w64-h64", nil)
	if status != 200 || header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("resized download = %d %s", status, header.Get("Content-Type"))
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(body))
	if err != nil || cfg.Width > 64 || cfg.Height > 64 {
		t.Errorf("resized image = %+v (%v), want within 64×64", cfg, err)
	}
	status, _, body = env.doAs("", "GET", item.BaseURL+"=w50-h50-c", nil)
	cfg, _, err = image.DecodeConfig(bytes.NewReader(body))
	if status != 200 || err != nil || cfg.Width != 50 || cfg.Height != 50 {
		t.Errorf("cropped image = %d %+v (%v), want 50×50", status, cfg, err)
	}
	status, _, _ = env.doAs("", "GET", item.BaseURL+"=x9", nil)
	if status != 400 {
		t.Errorf("unknown parameter: status %d, want 400", status)
	}
	status, _, _ = env.doAs("", "GET", item.BaseURL+"=dv", nil)
	if status != 400 {
		t.Errorf("=dv on a photo: status %d, want 400", status)
	}
	env.clock.Advance(baseURLLifetime)
	status, _, _ = env.doAs("", "GET", item.BaseURL+"=d", nil)
	if status != http.StatusForbidden {
		t.Errorf("download after 60 minutes: status %d, want 403", status)
	}
	tampered := item.BaseURL[:len(item.BaseURL)-2] + "xx"
	status, _, _ = env.doAs("", "GET", tampered+"=d", nil)
	if status != http.StatusNotFound {
		t.Errorf("tampered base URL: status %d, want 404", status)
	}
}

func TestVideoDownloadWaitsForProcessing(t *testing.T) {
	env := startEnv(t, Options{})
	data := sample(t, "Tricky/clip.mp4")
	item := env.create(data, "clip.mp4")
	status, _, _ := env.doAs("", "GET", item.BaseURL+"=dv", nil)
	if status != http.StatusNotFound {
		t.Errorf("=dv while processing: status %d, want 404", status)
	}
	env.clock.Advance(DefaultVideoProcessingTime)
	status, _, body := env.doAs("", "GET", item.BaseURL+"=dv", nil)
	if status != 200 || !bytes.Equal(body, data) {
		t.Errorf("=dv when ready = %d (%d bytes), want the %d video bytes", status, len(body), len(data))
	}
}

func TestDailyQuotaResetsAtPacificMidnight(t *testing.T) {
	// 07:30 UTC on 10 March 2026 is 00:30 in Los Angeles (PDT starts on
	// 8 March), so the next Pacific day begins 23.5 hours later.
	clock := NewFakeClock(time.Date(2026, 3, 10, 7, 30, 0, 0, time.UTC))
	env := startEnv(t, Options{Clock: clock, DailyQuota: 3})
	for i := range 3 {
		if status, _, body := env.do("GET", "/v1/albums", nil); status != 200 {
			t.Fatalf("request %d: %d %s", i, status, body)
		}
	}
	status, header, body := env.do("GET", "/v1/albums", nil)
	e := googleError(t, body)
	if status != 429 || e.Status != "RESOURCE_EXHAUSTED" || !strings.Contains(e.Message, "'All requests per day'") {
		t.Errorf("fourth request = %d %+v", status, e)
	}
	if header.Get("Retry-After") != "" {
		t.Error("daily quota answer has a Retry-After header; Google sends none")
	}
	if len(e.Details) != 2 {
		t.Errorf("quota error has %d details, want ErrorInfo and Help", len(e.Details))
	}
	clock.Advance(23*time.Hour + 29*time.Minute)
	env.token = env.accessToken("client-a", "refresh-a")
	if status, _, _ := env.do("GET", "/v1/albums", nil); status != 429 {
		t.Errorf("one minute before Pacific midnight: status %d, want 429", status)
	}
	env.inspect("POST", "clock", map[string]any{"advance": "1m"}, nil)
	if status, _, body := env.do("GET", "/v1/albums", nil); status != 200 {
		t.Errorf("after Pacific midnight: %d %s, want 200", status, body)
	}
}

func TestWritesPerMinuteLimit(t *testing.T) {
	env := startEnv(t, Options{WritesPerMinute: 2})
	for i := range 2 {
		env.createAlbum("a")
		_ = i
	}
	status, _, body := env.do("POST", "/v1/albums", map[string]any{"album": map[string]any{"title": "c"}})
	if e := googleError(t, body); status != 429 || !strings.Contains(e.Message, "'Write requests per minute per user'") {
		t.Errorf("third write = %d %q", status, e.Message)
	}
	if status, _, _ := env.do("GET", "/v1/albums", nil); status != 200 {
		t.Errorf("read during the write limit: status %d, want 200", status)
	}
	env.clock.Advance(time.Minute)
	env.createAlbum("d")
}

func TestQuotaRejectionsAreNotCounted(t *testing.T) {
	env := startEnv(t, Options{DailyQuota: 3, WritesPerMinute: 1})
	env.createAlbum("counted")
	for i := range 3 {
		status, _, body := env.do("POST", "/v1/albums", map[string]any{"album": map[string]any{"title": "over"}})
		if e := googleError(t, body); status != 429 || !strings.Contains(e.Message, "per minute") {
			t.Fatalf("write %d over the minute limit = %d %q, want the per-minute 429", i, status, e.Message)
		}
	}
	// The three rejected writes left two of the daily three.
	for i := range 2 {
		if status, _, body := env.do("GET", "/v1/albums", nil); status != 200 {
			t.Fatalf("read %d within the daily quota: %d %s", i, status, body)
		}
	}
	for i := range 2 {
		status, _, body := env.do("GET", "/v1/albums", nil)
		if e := googleError(t, body); status != 429 || !strings.Contains(e.Message, "per day") {
			t.Errorf("read %d over the daily quota = %d %q, want the daily 429", i, status, e.Message)
		}
	}
}

func TestFaultsInjectAndClear(t *testing.T) {
	env := startEnv(t, Options{})
	var added struct{ ID string }
	env.inspect("POST", "faults", map[string]any{"method": "albums.list", "status": 503, "count": 2, "headers": map[string]string{"Retry-After": "1"}}, &added)
	if added.ID == "" {
		t.Fatal("POST faults returned no id")
	}
	for i := range 2 {
		status, header, body := env.do("GET", "/v1/albums", nil)
		if e := googleError(t, body); status != 503 || e.Status != "UNAVAILABLE" || header.Get("Retry-After") != "1" {
			t.Errorf("faulted request %d = %d %+v", i, status, e)
		}
	}
	if status, _, _ := env.do("GET", "/v1/albums", nil); status != 200 {
		t.Errorf("after count ran out: status %d, want 200", status)
	}

	env.inspect("POST", "faults", map[string]any{"method": "mediaItems.batchCreate", "preset": "storageFull"}, nil)
	var list struct{ Faults []faultSpec }
	env.inspect("GET", "faults", nil, &list)
	if len(list.Faults) != 1 || list.Faults[0].Preset != "storageFull" {
		t.Errorf("active faults = %+v", list.Faults)
	}
	token := env.uploadRaw(sample(t, "Camera Roll/IMG_1811.JPG"), "a.jpg")
	createBody := map[string]any{"newMediaItems": []any{map[string]any{"simpleMediaItem": map[string]any{"uploadToken": token}}}}
	status, _, body := env.do("POST", "/v1/mediaItems:batchCreate", createBody)
	if e := googleError(t, body); status != 400 || e.Message != msgStorageFull {
		t.Errorf("storage full preset = %d %q", status, e.Message)
	}
	env.inspect("DELETE", "faults", nil, nil)

	env.inspect("POST", "faults", map[string]any{"method": "mediaItems.batchCreate", "itemStatus": map[string]any{"code": 13, "message": "boom"}, "count": 1}, nil)
	var resp batchCreateResponse
	env.mustJSON("POST", "/v1/mediaItems:batchCreate", createBody, &resp)
	if got := resp.NewMediaItemResults[0]; got.MediaItem != nil || got.Status.Code != 13 {
		t.Errorf("itemStatus fault result = %+v", got)
	}
	env.mustJSON("POST", "/v1/mediaItems:batchCreate", createBody, &resp)
	if resp.NewMediaItemResults[0].MediaItem == nil {
		t.Errorf("after the itemStatus fault ran out: %+v", resp.NewMediaItemResults[0])
	}

	for _, bad := range []map[string]any{
		{"method": "nope.method"},
		{"status": 42},
		{"preset": "meteor"},
		{"probability": 2},
		{"delay": "soon"},
		{"after": -1},
	} {
		status, _, body := env.doAs("", "POST", "/emulator/v1/faults", bad)
		if status != 400 {
			t.Errorf("fault %v accepted: %d %s", bad, status, body)
		}
	}
}

func TestFaultAfterSkipsMatchingRequests(t *testing.T) {
	env := startEnv(t, Options{})
	env.inspect("POST", "faults", map[string]any{"method": "albums.list", "status": 503, "count": 1, "after": 2}, nil)
	// Requests of other methods do not count toward after.
	env.createAlbum("not counted")
	var got []int
	for range 4 {
		status, _, _ := env.do("GET", "/v1/albums", nil)
		got = append(got, status)
	}
	if want := []int{200, 200, 503, 200}; !slices.Equal(got, want) {
		t.Errorf("statuses with after 2 = %v, want %v", got, want)
	}
}

func TestFaultProbabilityIsSeeded(t *testing.T) {
	pattern := func() string {
		env := startEnv(t, Options{})
		env.inspect("POST", "faults", map[string]any{"method": "albums.list", "status": 500, "probability": 0.5, "seed": 7}, nil)
		var b strings.Builder
		for range 20 {
			status, _, _ := env.do("GET", "/v1/albums", nil)
			b.WriteString(map[bool]string{true: "x", false: "."}[status == 500])
		}
		return b.String()
	}
	first, second := pattern(), pattern()
	if first != second {
		t.Errorf("same seed gave %s and %s", first, second)
	}
	if !strings.Contains(first, "x") || !strings.Contains(first, ".") {
		t.Errorf("probability 0.5 over 20 requests gave %s", first)
	}
}

func TestDownloadDropAfterBytes(t *testing.T) {
	env := startEnv(t, Options{})
	item := env.create(sample(t, "Camera Roll/IMG_1811.JPG"), "a.jpg")
	env.inspect("POST", "faults", map[string]any{"method": "download", "dropAfterBytes": 100, "count": 1}, nil)
	resp, err := http.Get(item.BaseURL + "=d")
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, err = buf.ReadFrom(resp.Body)
	if err == nil || buf.Len() != 100 {
		t.Errorf("dropped download read %d bytes with error %v, want 100 bytes and an error", buf.Len(), err)
	}
}

func TestInspectionCountsRequests(t *testing.T) {
	env := startEnv(t, Options{})
	env.inspect("DELETE", "requests", nil, nil)
	env.create(sample(t, "Camera Roll/IMG_1811.JPG"), "a.jpg")
	var counts requestsJSON
	env.inspect("GET", "requests", nil, &counts)
	want := map[string]int{"uploads": 1, "mediaItems.batchCreate": 1}
	if counts.Total != 2 || counts.ByMethod["uploads"] != want["uploads"] || counts.ByMethod["mediaItems.batchCreate"] != 1 {
		t.Errorf("counts = %+v, want total 2 and %v", counts, want)
	}
	var clock clockJSON
	env.inspect("GET", "clock", nil, &clock)
	if clock.Now != testStart.Format(time.RFC3339Nano) {
		t.Errorf("clock = %s, want %s", clock.Now, testStart.Format(time.RFC3339Nano))
	}
	status, _, body := env.doAs("", "POST", "/emulator/v1/clock", map[string]any{"advance": "-1h"})
	if status != 400 {
		t.Errorf("negative advance = %d %s, want 400", status, body)
	}
	raw, _ := json.Marshal(counts)
	if !strings.Contains(string(raw), `"uploadBytes"`) {
		t.Errorf("requests body %s has no uploadBytes", raw)
	}
}

func TestBaseURLSizesAndPlaceholders(t *testing.T) {
	env := startEnv(t, Options{})
	for _, tc := range []struct {
		name, file, params string
		maxW, maxH         int
	}{
		{"bare photo URL", "Camera Roll/GOPR0042.JPG", "", defaultThumbnailSize, defaultThumbnailSize},
		{"video thumbnail", "Tricky/clip.mp4", "=w80-h60", 80, 60},
		{"HEIC without decoder", "Tricky/iphone.heic", "=w100-h100", 100, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			item := env.create(sample(t, tc.file), tc.file)
			status, header, body := env.doAs("", "GET", item.BaseURL+tc.params, nil)
			if status != 200 {
				t.Fatalf("status %d: %s", status, body)
			}
			cfg, format, err := image.DecodeConfig(bytes.NewReader(body))
			if err != nil {
				t.Fatalf("body is not an image (%s): %v", header.Get("Content-Type"), err)
			}
			if cfg.Width > tc.maxW || cfg.Height > tc.maxH || cfg.Width == 0 {
				t.Errorf("%s image is %d×%d, want within %d×%d", format, cfg.Width, cfg.Height, tc.maxW, tc.maxH)
			}
		})
	}
}

func TestRevokeEndpoint(t *testing.T) {
	env := startEnv(t, Options{})
	status, _ := env.postForm("/revoke?token="+url.QueryEscape(env.token), nil)
	if status != 200 {
		t.Fatalf("revoke: status %d", status)
	}
	if status, _, _ := env.do("GET", "/v1/albums", nil); status != 401 {
		t.Errorf("revoked access token: status %d, want 401", status)
	}
	status, body := env.postForm("/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"refresh-a"}, "client_id": {"client-a"}})
	if status != 400 {
		t.Errorf("refresh token behind a revoked access token = %d %s, want 400", status, body)
	}
	if status, _ := env.postForm("/revoke", nil); status != 400 {
		t.Errorf("revoke without a token: status %d, want 400", status)
	}

	// A refresh token never seen before is recorded as revoked, so it
	// cannot be exchanged afterwards.
	if status, _ := env.postForm("/revoke", url.Values{"token": {"refresh-unseen"}}); status != 200 {
		t.Errorf("revoke of an unseen token: status %d, want 200", status)
	}
	status, body = env.postForm("/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"refresh-unseen"}, "client_id": {"client-c"}})
	if status != 400 {
		t.Errorf("refresh token revoked before first use = %d %s, want 400", status, body)
	}
}

func TestFaultStatusWithoutBodyIsGoogleShaped(t *testing.T) {
	env := startEnv(t, Options{})
	for _, tc := range []struct {
		code   int
		status string
	}{
		{400, "INVALID_ARGUMENT"}, {401, "UNAUTHENTICATED"}, {403, "PERMISSION_DENIED"}, {404, "NOT_FOUND"},
		{409, "ABORTED"}, {429, "RESOURCE_EXHAUSTED"}, {500, "INTERNAL"}, {502, "UNKNOWN"}, {503, "UNAVAILABLE"}, {504, "DEADLINE_EXCEEDED"},
	} {
		env.inspect("POST", "faults", map[string]any{"method": "mediaItems.list", "status": tc.code, "count": 1}, nil)
		status, _, body := env.do("GET", "/v1/mediaItems", nil)
		if e := googleError(t, body); status != tc.code || e.Status != tc.status {
			t.Errorf("fault %d = %d %s, want %s", tc.code, status, e.Status, tc.status)
		}
	}
	var albums struct{ Albums []inspectAlbumJSON }
	albumID := env.createAlbum("Inspected")
	env.inspect("GET", "albums", nil, &albums)
	if len(albums.Albums) != 1 || albums.Albums[0].ID != albumID || albums.Albums[0].CreatorClientID != "client-a" || albums.Albums[0].MediaItemIDs == nil {
		t.Errorf("inspected albums = %+v", albums.Albums)
	}
}
