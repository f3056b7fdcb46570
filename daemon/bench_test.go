package daemon

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// BenchmarkFileToItem measures the time from the last write of a new file
// in a watched folder to its media item existing in the emulator, with the
// config's settle_time of 1 s. It reports the median and the 90th
// percentile over the iterations. Each iteration takes over a second by
// design, so run it with -benchtime 20x or so.
func BenchmarkFileToItem(b *testing.B) {
	h := startHarness(b, "A")
	root := filepath.Join(h.dir, "A")
	var latencies []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		name := filepath.Join(root, fmt.Sprintf("new-%d.png", i))
		sha := writeSettledPNG(b, name, 5000+i)
		// writeSettledPNG backdates the file; a new file is written now.
		now := time.Now()
		if err := os.Chtimes(name, now, now); err != nil {
			b.Fatal(err)
		}
		written := time.Now()
		deadline := written.Add(waitTimeout)
		for !h.remoteSHAs()[sha] {
			if time.Now().After(deadline) {
				b.Fatalf("file %s has no item after %v", name, waitTimeout)
			}
			time.Sleep(10 * time.Millisecond) // polling interval of the measurement
		}
		latencies = append(latencies, time.Since(written))
	}
	b.StopTimer()
	slices.Sort(latencies)
	b.ReportMetric(float64(latencies[len(latencies)/2].Milliseconds()), "ms-median")
	b.ReportMetric(float64(latencies[len(latencies)*9/10].Milliseconds()), "ms-p90")
}
