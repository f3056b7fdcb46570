package sync

import (
	"fmt"
	"testing"
)

// BenchmarkReconcileRenamedDirectory plans the rename of a directory of
// 50,000 synced files, the case where every file is both gone and new.
func BenchmarkReconcileRenamedDirectory(b *testing.B) {
	const n = 50000
	var in ReconcileInput
	for i := range n {
		sha := fmt.Sprintf("%064x", i)
		in.Known = append(in.Known, KnownFile{Path: fmt.Sprintf("Trips/%06d.jpg", i), Size: 1, ModTime: t0,
			SHA256: sha, MediaItemID: "m" + sha, AlbumID: "trips", Status: KnownSynced})
		in.Local = append(in.Local, LocalFile{Path: fmt.Sprintf("Travel/%06d.jpg", i), Size: 1, ModTime: t0, SHA256: sha})
	}
	in.Rules.Confirmed = true
	b.ReportAllocs()
	for b.Loop() {
		plan := Reconcile(in)
		if plan.Count(OpMove) != n {
			b.Fatalf("moves = %d, want %d", plan.Count(OpMove), n)
		}
	}
}
