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
			if res := e.sync(); res.code != exitOK {
				t.Fatalf("first sync exit %d; stderr:\n%s", res.code, res.stderr)
			}
			marker := filepath.Join(e.root, ".photosync", "folder.json")
			if err := tc.damage(marker); err != nil {
				t.Fatal(err)
			}

			stopped := e.sync()
			if stopped.code != exitItemsFailed {
				t.Errorf("sync with a damaged marker exit %d, want %d", stopped.code, exitItemsFailed)
			}
			if !strings.Contains(stopped.stdout, tc.wantErr) {
				t.Errorf("summary lacks %q:\n%s", tc.wantErr, stopped.stdout)
			}
			if want := "--adopt-folder " + e.root; !strings.Contains(stopped.stdout, want) {
				t.Errorf("summary does not name %q as the way out:\n%s", want, stopped.stdout)
			}

			var before emuRequests
			e.get("requests", &before)
			adopted := e.sync("--adopt-folder", e.root)
			if adopted.code != exitOK {
				t.Fatalf("sync --adopt-folder exit %d; stdout:\n%s\nstderr:\n%s", adopted.code, adopted.stdout, adopted.stderr)
			}
			var after emuRequests
			e.get("requests", &after)
			if n := after.ByMethod["uploads"] - before.ByMethod["uploads"]; n != 0 {
				t.Errorf("adopted folder sent %d uploads, want 0", n)
			}
			e.checkExactlyOnce(files)
			if again := e.sync(); again.code != exitOK {
				t.Errorf("sync after adoption exit %d, want 0; stdout:\n%s", again.code, again.stdout)
			}
		})
	}
}

func TestSyncCommandAdoptRejectsOtherFolder(t *testing.T) {
	e := newSyncEnv(t)
	other := t.TempDir()
	res := e.sync("--adopt-folder", other)
	if res.code != exitUsage {
		t.Errorf("--adopt-folder outside the pass exit %d, want %d", res.code, exitUsage)
	}
	if !strings.Contains(res.stderr, "not a folder of this sync") {
		t.Errorf("stderr does not explain the rejection:\n%s", res.stderr)
	}
	if _, err := os.Stat(filepath.Join(other, ".photosync")); !os.IsNotExist(err) {
		t.Errorf("rejected --adopt-folder wrote into %s (stat error %v)", other, err)
	}
	if dry := e.sync("--dry-run", "--adopt-folder", e.root); dry.code != exitUsage {
		t.Errorf("--adopt-folder with --dry-run exit %d, want %d", dry.code, exitUsage)
	}
}
