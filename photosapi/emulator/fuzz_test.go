package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"strings"
	"testing"
)

// fuzzServer returns an in-memory Server and an access token for it.
func fuzzServer(f *testing.F) (*Server, string) {
	srv, err := New(Options{Clock: NewFakeClock(testStart), DailyQuota: -1})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { srv.Close() })
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/token", strings.NewReader("grant_type=refresh_token&refresh_token=r&client_id=c"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	srv.ServeHTTP(rec, req)
	var tok tokenResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &tok); err != nil {
		f.Fatalf("token: %s", rec.Body.Bytes())
	}
	return srv, tok.AccessToken
}

// checkAnswer fails unless the response is a 200 with a JSON body or a
// Google-shaped error.
func checkAnswer(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	body := rec.Body.Bytes()
	if rec.Code == http.StatusOK {
		if !json.Valid(body) {
			t.Fatalf("200 with a body that is not JSON: %q", body)
		}
		return
	}
	var e errorJSON
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil || e.Error.Code != rec.Code || e.Error.Status == "" || e.Error.Message == "" {
		t.Fatalf("status %d with a body that is not a Google error: %q", rec.Code, body)
	}
}

func fuzzJSONMethod(f *testing.F, path string, seeds []string) {
	srv, token := fuzzServer(f)
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("POST", path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		checkAnswer(t, rec)
	})
}

// searchSeeds and batchCreateSeeds seed the fuzz tests of the request
// bodies of mediaItems.search and mediaItems.batchCreate.
var (
	searchSeeds = []string{
		`{}`,
		`{"pageSize":100,"orderBy":"MediaMetadata.creation_time desc","filters":{"dateFilter":{"dates":[{"year":2024,"month":7}]}}}`,
		`{"filters":{"dateFilter":{"ranges":[{"startDate":{"year":2020,"month":1,"day":1},"endDate":{"year":2021}}]}}}`,
		`{"filters":{"contentFilter":{"includedContentCategories":["PETS"],"excludedContentCategories":["PETS"]}}}`,
		`{"filters":{"mediaTypeFilter":{"mediaTypes":["PHOTO","VIDEO"]}},"albumId":"x"}`,
		`{"pageSize":-1}`, `{"pageSize":"x"}`, `{"pageToken":"eyJzIjoiIn0"}`, `[`, `null`, `{"filters":null}`,
		`{"pageSize":1,"page_size":2}`, `{"albumId":"a","albumId":"b"}`,
	}
	batchCreateSeeds = []string{
		`{"newMediaItems":[{"simpleMediaItem":{"uploadToken":"t","fileName":"a.jpg"}}]}`,
		`{"albumId":"a","albumPosition":{"position":"AFTER_MEDIA_ITEM","relativeMediaItemId":"x"},"newMediaItems":[]}`,
		`{"newMediaItems":[{"description":1}]}`, `{"newMediaItems":{}}`, `{"x":1}`, ``, `"str"`,
	}
)

func FuzzSearchRequest(f *testing.F) {
	fuzzJSONMethod(f, "/v1/mediaItems:search", searchSeeds)
}

func FuzzBatchCreateRequest(f *testing.F) {
	fuzzJSONMethod(f, "/v1/mediaItems:batchCreate", batchCreateSeeds)
}

func FuzzUploadHeaders(f *testing.F) {
	srv, token := fuzzServer(f)
	f.Add("raw", "", "", "", "a.jpg", []byte("bytes"))
	f.Add("resumable", "start", "", "10", "b.jpg", []byte{})
	f.Add("resumable", "upload, finalize", "0", "", "%zz", []byte("0123456789"))
	f.Add("", "query", "x", "-1", "", []byte{})
	f.Fuzz(func(t *testing.T, protocol, command, offset, rawSize, name string, body []byte) {
		req := httptest.NewRequest("POST", "/v1/uploads", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("X-Goog-Upload-Protocol", protocol)
		req.Header.Set("X-Goog-Upload-Command", command)
		req.Header.Set("X-Goog-Upload-Offset", offset)
		req.Header.Set("X-Goog-Upload-Raw-Size", rawSize)
		req.Header.Set("X-Goog-Upload-File-Name", name)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code == http.StatusOK {
			return
		}
		checkAnswer(t, rec)
		if rec.Header().Get("X-Goog-Upload-URL") == "" {
			return
		}
		// A started session must take its own command URL.
		next := httptest.NewRequest("POST", rec.Header().Get("X-Goog-Upload-URL"), bytes.NewReader(body))
		next.Header.Set("Authorization", "Bearer "+token)
		next.Header.Set("X-Goog-Upload-Command", "upload, finalize")
		next.Header.Set("X-Goog-Upload-Offset", "0")
		rec = httptest.NewRecorder()
		srv.ServeHTTP(rec, next)
		if rec.Code != http.StatusOK {
			checkAnswer(t, rec)
		}
	})
}

func FuzzBaseURL(f *testing.F) {
	srv, token := fuzzServer(f)
	data := sample(&testing.T{}, "Tricky/no_exif.jpg")
	req := httptest.NewRequest("POST", "/v1/uploads", bytes.NewReader(data))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("X-Goog-Upload-Protocol", "raw")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	req = httptest.NewRequest("POST", "/v1/mediaItems:batchCreate", strings.NewReader(
		`{"newMediaItems":[{"simpleMediaItem":{"uploadToken":"`+rec.Body.String()+`"}}]}`))
	req.Header.Set("Authorization", "Bearer "+token)
	rec = httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	var resp batchCreateResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || resp.NewMediaItemResults[0].MediaItem == nil {
		f.Fatalf("create: %s", rec.Body.Bytes())
	}
	baseURL := resp.NewMediaItemResults[0].MediaItem.BaseURL
	segment := baseURL[strings.Index(baseURL, baseURLPath)+len(baseURLPath):]
	for _, s := range []string{segment, segment + "=d", segment + "=w10-h10-c", segment + "=dv", segment + "=w0", "x=d", "", "=", segment[:10]} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, segment string) {
		req := httptest.NewRequest("GET", "/", nil)
		req.URL.Path = baseURLPath + segment
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		switch rec.Code {
		// net/http redirects paths that are not clean, such as "/lh/.".
		case 200, 301, 307, 308, 400, 403, 404:
		default:
			t.Fatalf("GET %q: status %d: %s", segment, rec.Code, rec.Body.Bytes())
		}
	})
}

func FuzzPageToken(f *testing.F) {
	srv, token := fuzzServer(f)
	f.Add("")
	f.Add(encodeCursor(cursor{Scope: "mediaItems.list", After: sortKey{UnixNano: 1, Sequence: 2}}))
	f.Add(encodeCursor(cursor{Scope: "albums.list|false", Offset: -1}))
	f.Add("not base64!")
	f.Fuzz(func(t *testing.T, pageToken string) {
		for _, path := range []string{"/v1/mediaItems", "/v1/albums"} {
			req := httptest.NewRequest("GET", path+"?pageToken="+url.QueryEscape(pageToken), nil)
			req.Header.Set("Authorization", "Bearer "+token)
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			checkAnswer(t, rec)
		}
	})
}

// FuzzAPIPath sends GET, POST and PATCH requests to arbitrary /v1/ paths.
// Every response must be Google-shaped, and an id with an escaped "/" must
// be rejected: with 400, or with 403 by a sharing method Google turned off.
func FuzzAPIPath(f *testing.F) {
	srv, token := fuzzServer(f)
	for _, seed := range []string{
		"albums/abc%2Fdef", "albums/abc%3Adef", "albums/abc:batchAddMediaItems", "albums/%2F:share",
		"mediaItems/abc%2Fdef", "mediaItems:batchGet", "mediaItems/%E2%82%AC", "albums/a/b",
		"sharedAlbums/x%2Fy", "albums/%zz", "mediaItems/", "uploads",
	} {
		f.Add("GET", seed)
		f.Add("POST", seed)
	}
	f.Add("PATCH", "mediaItems/abc%2Fdef?updateMask=description")
	f.Fuzz(func(t *testing.T, method, rawPath string) {
		if method != "GET" && method != "POST" && method != "PATCH" {
			return
		}
		u, err := url.Parse("/v1/" + rawPath)
		if err != nil || u.Host != "" || u.Scheme != "" {
			return
		}
		// net/http's mux redirects paths with "." or ".." segments or
		// doubled slashes before the emulator's handler runs.
		clean := path.Clean(u.Path)
		if strings.HasSuffix(u.Path, "/") && clean != "/" {
			clean += "/"
		}
		if clean != u.Path {
			return
		}
		req := httptest.NewRequest(method, "/", strings.NewReader("{}"))
		req.URL = u
		req.RequestURI = u.RequestURI()
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if strings.HasPrefix(u.Path, "/v1/uploads") {
			return
		}
		checkAnswer(t, rec)
		spec, id := srv.route(req)
		if spec == nil || !strings.Contains(id, "/") {
			return
		}
		if rec.Code != http.StatusBadRequest && !(spec.sharing && rec.Code == http.StatusForbidden) {
			t.Fatalf("%s %s with id %q: status %d, want 400", method, rawPath, id, rec.Code)
		}
	})
}

// FuzzAPIDispatch checks that dispatch, which sends clean /v1/ paths
// straight to serveAPI, responds to every request exactly as the mux does.
// The requests carry no token, so that both responses are deterministic.
func FuzzAPIDispatch(f *testing.F) {
	srv, _ := fuzzServer(f)
	for _, seed := range []string{
		"/v1/albums", "/v1/mediaItems:batchCreate", "/v1/uploads", "/v1/albums/abc%2Fdef", "/v1/albums/a/b",
		"/v1/", "/v1", "/v1//albums", "/v1/./albums", "/v1/albums/..", "/v1/albums/.", "/v1/%2e%2e/albums",
		"/v1%2Falbums", "/v%31/albums", "/v1/albums/", "/emulator/v1/requests", "/lh/x", "/token", "*",
		"/v1/mediaItems?pageSize=1", "/v1/albums/x:share",
	} {
		for _, method := range []string{"GET", "POST", "CONNECT"} {
			f.Add(method, seed)
		}
	}
	f.Fuzz(func(t *testing.T, method, target string) {
		switch method {
		case "GET", "POST", "PATCH", "PUT", "DELETE", "CONNECT":
		default:
			return
		}
		u, err := url.Parse(target)
		if err != nil || u.Host != "" || u.Scheme != "" || u.Opaque != "" {
			return
		}
		serve := func(handler http.Handler) *httptest.ResponseRecorder {
			req := httptest.NewRequest("GET", "/", strings.NewReader("{}"))
			req.Method = method
			req.URL = u
			req.RequestURI = target
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, req)
			return rec
		}
		viaMux := serve(srv.mux)
		viaDispatch := serve(http.HandlerFunc(srv.dispatch))
		if viaDispatch.Code != viaMux.Code || !bytes.Equal(viaDispatch.Body.Bytes(), viaMux.Body.Bytes()) {
			t.Fatalf("%s %q: dispatch sent %d %q, the mux %d %q", method, target,
				viaDispatch.Code, viaDispatch.Body.Bytes(), viaMux.Code, viaMux.Body.Bytes())
		}
		for _, name := range []string{"Content-Type", "Location", "Allow", "WWW-Authenticate"} {
			if got, want := viaDispatch.Header().Get(name), viaMux.Header().Get(name); got != want {
				t.Fatalf("%s %q: dispatch sent %s %q, the mux %q", method, target, name, got, want)
			}
		}
	})
}
