package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/photosync/photosync/config"
	"github.com/photosync/photosync/photosapi/emulator"
)

// recorder is a testing.TB that keeps the messages of Errorf instead of
// failing the test, so that a test can check what a helper reports.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestConfigParsesAndEndsWithFolders(t *testing.T) {
	dir := t.TempDir()
	c := Config{
		StateDir:        filepath.Join(dir, "state"),
		Socket:          filepath.Join(dir, "s"),
		EmulatorURL:     "http://127.0.0.1:9",
		UploadEndpoint:  true,
		CredentialsFile: filepath.Join(dir, "client_secret.json"),
		TokenFile:       filepath.Join(dir, "token.json"),
		Workers:         2,
		Folders:         []Folder{{Path: filepath.Join(dir, "A"), Mode: "upload-only"}},
		Extra:           "poll_interval: 30s\n",
	}
	// A line appended to the file adds a folder, as the reload test does.
	text := c.YAML() + fmt.Sprintf("  - path: %s\n", filepath.Join(dir, "B"))
	cfg, err := config.Parse(filepath.Join(dir, "config.yaml"), []byte(text))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, text)
	}
	if got := cfg.API.UploadEndpoint; got != "http://127.0.0.1:9/v1/uploads" {
		t.Errorf("upload endpoint = %q", got)
	}
	if cfg.Socket != c.Socket {
		t.Errorf("socket = %q, want %q", cfg.Socket, c.Socket)
	}
	if cfg.Workers != 2 {
		t.Errorf("workers = %d, want 2", cfg.Workers)
	}
	if cfg.PollInterval.String() != "30s" {
		t.Errorf("poll interval = %v, want the extra key's 30s", cfg.PollInterval)
	}
	if len(cfg.Folders) != 2 || cfg.Folders[1].Path != filepath.Join(dir, "B") {
		t.Errorf("folders = %+v, want A and the appended B", cfg.Folders)
	}
}

func TestCheckExactlyOnceReportsEachFault(t *testing.T) {
	files := []LocalFile{
		{Rel: "top.jpg", SHA256: strings.Repeat("a", 64)},
		{Rel: "Trips/one.jpg", SHA256: strings.Repeat("b", 64)},
		{Rel: "Trips/missing.jpg", SHA256: strings.Repeat("c", 64)},
	}
	items := []Item{
		{ID: "i1", SHA256: strings.Repeat("a", 64)},
		{ID: "i2", SHA256: strings.Repeat("b", 64)},
		{ID: "i3", SHA256: strings.Repeat("b", 64)},
		{ID: "i4", SHA256: strings.Repeat("d", 64)},
	}
	albums := []Album{{Title: "Trips", MediaItemIDs: []string{"i2"}}, {Title: "Trips"}}
	r := &recorder{TB: t}
	CheckExactlyOnce(r, files, items, albums)
	want := []string{
		"content bbbbbbbbbbbb is two items: i2 and i3",
		`two albums titled "Trips"`,
		"Trips/one.jpg: item i3 is not in album \"Trips\"",
		"Trips/missing.jpg: no item with its content",
	}
	if !slices.Equal(r.errors, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(r.errors, "\n"), strings.Join(want, "\n"))
	}

	r = &recorder{TB: t}
	CheckExactlyOnce(r, files[:1], items[:1], nil)
	if len(r.errors) != 0 {
		t.Errorf("a matching library reported %q", r.errors)
	}
	r = &recorder{TB: t}
	CheckExactlyOnce(r, files[:1], items[:2], nil)
	if !slices.Equal(r.errors, []string{"emulator has 2 items, want 1: one per distinct local content"}) {
		t.Errorf("an extra item reported %q", r.errors)
	}
}

func TestSupportedFilesSkipsHiddenAndUnsupported(t *testing.T) {
	root := t.TempDir()
	jpeg, err := os.ReadFile(filepath.Join("..", "..", "testdata", "media", "Orientation", "f1-exif.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"A/photo.jpg":          jpeg,
		".photosync/state.jpg": jpeg,
		"A/.hidden.jpg":        jpeg,
		"A/empty.jpg":          {},
		"A/notes.txt":          []byte("not a photo"),
	} {
		path := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files := SupportedFiles(t, root)
	if len(files) != 1 || files[0].Rel != "A/photo.jpg" || files[0].Size != int64(len(jpeg)) {
		t.Errorf("files = %+v, want only A/photo.jpg", files)
	}
}

func TestEmulatorInspection(t *testing.T) {
	emu := StartEmulator(t, emulator.Options{})
	emu.AddFault(`{"method":"uploads","status":500}`)
	var list struct {
		Faults []map[string]any `json:"faults"`
	}
	emu.Get("faults", &list)
	if len(list.Faults) != 1 {
		t.Errorf("faults after AddFault = %v, want one", list.Faults)
	}
	emu.ClearFaults()
	list.Faults = nil
	emu.Get("faults", &list)
	if len(list.Faults) != 0 {
		t.Errorf("faults after ClearFaults = %v, want none", list.Faults)
	}
	emu.AdvanceClock("1h")
	if items, albums := emu.Library(); len(items) != 0 || len(albums) != 0 {
		t.Errorf("new library has %d items and %d albums", len(items), len(albums))
	}
	emu.WaitIdle(CommandTimeout)
	if n := emu.Requests().InFlight; n != 0 {
		t.Errorf("in flight after WaitIdle = %d", n)
	}
}
