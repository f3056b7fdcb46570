package daemon

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRemoveStaleSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	// A killed daemon leaves its socket file behind.
	ln.SetUnlinkOnClose(false)
	ln.Close()

	if err := removeStale(path); err != nil {
		t.Fatalf("removeStale: %v", err)
	}
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Errorf("stale socket still exists: %v", err)
	}
}

func TestRemoveStaleKeepsLiveSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()

	err = removeStale(path)
	if err == nil || !strings.Contains(err.Error(), "another photosync daemon listens on it") {
		t.Fatalf("removeStale of a live socket: %v, want an error naming the other daemon", err)
	}
	if _, err := os.Lstat(path); err != nil {
		t.Errorf("live socket removed: %v", err)
	}
}

func TestRemoveStaleKeepsRegularFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(path, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := removeStale(path)
	if err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("removeStale of a regular file: %v, want an error", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("regular file removed: %v", err)
	}
}

func TestPeerUIDIsOwnUser(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- conn
	}()
	client, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, ok := <-accepted
	if !ok {
		t.Fatal("accept failed")
	}
	defer server.Close()

	uid, err := peerUID(server)
	if err != nil {
		t.Fatalf("peerUID: %v", err)
	}
	if uid != os.Getuid() {
		t.Errorf("peerUID = %d, want %d", uid, os.Getuid())
	}
}

func TestStatusSocketMode(t *testing.T) {
	h := startHarness(t, "A")
	info, err := os.Stat(h.socket)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("socket mode = %v, want 0600", mode)
	}
	h.stop()
	if _, err := os.Stat(h.socket); !os.IsNotExist(err) {
		t.Errorf("socket left after Run returned: %v", err)
	}
}

func TestClientWithoutDaemon(t *testing.T) {
	client := NewClient(filepath.Join(t.TempDir(), "none.sock"))
	_, err := client.Status(t.Context())
	if !errors.Is(err, ErrNotRunning) {
		t.Fatalf("Status without a daemon: %v, want ErrNotRunning", err)
	}
}
