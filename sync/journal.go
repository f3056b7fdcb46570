package sync

import (
	"slices"
	"time"

	"github.com/photosync/photosync/state"
)

// The journal commits the upload tokens that arrived since its last
// commit when maxJournalGroup have arrived or journalEvery has passed since
// that commit, whichever comes first. A kill therefore loses the tokens of
// about journalEvery of uploads, plus the journalQueue waiting, whose
// bytes the next pass sends again, and a first sync of small files pays a
// commit per group instead of per file. Workers wait when the queue is
// full instead of running ahead of the journal. A journal commit waits
// for a record commit that runs at the same time, and in
// BenchmarkFirstSync a record commit of largeRecordGroup items takes
// about as long as 200 small uploads. A queue of two batches stopped the
// workers for the rest of each such commit.
const (
	maxJournalGroup = 20 * MaxBatch
	journalEvery    = 100 * time.Millisecond
	journalQueue    = 10 * MaxBatch
)

// journal writes the upload tokens that the workers return to the store
// and then hands their jobs to the creation lane, so that every token the
// lane creates an item from is on disk.
type journal struct {
	e   *executor
	in  chan createJob
	out chan<- createJob
	// group holds the jobs of the group being collected. Its array is
	// reused from group to group: run copies each job into out before it
	// collects the next group.
	group []createJob
	// expect is the number of jobs the round sends, or 0 when that is not
	// known, and received the number that arrived so far.
	expect, received int
}

func newJournal(e *executor, out chan<- createJob) *journal {
	return &journal{e: e, in: make(chan createJob, journalQueue), out: out}
}

// run journals the jobs of j.in until it closes, then closes j.out. After
// a store failure it goes on reading j.in, so the workers do not block,
// but writes and forwards nothing more: a job whose token the store lacks
// must not get an item whose record could not be written either.
func (j *journal) run() error {
	defer close(j.out)
	var err error
	var last time.Time
	for open := true; open; {
		job, ok := <-j.in
		if !ok {
			break
		}
		var group []createJob
		group, open = j.collect(job, last.Add(journalEvery))
		if err != nil {
			continue
		}
		last = time.Now()
		if err = j.write(group); err != nil {
			continue
		}
		for _, g := range group {
			j.out <- g
		}
	}
	return err
}

// collect returns first and the jobs that arrive until the group is full
// or the deadline passes, and whether j.in is still open.
func (j *journal) collect(first createJob, deadline time.Time) ([]createJob, bool) {
	group := append(j.group[:0], first)
	j.received++
	defer func() { j.group = group }()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for len(group) < j.groupLimit() {
		select {
		case next, ok := <-j.in:
			if !ok {
				return group, false
			}
			group = append(group, next)
			j.received++
		case <-timer.C:
			return group, true
		}
	}
	return group, true
}

// groupLimit returns how many jobs close a group. Near the end of a round,
// a group also closes once it holds as many jobs as are left to arrive,
// so that the round's last commit, which the lane waits for, is small.
func (j *journal) groupLimit() int {
	if j.expect == 0 {
		return maxJournalGroup
	}
	return min(maxJournalGroup, max(MaxBatch, j.expect-j.received))
}

// write stores the pending uploads of the group's jobs that the store
// lacks, in one commit.
func (j *journal) write(group []createJob) error {
	if !slices.ContainsFunc(group, func(g createJob) bool { return !g.journaled }) {
		return nil
	}
	// Batch lets the commit carry other goroutines' writes, such as the
	// records of created items, that arrive at the same time.
	err := j.e.s.opts.Store.Batch(func(tx *state.Tx) error {
		for i := range group {
			if group[i].journaled {
				continue
			}
			if err := tx.PutUpload(group[i].upload); err != nil {
				return err
			}
		}
		return nil
	})
	return storeError(err)
}
