package watcher

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var (
	testTiming = timing{
		delay:       10 * time.Second,
		removeDelay: 20 * time.Second,
		maxDelay:    60 * time.Second,
		maxPending:  4,
	}
	epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
)

// at returns the time s seconds after epoch.
func at(s int) time.Time {
	return epoch.Add(time.Duration(s) * time.Second)
}

// aggregatorEvent is one call to add or rescan, s seconds after epoch.
type aggregatorEvent struct {
	s       int
	rel     string
	removal bool
	rescan  bool
}

// flushResult is what flush returned at a given second.
type flushResult struct {
	S       int
	Paths   []string
	Rescans []string
}

func TestAggregatorTiming(t *testing.T) {
	for _, tc := range []struct {
		name   string
		events []aggregatorEvent
		want   []flushResult
	}{
		{
			name:   "quiet delay",
			events: []aggregatorEvent{{s: 0, rel: "a.jpg"}, {s: 3, rel: "a.jpg"}},
			want:   []flushResult{{S: 13, Paths: []string{"a.jpg"}}},
		},
		{
			name: "max delay",
			events: []aggregatorEvent{
				{s: 0, rel: "a.mp4"}, {s: 9, rel: "a.mp4"}, {s: 18, rel: "a.mp4"},
				{s: 27, rel: "a.mp4"}, {s: 36, rel: "a.mp4"}, {s: 45, rel: "a.mp4"},
				{s: 54, rel: "a.mp4"},
			},
			want: []flushResult{{S: 60, Paths: []string{"a.mp4"}}},
		},
		{
			name:   "removal waits longer",
			events: []aggregatorEvent{{s: 0, rel: "gone.jpg", removal: true}},
			want:   []flushResult{{S: 20, Paths: []string{"gone.jpg"}}},
		},
		{
			name:   "rename flushes both names",
			events: []aggregatorEvent{{s: 0, rel: "old.jpg", removal: true}, {s: 0, rel: "new.jpg"}},
			want:   []flushResult{{S: 10, Paths: []string{"new.jpg", "old.jpg"}}},
		},
		{
			name:   "later removal keeps waiting",
			events: []aggregatorEvent{{s: 0, rel: "new.jpg"}, {s: 1, rel: "old.jpg", removal: true}},
			want: []flushResult{
				{S: 10, Paths: []string{"new.jpg"}},
				{S: 21, Paths: []string{"old.jpg"}},
			},
		},
		{
			name: "removed directory absorbs its files",
			events: []aggregatorEvent{
				{s: 0, rel: "Trip/a.jpg", removal: true},
				{s: 0, rel: "Trip/b.jpg", removal: true},
				{s: 0, rel: "Trip", removal: true, rescan: true},
				{s: 1, rel: "Trip/c.jpg"},
			},
			want: []flushResult{{S: 11, Rescans: []string{"Trip"}}},
		},
		{
			name: "rescan keeps the earliest first event",
			events: []aggregatorEvent{
				{s: 0, rel: "d/a.jpg"}, {s: 8, rel: "d/a.jpg"}, {s: 16, rel: "d/a.jpg"},
				{s: 24, rel: "d/a.jpg"}, {s: 32, rel: "d", rescan: true},
				{s: 40, rel: "d/b.jpg"}, {s: 48, rel: "d/b.jpg"}, {s: 56, rel: "d/b.jpg"},
			},
			want: []flushResult{{S: 60, Rescans: []string{"d"}}},
		},
		{
			name: "directory over the limit",
			events: []aggregatorEvent{
				{s: 0, rel: "x/1.jpg"}, {s: 0, rel: "x/2.jpg"}, {s: 0, rel: "x/3.jpg"},
				{s: 0, rel: "x/4.jpg"}, {s: 0, rel: "x/5.jpg"}, {s: 2, rel: "x/6.jpg"},
			},
			want: []flushResult{{S: 12, Rescans: []string{"x"}}},
		},
		{
			name: "root over the limit",
			events: []aggregatorEvent{
				{s: 0, rel: "a/1.jpg"}, {s: 0, rel: "b/1.jpg"}, {s: 0, rel: "c/1.jpg"},
				{s: 0, rel: "d/1.jpg"}, {s: 0, rel: "e/1.jpg"},
			},
			want: []flushResult{{S: 10, Rescans: []string{""}}},
		},
		{
			name: "rescans count toward the limit",
			events: []aggregatorEvent{
				{s: 0, rel: "a", rescan: true}, {s: 0, rel: "b", rescan: true},
				{s: 0, rel: "c", rescan: true}, {s: 0, rel: "d", rescan: true},
				{s: 0, rel: "e", rescan: true},
			},
			want: []flushResult{{S: 10, Rescans: []string{""}}},
		},
		{
			name: "sibling names are not nested",
			events: []aggregatorEvent{
				{s: 0, rel: "a", rescan: true, removal: true}, {s: 0, rel: "ab/c.jpg"},
			},
			want: []flushResult{{S: 10, Paths: []string{"ab/c.jpg"}, Rescans: []string{"a"}}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newAggregator(testTiming)
			var got []flushResult
			next := 0
			for s := 0; s <= 120; s++ {
				for next < len(tc.events) && tc.events[next].s == s {
					ev := tc.events[next]
					if ev.rescan {
						a.rescan(ev.rel, ev.removal, at(s))
					} else {
						a.add(ev.rel, ev.removal, at(s))
					}
					next++
				}
				if paths, rescans := a.flush(at(s)); len(paths) > 0 || len(rescans) > 0 {
					got = append(got, flushResult{S: s, Paths: paths, Rescans: rescans})
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("flushes (-want +got):\n%s", diff)
			}
			if n := a.len(); n != 0 {
				t.Errorf("%d entries still pending after the last flush", n)
			}
		})
	}
}

func TestAggregatorNextDeadline(t *testing.T) {
	a := newAggregator(testTiming)
	if _, ok := a.next(); ok {
		t.Errorf("next() on an empty aggregator reports a deadline")
	}

	a.add("old.jpg", true, at(0))
	a.add("new.jpg", false, at(5))
	got, ok := a.next()
	if !ok || !got.Equal(at(15)) {
		t.Errorf("next() = %v, %v; want %v, true", got, ok, at(15))
	}
}

func TestBatchMerge(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b Batch
		want Batch
	}{
		{
			name: "union of paths",
			a:    Batch{Paths: []string{"b.jpg", "a.jpg"}},
			b:    Batch{Paths: []string{"c.jpg", "a.jpg"}},
			want: Batch{Paths: []string{"a.jpg", "b.jpg", "c.jpg"}},
		},
		{
			name: "rescan absorbs paths below it",
			a:    Batch{Paths: []string{"d/a.jpg", "d", "e.jpg"}},
			b:    Batch{Rescan: []string{"d/x", "d"}},
			want: Batch{Paths: []string{"e.jpg"}, Rescan: []string{"d"}},
		},
		{
			name: "sibling prefix is kept",
			a:    Batch{Rescan: []string{"a"}},
			b:    Batch{Paths: []string{"a b/1.jpg", "ab.jpg"}, Rescan: []string{"a/b", "a b"}},
			want: Batch{Rescan: []string{"a", "a b"}, Paths: []string{"ab.jpg"}},
		},
		{
			name: "root rescan absorbs everything",
			a:    Batch{Paths: []string{"a.jpg"}, Rescan: []string{"d"}},
			b:    Batch{Rescan: []string{""}},
			want: Batch{Rescan: []string{""}},
		},
		{
			name: "over the limit",
			a:    Batch{Paths: []string{"1.jpg", "2.jpg", "3.jpg"}},
			b:    Batch{Paths: []string{"4.jpg", "5.jpg"}},
			want: Batch{Rescan: []string{""}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.a.Root, tc.b.Root, tc.want.Root = "/photos", "/photos", "/photos"
			got := tc.a.merge(tc.b, testTiming.maxPending)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("merge (-want +got):\n%s", diff)
			}
		})
	}
}

// BenchmarkAggregator measures 100,000 events on 20,000 paths in 200
// directories, five events per path, followed by the flush that reports
// them.
func BenchmarkAggregator(b *testing.B) {
	const (
		events = 100_000
		dirs   = 200
		paths  = 20_000
	)
	names := make([]string, paths)
	for i := range names {
		names[i] = fmt.Sprintf("dir%03d/IMG_%05d.jpg", i%dirs, i)
	}
	t := timing{delay: 10 * time.Second, removeDelay: 20 * time.Second, maxDelay: time.Minute, maxPending: paths}

	b.ReportAllocs()
	for b.Loop() {
		a := newAggregator(t)
		for i := range events {
			a.add(names[i%paths], i%7 == 0, epoch.Add(time.Duration(i)*time.Millisecond))
		}
		if got, _ := a.flush(epoch.Add(time.Hour)); len(got) != paths {
			b.Fatalf("flush returned %d paths; want %d", len(got), paths)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*events), "ns/event")
}

// FuzzAggregator drives an aggregator with events decoded from the input and
// flushes it every second. It checks that every change is reported within
// maxDelay, that a flush never names a path below one of its own rescans,
// and that nothing is left once events stop.
func FuzzAggregator(f *testing.F) {
	f.Add([]byte{0x01, 0x12, 0x23, 0x80, 0x34})
	f.Add([]byte{0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41})
	f.Add([]byte{0xc5, 0x05, 0x15, 0x25, 0x35, 0x45, 0x55, 0x65, 0x75})
	f.Add([]byte{0x8f, 0x0f, 0x1f, 0x2f, 0x3f, 0x4f})

	// Paths form a small tree so that rescans and limits interact.
	names := []string{
		"a", "a/1.jpg", "a/2.jpg", "a/b", "a/b/3.jpg", "a b", "a b/4.jpg", "c.jpg",
		"d", "d/5.jpg", "d/6.jpg", "d/7.jpg", "d/8.jpg", "d/e", "d/e/9.jpg", "f.jpg",
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		a := newAggregator(testTiming)
		dirty := make(map[string]time.Time) // changed path to its first unreported change
		now := epoch

		flushAndCheck := func() {
			paths, rescans := a.flush(now)
			for _, rel := range paths {
				if coveredByAny(rel, rescans) {
					t.Fatalf("at %v: path %q reported with a rescan of its directory %q", now, rel, rescans)
				}
			}
			for rel := range dirty {
				if slices.Contains(paths, rel) || coveredByAny(rel, rescans) {
					delete(dirty, rel)
				}
			}
			for rel, first := range dirty {
				if now.Sub(first) > testTiming.maxDelay {
					t.Fatalf("at %v: %q changed at %v is still unreported", now, rel, first)
				}
			}
		}

		for _, b := range input {
			// The low four bits pick a path, the next two the operation,
			// and the top bit whether a second passes first.
			rel := names[b&0x0f]
			if b&0x80 != 0 {
				now = now.Add(time.Second)
				flushAndCheck()
			}
			switch (b >> 4) & 0x03 {
			case 0, 1:
				a.add(rel, false, now)
			case 2:
				a.add(rel, true, now)
			case 3:
				a.rescan(rel, true, now)
			}
			if _, ok := dirty[rel]; !ok {
				dirty[rel] = now
			}
		}
		for range 2 * testTiming.maxDelay / time.Second {
			now = now.Add(time.Second)
			flushAndCheck()
		}
		if len(dirty) != 0 || a.len() != 0 {
			t.Fatalf("after events stopped: unreported %v, %d entries pending", dirty, a.len())
		}
	})
}

// coveredByAny reports whether rel lies in one of the directories in dirs.
func coveredByAny(rel string, dirs []string) bool {
	return slices.ContainsFunc(dirs, func(dir string) bool { return within(rel, dir) })
}
