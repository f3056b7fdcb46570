package main

import (
	"context"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/photosync/photosync/internal/testenv"
)

func TestSyncCommandUnsettledFileExits1(t *testing.T) {
	e := newSyncEnv(t)
	e.copyMedia()
	fresh := filepath.Join(e.root, "Fresh", "new.jpg")
	if err := os.MkdirAll(filepath.Dir(fresh), 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(e.root, "Orientation", "f1-exif.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	// A trailer gives the file its own content. A settle_time of an hour
	// keeps the fresh file unsettled, and a dry run must not wait for it.
	if err := os.WriteFile(fresh, append(data, "fresh"...), 0o644); err != nil {
		t.Fatal(err)
	}
	config, err := os.ReadFile(e.config)
	if err != nil {
		t.Fatal(err)
	}
	config = []byte(strings.Replace(string(config), "settle_time: 1s", "settle_time: 1h", 1))
	if err := os.WriteFile(e.config, config, 0o600); err != nil {
		t.Fatal(err)
	}

	res := e.sync("--dry-run")
	if res.Code != exitItemsFailed {
		t.Errorf("dry run with an unsettled file exit %d, want %d; stderr:\n%s", res.Code, exitItemsFailed, res.Stderr)
	}
	if !strings.Contains(res.Stdout, "skipped, unsettled: 1") {
		t.Errorf("summary lacks the unsettled count:\n%s", res.Stdout)
	}
	if !strings.Contains(res.Stdout, "Fresh/new.jpg: modified ") {
		t.Errorf("summary does not give the unsettled file's reason:\n%s", res.Stdout)
	}
}

func TestSyncCommandAnnouncesEmulatorOnce(t *testing.T) {
	env := isolatedEnv(t)
	root := t.TempDir()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "media", "Orientation", "f1-exif.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "photo.jpg"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(root, "photo.jpg"), old, old); err != nil {
		t.Fatal(err)
	}

	res := testenv.Run(t, binary, env, "sync", "--emulator", root)
	if res.Code != exitOK {
		t.Fatalf("sync --emulator exit %d; stderr:\n%s", res.Code, res.Stderr)
	}
	notices := 0
	for line := range strings.Lines(res.Stderr) {
		// The temporary paths contain the test's name, so look for the
		// emulator's address instead of the word.
		if strings.Contains(line, "http://127.0.0.1:") {
			notices++
		}
	}
	if notices != 1 {
		t.Errorf("stderr mentions the emulator on %d lines, want 1:\n%s", notices, res.Stderr)
	}
}

func TestSyncCommandMissingSyncedFolderExits1(t *testing.T) {
	e := newSyncEnv(t)
	e.copyMedia()
	if res := e.sync(); res.Code != exitOK {
		t.Fatalf("first sync exit %d; stderr:\n%s", res.Code, res.Stderr)
	}
	// A folder synced before that disappears may be an unmounted disk:
	// the pass reports it, and it is not bad usage.
	if err := os.Rename(e.root, e.root+".away"); err != nil {
		t.Fatal(err)
	}
	res := e.sync()
	if res.Code != exitItemsFailed {
		t.Errorf("sync of a vanished synced folder exit %d, want %d; stderr:\n%s", res.Code, exitItemsFailed, res.Stderr)
	}
	if !strings.Contains(res.Stdout, "mount the disk") {
		t.Errorf("summary does not suggest mounting the disk:\n%s", res.Stdout)
	}
}

func TestInterruptedErrorCodes(t *testing.T) {
	tests := []struct {
		sig  syscall.Signal
		want int
	}{
		{sig: syscall.SIGINT, want: 130},
		{sig: syscall.SIGTERM, want: 143},
	}
	for _, tc := range tests {
		// signal.NotifyContext cancels with a cause that names the signal.
		ctx, stop := signal.NotifyContext(context.Background(), tc.sig)
		if err := syscall.Kill(os.Getpid(), tc.sig); err != nil {
			t.Fatal(err)
		}
		<-ctx.Done()
		stop()
		if got := exitCode(interruptedError(context.Cause(ctx)), true); got != tc.want {
			t.Errorf("%v: exit code %d, want %d (cause %v)", tc.sig, got, tc.want, context.Cause(ctx))
		}
	}
}
