package state_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/photosync/photosync/state"
)

// holdEnv names the environment variable that turns the test binary into a
// child process holding the store at the path it contains.
const holdEnv = "PHOTOSYNC_STATE_TEST_HOLD"

func TestMain(m *testing.M) {
	if path := os.Getenv(holdEnv); path != "" {
		os.Exit(holdStore(path))
	}
	os.Exit(m.Run())
}

// holdStore opens the store at path, prints "ready" and keeps the store open
// until its standard input closes.
func holdStore(path string) int {
	s, err := state.Open(path, state.Options{})
	if err != nil {
		fmt.Println("open:", err)
		return 1
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	if err := s.Close(); err != nil {
		fmt.Println("close:", err)
		return 1
	}
	return 0
}

// startHolder starts a child process that holds the store at path and waits
// until it has opened it. Closing the returned writer makes the child close
// the store and exit.
func startHolder(t *testing.T, path string) (*exec.Cmd, io.WriteCloser) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), holdEnv+"="+path)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})

	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		t.Fatalf("child output %q, %v; want ready", line, err)
	}
	return cmd, stdin
}

func TestOpenLockedByOtherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	cmd, _ := startHolder(t, path)

	for _, readOnly := range []bool{false, true} {
		s, err := state.Open(path, state.Options{ReadOnly: readOnly})
		if err == nil {
			s.Close()
			t.Fatalf("Open(ReadOnly: %v) succeeded while another process holds the store", readOnly)
		}
		var locked *state.LockedError
		if !errors.As(err, &locked) {
			t.Fatalf("Open(ReadOnly: %v) returned %v (%T), want a *state.LockedError", readOnly, err, err)
		}
		if locked.PID != cmd.Process.Pid {
			t.Errorf("LockedError.PID = %d, want the child's %d", locked.PID, cmd.Process.Pid)
		}
		if locked.Path != path {
			t.Errorf("LockedError.Path = %q, want %q", locked.Path, path)
		}
		wantErrorContaining(t, err, path, fmt.Sprintf("in use by process %d", cmd.Process.Pid), "stop it first")
	}
}

func TestOpenWaitsForLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	cmd, stdin := startHolder(t, path)

	// The child releases the store once its input closes. Open must wait
	// for that instead of failing, however long the child takes.
	opened := make(chan error, 1)
	go func() {
		s, err := state.Open(path, state.Options{LockTimeout: time.Hour})
		if err == nil {
			err = s.Close()
		}
		opened <- err
	}()
	stdin.Close()
	if err := <-opened; err != nil {
		t.Fatalf("Open with a lock timeout: %v", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("child: %v", err)
	}
}

func TestOpenTwiceInOneProcess(t *testing.T) {
	s, path := openStore(t)
	_ = s
	_, err := state.Open(path, state.Options{})
	var locked *state.LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("second Open returned %v, want a *state.LockedError", err)
	}
	if locked.PID != os.Getpid() {
		t.Errorf("LockedError.PID = %d, want this process %d", locked.PID, os.Getpid())
	}
}

func TestCloseReleasesLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	for i := range 3 {
		s, err := state.Open(path, state.Options{})
		if err != nil {
			t.Fatalf("Open #%d: %v", i+1, err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close #%d: %v", i+1, err)
		}
	}
	lock, err := os.ReadFile(filepath.Join(filepath.Dir(path), "state.lock"))
	if err != nil {
		t.Fatalf("read lock file: %v", err)
	}
	if len(lock) != 0 {
		t.Errorf("lock file after Close contains %q, want it empty", lock)
	}
}

func TestLockFileHoldsPID(t *testing.T) {
	_, path := openStore(t)
	lock, err := os.ReadFile(filepath.Join(filepath.Dir(path), "state.lock"))
	if err != nil {
		t.Fatalf("read lock file: %v", err)
	}
	if want := fmt.Sprintf("%d\n", os.Getpid()); string(lock) != want {
		t.Errorf("lock file contains %q, want %q", lock, want)
	}
}

func TestLockNameFollowsDBName(t *testing.T) {
	dir := t.TempDir()
	s, err := state.Open(filepath.Join(dir, "other.db"), state.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if _, err := os.Stat(filepath.Join(dir, "other.lock")); err != nil {
		t.Errorf("lock file for other.db: %v", err)
	}
	// A second store in the same directory has its own lock.
	s2, err := state.Open(filepath.Join(dir, "state.db"), state.Options{})
	if err != nil {
		t.Fatalf("Open of a second store in the same directory: %v", err)
	}
	s2.Close()
}

func TestOpenHeldByOtherBoltUser(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := state.Open(path, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	// A program that opens the file with bbolt directly, such as the bbolt
	// command, takes bbolt's flock but not photosync's lock file.
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	_, err = state.Open(path, state.Options{})
	var locked *state.LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("Open returned %v, want a *state.LockedError", err)
	}
	if locked.PID != 0 {
		t.Errorf("LockedError.PID = %d, want 0 for an unknown holder", locked.PID)
	}
	wantErrorContaining(t, err, "in use by another process")

	// The failed Open released photosync's own lock.
	lock, err := os.ReadFile(filepath.Join(filepath.Dir(path), "state.lock"))
	if err != nil {
		t.Fatal(err)
	}
	if len(lock) != 0 {
		t.Errorf("lock file after a failed Open contains %q, want it empty", lock)
	}
}
