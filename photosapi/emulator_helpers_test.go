package photosapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/oauth2"

	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/emulator"
)

// mediaDir holds the project's sample photos and videos.
const mediaDir = "../testdata/media"

// env is an emulator on loopback with a client authenticated against it.
type env struct {
	emu    *emulator.Running
	client *photosapi.Client
	rec    *recorder
	tokens *photosapi.TokenSource
}

// startEnv starts an emulator with emuOpts and a client whose waits are
// recorded instead of slept. edit may change the client options.
func startEnv(t testing.TB, emuOpts emulator.Options, edit func(*photosapi.Options)) *env {
	t.Helper()
	emu, err := emulator.Start(emuOpts, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })

	rec := &recorder{}
	cfg := photosapi.OAuthConfig("photosync-test", "secret", emu.URL+"/o/oauth2/auth", emu.URL+"/token", "http://127.0.0.1/")
	tokens := photosapi.NewTokenSource(t.Context(), cfg, &oauth2.Token{RefreshToken: "refresh-" + t.Name()}, nil)
	opts := photosapi.Options{
		Endpoint:    emu.URL + "/",
		TokenSource: tokens,
		Sleep:       rec.sleep,
		OnRequest:   rec.onRequest,
		Jitter:      func() float64 { return 0.5 },
	}
	if edit != nil {
		edit(&opts)
	}
	client, err := photosapi.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return &env{emu: emu, client: client, rec: rec, tokens: tokens}
}

// inspect sends an inspection or fault request to the emulator and
// decodes its JSON response into out when out is not nil.
func (e *env) inspect(t testing.TB, method, path string, body, out any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, e.emu.URL+"/emulator/v1/"+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("decode %s: %v", path, err)
		}
	}
}

// fault adds a fault to the emulator.
func (e *env) fault(t testing.TB, spec map[string]any) {
	t.Helper()
	e.inspect(t, http.MethodPost, "faults", spec, nil)
}

// requestCounts is the body of GET /emulator/v1/requests.
type requestCounts struct {
	Total       int            `json:"total"`
	ByMethod    map[string]int `json:"byMethod"`
	UploadBytes int64          `json:"uploadBytes"`
}

func (e *env) requests(t testing.TB) requestCounts {
	t.Helper()
	var c requestCounts
	e.inspect(t, http.MethodGet, "requests", nil, &c)
	return c
}

func (e *env) resetRequests(t testing.TB) {
	t.Helper()
	e.inspect(t, http.MethodDelete, "requests", nil, nil)
}

// emulatorItem is one entry of GET /emulator/v1/items.
type emulatorItem struct {
	ID       string   `json:"id"`
	Filename string   `json:"filename"`
	SHA256   string   `json:"sha256"`
	Size     int64    `json:"size"`
	MimeType string   `json:"mimeType"`
	AlbumIDs []string `json:"albumIds"`
}

func (e *env) items(t testing.TB) []emulatorItem {
	t.Helper()
	var body struct {
		Items []emulatorItem `json:"items"`
	}
	e.inspect(t, http.MethodGet, "items", nil, &body)
	return body.Items
}

// sample copies a file from the sample media into a temporary directory
// and returns its new path and bytes.
func sample(t testing.TB, rel string) (string, []byte) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(mediaDir, rel))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), filepath.Base(rel))
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, data
}

// bigJPEG returns a valid JPEG of about size bytes: a sample photo
// followed by random bytes, which JPEG readers ignore after the image.
func bigJPEG(t testing.TB, size int, seed uint64) []byte {
	t.Helper()
	_, head := sample(t, "Camera Roll/IMG_1811.JPG")
	data := make([]byte, size)
	copy(data, head)
	rng := rand.New(rand.NewPCG(seed, seed))
	for i := len(head); i < size; i++ {
		data[i] = byte(rng.Uint32())
	}
	return data
}
