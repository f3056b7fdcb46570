package media

import (
	"encoding/binary"
	"strings"
	"testing"
)

// fullBoxBody prefixes a box body with version 0 and no flags.
func fullBoxBody(parts ...[]byte) []byte {
	out := []byte{0, 0, 0, 0}
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// buildHEIF returns a HEIC file whose primary item 1 is w×h, with an EXIF
// item 2 made of tiff and an XMP item 3 made of xmp, stored in mdat.
func buildHEIF(w, h uint32, tiff []byte, xmp string) []byte {
	infe := func(id uint16, typ string, extra string) []byte {
		body := []byte{2, 0, 0, 0}
		body = binary.BigEndian.AppendUint16(body, id)
		body = append(body, 0, 0)
		body = append(body, typ...)
		body = append(body, extra...)
		return bmffBox("infe", body)
	}
	exifPayload := append([]byte{0, 0, 0, 6}, exifPrefix...)
	exifPayload = append(exifPayload, tiff...)
	ispe := bmffBox("ispe", fullBoxBody(binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, w), h)))
	ipma := fullBoxBody([]byte{0, 0, 0, 1, 0, 1, 1, 0x81})

	iloc := func(mdatStart uint32) []byte {
		body := []byte{0, 0, 0, 0, 0x44, 0x00, 0, 2} // 4-byte offsets and lengths, 2 items
		offset := mdatStart
		for i, size := range []int{len(exifPayload), len(xmp)} {
			body = binary.BigEndian.AppendUint16(body, uint16(i+2))
			body = append(body, 0, 0, 0, 1) // data reference index, one extent
			body = binary.BigEndian.AppendUint32(body, offset)
			body = binary.BigEndian.AppendUint32(body, uint32(size))
			offset += uint32(size)
		}
		return bmffBox("iloc", body)
	}
	build := func(mdatStart uint32) []byte {
		ftyp := bmffBox("ftyp", []byte("heic\x00\x00\x00\x00mif1heic"))
		iinf := bmffBox("iinf", fullBoxBody([]byte{0, 3},
			infe(1, "hvc1", ""), infe(2, "Exif", "\x00"), infe(3, "mime", "XMP\x00application/rdf+xml\x00")))
		meta := bmffBox("meta", fullBoxBody(
			bmffBox("hdlr", fullBoxBody([]byte("\x00\x00\x00\x00pict\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))),
			bmffBox("pitm", fullBoxBody([]byte{0, 1})),
			iinf, iloc(mdatStart),
			bmffBox("iprp", bmffBox("ipco", ispe), bmffBox("ipma", ipma))))
		return append(ftyp, meta...)
	}
	head := build(0)
	head = build(uint32(len(head) + 8))
	mdat := bmffBox("mdat", exifPayload, []byte(xmp))
	return append(head, mdat...)
}

func TestHEIFSynthetic(t *testing.T) {
	tiff := buildTIFF([]testTag{{tag: tagMake, typ: 2, value: []byte("Apple\x00")}}, nil,
		[]testTag{{tag: gpsTagLatitude, typ: 5, value: rationals(1, 1, 2, 1, 3, 1)}})
	xmp := `<x:xmpmeta><rdf:Description exif:GPSLatitude="1,2N" xmp:Rating="3"/></x:xmpmeta>`
	data := buildHEIF(4032, 3024, tiff, xmp)

	f := Detect(data)
	if f != formatHEIC {
		t.Fatalf("Detect = %+v, want HEIC", f)
	}
	m, err := ReadMetadata(data, f)
	if err != nil {
		t.Fatal(err)
	}
	if m.Width != 4032 || m.Height != 3024 || m.CameraMake != "Apple" || !m.HasLocation {
		t.Fatalf("ReadMetadata = %+v, want 4032×3024 Apple with a location", m)
	}
	out, err := StripLocation(data, f)
	if err != nil {
		t.Fatal(err)
	}
	after, err := ReadMetadata(out, f)
	if err != nil {
		t.Fatal(err)
	}
	if after.HasLocation {
		t.Error("HasLocation is still true")
	}
	if after.CameraMake != "Apple" {
		t.Errorf("CameraMake = %q, want Apple", after.CameraMake)
	}
	if text := string(out); strings.Contains(text, "GPSLatitude") || !strings.Contains(text, `xmp:Rating="3"`) {
		t.Errorf("XMP after strip: GPS kept or other fields lost")
	}
}

func TestStripLocationTIFFXMP(t *testing.T) {
	packet := []byte(`<x:xmpmeta><rdf:Description exif:GPSLongitude="3,4E" tiff:Make="X"/></x:xmpmeta>`)
	data := buildTIFF([]testTag{{tag: tagXMLPacket, typ: 1, value: packet}}, nil, nil)
	out, err := StripLocation(data, formatTIFF)
	if err != nil {
		t.Fatal(err)
	}
	if text := string(out); strings.Contains(text, "GPSLongitude") || !strings.Contains(text, `tiff:Make="X"`) {
		t.Errorf("XMP after strip: GPS kept or other fields lost")
	}
}
