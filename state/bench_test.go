package state_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/photosync/photosync/state"
)

// benchFiles is the folder size the sync engine must re-scan quickly.
const benchFiles = 100_000

// benchFile returns a realistic synced file record number i.
func benchFile(i int) state.File {
	return state.File{
		Folder:      rootA,
		Path:        fmt.Sprintf("%d/%d-%02d Holiday/IMG_%06d.JPG", 2010+i%15, 2010+i%15, 1+i%12, i),
		Size:        int64(2_000_000 + i),
		ModTime:     time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second),
		SHA256:      fmt.Sprintf("%064x", uint64(i)*0x9e3779b97f4a7c15),
		MediaItemID: fmt.Sprintf("AF1QipN%039d", i),
		AlbumID:     fmt.Sprintf("AF1QipA%039d", i%300),
		Status:      state.StatusSynced,
	}
}

// fillBenchStore writes benchFiles files into s in transactions of 1,000,
// the way a first scan commits them.
func fillBenchStore(b *testing.B, s *state.Store) {
	b.Helper()
	if err := s.PutFolder(state.Folder{ID: rootA}); err != nil {
		b.Fatal(err)
	}
	for start := 0; start < benchFiles; start += 1000 {
		err := s.Update(func(tx *state.Tx) error {
			for i := start; i < start+1000; i++ {
				if err := tx.PutFile(benchFile(i)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPutFile writes 100,000 files into a new store per iteration and
// reports the size of the file on disk.
func BenchmarkPutFile(b *testing.B) {
	var size int64
	for b.Loop() {
		path := filepath.Join(b.TempDir(), "state.db")
		s, err := state.Open(path, state.Options{})
		if err != nil {
			b.Fatal(err)
		}
		fillBenchStore(b, s)
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		info, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		size = info.Size()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchFiles), "ns/file")
	b.ReportMetric(float64(size)/(1<<20), "MiB-on-disk")
	b.ReportMetric(float64(size)/benchFiles, "B-on-disk/file")
}

// BenchmarkForEachFile reads all 100,000 files of a folder per iteration, as
// a re-scan of an unchanged folder does.
func BenchmarkForEachFile(b *testing.B) {
	s, _ := openStore(b)
	fillBenchStore(b, s)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		n := 0
		err := s.ForEachFile(rootA, func(f state.File) error {
			n++
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if n != benchFiles {
			b.Fatalf("ForEachFile visited %d files, want %d", n, benchFiles)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchFiles), "ns/file")
}

// BenchmarkGetFile looks up single files in a folder of 100,000, each in its
// own read transaction.
func BenchmarkGetFile(b *testing.B) {
	s, _ := openStore(b)
	fillBenchStore(b, s)
	paths := make([]string, 1000)
	for i := range paths {
		paths[i] = benchFile(i * 97).Path
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if _, ok, err := s.GetFile(rootA, paths[i%len(paths)]); err != nil || !ok {
			b.Fatalf("GetFile = %v, %v", ok, err)
		}
		i++
	}
}

// BenchmarkMediaItemByHash looks up media items by content hash in a store
// of 10,000, each in its own read transaction, as the sync's planner does
// once per new file.
func BenchmarkMediaItemByHash(b *testing.B) {
	s, _ := openStore(b)
	const items = 10_000
	hashes := make([]string, items)
	err := s.Update(func(tx *state.Tx) error {
		for i := range items {
			hashes[i] = fmt.Sprintf("%064x", uint64(i)*0x9e3779b97f4a7c15)
			m := state.MediaItem{ID: fmt.Sprintf("AF1QipN%039d", i), SHA256: hashes[i], Filename: "IMG.JPG"}
			if err := tx.PutMediaItem(m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		err := s.View(func(tx *state.Tx) error {
			_, ok, err := tx.MediaItemByHash(hashes[i*97%items])
			if err == nil && !ok {
				err = fmt.Errorf("media item of hash %d not found", i*97%items)
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
}
