package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/photosync/photosync/internal/testenv"
)

// peerEnv returns a second install against e's emulator: its own folder,
// state directory and refresh token, with e's OAuth client.
func (e *syncEnv) peerEnv(name string) *syncEnv {
	e.t.Helper()
	dir := e.t.TempDir()
	data, err := os.ReadFile(e.config)
	if err != nil {
		e.t.Fatal(err)
	}
	token := testenv.WriteToken(e.t, filepath.Join(dir, "token.json"), name+"-refresh")
	root := filepath.Join(dir, "Photos")
	if err := os.MkdirAll(root, 0o755); err != nil {
		e.t.Fatal(err)
	}
	cfg := string(data)
	oldToken := filepath.Join(filepath.Dir(e.config), "token.json")
	cfg = strings.Replace(cfg, "state_dir: "+e.stateDir, "state_dir: "+filepath.Join(dir, "state"), 1)
	cfg = strings.Replace(cfg, "token_file: "+oldToken, "token_file: "+token, 1)
	cfg = strings.Replace(cfg, "path: "+e.root, "path: "+root, 1)
	return &syncEnv{t: e.t, emu: e.emu, config: testenv.WritePrivate(e.t, filepath.Join(dir, "config.yaml"), cfg),
		root: root, stateDir: filepath.Join(dir, "state"), env: e.env}
}

// put copies a sample file to rel under the folder, an hour old so that it
// is settled.
func (e *syncEnv) put(rel, sample string) {
	e.t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "media", sample))
	if err != nil {
		e.t.Fatal(err)
	}
	target := filepath.Join(e.root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(target, data, 0o644); err != nil {
		e.t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(target, old, old); err != nil {
		e.t.Fatal(err)
	}
}

// files lists the folder's files outside .photosync, sorted.
func (e *syncEnv) files() []string {
	e.t.Helper()
	var out []string
	err := filepath.WalkDir(e.root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".photosync" {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(e.root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func (e *syncEnv) mustSync() string {
	e.t.Helper()
	r := e.sync()
	if r.Code != 0 {
		e.t.Fatalf("sync of %s exited %d:\n%s\n%s", e.root, r.Code, r.Stdout, r.Stderr)
	}
	return r.Stdout + r.Stderr
}

func TestSyncCommandTwoInstallsConverge(t *testing.T) {
	a := newSyncEnv(t)
	b := a.peerEnv("nas")
	a.put("Trips/one.jpg", "Orientation/f1-exif.jpg")
	b.put("Beach/two.jpg", "Orientation/f2-exif.jpg")

	a.mustSync()
	if out := b.mustSync(); !strings.Contains(out, "downloaded 1") {
		t.Errorf("b's summary does not report one download:\n%s", out)
	}
	a.mustSync()
	want := []string{"Beach/two.jpg", "Trips/one.jpg"}
	if diff := cmp.Diff(want, a.files()); diff != "" {
		t.Errorf("a's files (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, b.files()); diff != "" {
		t.Errorf("b's files (-want +got):\n%s", diff)
	}

	if items := a.emu.Items(); len(items) != 2 {
		t.Errorf("emulator holds %d items, want 2", len(items))
	}
	for _, e := range []*syncEnv{a, b} {
		if out := e.mustSync(); strings.Contains(out, "downloaded") || !strings.Contains(out, "0 uploaded") {
			t.Errorf("a third sync of %s did something:\n%s", e.root, out)
		}
	}
}
