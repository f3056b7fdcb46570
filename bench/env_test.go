package bench

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/oauth2"

	"github.com/photosync/photosync/config"
	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/emulator"
	"github.com/photosync/photosync/state"
	photosync "github.com/photosync/photosync/sync"
)

// benchClientID is the OAuth client the benchmarks present to the emulator.
const benchClientID = "photosync-bench.apps.googleusercontent.com"

// startEmulator serves a new in-memory emulator on loopback until the
// benchmark or test ends. Its quota is unlimited, because a first sync of
// 10,000 files needs more requests than one day of Google's default quota.
func startEmulator(tb testing.TB) *emulator.Running {
	tb.Helper()
	emu, err := emulator.Start(emulator.Options{DailyQuota: -1, VideoProcessingTime: -1}, "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("start emulator: %v", err)
	}
	tb.Cleanup(func() { emu.Close() })
	return emu
}

// newClient returns a client of emu with the photosapi default HTTP client,
// which cmd/photosync uses too.
func newClient(tb testing.TB, emu *emulator.Running, hook func(photosapi.RequestInfo)) *photosapi.Client {
	tb.Helper()
	oauth := photosapi.OAuthConfig(benchClientID, "secret", emu.URL+"/o/oauth2/v2/auth", emu.URL+"/token", "")
	tokens := photosapi.NewTokenSource(context.Background(), oauth, &oauth2.Token{RefreshToken: "bench"}, nil)
	client, err := photosapi.New(photosapi.Options{
		Endpoint:    emu.URL + "/",
		TokenSource: tokens,
		OnRequest:   hook,
	})
	if err != nil {
		tb.Fatalf("new client: %v", err)
	}
	return client
}

// requestCounts is the emulator's count of the requests it served.
type requestCounts struct {
	Total       int            `json:"total"`
	ByMethod    map[string]int `json:"byMethod"`
	UploadBytes int64          `json:"uploadBytes"`
}

// requests returns the emulator's request counts from its inspection API.
func requests(tb testing.TB, emu *emulator.Running) requestCounts {
	tb.Helper()
	var out requestCounts
	inspect(tb, emu, "requests", &out)
	return out
}

// itemCount returns the number of media items in the emulator's library.
func itemCount(tb testing.TB, emu *emulator.Running) int {
	tb.Helper()
	var out struct {
		Items []json.RawMessage `json:"items"`
	}
	inspect(tb, emu, "items", &out)
	return len(out.Items)
}

func inspect(tb testing.TB, emu *emulator.Running, resource string, out any) {
	tb.Helper()
	resp, err := http.Get(emu.URL + "/emulator/v1/" + resource)
	if err != nil {
		tb.Fatalf("inspect %s: %v", resource, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("inspect %s: %v", resource, err)
	}
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("inspect %s: HTTP %d: %.200s", resource, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		tb.Fatalf("inspect %s: %v", resource, err)
	}
}

// engine is the sync engine wired as cmd/photosync wires it for one
// upload-only synced folder: a state store in its own directory, a request counter that
// writes to the store, and a client of the emulator.
type engine struct {
	emu     *emulator.Running
	store   *state.Store
	syncer  *photosync.Syncer
	folders []config.Folder
}

// newEngine opens a new store under a temporary directory and returns an
// engine that syncs root to emu with the given number of upload workers.
func newEngine(tb testing.TB, emu *emulator.Running, root string, workers int) *engine {
	tb.Helper()
	store, err := state.Open(filepath.Join(tb.TempDir(), "state.db"), state.Options{})
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { store.Close() })

	counter := photosync.NewRequestCounter(store, nil)
	client := newClient(tb, emu, counter.Hook)
	syncer, err := photosync.New(photosync.Options{
		Store:    store,
		Remote:   photosync.NewRemote(client),
		Requests: counter,
		// The emulator's quota is unlimited. The budget check still runs
		// before every upload, as it does in the binary.
		Budget:     photosync.Budget{DailyLimit: 1 << 30, PollReserve: config.DefaultPollReserve},
		Workers:    workers,
		SettleTime: config.DefaultSettleTime,
		WaitSettle: true,
		Logger:     zerolog.Nop(),
	})
	if err != nil {
		tb.Fatalf("new syncer: %v", err)
	}

	// Upload-only keeps the passes to the direction under test: a two-way
	// folder also lists the remote library on every pass.
	folder := config.Folder{
		Path:            root,
		Mode:            config.ModeUploadOnly,
		RemoteDelete:    config.DefaultRemoteDelete,
		DeleteThreshold: config.DefaultDeleteThreshold,
	}
	return &engine{emu: emu, store: store, syncer: syncer, folders: []config.Folder{folder}}
}

// run makes one pass and fails on an error or on any file that did not
// sync.
func (e *engine) run(tb testing.TB) *photosync.Summary {
	tb.Helper()
	sum, err := e.syncer.Run(tb.Context(), e.folders)
	if err != nil {
		tb.Fatalf("sync: %v", err)
	}
	if sum.HasFailures() || len(sum.Skipped) > 0 {
		var b strings.Builder
		sum.Write(&b)
		tb.Fatalf("sync left files behind:\n%s", b.String())
	}
	return sum
}

// writeTree writes a tree under a temporary directory and fails on an
// error.
func writeTree(tb testing.TB, opts TreeOptions) *Tree {
	tb.Helper()
	opts.ModTime = time.Now().Add(-time.Hour)
	tree, err := WriteTree(tb.TempDir(), opts)
	if err != nil {
		tb.Fatal(err)
	}
	return tree
}

// envInt returns the positive integer in the environment variable name, or
// def when it is not set.
func envInt(tb testing.TB, name string, def int) int {
	tb.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		tb.Fatalf("invalid %s=%q: use a positive integer", name, v)
	}
	return n
}

// readChars returns the number of bytes this process has read through
// read(2) and the related calls, from the rchar line of /proc/self/io.
// Memory-mapped reads, such as bbolt's, do not count. ok is false where
// the file does not exist.
func readChars(tb testing.TB) (n int64, ok bool) {
	tb.Helper()
	data, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0, false
	}
	for line := range strings.Lines(string(data)) {
		if v, found := strings.CutPrefix(line, "rchar: "); found {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				tb.Fatalf("parse rchar in /proc/self/io: %v", err)
			}
			return n, true
		}
	}
	tb.Fatalf("no rchar line in /proc/self/io:\n%s", data)
	return 0, false
}
