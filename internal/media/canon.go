package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// Canon CR3 files are ISO BMFF. The metadata sits in a uuid box inside
// moov with this user type, as TIFF structures in boxes CMT1 (IFD0), CMT2
// (the Exif IFD) and CMT4 (the GPS IFD), each beginning with its own TIFF
// header.
var (
	cr3MetadataUUID = []byte{0x85, 0xc0, 0xb6, 0x87, 0x82, 0x0f, 0x11, 0xe0, 0x81, 0x11, 0xf4, 0xce, 0x46, 0x2b, 0x6a, 0x48}
	cr3PreviewUUID  = []byte{0xea, 0xf4, 0x2b, 0x5e, 0x1c, 0x98, 0x4b, 0x88, 0xb9, 0xfb, 0xb7, 0xdc, 0x40, 0x6e, 0x4d, 0x16}
)

// readCR3 fills m from the CMT boxes of a Canon CR3 file.
func readCR3(data []byte, m *Metadata) error {
	cmt, err := cr3Boxes(data, cr3MetadataUUID)
	if err != nil {
		return err
	}
	var errs []error
	for _, b := range cmt {
		switch b.typ {
		case "CMT1":
			if err := readEXIF(b.body, m); err != nil {
				errs = append(errs, fmt.Errorf("cr3 CMT1: %w", err))
			}
		case "CMT2":
			if err := readDetachedIFD(b.body, m, false); err != nil {
				errs = append(errs, fmt.Errorf("cr3 CMT2: %w", err))
			}
		case "CMT4":
			if err := readDetachedIFD(b.body, m, true); err != nil {
				errs = append(errs, fmt.Errorf("cr3 CMT4: %w", err))
			}
		}
	}
	return errors.Join(errs...)
}

// readDetachedIFD reads a TIFF structure whose IFD0 is an Exif IFD or,
// when gps is set, a GPS IFD.
func readDetachedIFD(data []byte, m *Metadata, gps bool) error {
	t, err := newTIFF(data)
	if err != nil {
		return err
	}
	dir, err := t.ifd(t.first)
	if err != nil {
		return err
	}
	if gps {
		_, lat := dir.find(gpsTagLatitude)
		_, long := dir.find(gpsTagLongitude)
		m.HasLocation = m.HasLocation || lat || long
		return nil
	}
	readExifIFD(t, dir, m)
	original := t.str(dir.find(tagDateTimeOriginal))
	if original != "" {
		offset := t.str(dir.find(tagOffsetTimeOrig))
		m.CaptureTime = parseEXIFTime(original, t.str(dir.find(tagSubSecTimeOrig)), offset)
	}
	return nil
}

// cr3Boxes returns the children of the uuid box in moov with the given
// user type.
func cr3Boxes(data []byte, userType []byte) ([]box, error) {
	top, err := boxes(data)
	for _, b := range top {
		if b.typ != "moov" {
			continue
		}
		children, _ := boxes(b.body)
		for _, c := range children {
			if c.typ == "uuid" && len(c.body) >= 16 && bytes.Equal(c.body[:16], userType) {
				inner, err := boxes(c.body[16:])
				if err != nil && len(inner) == 0 {
					return nil, fmt.Errorf("cr3 metadata: %w", err)
				}
				return inner, nil
			}
		}
		return nil, errors.New("cr3: no Canon metadata box in moov")
	}
	if err != nil {
		return nil, fmt.Errorf("cr3: %w", err)
	}
	return nil, errors.New("cr3: no moov box")
}

// cr3Preview returns the JPEG in the PRVW box of a CR3 file's preview
// uuid box, which follows the moov box at the top level.
func cr3Preview(data []byte) []byte {
	top, _ := boxes(data)
	for _, b := range top {
		if b.typ != "uuid" || len(b.body) < 16 || !bytes.Equal(b.body[:16], cr3PreviewUUID) {
			continue
		}
		// The PRVW box follows a field of 8 bytes. Searching for it and
		// then for the JPEG start skips the fixed header fields whose
		// layout is not documented.
		body := b.body[16:]
		i := bytes.Index(body, []byte("PRVW"))
		if i < 0 {
			return nil
		}
		if j := bytes.Index(body[i:], []byte{0xFF, 0xD8, 0xFF}); j >= 0 {
			return body[i+j:]
		}
	}
	return nil
}

// readRAF fills m from the EXIF of the JPEG that a Fuji RAF file embeds.
// Its size comes from the EXIF pixel dimensions, because the embedded
// JPEG is a reduced preview.
func readRAF(data []byte, m *Metadata) error {
	if len(data) < 92 {
		return errors.New("raf: header is truncated")
	}
	off := uint64(binary.BigEndian.Uint32(data[84:]))
	length := uint64(binary.BigEndian.Uint32(data[88:]))
	if off > uint64(len(data)) || length > uint64(len(data))-off {
		return fmt.Errorf("raf: JPEG at offset %d with length %d lies outside the file", off, length)
	}
	segments, err := jpegSegments(data[off : off+length])
	exif := jpegEXIF(segments)
	if exif == nil {
		if err != nil {
			return fmt.Errorf("raf: %w", err)
		}
		return nil
	}
	return readEXIF(exif, m)
}
