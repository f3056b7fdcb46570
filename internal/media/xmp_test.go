package media

import (
	"encoding/binary"
	"testing"
	"time"
)

func TestXMPCaptureTime(t *testing.T) {
	cases := []struct {
		packet string
		want   time.Time
	}{
		{`<rdf:Description xmp:CreateDate="2020-01-02T03:04:05" exif:DateTimeOriginal="2019-05-06T07:08:09+02:00"/>`,
			time.Date(2019, 5, 6, 5, 8, 9, 0, time.UTC)},
		{`<photoshop:DateCreated>2018-03-04</photoshop:DateCreated><xmp:CreateDate>2020-01-01T00:00:00Z</xmp:CreateDate>`,
			time.Date(2018, 3, 4, 0, 0, 0, 0, time.UTC)},
		{`<x xmp:CreateDate='2017-07-08T09:10:11.5Z'/>`, time.Date(2017, 7, 8, 9, 10, 11, 5e8, time.UTC)},
		{`<x xmp:CreateDate="2016-02-03T04:05"/>`, time.Date(2016, 2, 3, 4, 5, 0, 0, time.UTC)},
		{`<x xmp:CreateDate="yesterday"/>`, time.Time{}},
		{`<x xmp:ModifyDate="2016-02-03T04:05:06"/>`, time.Time{}},
	}
	for _, c := range cases {
		if got := xmpCaptureTime([]byte(c.packet)); !got.Equal(c.want) {
			t.Errorf("xmpCaptureTime(%s) = %v, want %v", c.packet, got, c.want)
		}
	}
}

// A JPEG whose EXIF has no date takes the date from its XMP.
func TestReadMetadataXMPDateInJPEG(t *testing.T) {
	jpegData := readSample(t, "Tricky/exif_no_date.jpg")
	packet := `<x:xmpmeta><rdf:Description photoshop:DateCreated="2011-12-13T14:15:16"/></x:xmpmeta>`
	segment := append([]byte{0xFF, 0xE1, 0, 0}, xmpNamespace...)
	segment = append(segment, packet...)
	binary.BigEndian.PutUint16(segment[2:], uint16(len(segment)-2))
	data := append(append([]byte{0xFF, 0xD8}, segment...), jpegData[2:]...)

	m, err := ReadMetadata(data, formatJPEG)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2011, 12, 13, 14, 15, 16, 0, time.UTC); !m.CaptureTime.Equal(want) {
		t.Errorf("CaptureTime = %v, want %v", m.CaptureTime, want)
	}
	if m.CameraMake != "NIKON" {
		t.Errorf("CameraMake = %q, want NIKON from EXIF", m.CameraMake)
	}
}

// EXIF wins over XMP when both have a date.
func TestReadMetadataEXIFDateBeforeXMP(t *testing.T) {
	jpegData := readSample(t, "Tricky/iphone_sw.jpg")
	packet := `<x exif:DateTimeOriginal="2001-01-01T00:00:00"/>`
	segment := append([]byte{0xFF, 0xE1, 0, 0}, xmpNamespace...)
	segment = append(segment, packet...)
	binary.BigEndian.PutUint16(segment[2:], uint16(len(segment)-2))
	data := append(append([]byte{0xFF, 0xD8}, segment...), jpegData[2:]...)

	m, err := ReadMetadata(data, formatJPEG)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2022, 12, 31, 23, 59, 59, 0, time.UTC); !m.CaptureTime.Equal(want) {
		t.Errorf("CaptureTime = %v, want the EXIF date %v", m.CaptureTime, want)
	}
}

func TestReadMetadataXMPDateInHEIF(t *testing.T) {
	tiff := buildTIFF([]testTag{{tag: tagMake, typ: 2, value: []byte("Apple\x00")}}, nil, nil)
	data := buildHEIF(8, 8, tiff, `<x xmp:CreateDate="2024-04-05T06:07:08-07:00"/>`)
	m, err := ReadMetadata(data, formatHEIC)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2024, 4, 5, 13, 7, 8, 0, time.UTC); !m.CaptureTime.Equal(want) {
		t.Errorf("CaptureTime = %v, want %v", m.CaptureTime, want)
	}
}

func TestXMPHasLocation(t *testing.T) {
	cases := map[string]bool{
		`<x exif:GPSLatitude="48,51.5N"/>`:                   true,
		`<exif:GPSLongitude>2,17.6E</exif:GPSLongitude>`:     true,
		`<x exif:GPSAltitude="35/1" exif:GPSVersionID="2"/>`: false,
		`<x xmp:Rating="5"/>`:                                false,
	}
	for packet, want := range cases {
		if got := xmpHasLocation([]byte(packet)); got != want {
			t.Errorf("xmpHasLocation(%s) = %v, want %v", packet, got, want)
		}
	}
}

// Blanking one property can join its neighbours into a new match, which
// a later pass must clear too.
func TestBlankXMPLocationJoinedMatch(t *testing.T) {
	packet := []byte(`<x a:GPSLatitude <exif:GPSB>1</exif:GPSB>="9N"/>`)
	if err := blankXMPLocation(packet); err != nil {
		t.Fatal(err)
	}
	if xmpGPS.Match(packet) {
		t.Errorf("GPS properties remain in %q", packet)
	}
	if xmpHasLocation(packet) {
		t.Errorf("xmpHasLocation(%q) = true after blanking", packet)
	}
}

func TestReadMetadataXMPLocation(t *testing.T) {
	jpegData := readSample(t, "Tricky/no_exif.jpg")
	packet := `<x:xmpmeta><rdf:Description exif:GPSLatitude="48,51.5N" exif:GPSLongitude="2,17.6E"/></x:xmpmeta>`
	segment := append([]byte{0xFF, 0xE1, 0, 0}, xmpNamespace...)
	segment = append(segment, packet...)
	binary.BigEndian.PutUint16(segment[2:], uint16(len(segment)-2))
	data := append(append([]byte{0xFF, 0xD8}, segment...), jpegData[2:]...)

	m, err := ReadMetadata(data, formatJPEG)
	if err != nil {
		t.Fatal(err)
	}
	if !m.HasLocation {
		t.Fatal("HasLocation = false for XMP GPS")
	}
	out, err := StripLocation(data, formatJPEG)
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := ReadMetadata(out, formatJPEG); m.HasLocation {
		t.Error("HasLocation is still true after StripLocation")
	}
}
