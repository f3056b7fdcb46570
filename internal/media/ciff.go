package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Canon CRW files use CIFF, the Camera Image File Format: a header, then a
// root heap of records, some of which are heaps themselves. A heap ends
// with the offset of its record table. Each 10-byte record holds a type, a
// size and an offset from the start of its heap, or, for small values, 8
// bytes of data in place of size and offset.
const (
	ciffMakeModel   = 0x080A // make and model as two NUL-terminated strings
	ciffFocalLength = 0x1029 // focal type, then focal length in mm, as uint16
	ciffTimeStamp   = 0x180E // capture time in seconds since 1970, local time
	ciffImageInfo   = 0x1810 // width, height, aspect ratio, rotation
	ciffJpgFromRaw  = 0x2007 // full-size JPEG preview

	ciffDataInRecord = 0x4000
	ciffMaxDepth     = 8
	ciffMaxRecords   = 4096
)

// ciffRecord is a record with its data located in the file.
type ciffRecord struct {
	id   uint16
	data []byte
}

// readCRW fills m from a Canon CRW file: make and model, capture time,
// focal length, image size and rotation.
func readCRW(data []byte, m *Metadata) error {
	records, err := ciffRecords(data)
	for _, r := range records {
		switch r.id {
		case ciffMakeModel:
			parts := strings.SplitN(string(r.data), "\x00", 3)
			m.CameraMake = strings.TrimSpace(parts[0])
			if len(parts) > 1 {
				m.CameraModel = strings.TrimSpace(parts[1])
			}
		case ciffFocalLength:
			if len(r.data) >= 4 {
				m.FocalLength = float64(binary.LittleEndian.Uint16(r.data[2:]))
			}
		case ciffTimeStamp:
			if len(r.data) >= 4 {
				// The seconds count local wall-clock time, which becomes
				// UTC as EXIF times without an offset do.
				if seconds := binary.LittleEndian.Uint32(r.data); seconds != 0 && seconds != math.MaxUint32 {
					m.CaptureTime = time.Unix(int64(seconds), 0).UTC()
				}
			}
		case ciffImageInfo:
			if len(r.data) >= 16 {
				m.Width = int(binary.LittleEndian.Uint32(r.data))
				m.Height = int(binary.LittleEndian.Uint32(r.data[4:]))
				m.Orientation = ciffOrientation(int32(binary.LittleEndian.Uint32(r.data[12:])))
				if m.Width < 0 || m.Height < 0 || m.Width > math.MaxInt32 || m.Height > math.MaxInt32 {
					m.Width, m.Height = 0, 0
				}
			}
		}
	}
	return err
}

// ciffOrientation converts a CIFF rotation angle in degrees clockwise to an
// EXIF orientation.
func ciffOrientation(angle int32) int {
	switch angle {
	case 0:
		return 1
	case 90:
		return 6
	case 180:
		return 3
	case 270:
		return 8
	}
	return 0
}

// ciffRecords returns every record of a CIFF file, walking sub-heaps to a
// bounded depth. The data of each record is a slice of data.
func ciffRecords(data []byte) ([]ciffRecord, error) {
	if len(data) < 14 || string(data[:2]) != "II" || string(data[6:14]) != "HEAPCCDR" {
		return nil, errors.New("ciff: missing II HEAPCCDR header")
	}
	headerLength := binary.LittleEndian.Uint32(data[2:])
	if headerLength < 14 || uint64(headerLength) > uint64(len(data)) {
		return nil, fmt.Errorf("ciff: invalid header length %d", headerLength)
	}
	w := &ciffWalker{}
	err := w.heap(data[headerLength:], 0)
	return w.records, err
}

// ciffWalker collects records. visited counts every record read, sub-heaps
// included, because a corrupt file can point many records at one heap and
// make the walk exponential in the depth.
type ciffWalker struct {
	records []ciffRecord
	visited int
}

func (w *ciffWalker) heap(heap []byte, depth int) error {
	if depth > ciffMaxDepth {
		return errors.New("ciff: heaps nested too deep")
	}
	if len(heap) < 6 {
		return fmt.Errorf("ciff: heap of %d bytes is too short", len(heap))
	}
	tableOff := uint64(binary.LittleEndian.Uint32(heap[len(heap)-4:]))
	if tableOff+2 > uint64(len(heap)) {
		return fmt.Errorf("ciff: record table offset %d outside a %d-byte heap", tableOff, len(heap))
	}
	count := uint64(binary.LittleEndian.Uint16(heap[tableOff:]))
	if tableOff+2+count*10 > uint64(len(heap)) {
		return fmt.Errorf("ciff: %d records at offset %d run past the heap", count, tableOff)
	}
	var errs []error
	for i := range count {
		if w.visited++; w.visited > ciffMaxRecords {
			return fmt.Errorf("ciff: more than %d records", ciffMaxRecords)
		}
		rec := heap[tableOff+2+i*10:]
		typ := binary.LittleEndian.Uint16(rec)
		if typ&0xC000 == ciffDataInRecord {
			w.records = append(w.records, ciffRecord{id: typ & 0x3FFF, data: rec[2:10]})
			continue
		}
		size := uint64(binary.LittleEndian.Uint32(rec[2:]))
		off := uint64(binary.LittleEndian.Uint32(rec[6:]))
		if off > uint64(len(heap)) || size > uint64(len(heap))-off {
			errs = append(errs, fmt.Errorf("ciff: record 0x%04X data outside its heap", typ))
			continue
		}
		body := heap[off : off+size]
		switch typ & 0x3800 {
		case 0x2800, 0x3000: // sub-heap
			if err := w.heap(body, depth+1); err != nil {
				errs = append(errs, err)
			}
		default:
			w.records = append(w.records, ciffRecord{id: typ & 0x3FFF, data: body})
		}
	}
	return errors.Join(errs...)
}
