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
