package state

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The sizes of BenchmarkFirstSyncRecords copy those of the first sync that
// BenchmarkFirstSync in package bench runs: 10,000 photos in 20
// directories, and journal commits of about 500 upload tokens. The
// creation lane records groups of 2,000 created items, its group size for
// a state file under 32 MiB. The 2,000 tokens journaled but not yet
// recorded are an estimate of that pass's backlog.
const (
	recordBenchFiles   = 10_000
	recordBenchDirs    = 20
	recordBenchJournal = 500
	recordBenchLag     = 2_000
	recordBenchGroup   = 2_000
)

// recordBenchID returns an ID shaped like the emulator's and Google's: 76
// base64url characters.
func recordBenchID(rng *rand.ChaCha8) string {
	b := make([]byte, 57)
	_, _ = rng.Read(b)
	return "A" + base64.RawURLEncoding.EncodeToString(b)[1:]
}

// recordBenchJob is one photo of BenchmarkFirstSyncRecords.
type recordBenchJob struct {
	upload  Upload
	mediaID string
	album   int
}

// BenchmarkFirstSyncRecords writes the records of a first sync of small
// photos into a new store per iteration, in the commits the sync engine
// makes: the journal's commits of upload tokens, and the creation lane's
// commits of a group of created items, each with its media item, its file
// record, the deletion of its pending upload and its album's new count.
// It runs them one after the other, so it measures the store's own work
// without the network and the workers.
//
// Metrics: ns/file and pages/file, the pages bbolt wrote per photo.
func BenchmarkFirstSyncRecords(b *testing.B) {
	rng := rand.NewChaCha8([32]byte{7})
	folder := "/home/user/Pictures/photosync-bench"
	albums := make([]Album, recordBenchDirs)
	for d := range albums {
		albums[d] = Album{ID: recordBenchID(rng), Title: fmt.Sprintf("album%02d", d),
			Folder: folder, Dir: fmt.Sprintf("album%02d", d)}
	}
	// The sync uploads the photos in path order, so directory by directory.
	var jobs []recordBenchJob
	now := time.Date(2026, 12, 4, 20, 0, 0, 0, time.UTC)
	for d := range recordBenchDirs {
		for i := d; i < recordBenchFiles; i += recordBenchDirs {
			var sum [32]byte
			_, _ = rng.Read(sum[:])
			name := fmt.Sprintf("IMG_%06d.jpg", i)
			jobs = append(jobs, recordBenchJob{
				upload: Upload{SHA256: hex.EncodeToString(sum[:]), Folder: folder,
					Path: albums[d].Dir + "/" + name, FileName: name, MimeType: "image/jpeg",
					Size: 3700, Token: "CAIS" + recordBenchID(rng) + recordBenchID(rng)[:52],
					TokenCreated: now, Stage: StageUploaded, Attempts: 1},
				mediaID: recordBenchID(rng),
				album:   d,
			})
		}
	}

	var pages int64
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		s, err := Open(filepath.Join(b.TempDir(), "state.db"), Options{Now: func() time.Time { return now }})
		if err != nil {
			b.Fatal(err)
		}
		err = s.Update(func(tx *Tx) error {
			if err := tx.PutFolder(Folder{ID: folder}); err != nil {
				return err
			}
			for _, a := range albums {
				if err := tx.PutAlbum(a); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		before := pagesWritten(s)
		cpuBefore := processCPU(b)
		b.StartTimer()

		recorded := 0
		for journaled := 0; journaled < len(jobs); {
			next := min(journaled+recordBenchJournal, len(jobs))
			recordBenchJournalCommit(b, s, jobs[journaled:next])
			journaled = next
			for recorded+recordBenchGroup <= journaled-recordBenchLag ||
				(journaled == len(jobs) && recorded < journaled) {
				end := min(recorded+recordBenchGroup, journaled)
				recordBenchRecordCommit(b, s, jobs[recorded:end], albums, now)
				recorded = end
			}
		}

		b.StopTimer()
		cpu += processCPU(b) - cpuBefore
		pages += pagesWritten(s) - before
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	files := float64(b.N * len(jobs))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/files, "ns/file")
	b.ReportMetric(float64(cpu.Nanoseconds())/files, "cpu-ns/file")
	b.ReportMetric(float64(pages)/files, "pages/file")
}

// recordBenchJournalCommit stores the upload tokens of jobs in one commit,
// as the sync's journal does.
func recordBenchJournalCommit(b *testing.B, s *Store, jobs []recordBenchJob) {
	err := s.Batch(func(tx *Tx) error {
		for _, j := range jobs {
			if err := tx.PutUpload(j.upload); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// recordBenchRecordCommit records the created items of jobs in one
// commit, in the order the sync's creation lane writes them.
func recordBenchRecordCommit(b *testing.B, s *Store, jobs []recordBenchJob, albums []Album, now time.Time) {
	// The creation lane stores the media items in ID order first, then the
	// files and the deletions of the pending uploads in group order.
	byID := slices.Clone(jobs)
	slices.SortStableFunc(byID, func(x, y recordBenchJob) int { return strings.Compare(x.mediaID, y.mediaID) })
	err := s.Batch(func(tx *Tx) error {
		for _, j := range byID {
			u, album := j.upload, albums[j.album]
			m := MediaItem{ID: j.mediaID, SHA256: u.SHA256, Filename: u.FileName,
				MimeType: u.MimeType, CreatedAt: now, AlbumIDs: []string{album.ID}}
			if err := tx.MergeMediaItem(m); err != nil {
				return err
			}
		}
		counts := make([]int, len(albums))
		for _, j := range jobs {
			u, album := j.upload, albums[j.album]
			f := File{Folder: u.Folder, Path: u.Path, Size: u.Size, ModTime: now.Add(-time.Hour),
				SHA256: u.SHA256, MediaItemID: j.mediaID, AlbumID: album.ID, Status: StatusSynced}
			if err := tx.PutFile(f); err != nil {
				return err
			}
			if err := tx.DeleteUpload(u.SHA256); err != nil {
				return err
			}
			counts[j.album]++
		}
		for d, n := range counts {
			if n == 0 {
				continue
			}
			a, _, err := tx.GetAlbum(albums[d].ID)
			if err != nil {
				return err
			}
			a.ItemCount += n
			if err := tx.PutAlbum(a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// pagesWritten returns the number of pages the store's commits wrote.
func pagesWritten(s *Store) int64 {
	stats := s.db.Stats()
	return stats.TxStats.GetWrite()
}

// processCPU returns the user and system CPU time of the process so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
