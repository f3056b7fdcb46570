package state

import (
	bolt "go.etcd.io/bbolt"
)

// A Rider has writes that must reach the disk soon but not at once, such as
// counters. The store lets it add them to every write transaction, so that
// they share commits that happen anyway instead of paying for their own.
type Rider interface {
	// Ride writes the rider's pending data in tx, which is about to
	// commit, and returns a function that the store calls with whether
	// the commit succeeded. Ride may be called again for a new
	// transaction after a rolled-back one; only a committed transaction's
	// writes count. An error rolls the whole transaction back.
	Ride(tx *Tx) (done func(committed bool), err error)
}

// AddRider makes r add its writes to each write transaction from now on.
// Riders run one at a time, in the order they were added, while the
// transaction holds the store's write lock.
func (s *Store) AddRider(r Rider) {
	s.ridersMu.Lock()
	defer s.ridersMu.Unlock()
	s.riders = append(s.riders, r)
}

// ride lets the riders write in btx and appends their done functions to
// dones. It returns the first error, from a rider or from damage a rider
// ignored.
func (s *Store) ride(btx *bolt.Tx, dones *[]func(bool)) error {
	s.ridersMu.Lock()
	riders := s.riders
	s.ridersMu.Unlock()
	for _, r := range riders {
		tx := &Tx{s: s, btx: btx}
		done, err := r.Ride(tx)
		if done != nil {
			*dones = append(*dones, done)
		}
		if err == nil {
			err = tx.err
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// settle calls the done functions of a transaction's riders with whether
// it committed.
func settle(dones []func(bool), committed bool) {
	for _, done := range dones {
		done(committed)
	}
}
