package daemon

import (
	"fmt"
	"time"

	"github.com/photosync/photosync/state"
)

// quotaScheduler decides whether uploads and polls may spend requests. It
// belongs to the daemon's loop goroutine.
type quotaScheduler struct {
	limit, reserve int
	// used returns the number of requests counted in the current quota
	// day.
	used func() (int, error)
	now  func() time.Time

	// pausedUntil is the reset that paused uploads wait for, or zero.
	pausedUntil time.Time
	// reason is the message shown while paused.
	reason string
	// resumed is set when a pause ended, until takeResumed reads it, so
	// that the check that notices a reset need not be the loop's.
	resumed bool
}

// quotaCheck is the outcome of one quotaScheduler.check.
type quotaCheck struct {
	used          int
	uploadsPaused bool
	pollAllowed   bool
}

// check reads the day's count and updates the pause. Uploads pause when
// the requests left are no more than the poll reserve, so that uploads
// never spend the reserve, and they stay paused until the next reset even
// if the count reads lower before then. Polls may go on until the whole
// limit is spent.
func (q *quotaScheduler) check() (quotaCheck, error) {
	now := q.now()
	var c quotaCheck
	if !q.pausedUntil.IsZero() && !now.Before(q.pausedUntil) {
		q.pausedUntil, q.reason = time.Time{}, ""
		q.resumed = true
	}
	used, err := q.used()
	if err != nil {
		return quotaCheck{}, err
	}
	c.used = used
	if q.limit > 0 && q.pausedUntil.IsZero() && used >= q.limit-q.reserve {
		q.pause(now, fmt.Sprintf("%d of %d requests used today and %d kept for polling",
			used, q.limit, q.reserve))
	}
	c.uploadsPaused = !q.pausedUntil.IsZero()
	c.pollAllowed = q.limit <= 0 || used < q.limit
	return c, nil
}

// takeResumed reports whether a pause ended since the last call.
func (q *quotaScheduler) takeResumed() bool {
	resumed := q.resumed && q.pausedUntil.IsZero()
	if resumed {
		q.resumed = false
	}
	return resumed
}

// pause holds uploads back until the next quota reset after now.
func (q *quotaScheduler) pause(now time.Time, reason string) {
	q.pausedUntil = state.NextQuotaReset(now)
	q.reason = reason
}

// snapshot returns the budget for the status document.
func (q *quotaScheduler) snapshot(used int) Quota {
	now := q.now()
	return Quota{
		Day:         state.QuotaDay(now),
		Limit:       q.limit,
		Reserve:     q.reserve,
		Used:        used,
		Left:        max(q.limit-used, 0),
		Reset:       state.NextQuotaReset(now),
		PausedUntil: q.pausedUntil,
	}
}
