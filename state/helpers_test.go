package state_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/photosync/photosync/state"
)

// testNow is the fixed clock of the stores opened by openStore.
var testNow = time.Date(2026, 5, 17, 9, 15, 0, 0, time.UTC)

const (
	rootA = "/photos/a"
	rootB = "/photos/b"
)

// hash returns a valid SHA-256 hex string made of one repeated digit.
func hash(digit byte) string {
	return strings.Repeat(string(digit), 64)
}

// openStore opens a new store in a temporary directory and closes it at the
// end of the test. It returns the store and the path of its file.
func openStore(t testing.TB) (*state.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := state.Open(path, state.Options{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, path
}

// openStoreWithFolders opens a store that already has the folders rootA and
// rootB.
func openStoreWithFolders(t testing.TB) *state.Store {
	t.Helper()
	s, _ := openStore(t)
	for _, id := range []string{rootA, rootB} {
		if err := s.PutFolder(state.Folder{ID: id}); err != nil {
			t.Fatalf("PutFolder(%s): %v", id, err)
		}
	}
	return s
}

// wantNoProblems fails the test when Check finds anything.
func wantNoProblems(t *testing.T, s *state.Store) {
	t.Helper()
	problems, err := s.Check()
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	for _, p := range problems {
		t.Errorf("Check found: %s", p)
	}
}

// wantErrorContaining fails the test unless err is non-nil and its message
// contains every fragment.
func wantErrorContaining(t *testing.T, err error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", fragments)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not contain %q", err, f)
		}
	}
}

// wantCorrupt fails the test unless err is a *state.CorruptError for path.
func wantCorrupt(t *testing.T, err error, path string) *state.CorruptError {
	t.Helper()
	var ce *state.CorruptError
	if !errors.As(err, &ce) {
		t.Fatalf("got error %v (%T), want a *state.CorruptError", err, err)
	}
	if ce.Path != path {
		t.Errorf("CorruptError.Path = %q, want %q", ce.Path, path)
	}
	return ce
}
