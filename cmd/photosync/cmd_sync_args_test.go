package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/photosync/photosync/internal/testenv"
)

func TestSyncCommandRejectsOverlappingFolders(t *testing.T) {
	e := newSyncEnv(t)
	e.copyMedia()
	outside := filepath.Join(filepath.Dir(e.root), "Other")
	if err := os.MkdirAll(filepath.Join(outside, "Sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(e.stateDir, 0o700); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "nested arguments", args: []string{outside, filepath.Join(outside, "Sub")}, want: "lie inside one another"},
		{name: "same argument twice", args: []string{outside, outside + "/"}, want: "is given twice"},
		{name: "inside a config folder", args: []string{filepath.Join(e.root, "Tricky")}, want: "overlaps \"" + e.root + "\""},
		{name: "state directory", args: []string{e.stateDir}, want: "overlaps the state directory"},
		{name: "parent of the state directory", args: []string{filepath.Dir(e.stateDir)}, want: "overlaps the state directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := e.sync(tc.args...)
			if res.Code != exitUsage {
				t.Errorf("exit %d, want %d; stdout:\n%s", res.Code, exitUsage, res.Stdout)
			}
			if !strings.Contains(res.Stderr, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, res.Stderr)
			}
		})
	}
	reqs := e.emu.Requests()
	if reqs.Total != 0 {
		t.Errorf("rejected runs made %d requests, want 0", reqs.Total)
	}
}

func TestSyncCommandRejectsDefaultStateDir(t *testing.T) {
	env := isolatedEnv(t)
	var stateHome string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "XDG_STATE_HOME="); ok {
			stateHome = v
		}
	}
	if err := os.MkdirAll(stateHome, 0o700); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), testenv.CommandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "sync", "--dry-run", stateHome)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	exitErr, ok := err.(*exec.ExitError)
	if !ok || exitErr.ExitCode() != exitUsage {
		t.Errorf("sync of XDG_STATE_HOME: %v, want exit %d; stderr:\n%s", err, exitUsage, stderr.String())
	}
	if !strings.Contains(stderr.String(), "overlaps the state directory") {
		t.Errorf("stderr does not name the state directory:\n%s", stderr.String())
	}
}
