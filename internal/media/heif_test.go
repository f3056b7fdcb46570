package media

import (
	"encoding/binary"
	"testing"
)

// An iloc box whose field sizes are all zero makes extents that take no
// bytes, so only the cap bounds how many the parser keeps.
func TestItemLocationsCapExtents(t *testing.T) {
	body := []byte{1, 0, 0, 0}                         // version 1, flags 0
	body = binary.BigEndian.AppendUint16(body, 0)      // all sizes zero
	body = binary.BigEndian.AppendUint16(body, 0xFFFF) // item count
	for i := range 64 {
		body = binary.BigEndian.AppendUint16(body, uint16(i+1)) // item ID
		body = binary.BigEndian.AppendUint16(body, 0)           // construction method
		body = binary.BigEndian.AppendUint16(body, 0)           // data reference index
		body = binary.BigEndian.AppendUint16(body, 0xFFFF)      // extent count
	}
	h := &heifMeta{extents: map[uint32][]extent{}}
	h.parseItemLocations(body)
	total := 0
	for _, e := range h.extents {
		total += len(e)
	}
	if total > maxItemExtents {
		t.Errorf("parsed %d extents, more than the cap of %d", total, maxItemExtents)
	}
	if total == 0 {
		t.Error("parsed no extents")
	}
}

func TestItemDataBounds(t *testing.T) {
	file := []byte("0123456789")
	h := &heifMeta{extents: map[uint32][]extent{
		1: {{offset: 2, length: 3}, {offset: 8, length: 2}},
		2: {{offset: 9, length: 5}},
		3: {{offset: 0, length: 10}, {offset: 0, length: 10}},
		4: {{method: 1, offset: 1, length: 2}},
	}, idat: []byte("abcd")}
	if got, ok := h.itemData(1, file); !ok || string(got) != "23489" {
		t.Errorf("item 1 = %q, %v; want \"23489\", true", got, ok)
	}
	if _, ok := h.itemData(2, file); ok {
		t.Error("item 2 runs past the end but was returned")
	}
	if _, ok := h.itemData(3, file); ok {
		t.Error("item 3 is longer than the file but was returned")
	}
	if got, ok := h.itemData(4, file); !ok || string(got) != "bc" {
		t.Errorf("item 4 = %q, %v; want \"bc\", true", got, ok)
	}
	if _, ok := h.itemData(5, file); ok {
		t.Error("item 5 has no extents but was returned")
	}
}
