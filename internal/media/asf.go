package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// ASF object GUIDs in their on-disk byte order, from the ASF specification
// (revision 01.20.05).
var (
	asfFilePropertiesGUID   = []byte{0xA1, 0xDC, 0xAB, 0x8C, 0x47, 0xA9, 0xCF, 0x11, 0x8E, 0xE4, 0x00, 0xC0, 0x0C, 0x20, 0x53, 0x65}
	asfStreamPropertiesGUID = []byte{0x91, 0x07, 0xDC, 0xB7, 0xB7, 0xA9, 0xCF, 0x11, 0x8E, 0xE6, 0x00, 0xC0, 0x0C, 0x20, 0x53, 0x65}
	asfVideoMediaGUID       = []byte{0xC0, 0xEF, 0x19, 0xBC, 0x4D, 0x5B, 0xCF, 0x11, 0xA8, 0xFD, 0x00, 0x80, 0x5F, 0x5C, 0x44, 0x2B}
)

// secondsFrom1601To1970 converts Windows FILETIME values, which count
// 100-nanosecond intervals from 1601-01-01 UTC, to Unix time.
const secondsFrom1601To1970 = 11644473600

// readASF fills m from the header object of an ASF (WMV) file: creation
// date and duration from the file properties object, and the frame size
// from the first video stream properties object.
func readASF(data []byte, m *Metadata) error {
	// The header object: GUID, 64-bit size, 32-bit object count and two
	// reserved bytes, then the header objects.
	if len(data) < 30 {
		return errors.New("asf: header object is truncated")
	}
	size := binary.LittleEndian.Uint64(data[16:])
	if size < 30 || size > uint64(len(data)) {
		return fmt.Errorf("asf: header object size %d is invalid for a %d-byte file", size, len(data))
	}
	header := data[30:size]
	for pos := 0; pos+24 <= len(header); {
		guid := header[pos : pos+16]
		objSize := binary.LittleEndian.Uint64(header[pos+16:])
		if objSize < 24 || objSize > uint64(len(header)-pos) {
			return fmt.Errorf("asf: object at offset %d has invalid size %d", 30+pos, objSize)
		}
		body := header[pos+24 : pos+int(objSize)]
		switch {
		case bytes.Equal(guid, asfFilePropertiesGUID):
			readASFFileProperties(body, m)
		case bytes.Equal(guid, asfStreamPropertiesGUID) && m.Width == 0:
			readASFStreamProperties(body, m)
		}
		pos += int(objSize)
	}
	return nil
}

func readASFFileProperties(body []byte, m *Metadata) {
	// File ID (16), file size (8), creation date (8), data packets (8),
	// play duration (8), send duration (8), preroll in ms (8).
	if len(body) < 64 {
		return
	}
	created := binary.LittleEndian.Uint64(body[24:])
	if created != 0 {
		seconds := int64(created/10_000_000) - secondsFrom1601To1970
		ts := time.Unix(seconds, int64(created%10_000_000)*100).UTC()
		if ts.After(minMovieTime) && ts.Before(maxMovieTime) {
			m.CaptureTime = ts
		}
	}
	play := binary.LittleEndian.Uint64(body[40:])
	preroll := binary.LittleEndian.Uint64(body[56:])
	if play < math.MaxInt64/100 && preroll < uint64(math.MaxInt64/time.Millisecond) {
		if d := time.Duration(play)*100 - time.Duration(preroll)*time.Millisecond; d > 0 {
			m.Duration = d
		}
	}
}

func readASFStreamProperties(body []byte, m *Metadata) {
	// Stream type (16), error correction type (16), time offset (8),
	// type-specific length (4), error correction length (4), flags (2),
	// reserved (4), then the type-specific data: for video, the encoded
	// width and height as 32-bit numbers.
	if len(body) < 54+8 || !bytes.Equal(body[:16], asfVideoMediaGUID) {
		return
	}
	width := binary.LittleEndian.Uint32(body[54:])
	height := binary.LittleEndian.Uint32(body[58:])
	if width <= math.MaxInt32 && height <= math.MaxInt32 {
		m.Width, m.Height = int(width), int(height)
	}
}
