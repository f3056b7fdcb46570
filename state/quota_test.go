package state_test

import (
	"testing"
	"time"

	"github.com/photosync/photosync/state"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestQuotaDay(t *testing.T) {
	tests := []struct {
		at   string
		want string
	}{
		{"2026-01-15T07:59:59.999999999Z", "2026-01-14"}, // 23:59:59 PST
		{"2026-01-15T08:00:00Z", "2026-01-15"},           // midnight PST
		{"2026-07-15T06:59:59Z", "2026-07-14"},           // 23:59:59 PDT
		{"2026-07-15T07:00:00Z", "2026-07-15"},           // midnight PDT
		{"2026-03-08T09:59:59Z", "2026-03-08"},           // 01:59:59 PST, just before the spring change
		{"2026-03-08T10:00:00Z", "2026-03-08"},           // 03:00 PDT
		{"2026-11-01T08:30:00Z", "2026-11-01"},           // first 01:30, PDT
		{"2026-11-01T09:30:00Z", "2026-11-01"},           // second 01:30, PST
		{"2027-01-01T07:59:59Z", "2026-12-31"},
		{"2026-12-04T15:35:00+01:00", "2026-12-04"}, // the zone of the input does not matter
	}
	for _, tc := range tests {
		if got := state.QuotaDay(utc(tc.at)); got != tc.want {
			t.Errorf("QuotaDay(%s) = %s, want %s", tc.at, got, tc.want)
		}
	}
}

func TestNextQuotaReset(t *testing.T) {
	tests := []struct {
		name string
		at   string
		want string
	}{
		{"winter", "2026-01-15T12:00:00Z", "2026-01-16T08:00:00Z"},
		{"summer", "2026-07-15T12:00:00Z", "2026-07-16T07:00:00Z"},
		{"at midnight", "2026-01-15T08:00:00Z", "2026-01-16T08:00:00Z"},
		{"just before midnight", "2026-01-15T07:59:59.999999999Z", "2026-01-15T08:00:00Z"},
		{"23-hour day in March", "2026-03-08T08:00:00Z", "2026-03-09T07:00:00Z"},
		{"day before the spring change", "2026-03-07T20:00:00Z", "2026-03-08T08:00:00Z"},
		{"after the spring change", "2026-03-08T10:30:00Z", "2026-03-09T07:00:00Z"},
		{"25-hour day in November", "2026-11-01T07:00:00Z", "2026-11-02T08:00:00Z"},
		{"repeated hour, first", "2026-11-01T08:30:00Z", "2026-11-02T08:00:00Z"},
		{"repeated hour, second", "2026-11-01T09:30:00Z", "2026-11-02T08:00:00Z"},
		{"day before the autumn change", "2026-10-31T20:00:00Z", "2026-11-01T07:00:00Z"},
		{"year end", "2026-12-31T20:00:00Z", "2027-01-01T08:00:00Z"},
		{"leap day", "2028-02-28T20:00:00Z", "2028-02-29T08:00:00Z"},
	}
	for _, tc := range tests {
		got := state.NextQuotaReset(utc(tc.at))
		if want := utc(tc.want); !got.Equal(want) {
			t.Errorf("%s: NextQuotaReset(%s) = %s, want %s", tc.name, tc.at, got.UTC().Format(time.RFC3339), tc.want)
		}
	}
}

// TestNextQuotaResetEveryHour checks the reset against QuotaDay for each
// hour of two years, which covers four daylight saving changes.
func TestNextQuotaResetEveryHour(t *testing.T) {
	start := utc("2026-01-01T00:17:00Z")
	for at := start; at.Before(start.AddDate(2, 0, 0)); at = at.Add(time.Hour) {
		reset := state.NextQuotaReset(at)
		if !reset.After(at) {
			t.Fatalf("NextQuotaReset(%s) = %s, not after it", at, reset)
		}
		if d := reset.Sub(at); d > 25*time.Hour {
			t.Fatalf("NextQuotaReset(%s) is %v away, more than the longest day", at, d)
		}
		if got, want := state.QuotaDay(reset.Add(-time.Nanosecond)), state.QuotaDay(at); got != want {
			t.Fatalf("day just before NextQuotaReset(%s) is %s, want %s", at, got, want)
		}
		if state.QuotaDay(reset) == state.QuotaDay(at) {
			t.Fatalf("NextQuotaReset(%s) = %s is on the same quota day", at, reset)
		}
	}
}
