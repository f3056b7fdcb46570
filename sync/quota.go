package sync

import (
	"fmt"
	gosync "sync"
	"time"

	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/api"
	"github.com/photosync/photosync/state"
)

// requestFlushEvery is how many requests RequestCounter keeps in memory
// before writing them to the store. One bbolt commit per request would cost
// an fsync each; 20 bounds what a crash can lose to 0.2% of the daily quota.
const requestFlushEvery = 20

// RequestCounter counts API requests per quota day into the store, in
// batches. Wire its Record method into the client's request hook. It is safe
// for concurrent use.
type RequestCounter struct {
	store *state.Store
	now   func() time.Time

	mu      gosync.Mutex
	day     string
	pending map[string]int
	total   int // pending requests, all methods
	err     error
}

// NewRequestCounter returns a counter that writes to store. now may be nil
// for time.Now.
func NewRequestCounter(store *state.Store, now func() time.Time) *RequestCounter {
	if now == nil {
		now = time.Now
	}
	return &RequestCounter{store: store, now: now, pending: map[string]int{}}
}

// Hook counts one attempt reported by the client's request hook, if it
// counts toward the daily Library API quota. Token refreshes go to Google's
// OAuth endpoint, which has no such quota, so they are left out.
func (c *RequestCounter) Hook(info photosapi.RequestInfo) {
	if info.CountsTowardQuota() && info.Method != api.MethodToken {
		c.Record(info.Method)
	}
}

// Record counts one request of the given method, such as
// "mediaItems.batchCreate" or "uploads", and flushes the counts when enough
// have piled up or the quota day changed.
func (c *RequestCounter) Record(method string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	day := state.QuotaDay(c.now())
	if c.day != "" && day != c.day {
		c.flushLocked()
	}
	c.day = day
	c.pending[method]++
	c.total++
	if c.total >= requestFlushEvery {
		c.flushLocked()
	}
}

// Flush writes the counts kept in memory to the store. It returns the first
// write error seen since the counter was made, so a caller learns about a
// failed write in Record too.
func (c *RequestCounter) Flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.flushLocked()
	return c.err
}

func (c *RequestCounter) flushLocked() {
	if c.total == 0 {
		return
	}
	day, counts := c.day, c.pending
	err := c.store.Update(func(tx *state.Tx) error { return tx.AddRequests(day, counts) })
	if err != nil {
		if c.err == nil {
			c.err = fmt.Errorf("count requests: %w", err)
		}
		// Keep the counts in memory so that Used still includes them.
		return
	}
	c.pending = map[string]int{}
	c.total = 0
}

// Used returns the number of requests counted for the current quota day,
// the stored ones and those still in memory.
func (c *RequestCounter) Used() (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	day := state.QuotaDay(c.now())
	var stored int
	err := c.store.View(func(tx *state.Tx) error {
		var err error
		stored, _, err = tx.Requests(day)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("read request count: %w", err)
	}
	if c.day == day {
		stored += c.total
	}
	return stored, nil
}

// Budget is the share of the daily quota that uploads may use.
type Budget struct {
	// DailyLimit is the number of requests allowed per quota day.
	DailyLimit int
	// PollReserve is the number of requests kept back for polling.
	PollReserve int
}

// exhausted reports whether the uploads' share of today's quota is spent,
// and if so returns a message with the time of the next reset.
func (b Budget) exhausted(c *RequestCounter, now time.Time) (bool, string, error) {
	if c == nil || b.DailyLimit <= 0 {
		return false, "", nil
	}
	used, err := c.Used()
	if err != nil {
		return false, "", err
	}
	allowed := b.DailyLimit - b.PollReserve
	if used < allowed {
		return false, "", nil
	}
	reset := state.NextQuotaReset(now)
	return true, fmt.Sprintf("daily request budget spent: %d of %d requests used, %d kept for polling; "+
		"uploads resume after %s", used, b.DailyLimit, b.PollReserve, reset.Local().Format(time.RFC3339)), nil
}
