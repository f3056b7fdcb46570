package sync

import "testing"

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

// Journal groups close early near the end of a round, so that the lane
// gets the round's last tokens soon after their upload.
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
