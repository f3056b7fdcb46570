package media

import (
	"encoding/binary"
	"sort"
)

// testTag is one IFD entry for buildTIFF. value holds the encoded values;
// a value longer than four bytes is placed after the IFD.
type testTag struct {
	tag   uint16
	typ   uint16
	value []byte
}

func u16s(v ...uint16) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint16(b, x)
	}
	return b
}

func u32s(v ...uint32) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, x)
	}
	return b
}

func rationals(v ...uint32) []byte { return u32s(v...) }

// buildTIFF returns a little-endian TIFF structure with IFD0 made of ifd0
// and, when they are not nil, an Exif IFD and a GPS IFD linked from it.
func buildTIFF(ifd0, exif, gps []testTag) []byte {
	type dir struct {
		tags []testTag
		pos  uint32
	}
	dirs := []*dir{{tags: append([]testTag(nil), ifd0...)}}
	var exifDir, gpsDir *dir
	if exif != nil {
		exifDir = &dir{tags: exif}
		dirs[0].tags = append(dirs[0].tags, testTag{tag: tagExifIFD, typ: 4, value: u32s(0)})
		dirs = append(dirs, exifDir)
	}
	if gps != nil {
		gpsDir = &dir{tags: gps}
		dirs[0].tags = append(dirs[0].tags, testTag{tag: tagGPSIFD, typ: 4, value: u32s(0)})
		dirs = append(dirs, gpsDir)
	}
	// Lay out the directories, each followed by its out-of-line values.
	pos := uint32(8)
	for _, d := range dirs {
		sort.Slice(d.tags, func(i, j int) bool { return d.tags[i].tag < d.tags[j].tag })
		d.pos = pos
		pos += 2 + 12*uint32(len(d.tags)) + 4
		for _, tg := range d.tags {
			if len(tg.value) > 4 {
				pos += uint32(len(tg.value) + len(tg.value)%2)
			}
		}
	}
	out := []byte("II*\x00")
	out = binary.LittleEndian.AppendUint32(out, 8)
	for _, d := range dirs {
		extra := d.pos + 2 + 12*uint32(len(d.tags)) + 4
		var values []byte
		out = binary.LittleEndian.AppendUint16(out, uint16(len(d.tags)))
		for _, tg := range d.tags {
			value := tg.value
			switch {
			case tg.tag == tagExifIFD && d == dirs[0]:
				value = u32s(exifDir.pos)
			case tg.tag == tagGPSIFD && d == dirs[0]:
				value = u32s(gpsDir.pos)
			}
			size := typeSize(tg.typ)
			out = binary.LittleEndian.AppendUint16(out, tg.tag)
			out = binary.LittleEndian.AppendUint16(out, tg.typ)
			out = binary.LittleEndian.AppendUint32(out, uint32(len(value))/size)
			if len(value) > 4 {
				out = binary.LittleEndian.AppendUint32(out, extra+uint32(len(values)))
				values = append(values, value...)
				if len(value)%2 == 1 {
					values = append(values, 0)
				}
			} else {
				var inline [4]byte
				copy(inline[:], value)
				out = append(out, inline[:]...)
			}
		}
		out = binary.LittleEndian.AppendUint32(out, 0)
		out = append(out, values...)
	}
	return out
}
