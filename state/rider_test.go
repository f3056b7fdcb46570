package state_test

import (
	"errors"
	"strconv"
	"sync"
	"testing"

	"github.com/photosync/photosync/state"
)

// counterRider writes its pending count under one meta key, adding to the
// stored value, the way a request counter rides on commits.
type counterRider struct {
	mu        sync.Mutex
	pending   int
	committed int
	rolled    int
	fail      error
}

func (r *counterRider) add(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending += n
}

func (r *counterRider) Ride(tx *state.Tx) (func(bool), error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return nil, r.fail
	}
	if r.pending == 0 {
		return nil, nil
	}
	n := r.pending
	r.pending = 0
	v, _, err := tx.GetMeta("rider")
	if err != nil {
		return nil, err
	}
	old, _ := strconv.Atoi(v)
	err = tx.PutMeta("rider", strconv.Itoa(old+n))
	return func(ok bool) {
		r.mu.Lock()
		defer r.mu.Unlock()
		if ok {
			r.committed += n
		} else {
			r.rolled += n
			r.pending += n
		}
	}, err
}

func storedRider(t *testing.T, s *state.Store) int {
	t.Helper()
	var n int
	err := s.View(func(tx *state.Tx) error {
		v, _, err := tx.GetMeta("rider")
		n, _ = strconv.Atoi(v)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRiderJoinsCommits(t *testing.T) {
	s, _ := openStore(t)
	r := &counterRider{}
	s.AddRider(r)

	// A commit carries the rider's writes with its own.
	r.add(3)
	if err := s.Update(func(tx *state.Tx) error { return tx.PutMeta("a", "1") }); err != nil {
		t.Fatal(err)
	}
	if got := storedRider(t, s); got != 3 || r.committed != 3 {
		t.Errorf("after Update: stored %d, committed %d; want 3 and 3", got, r.committed)
	}

	// A transaction whose function fails writes nothing, and the rider is
	// not asked to write either: its count stays pending.
	r.add(2)
	errRefused := errors.New("refused")
	if err := s.Update(func(tx *state.Tx) error { return errRefused }); !errors.Is(err, errRefused) {
		t.Fatalf("failing Update returned %v", err)
	}
	if got := storedRider(t, s); got != 3 || r.pending != 2 {
		t.Errorf("after a failed Update: stored %d, pending %d; want 3 and 2", got, r.pending)
	}

	// Batch calls carry it too, once per commit.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if err := s.Batch(func(tx *state.Tx) error { return tx.PutMeta("b"+strconv.Itoa(i), "1") }); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := storedRider(t, s); got != 5 || r.committed != 5 || r.pending != 0 {
		t.Errorf("after Batch: stored %d, committed %d, pending %d; want 5, 5 and 0", got, r.committed, r.pending)
	}
}

func TestRiderErrorRollsBack(t *testing.T) {
	s, _ := openStore(t)
	r := &counterRider{}
	s.AddRider(r)
	errDisk := errors.New("rider failed")
	r.fail = errDisk
	err := s.Update(func(tx *state.Tx) error { return tx.PutMeta("a", "1") })
	if !errors.Is(err, errDisk) {
		t.Fatalf("Update with a failing rider returned %v, want the rider's error", err)
	}
	err = s.View(func(tx *state.Tx) error {
		if _, ok, err := tx.GetMeta("a"); err != nil || ok {
			t.Errorf("the write of a transaction whose rider failed is stored: %v, %v", ok, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
