package sync

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/api"
	"github.com/photosync/photosync/state"
)

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
	store, err := state.Open(filepath.Join(t.TempDir(), "state.db"), state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
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
	if got := storedRequests(t, store, day); got != requestFlushEvery {
		t.Errorf("stored %d requests after a full batch, want %d", got, requestFlushEvery)
	}

	c.Record("uploads")
	now = now.Add(12 * time.Hour) // past midnight in Los Angeles
	c.Record("uploads")
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
	store, err := state.Open(filepath.Join(t.TempDir(), "state.db"), state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	c := NewRequestCounter(store, nil)
	c.Hook(photosapi.RequestInfo{Method: api.MethodToken, WroteHeaders: true})
	c.Hook(photosapi.RequestInfo{Method: api.MethodDownload, WroteHeaders: true})
	c.Hook(photosapi.RequestInfo{Method: "albums.create", WroteHeaders: true})
	if used, err := c.Used(); err != nil || used != 1 {
		t.Errorf("Used = %d, %v; want 1 (token refreshes and downloads do not count)", used, err)
	}
}

func TestBudgetExhausted(t *testing.T) {
	store, err := state.Open(filepath.Join(t.TempDir(), "state.db"), state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
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
