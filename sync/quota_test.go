package sync

import (
	"errors"
	"path/filepath"
	gosync "sync"
	"testing"
	"time"

	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/api"
	"github.com/photosync/photosync/state"
)

// openQuotaStore opens a new store that the test closes at its end.
func openQuotaStore(t *testing.T) *state.Store {
	t.Helper()
	store, err := state.Open(filepath.Join(t.TempDir(), "state.db"), state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

func storedRequests(t *testing.T, store *state.Store, day string) int {
	t.Helper()
	var total int
	err := store.View(func(tx *state.Tx) error {
		var err error
		total, _, err = tx.Requests(day)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return total
}

func TestRequestCounterFlushesInBatches(t *testing.T) {
	store := openQuotaStore(t)
	// 20:00 UTC is noon in Los Angeles, so the quota day is the same date.
	now := time.Date(2026, 3, 10, 20, 0, 0, 0, time.UTC)
	c := NewRequestCounter(store, func() time.Time { return now })
	day := state.QuotaDay(now)

	for range requestFlushEvery - 1 {
		c.Record("uploads")
	}
	if got := storedRequests(t, store, day); got != 0 {
		t.Errorf("stored %d requests before a full batch, want 0", got)
	}
	if used, err := c.Used(); err != nil || used != requestFlushEvery-1 {
		t.Errorf("Used = %d, %v; want %d counted in memory", used, err, requestFlushEvery-1)
	}
	c.Record("mediaItems.batchCreate")
	c.wait()
	if got := storedRequests(t, store, day); got != requestFlushEvery {
		t.Errorf("stored %d requests after a full batch, want %d", got, requestFlushEvery)
	}

	c.Record("uploads")
	now = now.Add(12 * time.Hour) // past midnight in Los Angeles
	c.Record("uploads")
	c.wait()
	if got := storedRequests(t, store, day); got != requestFlushEvery+1 {
		t.Errorf("stored %d requests for the first day, want %d after the day changed", got, requestFlushEvery+1)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := storedRequests(t, store, state.QuotaDay(now)); got != 1 {
		t.Errorf("stored %d requests for the second day, want 1", got)
	}
}

func TestRequestCounterHookSkipsTokenRefresh(t *testing.T) {
	store := openQuotaStore(t)
	c := NewRequestCounter(store, nil)
	c.Hook(photosapi.RequestInfo{Method: api.MethodToken, WroteHeaders: true})
	c.Hook(photosapi.RequestInfo{Method: api.MethodDownload, WroteHeaders: true})
	c.Hook(photosapi.RequestInfo{Method: "albums.create", WroteHeaders: true})
	if used, err := c.Used(); err != nil || used != 1 {
		t.Errorf("Used = %d, %v; want 1 (token refreshes and downloads do not count)", used, err)
	}
}

func TestBudgetExhausted(t *testing.T) {
	store := openQuotaStore(t)
	now := time.Date(2026, 3, 10, 20, 0, 0, 0, time.UTC)
	c := NewRequestCounter(store, func() time.Time { return now })
	b := Budget{DailyLimit: 10, PollReserve: 4}
	for i := range 7 {
		spent, reason, err := b.exhausted(c, now)
		if err != nil {
			t.Fatal(err)
		}
		if want := i >= 6; spent != want {
			t.Errorf("after %d requests: spent = %v (%q), want %v", i, spent, reason, want)
		}
		c.Record("uploads")
	}
}

// The counts ride on the store's other commits, so a busy pass writes them
// without commits of their own.
func TestRequestCounterRidesOnCommits(t *testing.T) {
	store := openQuotaStore(t)
	now := time.Date(2026, 3, 10, 20, 0, 0, 0, time.UTC)
	c := NewRequestCounter(store, func() time.Time { return now })
	day := state.QuotaDay(now)

	for range 5 {
		c.Record("uploads")
	}
	if err := store.Update(func(tx *state.Tx) error { return tx.PutMeta("other", "write") }); err != nil {
		t.Fatal(err)
	}
	if got := storedRequests(t, store, day); got != 5 {
		t.Errorf("stored %d requests after another commit, want 5", got)
	}
	if used, err := c.Used(); err != nil || used != 5 {
		t.Errorf("Used = %d, %v; want 5, counted once", used, err)
	}

	// A commit that fails leaves the counts in memory for the next one.
	c.Record("uploads")
	refused := store.Update(func(tx *state.Tx) error { return errors.New("refused") })
	if refused == nil {
		t.Fatal("failing Update returned nil")
	}
	if used, err := c.Used(); err != nil || used != 6 {
		t.Errorf("Used = %d, %v after a failed commit; want 6", used, err)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := storedRequests(t, store, day); got != 6 {
		t.Errorf("stored %d requests after Flush, want 6", got)
	}
}

// Flush may run while other goroutines record requests, and every request
// ends up counted once.
func TestRequestCounterFlushWhileRecording(t *testing.T) {
	store := openQuotaStore(t)
	now := time.Date(2026, 3, 10, 20, 0, 0, 0, time.UTC)
	c := NewRequestCounter(store, func() time.Time { return now })

	const goroutines, each = 4, 500
	var wg gosync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range each {
				c.Record("uploads")
			}
		})
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		if err := c.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := storedRequests(t, store, state.QuotaDay(now)); got != goroutines*each {
		t.Errorf("stored %d requests, want %d", got, goroutines*each)
	}
}
