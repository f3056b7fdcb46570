package daemon

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/oauth2"

	"github.com/photosync/photosync/config"
	"github.com/photosync/photosync/internal/testenv"
	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/emulator"
	"github.com/photosync/photosync/state"
)

// waitTimeout bounds each wait for a condition; conditions are polled.
const waitTimeout = time.Minute

// harness is a Daemon running in the test process against an emulator over
// loopback HTTP, with a real store and real folders.
type harness struct {
	t      testing.TB
	emu    *testenv.Emulator
	dir    string
	socket string
	d      *Daemon
	client *Client
	done   chan error
	cancel context.CancelFunc
}

// newConfig returns a parsed config for the folders, named relative to the
// harness directory.
func (h *harness) newConfig(folders ...string) *config.Config {
	h.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "state_dir: %s\nsocket: %s\nsettle_time: 1s\nscan_interval: 1h\nfolders:\n",
		filepath.Join(h.dir, "state"), h.socket)
	for _, f := range folders {
		fmt.Fprintf(&b, "  - path: %s\n", filepath.Join(h.dir, f))
	}
	cfg, err := config.Parse(filepath.Join(h.dir, "config.yaml"), []byte(b.String()))
	if err != nil {
		h.t.Fatalf("parse config: %v\n%s", err, b.String())
	}
	return cfg
}

// startHarness starts a daemon for the folders under a new temporary
// directory and waits for its first pass.
func startHarness(t testing.TB, folders ...string) *harness {
	t.Helper()
	emu := testenv.StartEmulator(t, emulator.Options{VideoProcessingTime: -1})
	dir := t.TempDir()
	h := &harness{t: t, emu: emu, dir: dir, socket: filepath.Join(dir, "photosync.sock")}
	for _, f := range folders {
		if err := os.MkdirAll(filepath.Join(dir, f), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cfg := h.newConfig(folders...)
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		t.Fatal(err)
	}
	store, err := state.Open(filepath.Join(cfg.StateDir, "state.db"), state.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })

	h.d, err = New(Options{Config: cfg, Store: store, Connect: h.connect, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.done = make(chan error, 1)
	go func() { h.done <- h.d.Run(ctx) }()
	t.Cleanup(h.stop)
	h.client = NewClient(h.socket)
	h.waitStatus("the first pass", func(st *Status) bool {
		for _, f := range st.Folders {
			if f.LastScan.IsZero() {
				return false
			}
		}
		return true
	})
	return h
}

// stop cancels the daemon and waits for Run to return.
func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	h.cancel = nil
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("Run: %v", err)
		}
	case <-time.After(waitTimeout):
		h.t.Error("Run did not return after cancel")
	}
}

// connect opens a client of the emulator with any refresh token.
func (h *harness) connect(ctx context.Context, onRequest func(photosapi.RequestInfo)) (*photosapi.Client, func() error, error) {
	oauth := photosapi.OAuthConfig("daemon-test", "secret", h.emu.URL+"/o/oauth2/v2/auth", h.emu.URL+"/token", "")
	tokens := photosapi.NewTokenSource(ctx, oauth, &oauth2.Token{RefreshToken: "daemon-test-refresh"}, nil)
	client, err := photosapi.New(photosapi.Options{
		Endpoint:       h.emu.URL + "/",
		UploadEndpoint: h.emu.URL + "/v1/uploads",
		HTTPClient:     &http.Client{},
		TokenSource:    tokens,
		OnRequest:      onRequest,
	})
	return client, func() error { return nil }, err
}

// testLogger writes the daemon's log to the test log: from info up for
// tests, and from warn up for benchmarks, whose log always prints.
func testLogger(t testing.TB) zerolog.Logger {
	level := zerolog.InfoLevel
	if _, ok := t.(*testing.B); ok {
		level = zerolog.WarnLevel
	}
	return zerolog.New(zerolog.NewTestWriter(t)).Level(level)
}

// waitStatus polls the status over the socket until cond holds.
func (h *harness) waitStatus(what string, cond func(*Status) bool) *Status {
	h.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	var last *Status
	for time.Now().Before(deadline) {
		st, err := h.client.Status(h.t.Context())
		if err == nil && cond(st) {
			return st
		}
		last = st
		time.Sleep(20 * time.Millisecond) // polling interval, not synchronization
	}
	data, _ := json.MarshalIndent(last, "", "  ")
	h.t.Fatalf("waiting for %s: timed out; last status %s", what, data)
	return nil
}

// remoteSHAs returns the SHA-256 of every item in the emulator.
func (h *harness) remoteSHAs() map[string]bool {
	h.t.Helper()
	shas := map[string]bool{}
	for _, it := range h.emu.Items() {
		shas[it.SHA256] = true
	}
	return shas
}

// writeSettledPNG writes a small PNG whose bytes depend on seed, with a
// modification time an hour old, and returns its SHA-256.
func writeSettledPNG(t testing.TB, name string, seed int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{R: uint8(seed), G: uint8(seed >> 8), B: 3, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(name, old, old); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return hex.EncodeToString(sum[:])
}

// folderStatus returns the status of the folder at the root, and whether
// the daemon lists it.
func folderStatus(st *Status, root string) (FolderStatus, bool) {
	for _, f := range st.Folders {
		if f.Path == root {
			return f, true
		}
	}
	return FolderStatus{}, false
}
