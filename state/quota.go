package state

import (
	"time"
	_ "time/tzdata" // so that the quota zone loads on systems without zoneinfo
)

// quotaZone is the time zone of the API's daily quota: it resets at
// midnight Pacific time.
var quotaZone = mustLoadLocation("America/Los_Angeles")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// The embedded tzdata package contains the zone, so this is a
		// broken build.
		panic("load time zone " + name + ": " + err.Error())
	}
	return loc
}

// QuotaDay returns the quota day that contains t, as the date in
// America/Los_Angeles in the form "2006-01-02". It is the key of the
// request counts.
func QuotaDay(t time.Time) string {
	return t.In(quotaZone).Format(time.DateOnly)
}

// NextQuotaReset returns the first midnight in America/Los_Angeles after t,
// when the daily quota resets. Across a daylight saving change the day is 23
// or 25 hours long.
func NextQuotaReset(t time.Time) time.Time {
	local := t.In(quotaZone)
	y, m, d := local.Date()
	// time.Date normalizes day d+1 across month and year ends. Midnight
	// exists on every date in this zone, because the clock changes at 02:00.
	return time.Date(y, m, d+1, 0, 0, 0, 0, quotaZone)
}
