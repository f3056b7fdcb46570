package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// heifMeta is the part of the meta box of a HEIC or AVIF file that
// readHEIF uses.
type heifMeta struct {
	primary    uint32
	properties []box             // ipco children, indexed from 1 by ipma
	assoc      map[uint32][]int  // item ID to its property indexes
	itemTypes  map[uint32]string // item ID to item type, such as "Exif"
	extents    map[uint32][]extent
	idat       []byte
}

// heifXMPItem is the item type recorded for "mime" items whose content
// type is XMP.
const heifXMPItem = "mime:xmp"

// itemsOfType returns the IDs of the items of one type in ascending order,
// so that files with several are read the same way every time.
func (h *heifMeta) itemsOfType(typ string) []uint32 {
	var ids []uint32
	for id, t := range h.itemTypes {
		if t == typ {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// maxItemExtents caps the extents read from an iloc box. Images have one
// or a few per item; grid images have one item per tile.
const maxItemExtents = 1 << 16

// extent is one piece of an item's data: where it lies in the file (or, for
// construction method 1, in the idat box) and how long it is.
type extent struct {
	method uint8
	offset uint64
	length uint64
}

// readHEIF fills m from a HEIC or AVIF file: the size of the primary image
// from its ispe property, its rotation from irot, and the EXIF item.
func readHEIF(data []byte, m *Metadata) error {
	top, err := boxes(data)
	var meta []byte
	for _, b := range top {
		if b.typ == "meta" {
			meta = b.body
			break
		}
	}
	if meta == nil {
		if err != nil {
			return fmt.Errorf("heif: %w", err)
		}
		return errors.New("heif: no meta box")
	}
	_, _, rest, ok := fullBox(meta)
	if !ok {
		return errors.New("heif: meta box is truncated")
	}
	h, err := parseHEIFMeta(rest)
	if err != nil {
		return err
	}

	width, height, rotation := h.primarySize()
	m.Width, m.Height = int(width), int(height)
	if rotation != 0 {
		m.Orientation = rotation
	}

	// XMP dates fill a missing EXIF date on every return path below.
	defer func() {
		for _, id := range h.itemsOfType(heifXMPItem) {
			packet, _ := h.itemData(id, data)
			useXMP(m, packet)
		}
	}()
	for _, id := range h.itemsOfType("Exif") {
		payload, ok := h.itemData(id, data)
		if !ok {
			return fmt.Errorf("heif: EXIF item %d lies outside the file", id)
		}
		// The payload starts with the offset of the TIFF header after
		// these four bytes, usually past an "Exif\0\0" prefix.
		if len(payload) < 4 {
			return fmt.Errorf("heif: EXIF item %d is %d bytes long", id, len(payload))
		}
		skip := uint64(binary.BigEndian.Uint32(payload))
		if skip > uint64(len(payload)-4) {
			return fmt.Errorf("heif: EXIF item %d has invalid TIFF header offset %d", id, skip)
		}
		width, height := m.Width, m.Height
		orientation := m.Orientation
		err := readEXIF(payload[4+skip:], m)
		// The image properties override EXIF: HEIF readers ignore the EXIF
		// orientation and the coded size is authoritative.
		if width > 0 && height > 0 {
			m.Width, m.Height = width, height
		}
		m.Orientation = orientation
		return err
	}
	return nil
}

func parseHEIFMeta(meta []byte) (*heifMeta, error) {
	h := &heifMeta{
		assoc:     map[uint32][]int{},
		itemTypes: map[uint32]string{},
		extents:   map[uint32][]extent{},
	}
	children, err := boxes(meta)
	if err != nil && len(children) == 0 {
		return nil, fmt.Errorf("heif meta: %w", err)
	}
	for _, b := range children {
		switch b.typ {
		case "pitm":
			version, _, rest, _ := fullBox(b.body)
			r := &byteReader{data: rest}
			if version == 0 {
				h.primary = uint32(r.u16())
			} else {
				h.primary = r.u32()
			}
		case "iinf":
			h.parseItemInfo(b.body)
		case "iloc":
			h.parseItemLocations(b.body)
		case "iprp":
			h.parseProperties(b.body)
		case "idat":
			h.idat = b.body
		}
	}
	return h, nil
}

func (h *heifMeta) parseItemInfo(body []byte) {
	version, _, rest, ok := fullBox(body)
	if !ok {
		return
	}
	skip := 2
	if version > 0 {
		skip = 4
	}
	if len(rest) < skip {
		return
	}
	entries, _ := boxes(rest[skip:])
	for _, e := range entries {
		if e.typ != "infe" {
			continue
		}
		version, _, rest, ok := fullBox(e.body)
		if !ok || version < 2 {
			continue
		}
		r := &byteReader{data: rest}
		var id uint32
		if version == 2 {
			id = uint32(r.u16())
		} else {
			id = r.u32()
		}
		r.skip(2) // item_protection_index
		typ := r.take(4)
		if r.bad {
			continue
		}
		h.itemTypes[id] = string(typ)
		if string(typ) == "mime" {
			// item_name and content_type follow as NUL-terminated strings.
			fields := bytes.SplitN(rest[r.pos:], []byte{0}, 3)
			if len(fields) >= 2 && string(fields[1]) == "application/rdf+xml" {
				h.itemTypes[id] = heifXMPItem
			}
		}
	}
}

// parseItemLocations reads the iloc box, which ISO/IEC 14496-12 defines
// with field sizes that the box itself declares.
func (h *heifMeta) parseItemLocations(body []byte) {
	version, _, rest, ok := fullBox(body)
	if !ok || version > 2 {
		return
	}
	r := &byteReader{data: rest}
	sizes := r.u16()
	offsetSize := int(sizes >> 12)
	lengthSize := int(sizes >> 8 & 0xF)
	baseOffsetSize := int(sizes >> 4 & 0xF)
	indexSize := 0
	if version > 0 {
		indexSize = int(sizes & 0xF)
	}

	var count uint32
	if version < 2 {
		count = uint32(r.u16())
	} else {
		count = r.u32()
	}

	total := 0
	for i := uint32(0); i < count && !r.bad; i++ {
		var id uint32
		if version < 2 {
			id = uint32(r.u16())
		} else {
			id = r.u32()
		}
		var method uint8
		if version > 0 {
			method = uint8(r.u16() & 0xF)
		}
		r.skip(2) // data_reference_index
		base := r.uintN(baseOffsetSize)
		extentCount := int(r.u16())
		for j := 0; j < extentCount && !r.bad; j++ {
			// With all field sizes zero an extent takes no bytes, so the
			// total is capped instead of trusting the counts.
			if total++; total > maxItemExtents {
				return
			}
			r.uintN(indexSize)
			offset := r.uintN(offsetSize)
			length := r.uintN(lengthSize)
			if !r.bad {
				h.extents[id] = append(h.extents[id], extent{method: method, offset: base + offset, length: length})
			}
		}
	}
}

func (h *heifMeta) parseProperties(body []byte) {
	children, _ := boxes(body)
	for _, b := range children {
		switch b.typ {
		case "ipco":
			h.properties, _ = boxes(b.body)
		case "ipma":
			version, flags, rest, ok := fullBox(b.body)
			if !ok {
				continue
			}
			r := &byteReader{data: rest}
			count := r.u32()
			for i := uint32(0); i < count && !r.bad; i++ {
				var id uint32
				if version < 1 {
					id = uint32(r.u16())
				} else {
					id = r.u32()
				}
				n := int(r.u8())
				for j := 0; j < n && !r.bad; j++ {
					var index int
					if flags&1 != 0 {
						index = int(r.u16() & 0x7FFF)
					} else {
						index = int(r.u8() & 0x7F)
					}
					if !r.bad {
						h.assoc[id] = append(h.assoc[id], index)
					}
				}
			}
		}
	}
}

// primarySize returns the width and height of the primary item and its
// rotation as an EXIF orientation (0 when it has no irot). Without
// associations it falls back to the largest ispe in the file.
func (h *heifMeta) primarySize() (width, height uint32, orientation int) {
	for _, index := range h.assoc[h.primary] {
		if index < 1 || index > len(h.properties) {
			continue
		}
		p := h.properties[index-1]
		switch p.typ {
		case "ispe":
			width, height = ispe(p.body)
		case "irot":
			if len(p.body) >= 1 {
				// irot turns the image anticlockwise in steps of 90°.
				orientation = [...]int{1, 8, 3, 6}[p.body[0]&3]
			}
		}
	}
	if width > 0 && height > 0 {
		return width, height, orientation
	}
	for _, p := range h.properties {
		if p.typ != "ispe" {
			continue
		}
		w, hh := ispe(p.body)
		if uint64(w)*uint64(hh) > uint64(width)*uint64(height) {
			width, height = w, hh
		}
	}
	return width, height, orientation
}

func ispe(body []byte) (width, height uint32) {
	_, _, rest, ok := fullBox(body)
	if !ok || len(rest) < 8 {
		return 0, 0
	}
	return binary.BigEndian.Uint32(rest), binary.BigEndian.Uint32(rest[4:])
}

// itemData returns the bytes of an item, joining its extents. An item of
// one extent is returned as a slice of file or idat, not a copy. It
// returns false when an extent lies outside the file or the idat box. The
// result is never longer than the file, so a corrupt iloc cannot make it
// large.
func (h *heifMeta) itemData(id uint32, file []byte) ([]byte, bool) {
	extents := h.extents[id]
	if len(extents) == 0 {
		return nil, false
	}
	var out []byte
	for _, e := range extents {
		piece, ok := h.extentData(e, file)
		if !ok || uint64(len(out))+uint64(len(piece)) > uint64(len(file)) {
			return nil, false
		}
		if len(extents) == 1 {
			return piece, true
		}
		out = append(out, piece...)
	}
	return out, true
}

func (h *heifMeta) extentData(e extent, file []byte) ([]byte, bool) {
	source := file
	switch e.method {
	case 0:
	case 1:
		source = h.idat
	default:
		return nil, false
	}
	if e.offset > uint64(len(source)) {
		return nil, false
	}
	length := e.length
	if length == 0 {
		// A zero length means the rest of the source.
		length = uint64(len(source)) - e.offset
	}
	if length > uint64(len(source))-e.offset {
		return nil, false
	}
	return source[e.offset : e.offset+length], true
}
