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
// before it writes them to the store. One bbolt commit per request would
// cost an fsync each. A crash loses the counts still in memory: about 50,
// 0.5% of the default daily quota, or the requests of the last
// requestWriteGap when they come faster. The poll reserve covers both.
const requestFlushEvery = 50

// requestWriteGap is the least time between two writes of the counter's
// own. Counts that pile up meanwhile join the next commit of the store, or
// the next write. It keeps a fast run from paying a commit every 50
// requests.
const requestWriteGap = 100 * time.Millisecond

// RequestCounter counts API requests per quota day into the store, in
// batches. Wire its Record method into the client's request hook. It is safe
// for concurrent use.
//
// The counter is a state.Rider: its counts join every write transaction
// of the store, so they reach the disk with the engine's own records. When
// requestFlushEvery requests pile up with no commit to join, it writes them
// in the background, so that the request that fills the batch does not
// wait for a commit.
type RequestCounter struct {
	store *state.Store
	now   func() time.Time

	mu gosync.Mutex
	// pending are the counts in memory, by quota day and method.
	pending map[string]map[string]int
	// total is the number of requests in pending.
	total int
	// writing are the requests being written, by quota day. They count as
	// used until their commit ends.
	writing map[string]int
	// stored is the stored count of the quota day storedDay, read once and
	// then kept up to date with the counter's own writes, so that Used
	// needs no read transaction. The counter is the only writer of
	// request counts in the process that holds the store.
	storedDay string
	stored    int
	// writes is the number of background writes in flight, and
	// writesDone is signalled when one ends. lastWrite is when the latest
	// started.
	writes     int
	writesDone *gosync.Cond
	lastWrite  time.Time
	err        error
}

// NewRequestCounter returns a counter that writes to store. now may be nil
// for time.Now.
func NewRequestCounter(store *state.Store, now func() time.Time) *RequestCounter {
	if now == nil {
		now = time.Now
	}
	c := &RequestCounter{store: store, now: now, pending: map[string]map[string]int{},
		writing: map[string]int{}}
	c.writesDone = gosync.NewCond(&c.mu)
	store.AddRider(c)
	return c
}

// Ride writes the counts in memory in tx, a write transaction of the
// store's that is about to commit. It implements state.Rider.
func (c *RequestCounter) Ride(tx *state.Tx) (func(bool), error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.total == 0 {
		return nil, nil
	}
	counts := c.take()
	after, err := addRequests(tx, counts)
	return func(committed bool) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if committed {
			c.done(counts, after, nil)
		} else {
			c.restore(counts)
		}
	}, err
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
// "mediaItems.batchCreate" or "uploads", and starts writing the counts to
// the store when enough have piled up or the quota day changed.
func (c *RequestCounter) Record(method string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	day := state.QuotaDay(c.now())
	newDay := c.pending[day] == nil && c.total > 0
	if c.pending[day] == nil {
		c.pending[day] = map[string]int{}
	}
	c.pending[day][method]++
	c.total++
	if newDay || c.total >= requestFlushEvery && time.Since(c.lastWrite) >= requestWriteGap {
		c.startWrite()
	}
}

// startWrite moves the pending counts to a background write. c.mu must be
// held.
func (c *RequestCounter) startWrite() {
	c.lastWrite = time.Now()
	counts := c.take()
	c.writes++
	go func() {
		var after map[string]int
		err := c.store.Batch(func(tx *state.Tx) (err error) {
			after, err = addRequests(tx, counts)
			return err
		})
		c.mu.Lock()
		defer c.mu.Unlock()
		c.done(counts, after, err)
		c.writes--
		c.writesDone.Broadcast()
	}()
}

// take moves the pending counts into the writing totals and returns them.
// c.mu must be held.
func (c *RequestCounter) take() map[string]map[string]int {
	counts := c.pending
	for day, byMethod := range counts {
		for _, n := range byMethod {
			c.writing[day] += n
		}
	}
	c.pending, c.total = map[string]map[string]int{}, 0
	return counts
}

// done ends the write of counts, after which the store held after. A failed
// write puts the counts back, so that Used still includes them and a later
// write retries them. c.mu must be held.
func (c *RequestCounter) done(counts map[string]map[string]int, after map[string]int, err error) {
	if err != nil {
		c.restore(counts)
		if c.err == nil {
			c.err = fmt.Errorf("count requests: %w", err)
		}
		return
	}
	// Counts only grow, so the largest total seen is the newest.
	c.stored = max(c.stored, after[c.storedDay])
	c.unwrite(counts)
}

// restore puts counts whose write did not commit back among the pending
// ones. c.mu must be held.
func (c *RequestCounter) restore(counts map[string]map[string]int) {
	c.unwrite(counts)
	for day, byMethod := range counts {
		if c.pending[day] == nil {
			c.pending[day] = map[string]int{}
		}
		for method, n := range byMethod {
			c.pending[day][method] += n
			c.total += n
		}
	}
}

// unwrite takes counts out of the writing totals. c.mu must be held.
func (c *RequestCounter) unwrite(counts map[string]map[string]int) {
	for day, byMethod := range counts {
		for _, n := range byMethod {
			c.writing[day] -= n
		}
		if c.writing[day] == 0 {
			delete(c.writing, day)
		}
	}
}

// addRequests adds counts to the stored ones and returns the new stored
// total of each day.
func addRequests(tx *state.Tx, counts map[string]map[string]int) (map[string]int, error) {
	after := map[string]int{}
	for day, byMethod := range counts {
		if err := tx.AddRequests(day, byMethod); err != nil {
			return nil, err
		}
		total, _, err := tx.Requests(day)
		if err != nil {
			return nil, err
		}
		after[day] = total
	}
	return after, nil
}

// wait waits until no background write is in flight.
func (c *RequestCounter) wait() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waitLocked()
}

// waitLocked is wait for a caller that holds c.mu.
func (c *RequestCounter) waitLocked() {
	for c.writes > 0 {
		c.writesDone.Wait()
	}
}

// Flush writes the counts kept in memory to the store, after the
// background writes end. It returns the first write error seen since the
// counter was made, so a caller learns about a failed background write too.
func (c *RequestCounter) Flush() error {
	c.mu.Lock()
	c.waitLocked()
	if c.total == 0 {
		defer c.mu.Unlock()
		return c.err
	}
	counts := c.take()
	// The counter rides on the transaction too, so c.mu must not be held.
	c.mu.Unlock()
	var after map[string]int
	err := c.store.Update(func(tx *state.Tx) (err error) {
		after, err = addRequests(tx, counts)
		return err
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done(counts, after, err)
	return c.err
}

// Used returns the number of requests counted for the current quota day:
// those stored, those being written and those still in memory.
func (c *RequestCounter) Used() (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	day := state.QuotaDay(c.now())
	if day != c.storedDay {
		var stored int
		err := c.store.View(func(tx *state.Tx) error {
			var err error
			stored, _, err = tx.Requests(day)
			return err
		})
		if err != nil {
			return 0, fmt.Errorf("read request count: %w", err)
		}
		// A write in flight may be in stored already and is counted in
		// writing too until it ends: an overcount, never an undercount.
		c.storedDay, c.stored = day, stored
	}
	used := c.stored + c.writing[day]
	for _, n := range c.pending[day] {
		used += n
	}
	return used, nil
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
