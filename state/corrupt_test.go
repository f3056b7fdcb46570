package state_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/photosync/photosync/state"
)

// pageSize is the bbolt page size of files created on this machine.
var pageSize = os.Getpagesize()

// writeFilledStore creates a closed store at a new path with n files and
// returns the path.
func writeFilledStore(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := state.Open(path, state.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	err = s.Update(func(tx *state.Tx) error {
		if err := tx.PutFolder(state.Folder{ID: rootA}); err != nil {
			return err
		}
		for i := range n {
			f := state.File{Folder: rootA, Path: fmt.Sprintf("dir%03d/IMG_%05d.jpg", i%100, i), Size: int64(i), SHA256: fmt.Sprintf("%064x", i)}
			if err := tx.PutFile(f); err != nil {
				return err
			}
		}
		return tx.PutMediaItem(state.MediaItem{ID: "m1", SHA256: hash('1')})
	})
	if err != nil {
		t.Fatalf("fill store: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return path
}

// readAll reads every record and every index entry through the public API
// and returns the first error.
func readAll(s *state.Store) error {
	return s.View(readAllTx)
}

func readAllTx(tx *state.Tx) error {
	err := tx.ForEachFile(rootA, func(f state.File) error {
		_, err := tx.FilesByHash(f.SHA256)
		return err
	})
	if err != nil {
		return err
	}
	return tx.ForEachMediaItem(func(m state.MediaItem) error {
		_, _, err := tx.MediaItemByHash(m.SHA256)
		return err
	})
}

func TestOpenDamagedFile(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, data []byte) []byte
	}{
		{"truncated to half", func(t *testing.T, data []byte) []byte { return data[:len(data)/2] }},
		{"truncated inside meta pages", func(t *testing.T, data []byte) []byte { return data[:pageSize+100] }},
		{"truncated to 100 bytes", func(t *testing.T, data []byte) []byte { return data[:100] }},
		{"empty", func(t *testing.T, data []byte) []byte { return nil }},
		{"meta pages zeroed", func(t *testing.T, data []byte) []byte {
			clear(data[:2*pageSize])
			return data
		}},
		{"all data pages zeroed", func(t *testing.T, data []byte) []byte {
			clear(data[2*pageSize:])
			return data
		}},
		{"random bytes", func(t *testing.T, data []byte) []byte {
			r := rand.New(rand.NewPCG(1, 2))
			for i := range data {
				data[i] = byte(r.Uint32())
			}
			return data
		}},
		{"random bytes after meta pages", func(t *testing.T, data []byte) []byte {
			r := rand.New(rand.NewPCG(3, 4))
			for i := 2 * pageSize; i < len(data); i++ {
				data[i] = byte(r.Uint32())
			}
			return data
		}},
		{"text file", func(t *testing.T, data []byte) []byte {
			return []byte("folders:\n  - /home/ana/Pictures\n")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFilledStore(t, 2000)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			damaged := tc.damage(t, data)
			if err := os.WriteFile(path, damaged, 0o600); err != nil {
				t.Fatal(err)
			}

			for _, readOnly := range []bool{false, true} {
				s, err := state.Open(path, state.Options{ReadOnly: readOnly})
				if err == nil {
					// The quick check at Open did not see the damage, so
					// reading everything must.
					rerr := readAll(s)
					problems, cerr := s.Check()
					s.Close()
					if rerr == nil && cerr == nil && len(problems) == 0 {
						t.Fatalf("ReadOnly %v: Open, reading and Check all succeeded on a damaged file", readOnly)
					}
					if rerr != nil {
						wantCorrupt(t, rerr, path)
					}
					t.Logf("ReadOnly %v: damage found after Open: read %v, check %v, %d problems", readOnly, rerr, cerr, len(problems))
				} else {
					ce := wantCorrupt(t, err, path)
					wantErrorContaining(t, ce, path, "damaged", "move it aside")
				}
			}

			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(after, damaged) {
				t.Errorf("Open changed the damaged file: %d bytes before, %d after", len(damaged), len(after))
			}
		})
	}
}

func TestOpenDamagedLeafPage(t *testing.T) {
	path := writeFilledStore(t, 5000)

	// Find a leaf page in the middle of the file, away from the first and
	// last keys of each bucket, which the quick check at Open reads.
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	var leaf uint64
	err = db.View(func(tx *bolt.Tx) error {
		var leaves []uint64
		for id := 2; ; id++ {
			info, err := tx.Page(id)
			if err != nil {
				return err
			}
			if info == nil {
				break
			}
			if info.Type == "leaf" {
				leaves = append(leaves, uint64(info.ID))
			}
		}
		if len(leaves) < 10 {
			return fmt.Errorf("only %d leaf pages", len(leaves))
		}
		leaf = leaves[len(leaves)/2]
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(make([]byte, pageSize), int64(leaf)*int64(pageSize)); err != nil {
		t.Fatal(err)
	}
	f.Close()

	s, err := state.Open(path, state.Options{})
	if err != nil {
		t.Fatalf("Open: %v; want the damage to go unseen until the page is read", err)
	}
	defer s.Close()
	err = readAll(s)
	wantCorrupt(t, err, path)
	t.Logf("reading the damaged page: %v", err)

	problems, err := s.Check()
	if err == nil && len(problems) == 0 {
		t.Error("Check found nothing in a file with a zeroed leaf page")
	}
	// The store refuses to write on top of damage it has seen.
	err = s.Update(func(tx *state.Tx) error {
		readAllTx(tx)
		return nil
	})
	if !errors.As(err, new(*state.CorruptError)) {
		t.Errorf("Update that ignored a damage error returned %v, want a *state.CorruptError", err)
	}
}

func TestOpenForeignBoltFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("widgets"))
		if err != nil {
			return err
		}
		return b.Put([]byte("k"), []byte("v"))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	_, err = state.Open(path, state.Options{})
	ce := wantCorrupt(t, err, path)
	wantErrorContaining(t, ce, "not a photosync state file")
}

func TestOpenMissingReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	_, err := state.Open(path, state.Options{ReadOnly: true})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("read-only Open of a missing file returned %v, want os.ErrNotExist", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("read-only Open created %s", path)
	}
}
