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

// BenchmarkReconcileNewFiles plans a first sync of 10,000 new files in 20
// directories, none of whose content has an item yet.
func BenchmarkReconcileNewFiles(b *testing.B) {
	const n, dirs = 10000, 20
	var in ReconcileInput
	for i := range n {
		in.Local = append(in.Local, LocalFile{Path: fmt.Sprintf("dir%02d/IMG_%06d.jpg", i%dirs, i),
			Size: 3700, ModTime: t0, SHA256: fmt.Sprintf("%064x", i)})
	}
	in.Local = sortedByPath(in.Local, func(f LocalFile) string { return f.Path })
	in.Content = func(string) (string, bool) { return "", false }
	b.ReportAllocs()
	for b.Loop() {
		plan := Reconcile(in)
		if plan.Count(OpUpload) != n {
			b.Fatalf("uploads = %d, want %d", plan.Count(OpUpload), n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/file")
}
