package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSyncCommandAdoptsFolderAfterLostMarker(t *testing.T) {
	tests := []struct {
		name    string
		damage  func(marker string) error
		wantErr string
	}{
		{name: "deleted marker", damage: os.Remove, wantErr: "folder.json is missing"},
		{name: "garbage marker", damage: func(marker string) error {
			return os.WriteFile(marker, []byte("{not json"), 0o644)
		}, wantErr: "read marker"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newSyncEnv(t)
			e.copyMedia()
			files := e.supportedFiles()
			if res := e.sync(); res.Code != exitOK {
				t.Fatalf("first sync exit %d; stderr:\n%s", res.Code, res.Stderr)
			}
			marker := filepath.Join(e.root, ".photosync", "folder.json")
			if err := tc.damage(marker); err != nil {
				t.Fatal(err)
			}

			stopped := e.sync()
			if stopped.Code != exitItemsFailed {
				t.Errorf("sync with a damaged marker exit %d, want %d", stopped.Code, exitItemsFailed)
			}
			if !strings.Contains(stopped.Stdout, tc.wantErr) {
				t.Errorf("summary lacks %q:\n%s", tc.wantErr, stopped.Stdout)
			}
			if want := "--adopt-folder " + e.root; !strings.Contains(stopped.Stdout, want) {
				t.Errorf("summary does not name %q as the way out:\n%s", want, stopped.Stdout)
			}

			before := e.emu.Requests()
			adopted := e.sync("--adopt-folder", e.root)
			if adopted.Code != exitOK {
				t.Fatalf("sync --adopt-folder exit %d; stdout:\n%s\nstderr:\n%s", adopted.Code, adopted.Stdout, adopted.Stderr)
			}
			after := e.emu.Requests()
			if n := after.ByMethod["uploads"] - before.ByMethod["uploads"]; n != 0 {
				t.Errorf("adopted folder sent %d uploads, want 0", n)
			}
			e.checkExactlyOnce(files)
			if again := e.sync(); again.Code != exitOK {
				t.Errorf("sync after adoption exit %d, want 0; stdout:\n%s", again.Code, again.Stdout)
			}
		})
	}
}

func TestSyncCommandAdoptRejectsOtherFolder(t *testing.T) {
	e := newSyncEnv(t)
	other := t.TempDir()
	res := e.sync("--adopt-folder", other)
	if res.Code != exitUsage {
		t.Errorf("--adopt-folder outside the pass exit %d, want %d", res.Code, exitUsage)
	}
	if !strings.Contains(res.Stderr, "not a folder of this sync") {
		t.Errorf("stderr does not explain the rejection:\n%s", res.Stderr)
	}
	if _, err := os.Stat(filepath.Join(other, ".photosync")); !os.IsNotExist(err) {
		t.Errorf("rejected --adopt-folder wrote into %s (stat error %v)", other, err)
	}
	if dry := e.sync("--dry-run", "--adopt-folder", e.root); dry.Code != exitUsage {
		t.Errorf("--adopt-folder with --dry-run exit %d, want %d", dry.Code, exitUsage)
	}
}
