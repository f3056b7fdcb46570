package photosapi_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/photosync/photosync/photosapi/api"
	"github.com/photosync/photosync/photosapi/emulator"
)

// uniqueJPEG returns base with a counter written over its last bytes, so
// that every file differs and the server's deduplication never skips
// work. JPEG readers ignore the bytes after the image.
func uniqueJPEG(base []byte, n uint64) []byte {
	data := bytes.Clone(base)
	binary.BigEndian.PutUint64(data[len(data)-8:], n)
	return data
}

// parallel runs work(i) for i in [0, n) on the given number of workers.
func parallel(workers, n int, work func(i int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := work(i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// BenchmarkUploadRaw measures raw byte uploads of 512 KiB photos to the
// emulator over loopback. Keep -benchtime to a few hundred iterations:
// the emulator holds every upload in memory.
func BenchmarkUploadRaw(b *testing.B) {
	const size = 512 << 10
	for _, workers := range []int{1, 4} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			e := startEnv(b, emulator.Options{DailyQuota: -1}, nil)
			base := bigJPEG(b, size, 7)
			b.SetBytes(size)
			b.ResetTimer()
			err := parallel(workers, b.N, func(i int) error {
				// Making each file costs one copy, like reading it from disk.
				data := uniqueJPEG(base, uint64(i))
				_, err := e.client.UploadRaw(b.Context(), bytes.NewReader(data), size, fmt.Sprintf("f%d.jpg", i), "image/jpeg")
				return err
			})
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "files/s")
		})
	}
}

// BenchmarkBatchCreate measures mediaItems.batchCreate calls of 50 items
// each, the API's maximum. The byte uploads happen before the timer
// starts.
func BenchmarkBatchCreate(b *testing.B) {
	for _, workers := range []int{1, 4} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			e := startEnv(b, emulator.Options{DailyQuota: -1}, nil)
			requests := uploadBatches(b, e, false)
			b.ResetTimer()
			var created atomic.Int64
			err := parallel(workers, b.N, func(i int) error {
				results, err := e.client.BatchCreate(b.Context(), requests[i])
				if err != nil {
					return err
				}
				for _, r := range results {
					if err := r.Err(); err != nil {
						return err
					}
				}
				created.Add(int64(len(results)))
				return nil
			})
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(created.Load())/b.Elapsed().Seconds(), "files/s")
		})
	}
}

// BenchmarkBatchCreateItems measures BatchCreateItems calls of 50 items
// on one worker, the way the sync's creation lane makes them. The
// allocations it reports include the emulator's, which runs in the same
// process.
func BenchmarkBatchCreateItems(b *testing.B) {
	e := startEnv(b, emulator.Options{DailyQuota: -1}, nil)
	requests := uploadBatches(b, e, true)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		results, err := e.client.BatchCreateItems(b.Context(), requests[i])
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range results {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*api.MaxBatchCreateItems)/b.Elapsed().Seconds(), "files/s")
}

// uploadBatches uploads b.N batches of 50 distinct photos and returns a
// batchCreate request for each batch, which sets each item's file name
// when withNames is true.
func uploadBatches(b *testing.B, e *env, withNames bool) []api.BatchCreateMediaItemsRequest {
	const batch = api.MaxBatchCreateItems
	_, base := sample(b, "Orientation/f1-exif.jpg")
	// Each upload worker writes its own slot, so no lock is needed.
	requests := make([]api.BatchCreateMediaItemsRequest, b.N)
	for i := range requests {
		requests[i].NewMediaItems = make([]api.NewMediaItem, batch)
	}
	err := parallel(4, b.N*batch, func(i int) error {
		data := uniqueJPEG(base, uint64(i))
		name := fmt.Sprintf("f%d.jpg", i)
		token, err := e.client.UploadRaw(b.Context(), bytes.NewReader(data), int64(len(data)), name, "image/jpeg")
		if err != nil {
			return err
		}
		item := &api.SimpleMediaItem{UploadToken: token}
		if withNames {
			item.FileName = name
		}
		requests[i/batch].NewMediaItems[i%batch].SimpleMediaItem = item
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return requests
}
