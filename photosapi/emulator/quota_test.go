package emulator

import (
	"testing"
	"time"
)

func TestQuotaDayCacheMatchesFormat(t *testing.T) {
	srv, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var times []time.Time
	// Midnights and the daylight saving changes of 2026 in Los Angeles,
	// each with the instants just before and after, in order and then
	// backwards as a clock moved back would give them.
	for _, edge := range []time.Time{
		time.Date(2026, 3, 7, 0, 0, 0, 0, pacific),
		time.Date(2026, 3, 8, 0, 0, 0, 0, pacific),
		time.Date(2026, 3, 8, 2, 0, 0, 0, pacific),
		time.Date(2026, 3, 9, 0, 0, 0, 0, pacific),
		time.Date(2026, 11, 1, 0, 0, 0, 0, pacific),
		time.Date(2026, 11, 1, 1, 30, 0, 0, pacific),
		time.Date(2026, 11, 1, 1, 30, 0, 0, pacific).Add(time.Hour),
		time.Date(2026, 11, 2, 0, 0, 0, 0, pacific),
		time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC),
	} {
		times = append(times, edge.Add(-time.Nanosecond), edge, edge.Add(time.Nanosecond), edge.Add(23*time.Hour))
	}
	for i := len(times) - 1; i >= 0; i-- {
		times = append(times, times[i])
	}
	for _, tm := range times {
		if got, want := srv.quotaDayLocked(tm), quotaDay(tm); got != want {
			t.Errorf("quota day of %v = %s, want %s", tm, got, want)
		}
	}
}
