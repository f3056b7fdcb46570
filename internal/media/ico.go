package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// icoLargestImage returns the largest image in an icon file as a file
// that image.Decode reads: a PNG as it is stored, or a BMP built from the
// stored device-independent bitmap.
//
// An icon bitmap is a BMP without its 14-byte file header, whose height is
// doubled to cover the AND transparency mask after the pixels. The BMP
// built here halves the height, so decoders read only the pixels, and
// gives 32-bit bitmaps a BITMAPV4HEADER so that their alpha channel is
// used. For bitmaps of fewer bits the AND mask is dropped and the image
// is opaque.
func icoLargestImage(data []byte) ([]byte, error) {
	if len(data) < 6 {
		return nil, errors.New("ico: header is truncated")
	}
	count := int(binary.LittleEndian.Uint16(data[4:]))
	var best []byte
	bestArea := -1
	for i := range count {
		entry := 6 + 16*i
		if entry+16 > len(data) {
			break
		}
		width, height := int(data[entry]), int(data[entry+1])
		if width == 0 {
			width = 256
		}
		if height == 0 {
			height = 256
		}
		size := uint64(binary.LittleEndian.Uint32(data[entry+8:]))
		off := uint64(binary.LittleEndian.Uint32(data[entry+12:]))
		if off > uint64(len(data)) || size > uint64(len(data))-off || width*height <= bestArea {
			continue
		}
		best, bestArea = data[off:off+size], width*height
	}
	if best == nil {
		return nil, errors.New("ico: no image lies inside the file")
	}
	if bytes.HasPrefix(best, []byte("\x89PNG\r\n\x1a\n")) {
		return best, nil
	}
	return icoBitmapToBMP(best)
}

func icoBitmapToBMP(dib []byte) ([]byte, error) {
	const fileHeaderLen, infoLen, v4Len = 14, 40, 108
	if len(dib) < infoLen || binary.LittleEndian.Uint32(dib) != infoLen {
		return nil, errors.New("ico: bitmap has no BITMAPINFOHEADER")
	}
	height := int32(binary.LittleEndian.Uint32(dib[8:])) / 2
	bitCount := binary.LittleEndian.Uint16(dib[14:])
	var palette uint32
	if bitCount <= 8 {
		palette = binary.LittleEndian.Uint32(dib[32:])
		if palette == 0 || palette > 1<<bitCount {
			palette = 1 << bitCount
		}
		palette *= 4
	}
	if uint64(infoLen)+uint64(palette) > uint64(len(dib)) {
		return nil, fmt.Errorf("ico: %d-bit bitmap palette runs past its data", bitCount)
	}

	header := make([]byte, infoLen)
	copy(header, dib[:infoLen])
	binary.LittleEndian.PutUint32(header[8:], uint32(height))
	if bitCount == 32 {
		header = append(header, make([]byte, v4Len-infoLen)...)
		binary.LittleEndian.PutUint32(header[0:], v4Len)
		binary.LittleEndian.PutUint32(header[16:], 3) // BI_BITFIELDS
		binary.LittleEndian.PutUint32(header[40:], 0x00FF0000)
		binary.LittleEndian.PutUint32(header[44:], 0x0000FF00)
		binary.LittleEndian.PutUint32(header[48:], 0x000000FF)
		binary.LittleEndian.PutUint32(header[52:], 0xFF000000)
	}

	pixelOffset := fileHeaderLen + len(header) + int(palette)
	out := make([]byte, 0, fileHeaderLen+len(header)+len(dib)-infoLen)
	out = append(out, 'B', 'M')
	out = binary.LittleEndian.AppendUint32(out, uint32(fileHeaderLen+len(header)+len(dib)-infoLen))
	out = binary.LittleEndian.AppendUint32(out, 0)
	out = binary.LittleEndian.AppendUint32(out, uint32(pixelOffset))
	out = append(out, header...)
	return append(out, dib[infoLen:]...), nil
}
