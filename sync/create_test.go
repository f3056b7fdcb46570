package sync

import (
	"math/bits"
	"testing"
)

func TestRecordGroupFollowsStateSize(t *testing.T) {
	if got := recordGroupFor(1 << 20); got != largeRecordGroup {
		t.Errorf("group for a 1 MiB state file = %d, want %d", got, largeRecordGroup)
	}
	if got := recordGroupFor(smallStateFile); got != recordGroup {
		t.Errorf("group for a %d-byte state file = %d, want %d", int64(smallStateFile), got, recordGroup)
	}
	if recordGroup%MaxBatch != 0 || largeRecordGroup%MaxBatch != 0 {
		t.Errorf("groups of %d and %d items are not whole batches of %d", recordGroup, largeRecordGroup, MaxBatch)
	}
}

func TestItemsByIDOrder(t *testing.T) {
	result := func(id string) CreateResult { return CreateResult{MediaItemID: id} }
	group := []created{
		{results: []CreateResult{result("c"), result("x"), result("a")}, items: []int{0, 2}},
		{results: []CreateResult{result("b"), result("a")}, items: []int{0, 1}},
	}
	got := itemsByID(group)
	want := []createdItem{
		{batch: 0, item: 2, id: "a"},
		{batch: 1, item: 1, id: "a"},
		{batch: 1, item: 0, id: "b"},
		{batch: 0, item: 0, id: "c"},
	}
	if len(got) != len(want) {
		t.Fatalf("itemsByID returned %d items, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("itemsByID()[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// recordGroups replays the lane's record groups over a round of expect
// jobs created MaxBatch at a time, and returns the size of each group.
func recordGroups(groupSize, expect int) []int {
	l := &createLane{groupSize: groupSize, expect: expect}
	var groups []int
	waiting := 0
	for l.handled < expect {
		n := min(MaxBatch, expect-l.handled)
		l.handled += n
		waiting += n
		if waiting >= l.groupLimit() {
			groups = append(groups, waiting)
			waiting = 0
		}
	}
	if waiting > 0 {
		groups = append(groups, waiting)
	}
	return groups
}

// Record groups keep their full size until the items left to create are
// fewer, then halve, so that the commit a round waits for at its end
// holds no more than a couple of batches.
func TestRecordGroupsShrinkAtRoundEnd(t *testing.T) {
	for _, c := range []struct{ groupSize, expect int }{
		{largeRecordGroup, 10_000},
		{largeRecordGroup, 3_210},
		{recordGroup, 10_000},
		{largeRecordGroup, 30},
	} {
		groups := recordGroups(c.groupSize, c.expect)
		total := 0
		for _, g := range groups {
			total += g
			if g > c.groupSize {
				t.Errorf("group size %d, expect %d: a group of %d items", c.groupSize, c.expect, g)
			}
		}
		if total != c.expect {
			t.Errorf("group size %d, expect %d: groups %v hold %d items", c.groupSize, c.expect, groups, total)
		}
		if last := groups[len(groups)-1]; last > 2*MaxBatch {
			t.Errorf("group size %d, expect %d: last group of %d items, want at most %d; groups %v",
				c.groupSize, c.expect, last, 2*MaxBatch, groups)
		}
		// Full groups, then at most one per halving down to a batch.
		if maxGroups := c.expect/c.groupSize + bits.Len(uint(c.groupSize/MaxBatch)) + 1; len(groups) > maxGroups {
			t.Errorf("group size %d, expect %d: %d groups %v, want at most %d", c.groupSize, c.expect, len(groups), groups, maxGroups)
		}
	}
	// Without a known count, groups keep their size to the end.
	l := &createLane{groupSize: largeRecordGroup, handled: 9_990}
	if got := l.groupLimit(); got != largeRecordGroup {
		t.Errorf("group limit without a known count = %d, want %d", got, largeRecordGroup)
	}
}

// Journal groups close early near the end of a round in the same way.
func TestJournalGroupsShrinkAtRoundEnd(t *testing.T) {
	j := &journal{expect: 10_000}
	for _, c := range []struct{ received, want int }{
		{0, maxJournalGroup},
		{8_000, maxJournalGroup},
		{9_500, 500},
		{9_900, 100},
		{9_990, MaxBatch},
		{10_000, MaxBatch},
	} {
		j.received = c.received
		if got := j.groupLimit(); got != c.want {
			t.Errorf("journal group limit after %d of %d jobs = %d, want %d", c.received, j.expect, got, c.want)
		}
	}
	if got := (&journal{received: 9_990}).groupLimit(); got != maxJournalGroup {
		t.Errorf("journal group limit without a known count = %d, want %d", got, maxJournalGroup)
	}
}
