package daemon

import (
	"testing"
	"time"

	"github.com/photosync/photosync/state"
)

// fakeQuota is a quota scheduler on a clock and a request count that the
// test sets.
type fakeQuota struct {
	now  time.Time
	used int
	q    *quotaScheduler
}

func newFakeQuota(limit, reserve int) *fakeQuota {
	f := &fakeQuota{now: time.Date(2026, 6, 1, 15, 0, 0, 0, time.UTC)}
	f.q = &quotaScheduler{
		limit:   limit,
		reserve: reserve,
		used:    func() (int, error) { return f.used, nil },
		now:     func() time.Time { return f.now },
	}
	return f
}

func (f *fakeQuota) check(t *testing.T) quotaCheck {
	t.Helper()
	c, err := f.q.check()
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	return c
}

func TestQuotaPausesBeforeReserve(t *testing.T) {
	f := newFakeQuota(100, 10)
	f.used = 89
	if c := f.check(t); c.uploadsPaused || !c.pollAllowed {
		t.Fatalf("at 89 of 100 with 10 reserved: %+v, want uploads and polls allowed", c)
	}
	f.used = 90
	c := f.check(t)
	if !c.uploadsPaused {
		t.Error("at 90 of 100 with 10 reserved, uploads are not paused")
	}
	if !c.pollAllowed {
		t.Error("at 90 of 100, polls are not allowed; the reserve is for them")
	}
	if want := state.NextQuotaReset(f.now); !f.q.pausedUntil.Equal(want) {
		t.Errorf("paused until %v, want the reset %v", f.q.pausedUntil, want)
	}
	f.used = 100
	if c := f.check(t); c.pollAllowed {
		t.Error("at 100 of 100, polls are still allowed")
	}
}

func TestQuotaStaysPausedUntilReset(t *testing.T) {
	f := newFakeQuota(100, 10)
	f.used = 95
	f.check(t)
	reset := f.q.pausedUntil

	// A count that reads lower, for example after the store lost its
	// in-memory requests, does not end the pause before the reset.
	f.used = 0
	f.now = reset.Add(-time.Second)
	if c := f.check(t); !c.uploadsPaused {
		t.Error("pause ended before the reset")
	}
	if f.q.takeResumed() {
		t.Error("takeResumed before the reset")
	}

	f.now = reset
	if c := f.check(t); c.uploadsPaused {
		t.Error("still paused at the reset")
	}
	if !f.q.takeResumed() {
		t.Error("takeResumed is false after the reset")
	}
	if f.q.takeResumed() {
		t.Error("takeResumed is true twice for one reset")
	}
}

func TestQuotaPauseFromAPI(t *testing.T) {
	f := newFakeQuota(10_000, 1_000)
	f.used = 12
	f.q.pause(f.now, "Google reported the daily quota spent")
	if c := f.check(t); !c.uploadsPaused || !c.pollAllowed {
		t.Errorf("after the API's quota error: %+v, want uploads paused and polls allowed", c)
	}
	snap := f.q.snapshot(f.used)
	if snap.Left != 10_000-12 || snap.PausedUntil.IsZero() || !snap.PausedUntil.Equal(snap.Reset) {
		t.Errorf("snapshot = %+v, want 9988 left and paused until the reset", snap)
	}
	if snap.Day != "2026-06-01" {
		t.Errorf("quota day = %q, want 2026-06-01 in Los Angeles", snap.Day)
	}
}

func TestQuotaNoLimit(t *testing.T) {
	f := newFakeQuota(0, 0)
	f.used = 1_000_000
	if c := f.check(t); c.uploadsPaused || !c.pollAllowed {
		t.Errorf("without a limit: %+v, want everything allowed", c)
	}
}

func TestQuotaResetAcrossDaylightSaving(t *testing.T) {
	f := newFakeQuota(100, 10)
	// 8 March 2026 is 23 hours long in Los Angeles.
	f.now = time.Date(2026, 3, 8, 12, 0, 0, 0, time.UTC)
	f.used = 100
	f.check(t)
	want := time.Date(2026, 3, 9, 7, 0, 0, 0, time.UTC)
	if !f.q.pausedUntil.Equal(want) {
		t.Errorf("paused until %v, want %v (midnight PDT)", f.q.pausedUntil.UTC(), want)
	}
}
