package media

import (
	"bytes"
	"encoding/binary"
	"image"
	"strings"
	"testing"
	"time"

	"github.com/rwcarlsen/goexif/exif"
	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

func TestReadMetadataSamples(t *testing.T) {
	utc := func(s string) time.Time {
		ts, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	cases := []struct {
		rel           string
		width, height int
		capture       time.Time
		make, model   string
		fps           float64
		location      bool
	}{
		{rel: "Tricky/canon_eos_gps.jpg", width: 480, height: 320, capture: utc("2021-07-04T18:30:15.123+02:00"), make: "Canon", model: "Canon EOS 5D Mark IV", location: true},
		{rel: "Tricky/canon_eos_gps.webp", width: 480, height: 320, capture: utc("2021-07-04T18:30:15.123+02:00"), make: "Canon", model: "Canon EOS 5D Mark IV", location: true},
		{rel: "Tricky/truncated.jpg", width: 480, height: 320, capture: utc("2021-07-04T16:30:15.123Z"), make: "Canon", model: "Canon EOS 5D Mark IV", location: true},
		{rel: "Tricky/iphone_sw.jpg", width: 400, height: 300, capture: utc("2022-12-31T23:59:59Z"), make: "Apple", model: "iPhone 13 Pro", location: true},
		{rel: "Tricky/iphone.heic", width: 400, height: 300, capture: utc("2023-08-15T07:45:00-07:00"), make: "Apple", model: "iPhone 15", location: true},
		{rel: "Tricky/screenshot.png", width: 320, height: 240, capture: utc("2020-02-29T12:00:00Z")},
		{rel: "Tricky/png_named_as.jpg", width: 320, height: 240, capture: utc("2020-02-29T12:00:00Z")},
		{rel: "Tricky/future_date.jpg", width: 320, height: 240, capture: utc("2099-08-12T19:59:29Z")},
		{rel: "Tricky/exif_no_date.jpg", width: 320, height: 240, make: "NIKON", model: "COOLPIX P1000"},
		{rel: "Tricky/no_exif.jpg", width: 320, height: 240},
		{rel: "Tricky/gps_null_island.jpg", width: 320, height: 240, location: true},
		{rel: "Tricky/animated.gif", width: 120, height: 120},
		{rel: "Camera Roll/Phone/sunset.avif", width: 1280, height: 720},
		{rel: "Camera Roll/2003 Beijing/DSC_0001.jpg", width: 500, height: 375, capture: utc("2003-11-23T18:07:37.63Z"), make: "NIKON CORPORATION", model: "NIKON D2H", location: true},
		{rel: "Camera Roll/IMG_1811.JPG", width: 389, height: 259, capture: utc("2013-06-05T09:18:38.52Z"), make: "Canon", model: "Canon EOS DIGITAL REBEL XS"},
		{rel: "Camera Roll/RAW/CRW_0001.CRW", width: 2160, height: 1440, capture: utc("2018-01-01T13:03:32Z"), make: "Canon", model: "Canon EOS D30"},
		{rel: "Camera Roll/RAW/GOPR0100.GPR", width: 4000, height: 3000, capture: utc("2020-05-28T04:47:27Z"), make: "GoPro", model: "HERO8 Black", location: true},
		{rel: "Tricky/clip.mp4", width: 320, height: 240, capture: utc("2021-07-04T16:30:15Z"), fps: 25, location: true},
		{rel: "Tricky/clip.mov", width: 320, height: 240, capture: utc("2023-03-01T09:00:00Z"), make: "Apple", model: "iPhone 13 Pro", fps: 30, location: true},
		{rel: "Videos/clip-2010.mp4", width: 560, height: 320, capture: utc("2010-03-20T21:29:11Z"), fps: 30},
		{rel: "Videos/clip.mov", width: 560, height: 320, fps: 30},
		{rel: "Videos/old-phone.3gp", width: 352, height: 288, fps: 15},
	}
	for _, c := range cases {
		t.Run(c.rel, func(t *testing.T) {
			data := readSample(t, c.rel)
			m, err := ReadMetadata(data, Detect(data))
			if err != nil {
				t.Fatalf("ReadMetadata: %v", err)
			}
			if m.Width != c.width || m.Height != c.height {
				t.Errorf("size = %d×%d, want %d×%d", m.Width, m.Height, c.width, c.height)
			}
			if !m.CaptureTime.Equal(c.capture) {
				t.Errorf("CaptureTime = %v, want %v", m.CaptureTime, c.capture)
			}
			if m.CameraMake != c.make {
				t.Errorf("CameraMake = %q, want %q", m.CameraMake, c.make)
			}
			if m.CameraModel != c.model {
				t.Errorf("CameraModel = %q, want %q", m.CameraModel, c.model)
			}
			if m.FPS != c.fps {
				t.Errorf("FPS = %v, want %v", m.FPS, c.fps)
			}
			if m.HasLocation != c.location {
				t.Errorf("HasLocation = %v, want %v", m.HasLocation, c.location)
			}
		})
	}
}

// The names of the files in Tricky/exif-only are their capture times.
func TestReadMetadataCaptureTimeFromName(t *testing.T) {
	for _, rel := range allSamples(t) {
		if !strings.HasPrefix(rel, "Tricky/exif-only/") {
			continue
		}
		t.Run(rel, func(t *testing.T) {
			name := strings.TrimPrefix(rel, "Tricky/exif-only/")
			want, err := time.Parse("2006-01-02-15-04-05", name[:19])
			if err != nil {
				t.Fatal(err)
			}
			data := readSample(t, rel)
			m, err := ReadMetadata(data, Detect(data))
			// The files end after their metadata, so the frame header is
			// missing and ReadMetadata reports it.
			if err == nil || !strings.Contains(err.Error(), "frame header") {
				t.Errorf("error = %v, want a missing frame header", err)
			}
			if !m.CaptureTime.Truncate(time.Second).Equal(want) {
				t.Errorf("CaptureTime = %v, want %v", m.CaptureTime, want)
			}
			if m.CameraMake == "" {
				t.Error("CameraMake is empty")
			}
		})
	}
}

func TestReadMetadataCameraSettings(t *testing.T) {
	data := readSample(t, "Camera Roll/Phone/IMG_4401.jpg")
	m, err := ReadMetadata(data, Detect(data))
	if err != nil {
		t.Fatal(err)
	}
	if m.FocalLength != 4.28 {
		t.Errorf("FocalLength = %v, want 4.28", m.FocalLength)
	}
	if m.ApertureFNumber != 2.4 {
		t.Errorf("ApertureFNumber = %v, want 2.4", m.ApertureFNumber)
	}
	if m.ISOEquivalent != 50 {
		t.Errorf("ISOEquivalent = %d, want 50", m.ISOEquivalent)
	}
	if m.ExposureTime <= 0 || m.ExposureTime > time.Millisecond {
		t.Errorf("ExposureTime = %v, want between 0 and 1ms", m.ExposureTime)
	}
	if m.Orientation != 6 {
		t.Errorf("Orientation = %d, want 6", m.Orientation)
	}
}

func TestReadMetadataOrientation(t *testing.T) {
	for i := 1; i <= 8; i++ {
		rel := "Orientation/f" + string(rune('0'+i)) + "-exif.jpg"
		data := readSample(t, rel)
		m, err := ReadMetadata(data, Detect(data))
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		if m.Orientation != i {
			t.Errorf("%s: Orientation = %d, want %d", rel, m.Orientation, i)
		}
	}
}

// Every JPEG with intact EXIF must give the same date, make and model as
// goexif, an independent parser.
func TestReadMetadataAgreesWithGoexif(t *testing.T) {
	corrupt := map[string]bool{
		"Tricky/infinite_loop_exif.jpg": true,
		"Tricky/max_uint32_exif.jpg":    true,
		"Tricky/huge_tag_exif.jpg":      true,
	}
	for _, rel := range allSamples(t) {
		data := readSample(t, rel)
		if corrupt[rel] || Detect(data) != formatJPEG {
			continue
		}
		x, err := exif.Decode(bytes.NewReader(data))
		if err != nil {
			continue // no EXIF, which the table test covers
		}
		t.Run(rel, func(t *testing.T) {
			m, _ := ReadMetadata(data, formatJPEG)
			if ts, err := x.DateTime(); err == nil {
				wall := m.CaptureTime.Format("2006-01-02 15:04:05")
				if want := ts.Format("2006-01-02 15:04:05"); wall != want {
					t.Errorf("capture wall time = %s, goexif %s", wall, want)
				}
			}
			for name, got := range map[exif.FieldName]string{exif.Make: m.CameraMake, exif.Model: m.CameraModel} {
				tag, err := x.Get(name)
				if err != nil {
					continue
				}
				want, _ := tag.StringVal()
				if got != strings.TrimSpace(want) {
					t.Errorf("%s = %q, goexif %q", name, got, want)
				}
			}
		})
	}
}

// Where image.DecodeConfig reads a size, ReadMetadata must report the same.
func TestReadMetadataSizeMatchesDecodeConfig(t *testing.T) {
	for _, rel := range allSamples(t) {
		data := readSample(t, rel)
		f := Detect(data)
		if !f.Supported() {
			continue
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			continue
		}
		m, _ := ReadMetadata(data, f)
		if m.Width != cfg.Width || m.Height != cfg.Height {
			t.Errorf("%s: size = %d×%d, DecodeConfig %d×%d", rel, m.Width, m.Height, cfg.Width, cfg.Height)
		}
	}
}

func TestReadMetadataCorruptEXIF(t *testing.T) {
	for _, rel := range []string{"Tricky/infinite_loop_exif.jpg", "Tricky/max_uint32_exif.jpg", "Tricky/huge_tag_exif.jpg"} {
		t.Run(rel, func(t *testing.T) {
			data := readSample(t, rel)
			// The checks are that this returns at all, without a panic.
			m, err := ReadMetadata(data, Detect(data))
			t.Logf("metadata %+v, error %v", m, err)
		})
	}
}

func TestReadMetadataUnsupported(t *testing.T) {
	_, err := ReadMetadata([]byte("hello"), Detect([]byte("hello")))
	if err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Errorf("error = %v, want not supported", err)
	}
}

func TestReadMetadataSynthetic(t *testing.T) {
	tiff := buildTIFF(
		[]testTag{
			{tag: tagImageWidth, typ: 4, value: u32s(6000)},
			{tag: tagImageLength, typ: 4, value: u32s(4000)},
			{tag: tagMake, typ: 2, value: []byte("NIKON CORPORATION\x00")},
			{tag: tagDateTime, typ: 2, value: []byte("2019:01:01 00:00:00\x00")},
		},
		[]testTag{
			{tag: tagExposureTime, typ: 5, value: rationals(1, 250)},
			{tag: tagFNumber, typ: 5, value: rationals(28, 10)},
			{tag: tagISOSpeed, typ: 3, value: u16s(3200)},
			{tag: tagFocalLength, typ: 5, value: rationals(50, 1)},
			{tag: tagDateTimeOriginal, typ: 2, value: []byte("2020:05:06 07:08:09\x00")},
			{tag: tagOffsetTimeOrig, typ: 2, value: []byte("-05:00\x00")},
			{tag: tagSubSecTimeOrig, typ: 2, value: []byte("5\x00")},
		},
		[]testTag{{tag: gpsTagLatitude, typ: 5, value: rationals(1, 1, 2, 1, 3, 1)}},
	)
	m, err := ReadMetadata(tiff, formatTIFF)
	if err != nil {
		t.Fatal(err)
	}
	want := Metadata{
		Width: 6000, Height: 4000,
		CaptureTime:     time.Date(2020, 5, 6, 12, 8, 9, 500_000_000, time.UTC),
		CameraMake:      "NIKON CORPORATION",
		FocalLength:     50,
		ApertureFNumber: 2.8,
		ISOEquivalent:   3200,
		ExposureTime:    4 * time.Millisecond,
		HasLocation:     true,
	}
	if !m.CaptureTime.Equal(want.CaptureTime) {
		t.Errorf("CaptureTime = %v, want %v", m.CaptureTime, want.CaptureTime)
	}
	m.CaptureTime = want.CaptureTime
	if m != want {
		t.Errorf("ReadMetadata = %+v, want %+v", m, want)
	}
}

func TestParseEXIFTime(t *testing.T) {
	cases := []struct {
		value, subSec, offset string
		want                  time.Time
	}{
		{"2021:07:04 18:30:15", "", "", time.Date(2021, 7, 4, 18, 30, 15, 0, time.UTC)},
		{"2021:07:04 18:30:15", "123", "+02:00", time.Date(2021, 7, 4, 16, 30, 15, 123e6, time.UTC)},
		{"2021-07-04 18:30:15 ", "", "", time.Date(2021, 7, 4, 18, 30, 15, 0, time.UTC)},
		{"0000:00:00 00:00:00", "", "", time.Time{}},
		{"    :  :     :  :  ", "", "", time.Time{}},
		{"2021:07:04 18:30:15", "12x", "bogus", time.Date(2021, 7, 4, 18, 30, 15, 0, time.UTC)},
	}
	for _, c := range cases {
		if got := parseEXIFTime(c.value, c.subSec, c.offset); !got.Equal(c.want) {
			t.Errorf("parseEXIFTime(%q, %q, %q) = %v, want %v", c.value, c.subSec, c.offset, got, c.want)
		}
	}
}

// Every sample must read without a panic, and only the files that are
// cut short or corrupt may return an error.
func TestReadMetadataAllSamples(t *testing.T) {
	mayFail := func(rel string) bool {
		return strings.HasPrefix(rel, "Tricky/exif-only/") ||
			rel == "Tricky/huge_tag_exif.jpg" || rel == "Tricky/max_uint32_exif.jpg"
	}
	for _, rel := range allSamples(t) {
		data := readSample(t, rel)
		f := Detect(data)
		if !f.Supported() {
			continue
		}
		m, err := ReadMetadata(data, f)
		if err != nil && !mayFail(rel) {
			t.Errorf("%s: %v", rel, err)
		}
		if f.Kind == Photo && (m.Width <= 0 || m.Height <= 0) && !mayFail(rel) {
			t.Errorf("%s: size %d×%d, want both positive", rel, m.Width, m.Height)
		}
	}
}

func TestReadPNGLateEXIF(t *testing.T) {
	data := readSample(t, "Tricky/screenshot.png")
	// Rebuild the PNG with its eXIf chunk after IDAT, just before IEND.
	var chunks [][]byte
	for pos := 8; pos+12 <= len(data); {
		length := int(binary.BigEndian.Uint32(data[pos:]))
		chunks = append(chunks, data[pos:pos+12+length])
		pos += 12 + length
	}

	var exif []byte
	var rest [][]byte
	for _, c := range chunks {
		if string(c[4:8]) == "eXIf" {
			exif = c
		} else {
			rest = append(rest, c)
		}
	}
	if exif == nil {
		t.Fatal("sample has no eXIf chunk")
	}

	out := append([]byte(nil), data[:8]...)
	for _, c := range rest[:len(rest)-1] {
		out = append(out, c...)
	}
	out = append(out, exif...)
	out = append(out, rest[len(rest)-1]...) // IEND
	m, err := ReadMetadata(out, formatPNG)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2020, 2, 29, 12, 0, 0, 0, time.UTC); !m.CaptureTime.Equal(want) {
		t.Errorf("CaptureTime = %v, want %v", m.CaptureTime, want)
	}
}

// For BMP and TIFF, which ReadMetadata parses itself, the size must match
// what the x/image decoders read.
func TestReadMetadataSizeBMPAndTIFF(t *testing.T) {
	for _, size := range []image.Point{{1, 1}, {7, 3}, {640, 480}} {
		img := image.NewRGBA(image.Rectangle{Max: size})
		var bmpData, tiffData bytes.Buffer
		if err := bmp.Encode(&bmpData, img); err != nil {
			t.Fatal(err)
		}
		if err := tiff.Encode(&tiffData, img, nil); err != nil {
			t.Fatal(err)
		}
		for name, data := range map[string][]byte{"bmp": bmpData.Bytes(), "tiff": tiffData.Bytes()} {
			f := Detect(data)
			if !f.Supported() {
				t.Fatalf("%s %v: Detect = %+v", name, size, f)
			}
			m, err := ReadMetadata(data, f)
			if err != nil {
				t.Fatalf("%s %v: %v", name, size, err)
			}
			cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if m.Width != cfg.Width || m.Height != cfg.Height {
				t.Errorf("%s: size %d×%d, DecodeConfig %d×%d", name, m.Width, m.Height, cfg.Width, cfg.Height)
			}
			out, mime, err := Resize(data, f, 4, 4, false)
			if err != nil {
				t.Fatalf("%s %v: Resize: %v", name, size, err)
			}
			if mime != "image/jpeg" {
				t.Errorf("%s: Resize mime = %s, want image/jpeg", name, mime)
			}
			if thumb, _, err := image.DecodeConfig(bytes.NewReader(out)); err != nil || thumb.Width > 4 || thumb.Height > 4 {
				t.Errorf("%s %v: thumbnail %d×%d, error %v; want within 4×4", name, size, thumb.Width, thumb.Height, err)
			}
		}
	}
}
