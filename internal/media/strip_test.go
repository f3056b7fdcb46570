package media

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/rwcarlsen/goexif/exif"
	"golang.org/x/image/webp"
)

func TestStripLocationJPEG(t *testing.T) {
	for _, rel := range []string{
		"Camera Roll/2003 Beijing/DSC_0001.jpg",
		"Camera Roll/IMG_1811.JPG",
		"Camera Roll/Phone/IMG_4401.jpg",
		"Camera Roll/Phone/IMG_20140426_190919.jpg",
		"Tricky/canon_eos_gps.jpg",
		"Tricky/iphone_sw.jpg",
		"Tricky/gps_null_island.jpg",
	} {
		t.Run(rel, func(t *testing.T) {
			data := readSample(t, rel)
			before, err := ReadMetadata(data, formatJPEG)
			if err != nil {
				t.Fatal(err)
			}
			out, err := StripLocation(data, formatJPEG)
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != len(data) {
				t.Errorf("length = %d, want %d", len(out), len(data))
			}
			after, err := ReadMetadata(out, formatJPEG)
			if err != nil {
				t.Fatalf("ReadMetadata after strip: %v", err)
			}
			if after.HasLocation {
				t.Error("HasLocation is still true")
			}
			before.HasLocation = false
			assertSameMetadata(t, after, before)
			assertSamePixels(t, data, out)

			// goexif, an independent parser, must find the other fields
			// and no GPS.
			x, err := exif.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatalf("goexif cannot decode the stripped EXIF: %v", err)
			}
			if _, err := x.Get(exif.GPSLatitude); err == nil {
				t.Error("goexif still finds GPSLatitude")
			}
			if _, err := x.Get(exif.Model); err != nil && before.CameraModel != "" {
				t.Errorf("goexif no longer finds Model: %v", err)
			}
			if !before.CaptureTime.IsZero() {
				if _, err := x.DateTime(); err != nil {
					t.Errorf("goexif no longer finds the date: %v", err)
				}
			}
		})
	}
}

// assertSamePixels decodes two JPEG files and compares their pixels.
func assertSamePixels(t *testing.T, a, b []byte) {
	t.Helper()
	imgA, err := jpeg.Decode(bytes.NewReader(a))
	if err != nil {
		t.Fatalf("decode original: %v", err)
	}
	imgB, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode stripped: %v", err)
	}
	if imgA.Bounds() != imgB.Bounds() {
		t.Fatalf("bounds = %v, want %v", imgB.Bounds(), imgA.Bounds())
	}
	for y := imgA.Bounds().Min.Y; y < imgA.Bounds().Max.Y; y++ {
		for x := imgA.Bounds().Min.X; x < imgA.Bounds().Max.X; x++ {
			if imgA.At(x, y) != imgB.At(x, y) {
				t.Fatalf("pixel (%d,%d) = %v, want %v", x, y, imgB.At(x, y), imgA.At(x, y))
			}
		}
	}
}

func TestStripLocationOtherPhotos(t *testing.T) {
	for _, rel := range []string{"Tricky/canon_eos_gps.webp", "Tricky/iphone.heic", "Camera Roll/RAW/GOPR0100.GPR"} {
		t.Run(rel, func(t *testing.T) {
			data := readSample(t, rel)
			f := Detect(data)
			before, err := ReadMetadata(data, f)
			if err != nil {
				t.Fatal(err)
			}
			if !before.HasLocation {
				t.Fatal("sample has no location to strip")
			}
			out, err := StripLocation(data, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != len(data) {
				t.Errorf("length = %d, want %d", len(out), len(data))
			}
			after, err := ReadMetadata(out, f)
			if err != nil {
				t.Fatalf("ReadMetadata after strip: %v", err)
			}
			if after.HasLocation {
				t.Error("HasLocation is still true")
			}
			before.HasLocation = false
			assertSameMetadata(t, after, before)
			if f == formatWebP {
				if _, err := webp.Decode(bytes.NewReader(out)); err != nil {
					t.Errorf("stripped WebP does not decode: %v", err)
				}
			}
		})
	}
}

func TestStripLocationKeepsOriginal(t *testing.T) {
	data := readSample(t, "Tricky/canon_eos_gps.jpg")
	original := bytes.Clone(data)
	if _, err := StripLocation(data, formatJPEG); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, original) {
		t.Error("StripLocation modified its input")
	}
}

func TestStripLocationVideoUnchanged(t *testing.T) {
	data := readSample(t, "Tricky/clip.mp4")
	out, err := StripLocation(data, formatMP4)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, data) {
		t.Error("video bytes changed")
	}
}

func TestStripLocationAllSamples(t *testing.T) {
	for _, rel := range allSamples(t) {
		data := readSample(t, rel)
		f := Detect(data)
		if !f.Supported() {
			if _, err := StripLocation(data, f); err == nil {
				t.Errorf("%s: no error for unsupported format %s", rel, f)
			}
			continue
		}
		out, err := StripLocation(data, f)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		if f.Kind == Video {
			continue
		}
		if m, _ := ReadMetadata(out, f); m.HasLocation {
			t.Errorf("%s: HasLocation is still true", rel)
		}
	}
}

func TestStripLocationXMP(t *testing.T) {
	packet := `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description exif:GPSLatitude="48,51.5N" ` +
		`exif:GPSLongitude='2,17.6E' xmp:Rating="5"><exif:GPSAltitude>35/1</exif:GPSAltitude>` +
		`<dc:title>Eiffel</dc:title></rdf:Description></rdf:RDF></x:xmpmeta>`
	segment := append([]byte{0xFF, 0xE1, 0, 0}, xmpNamespace...)
	segment = append(segment, packet...)
	binary.BigEndian.PutUint16(segment[2:], uint16(len(segment)-2))
	data := append([]byte{0xFF, 0xD8}, segment...)
	data = append(data, 0xFF, 0xD9)

	out, err := StripLocation(data, formatJPEG)
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, gone := range []string{"GPSLatitude", "48,51.5N", "GPSLongitude", "2,17.6E", "GPSAltitude", "35/1"} {
		if strings.Contains(text, gone) {
			t.Errorf("%q is still in the XMP", gone)
		}
	}
	for _, kept := range []string{`xmp:Rating="5"`, "<dc:title>Eiffel</dc:title>", "</rdf:Description>"} {
		if !strings.Contains(text, kept) {
			t.Errorf("%q was removed from the XMP", kept)
		}
	}
	if len(out) != len(data) {
		t.Errorf("length = %d, want %d", len(out), len(data))
	}
}

func TestStripLocationPNG(t *testing.T) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 3))); err != nil {
		t.Fatal(err)
	}
	encoded := buf.Bytes()
	tiff := buildTIFF(
		[]testTag{{tag: tagMake, typ: 2, value: []byte("Pixel\x00")}},
		nil,
		[]testTag{{tag: gpsTagLatitude, typ: 5, value: rationals(1, 1, 2, 1, 3, 1)}},
	)
	chunk := func(typ string, body []byte) []byte {
		c := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
		c = append(c, typ...)
		c = append(c, body...)
		return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
	}
	xmp := append([]byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00"), `<x:xmpmeta exif:GPSLatitude="1,2N"/>`...)
	// Insert eXIf and iTXt after IHDR, which is 8+25 bytes into the file.
	var data []byte
	data = append(data, encoded[:33]...)
	data = append(data, chunk("eXIf", tiff)...)
	data = append(data, chunk("iTXt", xmp)...)
	data = append(data, encoded[33:]...)

	before, err := ReadMetadata(data, formatPNG)
	if err != nil || !before.HasLocation {
		t.Fatalf("test PNG: metadata %+v, error %v; want a location", before, err)
	}
	out, err := StripLocation(data, formatPNG)
	if err != nil {
		t.Fatal(err)
	}
	// image/png checks every chunk CRC.
	if _, err := png.Decode(bytes.NewReader(out)); err != nil {
		t.Errorf("stripped PNG does not decode: %v", err)
	}
	after, err := ReadMetadata(out, formatPNG)
	if err != nil {
		t.Fatal(err)
	}
	if after.HasLocation {
		t.Error("HasLocation is still true")
	}
	if after.CameraMake != "Pixel" {
		t.Errorf("CameraMake = %q, want Pixel", after.CameraMake)
	}
	if bytes.Contains(out, []byte("GPSLatitude")) {
		t.Error("XMP GPSLatitude is still present")
	}
}

// A corrupt IFD0 that lists the GPS pointer twice must lose both.
func TestStripLocationDuplicateGPSPointer(t *testing.T) {
	data := buildTIFF(
		[]testTag{{tag: tagMake, typ: 2, value: []byte("X\x00")}},
		nil,
		[]testTag{{tag: gpsTagLatitude, typ: 5, value: rationals(1, 1, 2, 1, 3, 1)}},
	)
	// IFD0 has Make then the GPS pointer; turn Make into a second pointer.
	tiff, err := newTIFF(data)
	if err != nil {
		t.Fatal(err)
	}
	ifd0, err := tiff.ifd(tiff.first)
	if err != nil {
		t.Fatal(err)
	}
	gpsEntry, _ := ifd0.find(tagGPSIFD)
	copy(data[ifd0.entries[0].pos:], data[gpsEntry.pos:gpsEntry.pos+12])

	out, err := StripLocation(data, formatTIFF)
	if err != nil {
		t.Fatal(err)
	}
	tiff, _ = newTIFF(out)
	ifd0, err = tiff.ifd(tiff.first)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ifd0.find(tagGPSIFD); ok {
		t.Error("a GPS pointer is still in IFD0")
	}
}

// assertSameMetadata compares metadata, the capture time by instant.
func assertSameMetadata(t *testing.T, got, want Metadata) {
	t.Helper()
	if !got.CaptureTime.Equal(want.CaptureTime) {
		t.Errorf("CaptureTime = %v, want %v", got.CaptureTime, want.CaptureTime)
	}
	got.CaptureTime, want.CaptureTime = time.Time{}, time.Time{}
	if got != want {
		t.Errorf("metadata changed:\n got %+v\nwant %+v", got, want)
	}
}

// A GPS IFD whose entries all point at one large value must still be
// cleared, in one pass over the value rather than one per entry.
func TestStripLocationOverlappingValues(t *testing.T) {
	value := bytes.Repeat([]byte{0xAB}, 1<<16)
	gps := make([]testTag, 0, 512)
	for i := range 512 {
		gps = append(gps, testTag{tag: uint16(i), typ: 7, value: nil})
	}
	gps[0].value = value
	data := buildTIFF([]testTag{{tag: tagMake, typ: 2, value: []byte("X\x00")}}, nil, gps)
	// Point every GPS entry at the value of the first.
	tiff, err := newTIFF(data)
	if err != nil {
		t.Fatal(err)
	}
	ifd0, _ := tiff.ifd(tiff.first)
	gpsOff, _ := tiff.uint(ifd0.find(tagGPSIFD))
	gpsDir, err := tiff.ifd(gpsOff)
	if err != nil {
		t.Fatal(err)
	}
	first := gpsDir.entries[0]
	for _, e := range gpsDir.entries[1:] {
		copy(data[e.pos+2:e.pos+12], data[first.pos+2:first.pos+12])
	}
	out, err := StripLocation(data, formatTIFF)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, value[:64]) {
		t.Error("the GPS value is still present")
	}
}

// A second image appended after the first, as multi-picture files do,
// must lose its GPS too.
func TestStripLocationSecondImage(t *testing.T) {
	first := readSample(t, "Tricky/no_exif.jpg")
	second := readSample(t, "Tricky/canon_eos_gps.jpg")
	data := append(append([]byte(nil), first...), second...)

	out, err := StripLocation(data, formatJPEG)
	if err != nil {
		t.Fatal(err)
	}
	embedded := out[len(first):]
	m, err := ReadMetadata(embedded, formatJPEG)
	if err != nil {
		t.Fatal(err)
	}
	if m.HasLocation {
		t.Error("the second image still has a location")
	}
	if m.CameraModel != "Canon EOS 5D Mark IV" {
		t.Errorf("second image CameraModel = %q, want it kept", m.CameraModel)
	}
}
