package media

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/jpeg"
	"math"
	"testing"
	"time"
)

// ebml encodes one EBML element with an 8-byte size.
func ebml(id uint32, parts ...[]byte) []byte {
	var body []byte
	for _, p := range parts {
		body = append(body, p...)
	}
	var out []byte
	for shift := 24; shift >= 0; shift -= 8 {
		if b := byte(id >> shift); b != 0 || len(out) > 0 {
			out = append(out, b)
		}
	}
	// An 8-byte size: the marker 0x01, then seven bytes of length.
	size := binary.BigEndian.AppendUint64(nil, uint64(len(body)))
	size[0] = 0x01
	out = append(out, size...)
	return append(out, body...)
}

func ebmlU(id uint32, v uint64) []byte {
	return ebml(id, binary.BigEndian.AppendUint64(nil, v))
}

func buildMatroska(segmentSize bool) []byte {
	header := ebml(0x1A45DFA3, ebml(0x4282, []byte("matroska")))
	date := time.Date(2019, 6, 1, 12, 0, 0, 0, time.UTC).Sub(matroskaEpoch)
	info := ebml(ebmlInfo,
		ebmlU(ebmlTimestampScale, 1_000_000),
		ebml(ebmlDuration, binary.BigEndian.AppendUint64(nil, math.Float64bits(2000))),
		ebmlU(ebmlDateUTC, uint64(date)))
	tracks := ebml(ebmlTracks,
		ebml(ebmlTrackEntry, ebmlU(ebmlTrackType, 2)),
		ebml(ebmlTrackEntry,
			ebmlU(ebmlTrackType, matroskaVideoTrack),
			ebmlU(ebmlDefaultDuration, 40_000_000),
			ebml(ebmlVideo, ebmlU(ebmlPixelWidth, 1920), ebmlU(ebmlPixelHeight, 1080))))
	cluster := ebml(0x1F43B675, make([]byte, 64))
	segment := ebml(ebmlSegment, info, tracks, cluster)
	if !segmentSize {
		// Live recorders write an unknown size: all ones.
		segment = append([]byte{0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, append(info, append(tracks, cluster...)...)...)
	}
	return append(header, segment...)
}

func TestReadMetadataMatroska(t *testing.T) {
	for _, known := range []bool{true, false} {
		data := buildMatroska(known)
		f := Detect(data)
		if f != formatMKV {
			t.Fatalf("Detect = %+v, want Matroska", f)
		}
		m, err := ReadMetadata(data, f)
		if err != nil {
			t.Fatalf("segment size known=%v: %v", known, err)
		}
		if m.Width != 1920 || m.Height != 1080 {
			t.Errorf("known=%v: size = %d×%d, want 1920×1080", known, m.Width, m.Height)
		}
		if m.FPS != 25 {
			t.Errorf("known=%v: FPS = %v, want 25", known, m.FPS)
		}
		if m.Duration != 2*time.Second {
			t.Errorf("known=%v: Duration = %v, want 2s", known, m.Duration)
		}
		if want := time.Date(2019, 6, 1, 12, 0, 0, 0, time.UTC); !m.CaptureTime.Equal(want) {
			t.Errorf("known=%v: CaptureTime = %v, want %v", known, m.CaptureTime, want)
		}
	}
}

func TestReadVint(t *testing.T) {
	cases := []struct {
		in         []byte
		keepMarker bool
		value      uint64
		n          int
		unknown    bool
	}{
		{[]byte{0x81}, false, 1, 1, false},
		{[]byte{0x40, 0x02}, false, 2, 2, false},
		{[]byte{0xFF}, false, 0x7F, 1, true},
		{[]byte{0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, false, 1<<56 - 1, 8, true},
		{[]byte{0x1A, 0x45, 0xDF, 0xA3}, true, 0x1A45DFA3, 4, false},
	}
	for _, c := range cases {
		value, n, unknown, err := readVint(c.in, c.keepMarker)
		if err != nil || value != c.value || n != c.n || unknown != c.unknown {
			t.Errorf("readVint(%x) = %d, %d, %v, %v; want %d, %d, %v", c.in, value, n, unknown, err, c.value, c.n, c.unknown)
		}
	}
	for _, bad := range [][]byte{nil, {0x00}, {0x40}} {
		if _, _, _, err := readVint(bad, false); err == nil {
			t.Errorf("readVint(%x): no error", bad)
		}
	}
}

// bmffBox encodes an ISO BMFF box.
func bmffBox(typ string, parts ...[]byte) []byte {
	var body []byte
	for _, p := range parts {
		body = append(body, p...)
	}
	out := binary.BigEndian.AppendUint32(nil, uint32(8+len(body)))
	out = append(out, typ...)
	return append(out, body...)
}

func smallJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h)), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func buildCR3(t *testing.T) []byte {
	ifd0 := buildTIFF([]testTag{
		{tag: tagMake, typ: 2, value: []byte("Canon\x00")},
		{tag: tagModel, typ: 2, value: []byte("Canon EOS R5\x00")},
	}, nil, nil)
	exifIFD := buildTIFF([]testTag{
		{tag: tagDateTimeOriginal, typ: 2, value: []byte("2022:03:04 05:06:07\x00")},
		{tag: tagISOSpeed, typ: 3, value: u16s(800)},
		{tag: tagPixelXDimension, typ: 4, value: u32s(8192)},
		{tag: tagPixelYDimension, typ: 4, value: u32s(5464)},
	}, nil, nil)
	gpsIFD := buildTIFF([]testTag{{tag: gpsTagLatitude, typ: 5, value: rationals(1, 1, 2, 1, 3, 1)}}, nil, nil)
	ftyp := bmffBox("ftyp", []byte("crx \x00\x00\x00\x01crx isom"))
	moov := bmffBox("moov", bmffBox("uuid", cr3MetadataUUID,
		bmffBox("CMT1", ifd0), bmffBox("CMT2", exifIFD), bmffBox("CMT4", gpsIFD)))
	preview := bmffBox("uuid", cr3PreviewUUID, make([]byte, 8),
		bmffBox("PRVW", make([]byte, 16), smallJPEG(t, 48, 32)))
	return append(append(ftyp, moov...), preview...)
}

func TestCR3(t *testing.T) {
	data := buildCR3(t)
	f := Detect(data)
	if f != formatCR3 {
		t.Fatalf("Detect = %+v, want CR3", f)
	}
	m, err := ReadMetadata(data, f)
	if err != nil {
		t.Fatal(err)
	}
	want := Metadata{Width: 8192, Height: 5464, CameraMake: "Canon", CameraModel: "Canon EOS R5",
		ISOEquivalent: 800, CaptureTime: time.Date(2022, 3, 4, 5, 6, 7, 0, time.UTC), HasLocation: true}
	assertSameMetadata(t, m, want)

	stripped, err := StripLocation(data, f)
	if err != nil {
		t.Fatal(err)
	}
	after, err := ReadMetadata(stripped, f)
	if err != nil {
		t.Fatal(err)
	}
	want.HasLocation = false
	assertSameMetadata(t, after, want)

	out, mime, err := Resize(data, f, 24, 24, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeOutput(t, out, mime).Bounds().Size(); got != image.Pt(24, 16) {
		t.Errorf("resized preview size = %v, want 24×16", got)
	}
}

func TestRAF(t *testing.T) {
	preview := smallJPEG(t, 40, 30)
	tiff := buildTIFF([]testTag{{tag: tagMake, typ: 2, value: []byte("FUJIFILM\x00")}},
		[]testTag{{tag: tagDateTimeOriginal, typ: 2, value: []byte("2018:08:09 10:11:12\x00")},
			{tag: tagPixelXDimension, typ: 4, value: u32s(6000)},
			{tag: tagPixelYDimension, typ: 4, value: u32s(4000)}}, nil)
	app1 := []byte{0xFF, 0xE1, 0, 0}
	app1 = append(append(app1, exifPrefix...), tiff...)
	binary.BigEndian.PutUint16(app1[2:], uint16(len(app1)-2))
	jpegWithEXIF := append(append([]byte{0xFF, 0xD8}, app1...), preview[2:]...)

	header := make([]byte, 100)
	copy(header, "FUJIFILMCCD-RAW 0201FF383501")
	binary.BigEndian.PutUint32(header[84:], uint32(len(header)))
	binary.BigEndian.PutUint32(header[88:], uint32(len(jpegWithEXIF)))
	data := append(header, jpegWithEXIF...)

	f := Detect(data)
	if f != formatRAF {
		t.Fatalf("Detect = %+v, want RAF", f)
	}
	m, err := ReadMetadata(data, f)
	if err != nil {
		t.Fatal(err)
	}
	want := Metadata{Width: 6000, Height: 4000, CameraMake: "FUJIFILM", CaptureTime: time.Date(2018, 8, 9, 10, 11, 12, 0, time.UTC)}
	assertSameMetadata(t, m, want)
	out, mime, err := Resize(data, f, 20, 20, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeOutput(t, out, mime).Bounds().Size(); got != image.Pt(20, 20) {
		t.Errorf("resized preview size = %v, want 20×20", got)
	}
}

func buildASF() []byte {
	object := func(guid []byte, body []byte) []byte {
		out := append([]byte(nil), guid...)
		out = binary.LittleEndian.AppendUint64(out, uint64(24+len(body)))
		return append(out, body...)
	}
	created := (time.Date(2009, 7, 1, 8, 30, 0, 0, time.UTC).Unix() + secondsFrom1601To1970) * 10_000_000
	props := make([]byte, 80)
	binary.LittleEndian.PutUint64(props[24:], uint64(created))
	binary.LittleEndian.PutUint64(props[40:], 63_000_000) // 6.3 s
	binary.LittleEndian.PutUint64(props[56:], 3000)       // 3 s preroll
	audio := make([]byte, 70)
	video := append(append([]byte(nil), asfVideoMediaGUID...), make([]byte, 70)...)
	binary.LittleEndian.PutUint32(video[54:], 640)
	binary.LittleEndian.PutUint32(video[58:], 480)
	objects := append(object(asfFilePropertiesGUID, props), object(asfStreamPropertiesGUID, audio)...)
	objects = append(objects, object(asfStreamPropertiesGUID, video)...)
	header := append([]byte(nil), asfHeaderGUID...)
	header = binary.LittleEndian.AppendUint64(header, uint64(30+len(objects)))
	header = append(header, 3, 0, 0, 0, 1, 2)
	return append(header, objects...)
}

func TestReadMetadataASF(t *testing.T) {
	data := buildASF()
	f := Detect(data)
	if f != formatASF {
		t.Fatalf("Detect = %+v, want ASF", f)
	}
	m, err := ReadMetadata(data, f)
	if err != nil {
		t.Fatal(err)
	}
	want := Metadata{Width: 640, Height: 480, Duration: 3300 * time.Millisecond,
		CaptureTime: time.Date(2009, 7, 1, 8, 30, 0, 0, time.UTC)}
	assertSameMetadata(t, m, want)
}

func TestMatrixOrientation(t *testing.T) {
	const one = 1 << 16
	matrix := func(a, b, c, d int32) []byte {
		var out []byte
		for _, v := range []int32{a, b, 0, c, d, 0, 0, 0, 1 << 30} {
			out = binary.BigEndian.AppendUint32(out, uint32(v))
		}
		return out
	}
	cases := []struct {
		matrix []byte
		want   int
	}{
		{matrix(one, 0, 0, one), 1},
		{matrix(0, one, -one, 0), 6},
		{matrix(-one, 0, 0, -one), 3},
		{matrix(0, -one, one, 0), 8},
		{matrix(2*one, 0, 0, 2*one), 0},
		{matrix(one, 0, 0, one)[:8], 0},
	}
	for _, c := range cases {
		if got := matrixOrientation(c.matrix); got != c.want {
			t.Errorf("matrixOrientation(%x) = %d, want %d", c.matrix, got, c.want)
		}
	}
}
