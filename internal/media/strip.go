package media

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
)

// StripLocation returns a copy of data without the GPS coordinates that
// Google Photos removes from "=d" downloads. The copy has the same length
// as data: location bytes are overwritten, never moved, so every offset in
// the file stays valid and the image data is untouched.
//
// It removes the EXIF GPS IFD (the pointer to it and its contents, keeping
// the other EXIF fields) and blanks GPS properties in XMP packets, in:
//   - JPEG, including the EXIF of images embedded after the first, such as
//     the secondary images of a multi-picture file;
//   - TIFF and TIFF-based camera RAW;
//   - PNG eXIf and uncompressed XMP iTXt chunks, whose CRCs it updates;
//   - WebP EXIF and XMP chunks;
//   - HEIC and AVIF EXIF and XMP items stored in one extent;
//   - Canon CR3, whose GPS IFD is a box of its own.
//
// Other formats, videos among them, are returned unchanged: Google removes
// location from videos by transcoding them, which this package does not do.
//
// NOTE: Location in maker notes or in IPTC fields is not removed.
func StripLocation(data []byte, f Format) ([]byte, error) {
	known, ok := lookupFormat(f)
	if !ok {
		return nil, fmt.Errorf("strip location: format %s is not supported", f)
	}
	f = known
	out := bytes.Clone(data)
	var err error
	switch f {
	case formatJPEG:
		err = stripJPEG(out)
	case formatPNG:
		err = stripPNG(out)
	case formatWebP:
		err = stripWebP(out)
	case formatTIFF, formatCR2, formatDNG, formatGPR, formatNEF, formatARW, formatPEF,
		formatSRW, formatORF, formatRW2:
		err = stripEXIF(out)
	case formatHEIC, formatHEIF, formatAVIF:
		err = stripHEIF(out)
	case formatCR3:
		err = stripCR3(out)
	}
	if err != nil {
		return nil, fmt.Errorf("strip location from %s: %w", f.MIME, err)
	}
	return out, nil
}

// stripEXIF removes the GPS IFD from a TIFF structure in place: it zeroes
// the GPS IFD and its values, and deletes the entry that points to it from
// IFD0 and, where nonstandard writers put one, from the Exif IFD. Data
// without a GPS IFD is left as it is.
func stripEXIF(data []byte) error {
	t, err := newTIFF(data)
	if err != nil {
		return fmt.Errorf("exif: %w", err)
	}
	ifd0, err := t.ifd(t.first)
	if err != nil {
		return fmt.Errorf("exif IFD0: %w", err)
	}
	// TIFF and DNG files may carry an XMP packet in IFD0.
	if e, ok := ifd0.find(tagXMLPacket); ok {
		if packet, ok := t.value(e); ok {
			if err := blankXMPLocation(packet); err != nil {
				return err
			}
		}
	}

	dirs := []uint32{t.first}
	if off, ok := t.uint(ifd0.find(tagExifIFD)); ok {
		dirs = append(dirs, off)
	}
	zeroed := map[uint32]bool{}
	for _, off := range dirs {
		dir, err := t.ifd(off)
		if err != nil {
			continue
		}
		// A corrupt IFD may list the GPS pointer more than once, so every
		// entry is checked.
		for _, e := range dir.entries {
			if e.tag != tagGPSIFD {
				continue
			}
			gpsOff, ok := t.uint(e, true)
			if !ok || zeroed[gpsOff] {
				continue
			}
			zeroed[gpsOff] = true
			if gps, err := t.ifd(gpsOff); err == nil {
				t.zeroIFD(gps)
			}
		}
		if dir, err := t.ifd(off); err == nil {
			t.deleteEntries(dir, tagGPSIFD)
		}
	}
	return nil
}

// zeroIFD overwrites an IFD and the out-of-line values of its entries with
// zero bytes. It clears the union of the value ranges, so that a corrupt
// IFD whose entries all point at one large range costs one pass over it.
func (t *tiffData) zeroIFD(dir ifd) {
	var ranges [][2]uint64
	for _, e := range dir.entries {
		if uint64(typeSize(e.typ))*uint64(e.count) <= 4 {
			continue
		}
		if value, ok := t.value(e); ok {
			ranges = append(ranges, [2]uint64{uint64(e.valuePos), uint64(e.valuePos) + uint64(len(value))})
		}
	}
	slices.SortFunc(ranges, func(a, b [2]uint64) int { return cmp.Compare(a[0], b[0]) })
	cleared := uint64(0) // everything before this offset is already zero
	for _, r := range ranges {
		start := max(r[0], cleared)
		if start < r[1] {
			clear(t.data[start:r[1]])
			cleared = r[1]
		}
	}
	end := min(uint64(dir.pos)+2+12*uint64(len(dir.entries))+4, uint64(len(t.data)))
	clear(t.data[dir.pos:end])
}

// deleteEntries removes the entries with the given tag from an IFD in
// place. The remaining entries and the next-IFD offset move up, keeping
// their order, and the bytes freed at the end of the IFD are zeroed.
func (t *tiffData) deleteEntries(dir ifd, tag uint16) {
	n := uint64(len(dir.entries))
	end := uint64(dir.pos) + 2 + 12*n
	tail := min(end+4, uint64(len(t.data))) // past the next-IFD offset, when present
	write := uint64(dir.pos) + 2
	kept := uint64(0)
	for _, e := range dir.entries {
		if e.tag == tag {
			continue
		}
		copy(t.data[write:], t.data[e.pos:e.pos+12])
		write += 12
		kept++
	}
	if kept == n {
		return
	}
	write += uint64(copy(t.data[write:], t.data[end:tail]))
	clear(t.data[write:tail])
	t.order.PutUint16(t.data[dir.pos:], uint16(kept))
}

// stripJPEG strips location from the EXIF and XMP APP1 segments of every
// JPEG image in a file. Multi-picture files append more images after the
// first, each with its own EXIF, so after the header segments of one image
// it searches on for the next SOI. The entropy-coded data cannot contain
// an SOI, because an 0xFF there is always followed by 0x00 or a restart
// marker. Each byte is searched or walked once, so the work is linear in
// len(data).
func stripJPEG(data []byte) error {
	if len(data) < 2 || data[0] != 0xFF || data[1] != 0xD8 {
		return errors.New("jpeg: missing SOI marker")
	}
	for pos := 0; pos < len(data); {
		// Segments of a corrupt image up to the damage are still stripped.
		segments, _ := jpegSegments(data[pos:])
		for _, s := range segments {
			if s.marker != 0xE1 {
				continue
			}
			switch {
			case bytes.HasPrefix(s.payload, exifPrefix):
				// EXIF that does not parse is left alone, as readers
				// cannot find its location either.
				_ = stripEXIF(s.payload[len(exifPrefix):])
			case bytes.HasPrefix(s.payload, xmpNamespace):
				if err := blankXMPLocation(s.payload[len(xmpNamespace):]); err != nil {
					return err
				}
			}
		}
		next := pos + 2
		if len(segments) > 0 {
			next = pos + segments[len(segments)-1].end
		}
		i := bytes.Index(data[next:], []byte{0xFF, 0xD8, 0xFF})
		if i < 0 {
			return nil
		}
		pos = next + i
	}
	return nil
}

// stripPNG strips location from the eXIf chunk and from uncompressed XMP
// in iTXt chunks, and recomputes the CRC of each chunk it changes.
func stripPNG(data []byte) error {
	for pos := 8; pos+12 <= len(data); {
		length := uint64(binary.BigEndian.Uint32(data[pos:]))
		if length > uint64(len(data)-pos-12) {
			return fmt.Errorf("chunk %q at offset %d runs past the end", data[pos+4:pos+8], pos)
		}
		typ := string(data[pos+4 : pos+8])
		body := data[pos+8 : pos+8+int(length)]
		changed := false
		switch typ {
		case "eXIf":
			if err := stripEXIF(body); err != nil {
				return err
			}
			changed = true
		case "iTXt":
			if packet := pngXMP(body); packet != nil {
				if err := blankXMPLocation(packet); err != nil {
					return err
				}
				changed = true
			}
		}
		if changed {
			crc := crc32.ChecksumIEEE(data[pos+4 : pos+8+int(length)])
			binary.BigEndian.PutUint32(data[pos+8+int(length):], crc)
		}
		pos += 12 + int(length)
	}
	return nil
}

// stripWebP strips location from the EXIF and XMP chunks of a WebP file.
func stripWebP(data []byte) error {
	exif, err := riffChunk(data, "EXIF")
	if err != nil {
		return err
	}
	if exif != nil {
		if err := stripEXIF(bytes.TrimPrefix(exif, exifPrefix)); err != nil {
			return err
		}
	}
	xmp, err := riffChunk(data, "XMP ")
	if err != nil {
		return err
	}
	return blankXMPLocation(xmp)
}

// stripHEIF strips location from the EXIF item of a HEIC or AVIF file.
func stripHEIF(data []byte) error {
	top, _ := boxes(data)
	for _, b := range top {
		if b.typ != "meta" {
			continue
		}
		_, _, rest, ok := fullBox(b.body)
		if !ok {
			return errors.New("meta box is truncated")
		}
		h, err := parseHEIFMeta(rest)
		if err != nil {
			return err
		}
		done := map[uint64]bool{} // offsets of EXIF items already rewritten
		for _, id := range h.itemsOfType(heifXMPItem) {
			extents := h.extents[id]
			if len(extents) != 1 || extents[0].method != 0 {
				return fmt.Errorf("XMP item %d is not stored in one extent of the file", id)
			}
			if packet, ok := h.itemData(id, data); ok {
				if err := blankXMPLocation(packet); err != nil {
					return err
				}
			}
		}
		for _, id := range h.itemsOfType("Exif") {
			extents := h.extents[id]
			if len(extents) == 1 && done[extents[0].offset] {
				continue
			}
			if len(extents) != 1 || extents[0].method != 0 {
				// NOTE: EXIF split over several extents, or kept in idat,
				// is not rewritten.
				return fmt.Errorf("EXIF item %d is not stored in one extent of the file", id)
			}
			payload, ok := h.itemData(id, data)
			if !ok || len(payload) < 4 {
				return fmt.Errorf("EXIF item %d lies outside the file", id)
			}
			// itemData of one extent is a slice of data, so the
			// rewrite below changes data itself.
			skip := uint64(binary.BigEndian.Uint32(payload))
			if skip > uint64(len(payload)-4) {
				return fmt.Errorf("EXIF item %d has invalid TIFF header offset %d", id, skip)
			}
			if err := stripEXIF(payload[4+skip:]); err != nil {
				return err
			}
			done[extents[0].offset] = true
		}
		return nil
	}
	return nil
}

// stripCR3 empties the GPS IFD in the CMT4 box of a Canon CR3 file. The
// box stays, with an IFD of zero entries, so no offset moves.
func stripCR3(data []byte) error {
	cmt, err := cr3Boxes(data, cr3MetadataUUID)
	if err != nil {
		return err
	}
	for _, b := range cmt {
		if b.typ != "CMT4" {
			continue
		}
		t, err := newTIFF(b.body)
		if err != nil {
			return fmt.Errorf("cr3 CMT4: %w", err)
		}
		dir, err := t.ifd(t.first)
		if err != nil {
			return fmt.Errorf("cr3 CMT4: %w", err)
		}
		t.zeroIFD(dir)
	}
	return nil
}
