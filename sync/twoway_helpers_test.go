package sync

import (
	"context"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/oauth2"

	"github.com/photosync/photosync/config"
	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/state"
)

// install is a second photosync install against a harness's emulator: its
// own folder, state directory and refresh token, with the harness's OAuth
// client id.
type install struct {
	t        *testing.T
	h        *harness
	root     string
	stateDir string
	store    *state.Store
	counter  *RequestCounter
	client   *photosapi.Client
	cfg      config.Folder
	settings func(*Options)
}

// newInstall returns an install named name (its refresh token) with an
// empty folder.
func newInstall(t *testing.T, h *harness, name string) *install {
	t.Helper()
	in := &install{t: t, h: h, root: t.TempDir(), stateDir: t.TempDir()}
	in.cfg = folderAt(in.root)
	in.openStore()
	oauthConfig := photosapi.OAuthConfig(testClientID, "secret", h.emu.URL+"/o/oauth2/v2/auth", h.emu.URL+"/token", "")
	tokens := photosapi.NewTokenSource(context.Background(), oauthConfig,
		&oauth2.Token{RefreshToken: name + "-refresh"}, nil)
	client, err := photosapi.New(photosapi.Options{
		Endpoint:    h.emu.URL + "/",
		TokenSource: tokens,
		HTTPClient:  &http.Client{},
		Sleep:       func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
		OnRequest:   func(info photosapi.RequestInfo) { in.counter.Hook(info) },
	})
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	in.client = client
	return in
}

func (in *install) openStore() {
	in.t.Helper()
	store, err := state.Open(filepath.Join(in.stateDir, "state.db"), state.Options{})
	if err != nil {
		in.t.Fatalf("open store: %v", err)
	}
	in.store = store
	in.counter = NewRequestCounter(store, nil)
	in.t.Cleanup(func() { store.Close() })
}

// loseState closes the store and deletes the state directory.
func (in *install) loseState() {
	in.t.Helper()
	if err := in.store.Close(); err != nil {
		in.t.Fatal(err)
	}
	if err := os.RemoveAll(in.stateDir); err != nil {
		in.t.Fatal(err)
	}
	in.stateDir = in.t.TempDir()
	in.openStore()
}

func (in *install) syncErr() (*Summary, error) {
	opts := Options{
		Store:    in.store,
		Remote:   NewRemote(in.client),
		Requests: in.counter,
		Budget:   Budget{DailyLimit: 10000, PollReserve: 1000},
		Workers:  4,
		Logger:   zerolog.New(zerolog.NewTestWriter(in.t)).Level(zerolog.WarnLevel),
	}
	if in.settings != nil {
		in.settings(&opts)
	}
	s, err := New(opts)
	if err != nil {
		in.t.Fatalf("new syncer: %v", err)
	}
	return s.Run(in.t.Context(), []config.Folder{in.cfg})
}

// sync runs one pass and fails the test on an error or a problem.
func (in *install) sync() *Summary {
	in.t.Helper()
	sum, err := in.syncErr()
	if err != nil {
		in.t.Fatalf("sync %s: %v", in.root, err)
	}
	if sum.HasFailures() {
		in.t.Fatalf("sync %s: problems:\n%s%s%s", in.root, joinProblems(sum.Failed),
			joinProblems(sum.Pending), joinProblems(sum.Folders))
	}
	return sum
}

func (in *install) write(rel, sample string) {
	in.t.Helper()
	writeFrom(in.t, in.root, rel, sample)
}

func (in *install) abs(rel string) string {
	return filepath.Join(in.root, filepath.FromSlash(rel))
}

// files lists the folder's files outside the metadata directory, sorted,
// and fails the test on a leftover temporary file.
func (in *install) files() []string {
	in.t.Helper()
	return listFiles(in.t, in.root)
}

func listFiles(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == MetaDir {
			return filepath.SkipDir
		}
		if strings.HasPrefix(d.Name(), TempPrefix) {
			t.Errorf("temporary file left behind: %s", p)
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// exists reports whether rel exists under root.
func exists(root, rel string) bool {
	_, err := os.Lstat(filepath.Join(root, filepath.FromSlash(rel)))
	return err == nil
}

// pollMethods are the requests a poll makes when nothing changed.
var pollMethods = []string{"albums.list", "mediaItems.list", "mediaItems.search"}

// nonPollRequests returns the emulator's request count without the
// requests of polls, for tests of the upload direction that expect no
// writes.
func (h *harness) nonPollRequests() int {
	r := h.requests()
	n := r.Total
	for _, m := range pollMethods {
		n -= r.ByMethod[m]
	}
	return n
}
