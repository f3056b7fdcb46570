package emulator

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func TestUploadTokenAndSessionSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	clock := NewFakeClock(testStart)
	first, err := Start(Options{DataDir: dir, Clock: clock, ChunkGranularity: 1024}, "")
	if err != nil {
		t.Fatal(err)
	}
	env := &testEnv{t: t, run: first, clock: clock, http: http.DefaultClient, options: Options{ChunkGranularity: 1024}}
	env.token = env.accessToken("client-a", "refresh-a")
	data := sample(t, "Camera Roll/portrait.jpg")
	token := env.uploadRaw(data, "later.jpg")
	sessionURL := startSession(t, env, len(data), "resumed.jpg")
	status, _, body := env.do("POST", sessionURL, data[:2048], "X-Goog-Upload-Command", "upload", "X-Goog-Upload-Offset", "0")
	if status != 200 {
		t.Fatalf("first chunk: %d %s", status, body)
	}
	env.inspect("POST", "clock", map[string]any{"advance": "2h"}, nil)
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	// A crash after a chunk's bytes were written but before the session
	// was saved leaves bytes past the saved size. The next chunk replaces
	// them.
	sessionID := mustQueryValue(t, sessionURL, "upload_id")
	blob, err := os.OpenFile(filepath.Join(dir, "blobs", sessionBlob(sessionID)), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := blob.Write(bytes.Repeat([]byte{0xAA}, 1024)); err != nil {
		t.Fatal(err)
	}
	if err := blob.Close(); err != nil {
		t.Fatal(err)
	}

	second, err := Start(Options{DataDir: dir, Clock: clock, ChunkGranularity: 1024}, "")
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	env.run = second
	var now clockJSON
	env.inspect("GET", "clock", nil, &now)
	if want := testStart.Add(2 * time.Hour).Format(time.RFC3339Nano); now.Now != want {
		t.Errorf("clock after restart = %s, want %s", now.Now, want)
	}
	env.token = env.accessToken("client-a", "refresh-a")
	newURL := second.URL + sessionURL[len(first.URL):]
	state, received := querySession(t, env, newURL)
	if state != "active" || received != 2048 {
		t.Fatalf("session after restart = %s %d, want active 2048", state, received)
	}
	status, _, body = env.do("POST", newURL, data[2048:], "X-Goog-Upload-Command", "upload, finalize", "X-Goog-Upload-Offset", "2048")
	if status != 200 || string(body) == "" {
		t.Fatalf("finish after restart: %d %s", status, body)
	}
	resumedToken := string(body)
	var resp batchCreateResponse
	env.mustJSON("POST", "/v1/mediaItems:batchCreate", map[string]any{"newMediaItems": []any{
		map[string]any{"simpleMediaItem": map[string]any{"uploadToken": token}}}}, &resp)
	if got := resp.NewMediaItemResults[0].MediaItem; got == nil || got.Filename != "later.jpg" {
		t.Errorf("item from a token issued before the restart = %+v", resp.NewMediaItemResults[0])
	}

	// The resumed session holds the same bytes as the raw upload, so it
	// gives the same item: the stray bytes are gone.
	env.mustJSON("POST", "/v1/mediaItems:batchCreate", map[string]any{"newMediaItems": []any{
		map[string]any{"simpleMediaItem": map[string]any{"uploadToken": resumedToken}}}}, &resp)
	if got := resp.NewMediaItemResults[0].MediaItem; got == nil {
		t.Fatalf("item from the resumed session = %+v", resp.NewMediaItemResults[0])
	}
	var items struct{ Items []inspectItemJSON }
	env.inspect("GET", "items", nil, &items)
	if len(items.Items) != 1 || items.Items[0].SHA256 != hexSHA256(data) {
		t.Errorf("items after the resumed session = %+v, want one with the file's SHA-256 %s", items.Items, hexSHA256(data))
	}
}

func TestDelayFaultEndsWithClientContext(t *testing.T) {
	env := startEnv(t, Options{})
	env.inspect("POST", "faults", map[string]any{"method": "albums.list", "delay": "1h", "count": 1}, nil)
	ctx, cancel := context.WithCancel(t.Context())
	req, _ := http.NewRequestWithContext(ctx, "GET", env.run.URL+"/v1/albums", nil)
	req.Header.Set("Authorization", "Bearer "+env.token)
	done := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	// The fault is used up when the request reaches it, which is the
	// moment to cancel.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var list struct{ Faults []faultSpec }
		env.inspect("GET", "faults", nil, &list)
		if len(list.Faults) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the delayed request never reached the emulator")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("delayed request ended with %v, want context.Canceled", err)
	}
	if status, _, _ := env.do("GET", "/v1/albums", nil); status != 200 {
		t.Errorf("request after the delay fault: status %d, want 200", status)
	}
}

func TestTokenFaultAndDropOnJSONMethod(t *testing.T) {
	env := startEnv(t, Options{})
	env.inspect("POST", "faults", map[string]any{"method": "token", "status": 500, "body": `{"error":"internal_failure"}`, "count": 1}, nil)
	status, body := env.postForm("/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"r"}, "client_id": {"c"}})
	if status != 500 || string(body) != `{"error":"internal_failure"}` {
		t.Errorf("token fault = %d %s", status, body)
	}
	env.inspect("POST", "faults", map[string]any{"method": "albums.create", "dropAfterBytes": 5, "count": 1}, nil)
	req, _ := http.NewRequestWithContext(t.Context(), "POST", env.run.URL+"/v1/albums", nil)
	req.Header.Set("Authorization", "Bearer "+env.token)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("albums.create with a drop fault answered %d, want a broken connection", resp.StatusCode)
	}
	var albums struct{ Albums []inspectAlbumJSON }
	env.inspect("GET", "albums", nil, &albums)
	if len(albums.Albums) != 0 {
		t.Errorf("a dropped albums.create created %d albums", len(albums.Albums))
	}
}

func TestHeadOnBaseURL(t *testing.T) {
	env := startEnv(t, Options{})
	data := sample(t, "Tricky/no_exif.jpg")
	item := env.create(data, "a.jpg")
	resp, err := http.Head(item.BaseURL + "=d")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("HEAD = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if n, _ := strconv.Atoi(resp.Header.Get("Content-Length")); n == 0 {
		t.Error("HEAD has no Content-Length")
	}
}

func TestConcurrentUploadsAndCreates(t *testing.T) {
	env := startEnv(t, Options{})
	base := sample(t, "Tricky/no_exif.jpg")
	const workers = 8
	var wg sync.WaitGroup
	ids := make([]string, workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Distinct trailing bytes make distinct items of the same picture.
			data := append(append([]byte(nil), base...), byte(i))
			token := env.uploadRaw(data, "p"+strconv.Itoa(i)+".jpg")
			var resp batchCreateResponse
			env.mustJSON("POST", "/v1/mediaItems:batchCreate", map[string]any{"newMediaItems": []any{
				map[string]any{"simpleMediaItem": map[string]any{"uploadToken": token}}}}, &resp)
			if it := resp.NewMediaItemResults[0].MediaItem; it != nil {
				ids[i] = it.ID
			}
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, id := range ids {
		if id == "" || seen[id] {
			t.Errorf("worker %d got item %q", i, id)
		}
		seen[id] = true
	}
}

func TestAlbumsListPagesAndEnrichment(t *testing.T) {
	env := startEnv(t, Options{})
	var want []string
	for i := range 5 {
		want = append(want, env.createAlbum("Album "+strconv.Itoa(i)))
	}
	var got []string
	token := ""
	for {
		var page listAlbumsResponse
		env.mustJSON("GET", "/v1/albums?pageSize=2&pageToken="+url.QueryEscape(token), nil, &page)
		for _, a := range page.Albums {
			got = append(got, a.ID)
		}
		if page.NextPageToken == "" {
			break
		}
		token = page.NextPageToken
	}
	if len(got) != len(want) {
		t.Fatalf("listed %d albums, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("album %d = %s, want %s (oldest first)", i, got[i], want[i])
		}
	}
	status, _, body := env.do("GET", "/v1/albums?pageSize=2&pageToken="+url.QueryEscape(token)+"&excludeNonAppCreatedData=true", nil)
	if status != 400 {
		t.Errorf("page token with other arguments = %d %s, want 400", status, body)
	}

	var enrichment addEnrichmentResponse
	env.mustJSON("POST", "/v1/albums/"+want[0]+":addEnrichment", map[string]any{
		"newEnrichmentItem": map[string]any{"locationEnrichment": map[string]any{"location": map[string]any{
			"locationName": "Lisbon", "latlng": map[string]any{"latitude": 38.7, "longitude": -9.1}}}},
		"albumPosition": map[string]any{"position": "LAST_IN_ALBUM"}}, &enrichment)
	if enrichment.EnrichmentItem == nil || enrichment.EnrichmentItem.ID == "" {
		t.Errorf("addEnrichment = %+v, want an id", enrichment)
	}
	status, _, _ = env.do("POST", "/v1/albums/"+want[0]+":addEnrichment", map[string]any{
		"newEnrichmentItem": map[string]any{"textEnrichment": map[string]any{"text": "after"}},
		"albumPosition":     map[string]any{"position": "AFTER_ENRICHMENT_ITEM", "relativeEnrichmentItemId": enrichment.EnrichmentItem.ID}})
	if status != 200 {
		t.Errorf("enrichment after an enrichment: status %d, want 200", status)
	}
}

// syncBuffer is a bytes.Buffer safe for the emulator's handler goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestLogsRequestsAndFaults(t *testing.T) {
	var logs syncBuffer
	env := startEnv(t, Options{Logger: zerolog.New(&logs).Level(zerolog.DebugLevel)})
	env.inspect("POST", "faults", map[string]any{"method": "albums.list", "status": 500, "count": 1}, nil)
	env.do("GET", "/v1/albums", nil)
	out := logs.String()
	for _, want := range []string{
		`"component":"emulator"`,
		`"message":"Request served"`,
		`"path":"/v1/albums","status":500`,
		`"message":"Injecting fault"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
}

func TestMediaBytesQuotaIsSeparate(t *testing.T) {
	env := startEnv(t, Options{MediaBytesQuota: 2, DailyQuota: 100})
	item := env.create(sample(t, "Tricky/no_exif.jpg"), "a.jpg")
	for i := range 2 {
		if status, _, _ := env.doAs("", "GET", item.BaseURL+"=d", nil); status != 200 {
			t.Fatalf("download %d: status %d", i, status)
		}
	}
	status, _, body := env.doAs("", "GET", item.BaseURL+"=d", nil)
	if e := googleError(t, body); status != 429 || !strings.Contains(e.Message, "'Media bytes requests per day'") {
		t.Errorf("third download = %d %q", status, e.Message)
	}
	if status, _, _ := env.do("GET", "/v1/mediaItems/"+item.ID, nil); status != 200 {
		t.Errorf("API request after the media quota ran out: status %d, want 200", status)
	}
}

func TestFaultPresets(t *testing.T) {
	env := startEnv(t, Options{})
	for _, tc := range []struct {
		preset, status string
		code           int
		message        string
	}{
		{"dailyQuota", "RESOURCE_EXHAUSTED", 429, "limit 'All requests per day'"},
		{"perMinuteQuota", "RESOURCE_EXHAUSTED", 429, "limit 'Write requests per minute per user'"},
		{"storageFull", "INVALID_ARGUMENT", 400, msgStorageFull},
		{"unavailable", "UNAVAILABLE", 503, msgUnavailable},
	} {
		t.Run(tc.preset, func(t *testing.T) {
			env.inspect("POST", "faults", map[string]any{"method": "albums.create", "preset": tc.preset, "count": 1}, nil)
			status, _, body := env.do("POST", "/v1/albums", map[string]any{"album": map[string]any{"title": "x"}})
			e := googleError(t, body)
			if status != tc.code || e.Status != tc.status || !strings.Contains(e.Message, tc.message) {
				t.Errorf("got %d %s %q, want %d %s containing %q", status, e.Status, e.Message, tc.code, tc.status, tc.message)
			}
		})
	}
}

func TestScopeRules(t *testing.T) {
	env := startEnv(t, Options{})
	readOnly := tokenWithScope(t, env, "client-a", "refresh-a", scopeReadAppCreated)
	status, _, body := env.doAs(readOnly, "POST", "/v1/uploads", "bytes", "X-Goog-Upload-Protocol", "raw")
	if status != 401 || string(body) != `{"code":16,"message":"Authentication session is not defined."}` {
		t.Errorf("upload without appendonly = %d %s", status, body)
	}
	status, _, body = env.doAs(readOnly, "POST", "/v1/albums", map[string]any{"album": map[string]any{"title": "x"}})
	if e := googleError(t, body); status != 403 || e.Message != msgInsufficientScopes {
		t.Errorf("albums.create with readonly = %d %q", status, e.Message)
	}
	if status, _, _ := env.doAs(readOnly, "GET", "/v1/albums", nil); status != 200 {
		t.Errorf("albums.list with readonly: status %d, want 200", status)
	}

	removed := codeFlowToken(t, env, scopeLibrary)
	status, _, body = env.doAs(removed, "GET", "/v1/mediaItems", nil)
	if e := googleError(t, body); status != 403 || e.Message != msgInsufficientScopes {
		t.Errorf("mediaItems.list with only the removed photoslibrary scope = %d %q", status, e.Message)
	}

	legacy := startEnv(t, Options{Legacy: true})
	if status, _, body := legacy.doAs(codeFlowToken(t, legacy, scopeLibrary), "GET", "/v1/mediaItems", nil); status != 200 {
		t.Errorf("Legacy mediaItems.list with photoslibrary = %d %s", status, body)
	}
}

// tokenWithScope refreshes an access token narrowed to one scope.
func tokenWithScope(t *testing.T, env *testEnv, clientID, refresh, scope string) string {
	t.Helper()
	status, body := env.postForm("/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh},
		"client_id": {clientID}, "scope": {scope}})
	if status != 200 {
		t.Fatalf("narrowed token: %d %s", status, body)
	}
	var tok tokenResponse
	decodeInto(t, body, &tok)
	return tok.AccessToken
}

// codeFlowToken runs the authorization-code flow without PKCE for scope.
func codeFlowToken(t *testing.T, env *testEnv, scope string) string {
	t.Helper()
	redirect := "http://127.0.0.1:1/cb"
	q := url.Values{"client_id": {"web"}, "redirect_uri": {redirect}, "response_type": {"code"}, "scope": {scope}}
	_, header, _ := env.doAs("", "GET", "/o/oauth2/auth?"+q.Encode(), nil)
	loc, err := url.Parse(header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	status, body := env.postForm("/token", url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"client_id": {"web"}, "redirect_uri": {redirect}})
	if status != 200 {
		t.Fatalf("code exchange: %d %s", status, body)
	}
	var tok tokenResponse
	decodeInto(t, body, &tok)
	return tok.AccessToken
}

func TestDeduplicationAcrossClients(t *testing.T) {
	env := startEnv(t, Options{})
	data := sample(t, "Camera Roll/IMG_1811.JPG")
	first := env.create(data, "first.jpg")
	other := env.accessToken("client-b", "refresh-b")
	token := env.uploadRawAs(other, data, "second.jpg")
	status, _, body := env.doAs(other, "POST", "/v1/albums", map[string]any{"album": map[string]any{"title": "B"}})
	var album albumJSON
	decodeInto(t, body, &album)
	if status != 200 {
		t.Fatalf("albums.create: %d %s", status, body)
	}
	status, _, body = env.doAs(other, "POST", "/v1/mediaItems:batchCreate", map[string]any{"albumId": album.ID,
		"newMediaItems": []any{map[string]any{"simpleMediaItem": map[string]any{"uploadToken": token}}}})
	var resp batchCreateResponse
	decodeInto(t, body, &resp)
	if status != 200 || resp.NewMediaItemResults[0].MediaItem == nil || resp.NewMediaItemResults[0].MediaItem.ID != first.ID {
		t.Fatalf("second client's creation = %d %s, want the first client's item", status, body)
	}
	var page mediaItemsPage
	_, _, body = env.doAs(other, "POST", "/v1/mediaItems:search", map[string]any{"albumId": album.ID})
	decodeInto(t, body, &page)
	if len(page.MediaItems) != 1 || page.MediaItems[0].ProductURL != productURLPrefix+"album/"+album.ID+"/photo/"+first.ID {
		t.Errorf("album search = %s, want the item with an album product URL", body)
	}
	if status, _, _ := env.doAs(other, "GET", "/v1/mediaItems/"+first.ID, nil); status != 400 {
		t.Errorf("second client get of the first client's item: status %d, want 400", status)
	}
	var items struct{ Items []inspectItemJSON }
	env.inspect("GET", "items", nil, &items)
	if len(items.Items) != 1 || items.Items[0].CreatorClientID != "client-a" || items.Items[0].Filename != "first.jpg" {
		t.Errorf("inspected items = %+v, want one item owned by client-a named first.jpg", items.Items)
	}
}

func TestCloseTwiceAndServeAfterClose(t *testing.T) {
	run, err := Start(Options{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Close(); err != nil {
		t.Fatalf("first Close: %v", err)
	}
	if err := run.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	srv, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/token", strings.NewReader("grant_type=refresh_token&refresh_token=r&client_id=c"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	srv.ServeHTTP(rec, req)
	var tok tokenResponse
	decodeInto(t, rec.Body.Bytes(), &tok)
	rec = httptest.NewRecorder()
	req = httptest.NewRequest("GET", "/v1/albums", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("request after Close: status %d, want 503", rec.Code)
	}
}

// mustQueryValue returns the query parameter name of rawURL.
func mustQueryValue(t *testing.T, rawURL, name string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	v := u.Query().Get(name)
	if v == "" {
		t.Fatalf("URL %s has no %s", rawURL, name)
	}
	return v
}
