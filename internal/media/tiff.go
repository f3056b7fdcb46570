package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// TIFF tags that this package reads. EXIF, DNG and TIFF 6.0 define them.
const (
	tagNewSubfileType   = 0x00FE
	tagImageWidth       = 0x0100
	tagImageLength      = 0x0101
	tagCompression      = 0x0103
	tagMake             = 0x010F
	tagModel            = 0x0110
	tagOrientation      = 0x0112
	tagDateTime         = 0x0132
	tagSubIFDs          = 0x014A
	tagXMLPacket        = 0x02BC
	tagExposureTime     = 0x829A
	tagFNumber          = 0x829D
	tagExifIFD          = 0x8769
	tagGPSIFD           = 0x8825
	tagISOSpeed         = 0x8827
	tagDateTimeOriginal = 0x9003
	tagOffsetTime       = 0x9010
	tagOffsetTimeOrig   = 0x9011
	tagFocalLength      = 0x920A
	tagSubSecTimeOrig   = 0x9291
	tagPixelXDimension  = 0xA002
	tagPixelYDimension  = 0xA003
	tagDNGVersion       = 0xC612

	gpsTagLatitude  = 0x0002
	gpsTagLongitude = 0x0004
)

// maxIFDEntries caps the entries read from one IFD. Real files have at most
// a few hundred; the cap keeps a corrupt count from costing more work.
const maxIFDEntries = 4096

// maxIFDs caps how many IFDs one file may make the reader visit, across the
// IFD0 chain, SubIFDs, the Exif IFD and the GPS IFD.
const maxIFDs = 64

var errNotTIFF = errors.New("not a TIFF header")

// tiffData is a TIFF structure (a TIFF or RAW file, or the payload of an
// EXIF block) held in memory. Every read is bounds-checked, so corrupt
// offsets and counts return errors instead of panicking.
type tiffData struct {
	data  []byte
	order binary.ByteOrder
	first uint32 // offset of IFD0
}

// ifdEntry is one 12-byte IFD entry. pos is the offset of the entry itself
// and valuePos the offset of its value, inline or not.
type ifdEntry struct {
	tag      uint16
	typ      uint16
	count    uint32
	pos      uint32
	valuePos uint32
}

// ifd is one image file directory: its entries, where it sits and the
// offset of the next IFD in its chain (0 for none).
type ifd struct {
	pos     uint32
	entries []ifdEntry
	next    uint32
}

func newTIFF(data []byte) (*tiffData, error) {
	if len(data) < 8 {
		return nil, errNotTIFF
	}
	var order binary.ByteOrder
	switch string(data[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return nil, errNotTIFF
	}
	// The magic number is 42 in TIFF and EXIF. Panasonic RW2 uses 0x55
	// and Olympus ORF "RO" or "RS", with standard IFDs after them.
	switch order.Uint16(data[2:4]) {
	case 42, 0x55, 0x4F52, 0x5352, 0x524F, 0x5253:
	default:
		return nil, errNotTIFF
	}
	return &tiffData{data: data, order: order, first: order.Uint32(data[4:8])}, nil
}

// typeSize returns the size in bytes of one value of a TIFF field type, or
// 0 for an unknown type.
func typeSize(typ uint16) uint32 {
	switch typ {
	case 1, 2, 6, 7: // BYTE, ASCII, SBYTE, UNDEFINED
		return 1
	case 3, 8: // SHORT, SSHORT
		return 2
	case 4, 9, 11, 13: // LONG, SLONG, FLOAT, IFD
		return 4
	case 5, 10, 12: // RATIONAL, SRATIONAL, DOUBLE
		return 8
	}
	return 0
}

// ifd reads the IFD at off.
func (t *tiffData) ifd(off uint32) (ifd, error) {
	if uint64(off)+2 > uint64(len(t.data)) || off < 8 {
		return ifd{}, fmt.Errorf("IFD offset %d outside the %d-byte TIFF data", off, len(t.data))
	}
	n := uint32(t.order.Uint16(t.data[off:]))
	if n > maxIFDEntries {
		return ifd{}, fmt.Errorf("IFD at %d has %d entries, more than %d", off, n, maxIFDEntries)
	}
	end := uint64(off) + 2 + uint64(n)*12
	if end > uint64(len(t.data)) {
		return ifd{}, fmt.Errorf("IFD at %d with %d entries runs past the %d-byte TIFF data", off, n, len(t.data))
	}
	dir := ifd{pos: off, entries: make([]ifdEntry, 0, n)}
	for i := range n {
		p := off + 2 + i*12
		e := ifdEntry{
			tag:   t.order.Uint16(t.data[p:]),
			typ:   t.order.Uint16(t.data[p+2:]),
			count: t.order.Uint32(t.data[p+4:]),
			pos:   p,
		}
		size := uint64(typeSize(e.typ)) * uint64(e.count)
		if size <= 4 {
			e.valuePos = p + 8
		} else {
			e.valuePos = t.order.Uint32(t.data[p+8:])
		}
		dir.entries = append(dir.entries, e)
	}
	if end+4 <= uint64(len(t.data)) {
		dir.next = t.order.Uint32(t.data[end:])
	}
	return dir, nil
}

// find returns the entry with the given tag.
func (d ifd) find(tag uint16) (ifdEntry, bool) {
	for _, e := range d.entries {
		if e.tag == tag {
			return e, true
		}
	}
	return ifdEntry{}, false
}

// value returns the bytes of an entry's value, or false when its type is
// unknown or the value lies outside the data.
func (t *tiffData) value(e ifdEntry) ([]byte, bool) {
	size := uint64(typeSize(e.typ)) * uint64(e.count)
	if size == 0 || uint64(e.valuePos)+size > uint64(len(t.data)) {
		return nil, false
	}
	return t.data[e.valuePos : uint64(e.valuePos)+size], true
}

// str returns an ASCII (or UNDEFINED) value up to its first NUL, with
// surrounding spaces trimmed, or "" when the entry is missing or invalid.
func (t *tiffData) str(e ifdEntry, ok bool) string {
	if !ok || (e.typ != 2 && e.typ != 7 && e.typ != 1) {
		return ""
	}
	b, ok := t.value(e)
	if !ok {
		return ""
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(bytes.TrimSpace(b))
}

// uint returns the first value of a BYTE, SHORT or LONG entry.
func (t *tiffData) uint(e ifdEntry, ok bool) (uint32, bool) {
	if !ok || e.count == 0 {
		return 0, false
	}
	b, ok := t.value(e)
	if !ok {
		return 0, false
	}
	switch e.typ {
	case 1, 7:
		return uint32(b[0]), true
	case 3:
		return uint32(t.order.Uint16(b)), true
	case 4, 13:
		return t.order.Uint32(b), true
	}
	return 0, false
}

// uints returns every value of a SHORT, LONG or IFD entry, at most max.
func (t *tiffData) uints(e ifdEntry, ok bool, max int) []uint32 {
	if !ok {
		return nil
	}
	b, ok := t.value(e)
	if !ok {
		return nil
	}
	var out []uint32
	switch e.typ {
	case 3:
		for i := 0; i+2 <= len(b) && len(out) < max; i += 2 {
			out = append(out, uint32(t.order.Uint16(b[i:])))
		}
	case 4, 13:
		for i := 0; i+4 <= len(b) && len(out) < max; i += 4 {
			out = append(out, t.order.Uint32(b[i:]))
		}
	}
	return out
}

// rational returns the first value of a RATIONAL, SRATIONAL or integer
// entry as a float, or false when it is missing or has a zero denominator.
func (t *tiffData) rational(e ifdEntry, ok bool) (float64, bool) {
	if !ok || e.count == 0 {
		return 0, false
	}
	switch e.typ {
	case 5, 10:
		b, ok := t.value(e)
		if !ok {
			return 0, false
		}
		num, den := t.order.Uint32(b), t.order.Uint32(b[4:])
		if den == 0 {
			return 0, false
		}
		if e.typ == 10 {
			return float64(int32(num)) / float64(int32(den)), true
		}
		return float64(num) / float64(den), true
	case 11:
		b, ok := t.value(e)
		if !ok {
			return 0, false
		}
		v := float64(math.Float32frombits(t.order.Uint32(b)))
		return v, !math.IsNaN(v) && !math.IsInf(v, 0)
	}
	v, ok := t.uint(e, true)
	return float64(v), ok
}
