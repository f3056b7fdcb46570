package sync

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestCheckMarkerNewFolderCreatesMarker(t *testing.T) {
	root := t.TempDir()
	if err := CheckMarker(root, false, false, t0); err != nil {
		t.Fatalf("CheckMarker: %v", err)
	}
	if _, err := os.Stat(MarkerPath(root)); err != nil {
		t.Errorf("marker not created: %v", err)
	}
	if err := CheckMarker(root, true, false, t0); err != nil {
		t.Errorf("CheckMarker on a known folder with its marker: %v", err)
	}
}

func TestCheckMarkerDryRunWritesNothing(t *testing.T) {
	root := t.TempDir()
	if err := CheckMarker(root, false, true, t0); err != nil {
		t.Fatalf("CheckMarker: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, MetaDir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("dry run created %s (stat error %v)", MetaDir, err)
	}
}

func TestCheckMarkerKnownFolderMissing(t *testing.T) {
	parent := t.TempDir()
	tests := []struct {
		name     string
		root     string
		wantPath string
	}{
		{name: "root gone", root: filepath.Join(parent, "unmounted"), wantPath: filepath.Join(parent, "unmounted")},
		{name: "marker gone", root: parent, wantPath: MarkerPath(parent)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckMarker(tc.root, true, false, t0)
			var missing *MissingFolderError
			if !errors.As(err, &missing) {
				t.Fatalf("CheckMarker = %v, want a *MissingFolderError", err)
			}
			if missing.Path != tc.wantPath {
				t.Errorf("missing path = %q, want %q", missing.Path, tc.wantPath)
			}
			if _, err := os.Stat(MarkerPath(parent)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("marker written for a known folder (stat error %v)", err)
			}
		})
	}
}

func TestCheckMarkerCorrupt(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, MetaDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(MarkerPath(root), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CheckMarker(root, true, false, t0); err == nil {
		t.Error("CheckMarker accepted a marker that is not JSON")
	}
}
