package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// testStart is a fixed emulator time for tests: a Tuesday afternoon in
// Los Angeles.
var testStart = time.Date(2026, 3, 10, 20, 0, 0, 0, time.UTC)

// testEnv is an emulator on loopback with a fake clock and a client that
// records every JSON body it receives, for the schema test.
type testEnv struct {
	t       *testing.T
	run     *Running
	clock   *FakeClock
	http    *http.Client
	bodies  *recordedBodies
	token   string
	options Options
}

// recordedBodies collects JSON response bodies by method and path.
type recordedBodies struct {
	mu     sync.Mutex
	bodies []recordedBody
}

type recordedBody struct {
	method, path string
	status       int
	body         []byte
}

// allRecorded gathers bodies from every testEnv of the package run, so that
// the schema test checks what the other tests received.
var allRecorded = &recordedBodies{}

type recordingTransport struct {
	base http.RoundTripper
	rec  *recordedBodies
}

func (rt recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := rt.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || !strings.HasPrefix(req.URL.Path, "/v1/") {
		return resp, nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	rt.rec.mu.Lock()
	rt.rec.bodies = append(rt.rec.bodies, recordedBody{req.Method, req.URL.Path, resp.StatusCode, body})
	rt.rec.mu.Unlock()
	return resp, nil
}

// startEnv starts an emulator with opts (a fake clock is added when
// opts.Clock is nil) and fetches an access token for client "client-a".
func startEnv(t *testing.T, opts Options) *testEnv {
	t.Helper()
	clock, _ := opts.Clock.(*FakeClock)
	if opts.Clock == nil {
		clock = NewFakeClock(testStart)
		opts.Clock = clock
	}
	run, err := Start(opts, "")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := run.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	env := &testEnv{
		t:       t,
		run:     run,
		clock:   clock,
		bodies:  allRecorded,
		options: opts,
		http: &http.Client{
			Transport:     recordingTransport{base: http.DefaultTransport, rec: allRecorded},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	env.token = env.accessToken("client-a", "refresh-a")
	return env
}

// accessToken exchanges a refresh token at /token for an access token.
func (e *testEnv) accessToken(clientID, refresh string) string {
	e.t.Helper()
	status, body := e.postForm("/token", url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {refresh},
		"client_id": {clientID}, "client_secret": {"secret"},
	})
	if status != http.StatusOK {
		e.t.Fatalf("token for %s: status %d: %s", clientID, status, body)
	}
	var tok tokenResponse
	if err := json.Unmarshal(body, &tok); err != nil {
		e.t.Fatalf("token body %s: %v", body, err)
	}
	return tok.AccessToken
}

func (e *testEnv) postForm(path string, form url.Values) (int, []byte) {
	e.t.Helper()
	resp, err := e.http.PostForm(e.run.URL+path, form)
	if err != nil {
		e.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// do sends a request with the environment's token and returns the status,
// headers and body.
func (e *testEnv) do(method, path string, body any, header ...string) (int, http.Header, []byte) {
	e.t.Helper()
	return e.doAs(e.token, method, path, body, header...)
}

// doAs sends a request with token. body is a string, []byte or a value to
// encode as JSON; header lists name, value pairs.
func (e *testEnv) doAs(token, method, path string, body any, header ...string) (int, http.Header, []byte) {
	e.t.Helper()
	var reader io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		reader = strings.NewReader(b)
	case []byte:
		reader = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatalf("encode body: %v", err)
		}
		reader = bytes.NewReader(data)
	}
	target := path
	if !strings.HasPrefix(path, "http") {
		target = e.run.URL + path
	}
	req, err := http.NewRequestWithContext(e.t.Context(), method, target, reader)
	if err != nil {
		e.t.Fatalf("new request: %v", err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := e.http.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("read %s %s: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, data
}

// mustJSON sends a request, requires status 200 and decodes the body into
// out when out is not nil.
func (e *testEnv) mustJSON(method, path string, body, out any) {
	e.t.Helper()
	status, _, data := e.do(method, path, body)
	if status != http.StatusOK {
		e.t.Fatalf("%s %s: status %d: %s", method, path, status, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			e.t.Fatalf("decode %s %s body %s: %v", method, path, data, err)
		}
	}
}

// uploadRaw uploads data with the raw protocol and returns the token.
func (e *testEnv) uploadRaw(data []byte, fileName string) string {
	e.t.Helper()
	return e.uploadRawAs(e.token, data, fileName)
}

func (e *testEnv) uploadRawAs(token string, data []byte, fileName string) string {
	e.t.Helper()
	status, _, body := e.doAs(token, "POST", "/v1/uploads", data,
		"Content-Type", "application/octet-stream", "X-Goog-Upload-Protocol", "raw",
		"X-Goog-Upload-File-Name", fileName)
	if status != http.StatusOK {
		e.t.Fatalf("raw upload of %s: status %d: %s", fileName, status, body)
	}
	return string(body)
}

// create uploads data and creates one item from it, returning the item.
func (e *testEnv) create(data []byte, fileName string) mediaItemJSON {
	e.t.Helper()
	token := e.uploadRaw(data, fileName)
	var resp batchCreateResponse
	e.mustJSON("POST", "/v1/mediaItems:batchCreate", map[string]any{
		"newMediaItems": []any{map[string]any{"simpleMediaItem": map[string]any{"uploadToken": token}}},
	}, &resp)
	if len(resp.NewMediaItemResults) != 1 || resp.NewMediaItemResults[0].MediaItem == nil {
		e.t.Fatalf("batchCreate of %s: %+v", fileName, resp)
	}
	return *resp.NewMediaItemResults[0].MediaItem
}

// createAlbum creates an album and returns its id.
func (e *testEnv) createAlbum(title string) string {
	e.t.Helper()
	var a albumJSON
	e.mustJSON("POST", "/v1/albums", map[string]any{"album": map[string]any{"title": title}}, &a)
	return a.ID
}

// inspect fetches an inspection endpoint into out.
func (e *testEnv) inspect(method, path string, body, out any) {
	e.t.Helper()
	status, _, data := e.doAs("", method, "/emulator/v1/"+path, body)
	if status != http.StatusOK {
		e.t.Fatalf("%s %s: status %d: %s", method, path, status, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			e.t.Fatalf("decode %s: %v", data, err)
		}
	}
}

// sample reads a file from the repository's sample media.
func sample(t *testing.T, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "media", filepath.FromSlash(rel)))
	if err != nil {
		t.Fatalf("read sample: %v", err)
	}
	return data
}

// googleError decodes a Google-shaped error body.
func googleError(t *testing.T, body []byte) errorBodyJSON {
	t.Helper()
	var e errorJSON
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil || e.Error.Code == 0 {
		t.Fatalf("body is not a Google error: %s (%v)", body, err)
	}
	return e.Error
}

func decodeInto(t *testing.T, body []byte, out any) {
	t.Helper()
	if err := json.Unmarshal(body, out); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
}
