package media

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"
)

// ciffRecordSpec is one record for buildCIFF: the type and its data.
type ciffRecordSpec struct {
	typ  uint16
	data []byte
}

// buildCIFFHeap lays out a heap: the data of each record, then the record
// table, then the table offset.
func buildCIFFHeap(records []ciffRecordSpec) []byte {
	var heap, table []byte
	table = binary.LittleEndian.AppendUint16(table, uint16(len(records)))
	for _, r := range records {
		table = binary.LittleEndian.AppendUint16(table, r.typ)
		table = binary.LittleEndian.AppendUint32(table, uint32(len(r.data)))
		table = binary.LittleEndian.AppendUint32(table, uint32(len(heap)))
		heap = append(heap, r.data...)
	}
	offset := len(heap)
	heap = append(heap, table...)
	return binary.LittleEndian.AppendUint32(heap, uint32(offset))
}

func buildCIFF(root []byte) []byte {
	header := []byte("II\x1a\x00\x00\x00HEAPCCDR\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00")
	return append(header, root...)
}

func TestReadCRWSynthetic(t *testing.T) {
	info := make([]byte, 28)
	binary.LittleEndian.PutUint32(info, 3000)
	binary.LittleEndian.PutUint32(info[4:], 2000)
	binary.LittleEndian.PutUint32(info[12:], 90)
	stamp := binary.LittleEndian.AppendUint32(nil, uint32(time.Date(2004, 2, 29, 10, 0, 0, 0, time.UTC).Unix()))
	stamp = append(stamp, make([]byte, 8)...)
	exifHeap := buildCIFFHeap([]ciffRecordSpec{{ciffTimeStamp, stamp}, {ciffImageInfo, info}})
	propsHeap := buildCIFFHeap([]ciffRecordSpec{{ciffMakeModel, []byte("Canon\x00Canon EOS 10D\x00")}})
	data := buildCIFF(buildCIFFHeap([]ciffRecordSpec{{0x300A, propsHeap}, {0x300B, exifHeap}}))

	if f := Detect(data); f != formatCRW {
		t.Fatalf("Detect = %+v, want CRW", f)
	}
	m, err := ReadMetadata(data, formatCRW)
	if err != nil {
		t.Fatal(err)
	}
	if m.CameraMake != "Canon" || m.CameraModel != "Canon EOS 10D" {
		t.Errorf("camera = %q %q, want Canon, Canon EOS 10D", m.CameraMake, m.CameraModel)
	}
	if want := time.Date(2004, 2, 29, 10, 0, 0, 0, time.UTC); !m.CaptureTime.Equal(want) {
		t.Errorf("CaptureTime = %v, want %v", m.CaptureTime, want)
	}
	if m.Width != 3000 || m.Height != 2000 {
		t.Errorf("size = %d×%d, want 3000×2000", m.Width, m.Height)
	}
	if m.Orientation != 6 {
		t.Errorf("Orientation = %d, want 6", m.Orientation)
	}
}

// Records that all point at their own heap would make an unbounded walk
// exponential. The walk must stop with an error instead.
func TestReadCRWSelfReferencingHeaps(t *testing.T) {
	const n = 100
	var table []byte
	table = binary.LittleEndian.AppendUint16(table, n)
	for range n {
		table = binary.LittleEndian.AppendUint16(table, 0x300A)
		table = binary.LittleEndian.AppendUint32(table, uint32(2+10*n+4)) // the whole heap
		table = binary.LittleEndian.AppendUint32(table, 0)
	}
	heap := binary.LittleEndian.AppendUint32(table, 0)
	_, err := ReadMetadata(buildCIFF(heap), formatCRW)
	if err == nil || !strings.Contains(err.Error(), "ciff") {
		t.Errorf("error = %v, want a CIFF structure error", err)
	}
}
