package check

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
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

// fixture is a folder synced to an emulator on loopback, with its real
// state store, ready to be checked in-process.
type fixture struct {
	t      *testing.T
	emu    *emulator.Running
	client *photosapi.Client
	store  *state.Store
	root   string
	folder config.Folder
}

// fixtureFiles are the files the fixture syncs: two in the album "Trips"
// and one at the root, which goes in no album.
var fixtureFiles = []string{"Trips/a.jpg", "Trips/b.jpg", "r.jpg"}

// newFixture syncs fixtureFiles and checks that the sync uploaded them.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	emu, err := emulator.Start(emulator.Options{VideoProcessingTime: -1}, "127.0.0.1:0")
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() { emu.Close() })
	store, err := state.Open(filepath.Join(t.TempDir(), "state.db"), state.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	f := &fixture{t: t, emu: emu, store: store, root: t.TempDir()}
	f.client = newClient(t, emu, "check-test-client")
	f.folder = config.Folder{Path: f.root, Mode: config.ModeUploadOnly, RemoteDelete: config.RemoteDeleteAlbum,
		DeleteThreshold: config.DefaultDeleteThreshold}
	for i, rel := range fixtureFiles {
		f.writeSample(rel, i+1)
	}
	sum := f.sync()
	if sum.Uploaded != len(fixtureFiles) {
		t.Fatalf("fixture sync uploaded %d files, want %d", sum.Uploaded, len(fixtureFiles))
	}
	return f
}

// newClient returns an API client of the emulator for the OAuth client id.
// Its retries wait no real time, so that fault tests stay fast.
func newClient(t *testing.T, emu *emulator.Running, clientID string) *photosapi.Client {
	t.Helper()
	oauthConfig := photosapi.OAuthConfig(clientID, "secret", emu.URL+"/o/oauth2/v2/auth", emu.URL+"/token", "")
	tokens := photosapi.NewTokenSource(context.Background(), oauthConfig,
		&oauth2.Token{RefreshToken: clientID + "-refresh"}, nil)
	client, err := photosapi.New(photosapi.Options{
		Endpoint:    emu.URL + "/",
		TokenSource: tokens,
		HTTPClient:  &http.Client{},
		Sleep:       func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
	})
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	return client
}

// writeSample writes the sample photo Orientation/f<n>-exif.jpg of the
// repository to rel, with a modification time an hour old so that it
// counts as settled.
func (f *fixture) writeSample(rel string, n int) {
	f.t.Helper()
	_, file, _, _ := runtime.Caller(0)
	sample := filepath.Join(filepath.Dir(file), "..", "..", "testdata", "media", "Orientation", fmt.Sprintf("f%d-exif.jpg", n))
	data, err := os.ReadFile(sample)
	if err != nil {
		f.t.Fatal(err)
	}
	name := f.path(rel)
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		f.t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(name, old, old); err != nil {
		f.t.Fatal(err)
	}
}

// path returns the file name of rel under the folder root.
func (f *fixture) path(rel string) string { return filepath.Join(f.root, filepath.FromSlash(rel)) }

func (f *fixture) logger() zerolog.Logger {
	return zerolog.New(zerolog.NewTestWriter(f.t)).Level(zerolog.WarnLevel)
}

// sync runs one upload pass over the folder and fails the test on an
// error.
func (f *fixture) sync() *photosync.Summary {
	f.t.Helper()
	s, err := photosync.New(photosync.Options{Store: f.store, Remote: photosync.NewRemote(f.client), Workers: 2,
		Logger: f.logger()})
	if err != nil {
		f.t.Fatalf("new syncer: %v", err)
	}
	sum, err := s.Run(f.t.Context(), []config.Folder{f.folder})
	if err != nil {
		f.t.Fatalf("sync: %v", err)
	}
	return sum
}

// options returns the Options of a check of the folder against the
// emulator.
func (f *fixture) options(repair bool) Options {
	f.t.Helper()
	remote, ok := photosync.NewRemote(f.client).(Remote)
	if !ok {
		f.t.Fatal("the sync package's Remote does not implement check.Remote")
	}
	return Options{Store: f.store, Folders: []config.Folder{f.folder}, Remote: remote, Repair: repair,
		Logger: f.logger()}
}

// check runs the check and fails the test on an error.
func (f *fixture) check(repair bool) *Report {
	f.t.Helper()
	report, err := Run(f.t.Context(), f.options(repair))
	if err != nil {
		f.t.Fatalf("check (repair %v): %v", repair, err)
	}
	return report
}

// fault adds a fault through the emulator's fault API.
func (f *fixture) fault(spec map[string]any) {
	f.t.Helper()
	data, err := json.Marshal(spec)
	if err != nil {
		f.t.Fatal(err)
	}
	resp, err := http.Post(f.emu.URL+"/emulator/v1/faults", "application/json", bytes.NewReader(data))
	if err != nil {
		f.t.Fatalf("add fault: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		f.t.Fatalf("add fault %s: HTTP %d: %s", data, resp.StatusCode, body)
	}
}

// requests returns how many requests of each method the emulator served.
func (f *fixture) requests() map[string]int {
	f.t.Helper()
	resp, err := http.Get(f.emu.URL + "/emulator/v1/requests")
	if err != nil {
		f.t.Fatalf("inspect requests: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		ByMethod    map[string]int `json:"byMethod"`
		UploadBytes int64          `json:"uploadBytes"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		f.t.Fatalf("inspect requests: %v", err)
	}
	body.ByMethod["uploadBytes"] = int(body.UploadBytes)
	return body.ByMethod
}

// file returns the record of rel and fails the test when there is none.
func (f *fixture) file(rel string) state.File {
	f.t.Helper()
	r, ok, err := f.store.GetFile(f.root, rel)
	if err != nil || !ok {
		f.t.Fatalf("record of %s: ok %v, err %v", rel, ok, err)
	}
	return r
}

// snapshot returns every record of the store as text, to compare the store
// before and after a check that must not change it.
func (f *fixture) snapshot() string {
	f.t.Helper()
	var lines []string
	add := func(kind string, v any) { lines = append(lines, fmt.Sprintf("%s %+v", kind, v)) }
	err := f.store.View(func(tx *state.Tx) error {
		if err := tx.ForEachFile(f.root, func(r state.File) error { add("file", r); return nil }); err != nil {
			return err
		}
		if err := tx.ForEachMediaItem(func(m state.MediaItem) error { add("item", m); return nil }); err != nil {
			return err
		}
		if err := tx.ForEachAlbum(func(a state.Album) error { add("album", a); return nil }); err != nil {
			return err
		}
		return tx.ForEachUpload(func(u state.Upload) error { add("upload", u); return nil })
	})
	if err != nil {
		f.t.Fatal(err)
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// kinds returns the kind and location of each finding, sorted.
func kinds(r *Report) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, string(f.Kind)+" "+f.location())
	}
	slices.Sort(out)
	return out
}
