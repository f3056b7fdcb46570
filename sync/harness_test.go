package sync

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/oauth2"

	"github.com/photosync/photosync/config"
	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/emulator"
	"github.com/photosync/photosync/state"
)

// harness is an emulator on loopback, a client of it, and a state store in
// a temporary directory.
type harness struct {
	t        *testing.T
	emu      *emulator.Running
	client   *photosapi.Client
	store    *state.Store
	counter  *RequestCounter
	dir      string
	settings func(*Options)
}

const testClientID = "sync-test-client"

func newHarness(t *testing.T) *harness {
	t.Helper()
	emu, err := emulator.Start(emulator.Options{VideoProcessingTime: -1}, "127.0.0.1:0")
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() { emu.Close() })
	h := &harness{t: t, emu: emu, dir: t.TempDir()}
	h.openStore()
	oauthConfig := photosapi.OAuthConfig(testClientID, "secret", emu.URL+"/o/oauth2/v2/auth", emu.URL+"/token", "")
	tokens := photosapi.NewTokenSource(context.Background(), oauthConfig,
		&oauth2.Token{RefreshToken: "sync-test-refresh"}, nil)
	h.client, err = photosapi.New(photosapi.Options{
		Endpoint:    emu.URL + "/",
		TokenSource: tokens,
		HTTPClient:  &http.Client{},
		// Retries wait no real time, so fault tests stay fast.
		Sleep:     func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
		OnRequest: func(info photosapi.RequestInfo) { h.counter.Hook(info) },
	})
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	return h
}

func (h *harness) openStore() {
	h.t.Helper()
	store, err := state.Open(filepath.Join(h.dir, "state.db"), state.Options{})
	if err != nil {
		h.t.Fatalf("open store: %v", err)
	}
	h.store = store
	h.counter = NewRequestCounter(store, nil)
	h.t.Cleanup(func() { store.Close() })
}

// folder returns a folder config with the defaults for root.
func folderAt(root string) config.Folder {
	return config.Folder{Path: root, Mode: config.ModeTwoWay, RemoteDelete: config.RemoteDeleteAlbum,
		DeleteThreshold: config.DefaultDeleteThreshold}
}

// sync runs one pass and fails the test on an error.
func (h *harness) sync(folders ...config.Folder) *Summary {
	h.t.Helper()
	sum, err := h.syncErr(folders...)
	if err != nil {
		h.t.Fatalf("sync: %v", err)
	}
	return sum
}

func (h *harness) syncErr(folders ...config.Folder) (*Summary, error) {
	h.t.Helper()
	opts := Options{
		Store:    h.store,
		Remote:   NewRemote(h.client),
		Requests: h.counter,
		Budget:   Budget{DailyLimit: 10000, PollReserve: 1000},
		Workers:  4,
		Logger:   zerolog.New(zerolog.NewTestWriter(h.t)).Level(zerolog.WarnLevel),
	}
	if h.settings != nil {
		h.settings(&opts)
	}
	s, err := New(opts)
	if err != nil {
		h.t.Fatalf("new syncer: %v", err)
	}
	return s.Run(h.t.Context(), folders)
}

type emuItem struct {
	ID       string   `json:"id"`
	Filename string   `json:"filename"`
	SHA256   string   `json:"sha256"`
	Size     int64    `json:"size"`
	MimeType string   `json:"mimeType"`
	Creator  string   `json:"creatorClientId"`
	AlbumIDs []string `json:"albumIds"`
}

type emuAlbum struct {
	ID           string   `json:"id"`
	Title        string   `json:"title"`
	MediaItemIDs []string `json:"mediaItemIds"`
}

type emuRequests struct {
	Total       int            `json:"total"`
	ByMethod    map[string]int `json:"byMethod"`
	UploadBytes int64          `json:"uploadBytes"`
}

func (h *harness) inspect(what string, out any) {
	h.t.Helper()
	resp, err := http.Get(h.emu.URL + "/emulator/v1/" + what)
	if err != nil {
		h.t.Fatalf("inspect %s: %v", what, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("inspect %s: HTTP %d: %s", what, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		h.t.Fatalf("inspect %s: %v in %s", what, err, body)
	}
}

func (h *harness) items() []emuItem {
	var out struct{ Items []emuItem }
	h.inspect("items", &out)
	return out.Items
}

func (h *harness) albums() map[string]emuAlbum {
	var out struct{ Albums []emuAlbum }
	h.inspect("albums", &out)
	byTitle := map[string]emuAlbum{}
	for _, a := range out.Albums {
		if _, dup := byTitle[a.Title]; dup {
			h.t.Errorf("two albums titled %q", a.Title)
		}
		byTitle[a.Title] = a
	}
	return byTitle
}

func (h *harness) requests() emuRequests {
	var out emuRequests
	h.inspect("requests", &out)
	return out
}

// post sends a JSON body to an inspection endpoint such as "faults".
func (h *harness) post(what string, body any) {
	h.t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		h.t.Fatal(err)
	}
	resp, err := http.Post(h.emu.URL+"/emulator/v1/"+what, "application/json", bytes.NewReader(data))
	if err != nil {
		h.t.Fatalf("post %s: %v", what, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(resp.Body)
		h.t.Fatalf("post %s %s: HTTP %d: %s", what, data, resp.StatusCode, msg)
	}
}

func (h *harness) clearFaults() {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodDelete, h.emu.URL+"/emulator/v1/faults", nil)
	if err != nil {
		h.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("clear faults: %v", err)
	}
	resp.Body.Close()
}

// itemsBySHA maps content hashes to the emulator's items with that content,
// and fails the test for any content held by more than one item.
func (h *harness) itemsBySHA() map[string]emuItem {
	h.t.Helper()
	out := map[string]emuItem{}
	for _, it := range h.items() {
		if prev, dup := out[it.SHA256]; dup {
			h.t.Errorf("duplicate item for content %s: %s (%s) and %s (%s)",
				it.SHA256[:12], prev.ID, prev.Filename, it.ID, it.Filename)
		}
		out[it.SHA256] = it
	}
	return out
}

// repoMedia returns the sample media directory of the repository.
func repoMedia(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "media")
}

// copyTree copies the directory src to dst with fresh modification times
// set in the past, so the files count as settled.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
}

// writeFrom copies one sample file to rel under root.
func writeFrom(t *testing.T, root, rel, sample string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoMedia(t), sample))
	if err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(target, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func shaOfFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func hasString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func joinProblems(ps []FileProblem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.Path + ": " + p.Reason + "\n")
	}
	return b.String()
}
