package scan

import (
	"slices"
	"strings"
)

// Block sizes of an entryList. The first block is small for the many small
// scans, and later ones double up to the largest size.
const (
	firstEntryBlock = 16
	maxEntryBlock   = 1024
)

// entryList collects entries in blocks, so that adding one never copies
// those before it, as growing a slice by append does.
type entryList struct {
	blocks [][]Entry
	n      int
}

func (l *entryList) add(e Entry) {
	k := len(l.blocks)
	if k == 0 || len(l.blocks[k-1]) == cap(l.blocks[k-1]) {
		size := firstEntryBlock
		if k > 0 {
			size = min(2*cap(l.blocks[k-1]), maxEntryBlock)
		}
		l.blocks = append(l.blocks, make([]Entry, 0, size))
		k++
	}
	l.blocks[k-1] = append(l.blocks[k-1], e)
	l.n++
}

// sortedEntries returns the entries of all lists in one array of the exact
// size, sorted by path in byte order. It sorts pointers and copies each
// entry once, which costs less than sorting the entries themselves.
func sortedEntries(lists []*entryList) []Entry {
	n := 0
	for _, l := range lists {
		n += l.n
	}
	order := make([]*Entry, 0, n)
	for _, l := range lists {
		for _, block := range l.blocks {
			for i := range block {
				order = append(order, &block[i])
			}
		}
	}
	slices.SortFunc(order, func(a, b *Entry) int { return strings.Compare(a.Path, b.Path) })
	entries := make([]Entry, n)
	for i, e := range order {
		entries[i] = *e
	}
	return entries
}
