package state_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/photosync/photosync/state"
)

// shaOf returns a distinct valid SHA-256 hex string for i.
func shaOf(i int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%d", i))
	return hex.EncodeToString(sum[:])
}

func TestBatchIsolatesFailedCalls(t *testing.T) {
	s, path := openStore(t)
	const goroutines, calls = 8, 40
	errRefused := errors.New("refused")
	// Call i writes upload i. Every seventh call fails after its write and
	// every eleventh panics, so their writes must roll back while the calls
	// that shared their transaction still commit.
	fails := func(i int) bool { return i%7 == 3 }
	panics := func(i int) bool { return i%11 == 5 && !fails(i) }

	var wg sync.WaitGroup
	errs := make([]error, goroutines*calls)
	recovered := make([]any, goroutines*calls)
	for g := range goroutines {
		wg.Go(func() {
			for j := range calls {
				i := g*calls + j
				func() {
					defer func() { recovered[i] = recover() }()
					errs[i] = s.Batch(func(tx *state.Tx) error {
						if err := tx.PutUpload(state.Upload{SHA256: shaOf(i), Size: int64(i)}); err != nil {
							return err
						}
						switch {
						case fails(i):
							return errRefused
						case panics(i):
							panic(fmt.Sprintf("call %d", i))
						}
						return nil
					})
				}()
			}
		})
	}
	wg.Wait()

	for i := range goroutines * calls {
		switch {
		case fails(i):
			if !errors.Is(errs[i], errRefused) || recovered[i] != nil {
				t.Errorf("call %d: Batch = %v, panic %v; want %v", i, errs[i], recovered[i], errRefused)
			}
		case panics(i):
			if want := fmt.Sprintf("call %d", i); recovered[i] != want {
				t.Errorf("call %d: panic %v, want %q", i, recovered[i], want)
			}
		default:
			if errs[i] != nil || recovered[i] != nil {
				t.Errorf("call %d: Batch = %v, panic %v; want nil", i, errs[i], recovered[i])
			}
		}
	}

	// Reopen the file, so that only what was committed counts.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := state.Open(path, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.View(func(tx *state.Tx) error {
		for i := range goroutines * calls {
			u, ok, err := tx.GetUpload(shaOf(i))
			if err != nil {
				return err
			}
			wantStored := !fails(i) && !panics(i)
			if ok != wantStored || (ok && u.Size != int64(i)) {
				t.Errorf("upload of call %d: stored %v with size %d, want stored %v with size %d",
					i, ok, u.Size, wantStored, i)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestBatchReadOnlyStore(t *testing.T) {
	ro := filepath.Join(t.TempDir(), "state.db")
	w, err := state.Open(ro, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := state.Open(ro, state.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ran := false
	err = r.Batch(func(*state.Tx) error { ran = true; return nil })
	if err == nil || ran {
		t.Errorf("Batch on read-only store %s = %v and ran %v, want an error before running", ro, err, ran)
	}
}
