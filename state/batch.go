package state

import (
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// batcher groups the Batch calls that arrive while a commit is running.
// The first caller to find no leader becomes the leader: it commits every
// queued call in one transaction, round after round, until its own call is
// done, then hands the lead to the first call still queued. Calls never
// wait for a timer, so a lone caller commits at once, as Update does.
type batcher struct {
	mu      sync.Mutex
	queue   []*batchCall
	leading bool
}

// batchCall is one Batch call and its outcome.
type batchCall struct {
	fn func(*Tx) error
	// wake receives false when the call is done and true when its caller
	// must take the lead.
	wake chan bool

	done      bool
	err       error
	panicked  bool
	userPanic any
}

// Batch runs fn in a write transaction that it may share with the Batch
// calls of other goroutines, and returns once that transaction has
// committed, or failed. Its durability is the same as Update's: when Batch
// returns nil, fn's writes are on disk.
//
// Batch saves commits, each of which costs two fdatasync calls, when several
// goroutines write small records at the same time. In exchange fn may run
// more than once: when another function of the same transaction fails, the
// transaction rolls back, the failing call gets its error, and the others
// run again in a new transaction. So fn must be idempotent and must not
// depend on having run once; it should only read and write the store. An
// error or panic from fn is returned or raised in fn's caller only, as
// Update does. An error from a rider (see AddRider) rolls the transaction
// back, and every call in it returns that error without running again.
func (s *Store) Batch(fn func(*Tx) error) error {
	if s.readOnly {
		return fmt.Errorf("update state %s: the store was opened read-only", s.path)
	}
	c := &batchCall{fn: fn, wake: make(chan bool, 1)}
	b := &s.batch
	b.mu.Lock()
	b.queue = append(b.queue, c)
	lead := !b.leading
	if lead {
		b.leading = true
	}
	b.mu.Unlock()
	if !lead {
		lead = <-c.wake
	}
	if lead {
		s.lead(c)
	}
	if c.panicked {
		panic(c.userPanic)
	}
	return c.err
}

// lead commits queued calls until c is done, then passes the lead on.
func (s *Store) lead(c *batchCall) {
	b := &s.batch
	for !c.done {
		b.mu.Lock()
		calls := b.queue
		b.queue = nil
		b.mu.Unlock()
		s.commitBatch(calls)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.queue) == 0 {
		b.leading = false
		return
	}
	b.queue[0].wake <- true
}

// commitBatch runs calls in one transaction and returns each call its
// result. A call whose function fails is taken out, and the rest run
// again.
func (s *Store) commitBatch(calls []*batchCall) {
	for len(calls) > 0 {
		failed := -1
		var dones []func(bool)
		err := s.guard(func() error {
			return s.db.Update(func(btx *bolt.Tx) error {
				for i, c := range calls {
					if s.call(btx, c); c.err != nil {
						failed = i
						return c.err
					}
				}
				return s.ride(btx, &dones)
			})
		})
		settle(dones, err == nil)
		if failed < 0 {
			for _, c := range calls {
				c.err, c.panicked, c.userPanic = err, false, nil
				s.finish(c)
			}
			return
		}
		s.finish(calls[failed])
		calls = slices.Delete(calls, failed, failed+1)
	}
}

// finish marks c done and wakes its caller unless the caller is the
// leader, which is running this.
func (s *Store) finish(c *batchCall) {
	c.done = true
	select {
	case c.wake <- false:
	default:
	}
}

// call runs c.fn in bbolt transaction btx and sets c.err to fn's error, or
// to the first damage fn ignored. It recovers a panic from fn's own code
// into c.userPanic, so that the transaction rolls back, and turns a memory
// fault from reading a damaged map into a *CorruptError.
func (s *Store) call(btx *bolt.Tx, c *batchCall) {
	// The fault setting belongs to the goroutine, and a batch runs on its
	// leader's.
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	tx := &Tx{s: s, btx: btx}
	c.panicked, c.userPanic = false, nil
	c.err = func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				if isFault(r) {
					err = s.corrupt(fmt.Errorf("read fault: %v", r))
					return
				}
				c.userPanic, c.panicked = r, true
				err = errPanicked
			}
		}()
		return c.fn(tx)
	}()
	if c.err == nil {
		// fn may have ignored an error from a damaged page; do not
		// commit on top of it.
		c.err = tx.err
	}
}

var errPanicked = errors.New("transaction function panicked")
