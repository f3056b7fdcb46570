package media

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// exifPrefix starts the payload of a JPEG APP1 segment that contains EXIF,
// and of some WebP and HEIF EXIF blocks.
var exifPrefix = []byte("Exif\x00\x00")

// exifLayouts are the date formats found in EXIF DateTime fields. EXIF 2.3
// fixes the first, and the others come from cameras and editors that deviate.
var exifLayouts = []string{
	"2006:01:02 15:04:05",
	"2006-01-02 15:04:05",
	"2006:01:02T15:04:05",
	"2006-01-02T15:04:05",
	"2006:01:02 15:04",
}

// readEXIF fills m from the TIFF structure in data, which is either a TIFF
// or RAW file or the payload of an EXIF block. It stores what it can read
// and returns an error for the first corrupt structure it meets.
func readEXIF(data []byte, m *Metadata) error {
	t, err := newTIFF(data)
	if err != nil {
		return fmt.Errorf("exif: %w", err)
	}
	ifd0, err := t.ifd(t.first)
	if err != nil {
		return fmt.Errorf("exif IFD0: %w", err)
	}
	m.CameraMake = t.str(ifd0.find(tagMake))
	m.CameraModel = t.str(ifd0.find(tagModel))
	if v, ok := t.uint(ifd0.find(tagOrientation)); ok && v >= 1 && v <= 8 {
		m.Orientation = int(v)
	}
	dateTime := t.str(ifd0.find(tagDateTime))

	var errs []error
	var original, offset, subSec string
	if e, ok := ifd0.find(tagExifIFD); ok {
		if off, ok := t.uint(e, true); ok {
			exif, err := t.ifd(off)
			if err != nil {
				errs = append(errs, fmt.Errorf("exif IFD: %w", err))
			} else {
				original = t.str(exif.find(tagDateTimeOriginal))
				offset = t.str(exif.find(tagOffsetTimeOrig))
				if offset == "" {
					offset = t.str(exif.find(tagOffsetTime))
				}
				subSec = t.str(exif.find(tagSubSecTimeOrig))
				readExifIFD(t, exif, m)
			}
		}
	}
	if e, ok := ifd0.find(tagGPSIFD); ok {
		if off, ok := t.uint(e, true); ok {
			gps, err := t.ifd(off)
			if err != nil {
				errs = append(errs, fmt.Errorf("exif GPS IFD: %w", err))
			} else {
				_, lat := gps.find(gpsTagLatitude)
				_, long := gps.find(gpsTagLongitude)
				m.HasLocation = lat || long
			}
		}
	}

	switch {
	case original != "":
		m.CaptureTime = parseEXIFTime(original, subSec, offset)
	case dateTime != "":
		m.CaptureTime = parseEXIFTime(dateTime, "", "")
	}
	return errors.Join(errs...)
}

// readExifIFD reads the camera settings and pixel dimensions of the Exif
// IFD into m.
func readExifIFD(t *tiffData, exif ifd, m *Metadata) {
	// Some phones (HTC, for one) store Make and Model in the Exif IFD and
	// leave the IFD0 fields blank.
	if m.CameraMake == "" {
		m.CameraMake = t.str(exif.find(tagMake))
	}
	if m.CameraModel == "" {
		m.CameraModel = t.str(exif.find(tagModel))
	}
	if v, ok := t.rational(exif.find(tagExposureTime)); ok && v > 0 && v < 1e6 {
		m.ExposureTime = time.Duration(math.Round(v * float64(time.Second)))
	}
	if v, ok := t.rational(exif.find(tagFNumber)); ok && v > 0 {
		m.ApertureFNumber = v
	}
	if v, ok := t.rational(exif.find(tagFocalLength)); ok && v > 0 {
		m.FocalLength = v
	}
	if v, ok := t.uint(exif.find(tagISOSpeed)); ok {
		m.ISOEquivalent = int(v)
	}
	if m.Width == 0 || m.Height == 0 {
		w, okW := t.uint(exif.find(tagPixelXDimension))
		h, okH := t.uint(exif.find(tagPixelYDimension))
		if okW && okH && w > 0 && h > 0 {
			m.Width, m.Height = int(w), int(h)
		}
	}
}

// parseEXIFTime parses an EXIF date and time, adding the sub-second digits
// and the UTC offset ("+02:00") when they are given. Without an offset the
// wall-clock time is returned in UTC. It returns the zero time for blank
// or invalid dates such as "0000:00:00 00:00:00".
func parseEXIFTime(value, subSec, offset string) time.Time {
	value = strings.TrimSpace(value)
	loc := time.UTC
	if zone, err := time.Parse("-07:00", strings.TrimSpace(offset)); err == nil {
		_, seconds := zone.Zone()
		loc = time.FixedZone(strings.TrimSpace(offset), seconds)
	}
	for _, layout := range exifLayouts {
		ts, err := time.ParseInLocation(layout, value, loc)
		if err != nil {
			continue
		}
		digits := strings.TrimSpace(subSec)
		if digits != "" && len(digits) <= 9 && strings.Trim(digits, "0123456789") == "" {
			frac := digits + strings.Repeat("0", 9-len(digits))
			var nanos int
			fmt.Sscanf(frac, "%d", &nanos)
			ts = ts.Add(time.Duration(nanos))
		}
		return ts
	}
	return time.Time{}
}

// jpegSegment is one marker segment of a JPEG file before its scan data.
// start is the offset of the 0xFF marker byte and end the offset just after
// the segment. payload excludes the marker and length.
type jpegSegment struct {
	marker  byte
	start   int
	end     int
	payload []byte
}

// jpegSegments returns the marker segments from SOI up to and including
// SOS, the start of the entropy-coded data. It returns the segments read so
// far and an error when the structure is corrupt or cut short.
func jpegSegments(data []byte) ([]jpegSegment, error) {
	if len(data) < 2 || data[0] != 0xFF || data[1] != 0xD8 {
		return nil, errors.New("jpeg: missing SOI marker")
	}
	var segments []jpegSegment
	pos := 2
	for {
		start := pos
		if pos >= len(data) || data[pos] != 0xFF {
			return segments, fmt.Errorf("jpeg: expected a marker at offset %d", pos)
		}
		// A marker may be preceded by any number of 0xFF fill bytes.
		for pos < len(data) && data[pos] == 0xFF {
			pos++
		}
		if pos >= len(data) {
			return segments, errors.New("jpeg: file ends inside a marker")
		}
		marker := data[pos]
		pos++
		if marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8) {
			// TEM, RSTn and SOI have no length field.
			continue
		}
		if marker == 0xD9 {
			return segments, nil
		}
		if pos+2 > len(data) {
			return segments, errors.New("jpeg: file ends inside a segment length")
		}
		length := int(data[pos])<<8 | int(data[pos+1])
		if length < 2 || pos+length > len(data) {
			return segments, fmt.Errorf("jpeg: segment 0x%02X at offset %d has invalid length %d", marker, start, length)
		}
		segments = append(segments, jpegSegment{
			marker:  marker,
			start:   start,
			end:     pos + length,
			payload: data[pos+2 : pos+length],
		})
		pos += length
		if marker == 0xDA {
			return segments, nil
		}
	}
}

// jpegEXIF returns the TIFF payload of the first EXIF APP1 segment, or nil
// when there is none.
func jpegEXIF(segments []jpegSegment) []byte {
	for _, s := range segments {
		if s.marker == 0xE1 && bytes.HasPrefix(s.payload, exifPrefix) {
			return s.payload[len(exifPrefix):]
		}
	}
	return nil
}
