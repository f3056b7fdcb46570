package media

import (
	"bytes"
	"encoding/binary"
	"image/jpeg"
)

// TIFF tags that locate JPEG previews inside RAW files.
const (
	tagStripOffsets          = 0x0111
	tagStripByteCounts       = 0x0117
	tagJPEGInterchange       = 0x0201
	tagJPEGInterchangeLength = 0x0202
)

// isRAW reports whether f is a camera RAW format.
func isRAW(f Format) bool {
	switch f {
	case formatCRW, formatCR2, formatCR3, formatDNG, formatGPR, formatNEF, formatARW,
		formatPEF, formatSRW, formatORF, formatRW2, formatRAF:
		return true
	}
	return false
}

// rawPreview returns the largest JPEG preview embedded in a camera RAW
// file that image/jpeg can decode, or false when there is none. Cameras
// store one so that viewers need not develop the raw sensor data.
func rawPreview(data []byte, f Format) ([]byte, bool) {
	var candidates [][]byte
	switch f {
	case formatCRW:
		records, _ := ciffRecords(data)
		for _, r := range records {
			if r.id == ciffJpgFromRaw {
				candidates = append(candidates, r.data)
			}
		}
	case formatCR3:
		if p := cr3Preview(data); p != nil {
			candidates = append(candidates, p)
		}
	case formatRAF:
		// The RAF header stores the offset and length of a JPEG, which
		// carries the EXIF too, as big-endian numbers at bytes 84 and 88.
		if len(data) >= 92 {
			off := uint64(binary.BigEndian.Uint32(data[84:]))
			length := uint64(binary.BigEndian.Uint32(data[88:]))
			if off <= uint64(len(data)) && length <= uint64(len(data))-off {
				candidates = append(candidates, data[off:off+length])
			}
		}
	case formatCR2, formatDNG, formatGPR, formatNEF, formatARW, formatPEF, formatSRW, formatORF, formatRW2:
		candidates = tiffPreviews(data)
	}
	var best []byte
	var bestArea int64
	for _, c := range candidates {
		if !bytes.HasPrefix(c, []byte{0xFF, 0xD8}) {
			continue
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(c))
		if err != nil {
			continue
		}
		if area := int64(cfg.Width) * int64(cfg.Height); area > bestArea {
			best, bestArea = c, area
		}
	}
	return best, best != nil
}

// tiffPreviews returns the JPEG streams that the IFDs of a TIFF-based RAW
// file point to, through JPEGInterchangeFormat or a single JPEG strip.
func tiffPreviews(data []byte) [][]byte {
	t, err := newTIFF(data)
	if err != nil {
		return nil
	}
	slice := func(off, length uint32) []byte {
		if uint64(off)+uint64(length) > uint64(len(data)) || length == 0 {
			return nil
		}
		return data[off : off+length]
	}
	var out [][]byte
	visited := map[uint32]bool{}
	queue := []uint32{t.first}
	for len(queue) > 0 && len(visited) < maxIFDs {
		off := queue[0]
		queue = queue[1:]
		if off == 0 || visited[off] {
			continue
		}
		visited[off] = true
		dir, err := t.ifd(off)
		if err != nil {
			continue
		}
		queue = append(queue, dir.next)
		subIFDs, ok := dir.find(tagSubIFDs)
		queue = append(queue, t.uints(subIFDs, ok, maxIFDs)...)
		if exif, ok := t.uint(dir.find(tagExifIFD)); ok && off == t.first {
			// Some makers (Nikon among them) keep a preview IFD
			// pointer here; visiting the Exif IFD costs little.
			queue = append(queue, exif)
		}

		start, okStart := t.uint(dir.find(tagJPEGInterchange))
		length, okLength := t.uint(dir.find(tagJPEGInterchangeLength))
		if okStart && okLength {
			if b := slice(start, length); b != nil {
				out = append(out, b)
			}
		}
		compression, _ := t.uint(dir.find(tagCompression))
		if compression == 6 || compression == 7 {
			offsets, ok := dir.find(tagStripOffsets)
			counts, okCounts := dir.find(tagStripByteCounts)
			if o, c := t.uints(offsets, ok, 2), t.uints(counts, okCounts, 2); len(o) == 1 && len(c) == 1 {
				if b := slice(o[0], c[0]); b != nil {
					out = append(out, b)
				}
			}
		}
	}
	return out
}
