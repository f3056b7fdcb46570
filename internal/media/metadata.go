package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"time"

	"golang.org/x/image/webp"
)

// Metadata is the media item metadata that Google Photos reports in
// mediaMetadata, read from the file's bytes. Fields that the file does not
// contain are zero.
type Metadata struct {
	// Width and Height are the pixel dimensions as stored, before
	// Orientation is applied.
	Width, Height int
	// CaptureTime is the time the photo or video was taken, or the zero
	// time when unknown. Photos use EXIF DateTimeOriginal, then DateTime,
	// in the zone of OffsetTimeOriginal or else UTC, and without EXIF
	// dates the XMP ones. MP4 and QuickTime videos use the mvhd creation
	// time when it is set, then the QuickTime creation date. Other
	// containers use their own date fields.
	CaptureTime time.Time
	// CameraMake and CameraModel come from EXIF or QuickTime metadata.
	CameraMake, CameraModel string
	// FocalLength is in millimetres.
	FocalLength float64
	// ApertureFNumber is the f-number, such as 2.8.
	ApertureFNumber float64
	// ISOEquivalent is the ISO speed.
	ISOEquivalent int
	// ExposureTime is the shutter time.
	ExposureTime time.Duration
	// FPS is the average frame rate of a video's first video track.
	FPS float64
	// Duration is a video's length.
	Duration time.Duration
	// Orientation is the EXIF orientation, 1 to 8, or 0 when the file has
	// none. For HEIF images it comes from the irot property and for MP4
	// and QuickTime videos from the video track's display matrix.
	Orientation int
	// HasLocation reports whether the file contains GPS coordinates: an
	// EXIF GPS IFD or XMP properties with latitude or longitude, or a
	// QuickTime or 3GPP location.
	HasLocation bool
}

// ReadMetadata reads the metadata of a file whose format Detect returned.
// data is the whole file.
//
// Corrupt metadata does not stop the read: ReadMetadata returns every field
// it could read together with an error that describes what it skipped. It
// returns an error and no metadata only for unsupported formats. The work
// and the memory it allocates grow linearly with len(data), whatever the
// input.

func ReadMetadata(data []byte, f Format) (Metadata, error) {
	var m Metadata
	known, ok := lookupFormat(f)
	if !ok {
		return m, fmt.Errorf("read metadata: format %s is not supported", f)
	}
	f = known
	var err error
	switch f {
	case formatJPEG:
		err = readJPEG(data, &m)
	case formatPNG:
		err = readPNG(data, &m)
	case formatGIF:
		err = readConfig(data, gif.DecodeConfig, &m)
	case formatWebP:
		err = readWebP(data, &m)
	case formatBMP:
		err = readBMP(data, &m)
	case formatICO:
		err = readICO(data, &m)
	case formatTIFF, formatCR2, formatDNG, formatGPR, formatNEF, formatARW, formatPEF,
		formatSRW, formatORF, formatRW2:
		err = readTIFF(data, &m)
	case formatHEIC, formatHEIF, formatAVIF:
		err = readHEIF(data, &m)
	case formatCRW:
		err = readCRW(data, &m)
	case formatCR3:
		err = readCR3(data, &m)
	case formatRAF:
		err = readRAF(data, &m)
	case formatMP4, formatMOV, formatM4V, format3GP, format3G2:
		err = readMP4(data, &m)
	case formatMKV:
		err = readMatroska(data, &m)
	case formatASF:
		err = readASF(data, &m)
	case formatTS:
		err = readTS(data, &m)
	case formatAVI:
		err = readAVI(data, &m)
	case formatMPEG:
		err = readMPEG(data, &m)
	}
	if err != nil {
		return m, fmt.Errorf("read metadata of %s: %w", f.MIME, err)
	}
	return m, nil
}

func readConfig(data []byte, decode func(io.Reader) (image.Config, error), m *Metadata) error {
	cfg, err := decode(bytes.NewReader(data))
	if err != nil {
		return err
	}
	m.Width, m.Height = cfg.Width, cfg.Height
	return nil
}

// readJPEG reads the frame size from the SOF header and the rest from the
// EXIF APP1 segment. Where both give a size, SOF wins, because editors
// often leave a stale EXIF PixelXDimension behind.
func readJPEG(data []byte, m *Metadata) error {
	var errs []error
	if err := readConfig(data, jpeg.DecodeConfig, m); err != nil {
		errs = append(errs, fmt.Errorf("frame header: %w", err))
	}
	segments, err := jpegSegments(data)
	if err != nil {
		errs = append(errs, err)
	}
	if exif := jpegEXIF(segments); exif != nil {
		if err := readEXIF(exif, m); err != nil {
			errs = append(errs, err)
		}
	}
	for _, s := range segments {
		if s.marker == 0xE1 && bytes.HasPrefix(s.payload, xmpNamespace) {
			useXMP(m, s.payload[len(xmpNamespace):])
		}
	}
	return errors.Join(errs...)
}

// useXMP sets the capture time from an XMP packet when EXIF gave none,
// as editors that drop EXIF often keep the XMP dates, and notes GPS
// coordinates in it.
func useXMP(m *Metadata, packet []byte) {
	if packet == nil {
		return
	}
	if m.CaptureTime.IsZero() {
		m.CaptureTime = xmpCaptureTime(packet)
	}
	m.HasLocation = m.HasLocation || xmpHasLocation(packet)
}

// readPNG reads the size from IHDR and EXIF from an eXIf chunk, which PNG
// allows before or after the image data.
func readPNG(data []byte, m *Metadata) error {
	var errs []error
	if err := readConfig(data, png.DecodeConfig, m); err != nil {
		errs = append(errs, fmt.Errorf("header: %w", err))
	}
	width, height := m.Width, m.Height
	var xmp []byte
	for pos := 8; pos+12 <= len(data); {
		length := uint64(binary.BigEndian.Uint32(data[pos:]))
		typ := string(data[pos+4 : pos+8])
		if length > uint64(len(data)-pos-12) {
			errs = append(errs, fmt.Errorf("chunk %q at offset %d runs past the end", typ, pos))
			break
		}
		body := data[pos+8 : pos+8+int(length)]
		switch typ {
		case "eXIf":
			if err := readEXIF(body, m); err != nil {
				errs = append(errs, err)
			}
		case "iTXt":
			if packet := pngXMP(body); packet != nil {
				xmp = packet
			}
		}
		if typ == "IEND" {
			break
		}
		pos += 12 + int(length)
	}
	useXMP(m, xmp)
	if width > 0 && height > 0 {
		m.Width, m.Height = width, height
	}
	return errors.Join(errs...)
}

// readWebP reads the size from the VP8, VP8L or VP8X header and EXIF from
// the EXIF chunk of an extended WebP file.
func readWebP(data []byte, m *Metadata) error {
	var errs []error
	if err := readConfig(data, webp.DecodeConfig, m); err != nil {
		errs = append(errs, fmt.Errorf("header: %w", err))
	}
	width, height := m.Width, m.Height
	if exif, err := riffChunk(data, "EXIF"); err != nil {
		errs = append(errs, err)
	} else if exif != nil {
		// Some writers keep the JPEG "Exif\0\0" prefix in the chunk.
		exif = bytes.TrimPrefix(exif, exifPrefix)
		if err := readEXIF(exif, m); err != nil {
			errs = append(errs, err)
		}
	}
	if xmp, err := riffChunk(data, "XMP "); err == nil {
		useXMP(m, xmp)
	}
	if width > 0 && height > 0 {
		m.Width, m.Height = width, height
	}
	return errors.Join(errs...)
}

// riffChunk returns the body of the first top-level chunk of the given type
// in a RIFF file, or nil when there is none.
func riffChunk(data []byte, typ string) ([]byte, error) {
	for pos := 12; pos+8 <= len(data); {
		length := uint64(binary.LittleEndian.Uint32(data[pos+4:]))
		if length > uint64(len(data)-pos-8) {
			return nil, fmt.Errorf("RIFF chunk %q at offset %d runs past the end", data[pos:pos+4], pos)
		}
		if string(data[pos:pos+4]) == typ {
			return data[pos+8 : pos+8+int(length)], nil
		}
		// Chunks are padded to an even length.
		pos += 8 + int(length) + int(length&1)
	}
	return nil, nil
}

// readBMP reads the size from the DIB header. The OS/2 header (12 bytes)
// stores 16-bit sizes and the Windows headers 32-bit ones, where a negative
// height means rows run top-down.
func readBMP(data []byte, m *Metadata) error {
	if len(data) < 26 {
		return errors.New("header is truncated")
	}
	if binary.LittleEndian.Uint32(data[14:]) == 12 {
		m.Width = int(binary.LittleEndian.Uint16(data[18:]))
		m.Height = int(binary.LittleEndian.Uint16(data[20:]))
		return nil
	}
	width := int64(int32(binary.LittleEndian.Uint32(data[18:])))
	height := int64(int32(binary.LittleEndian.Uint32(data[22:])))
	if width <= 0 || height == 0 {
		return fmt.Errorf("invalid size %d×%d", width, height)
	}
	m.Width, m.Height = int(width), int(max(height, -height))
	return nil
}

// readICO reports the size of the largest image in an icon file. A width
// or height byte of 0 means 256.
func readICO(data []byte, m *Metadata) error {
	if len(data) < 6 {
		return errors.New("header is truncated")
	}
	count := int(binary.LittleEndian.Uint16(data[4:]))
	for i := range count {
		entry := 6 + 16*i
		if entry+16 > len(data) {
			return fmt.Errorf("directory entry %d of %d is truncated", i+1, count)
		}
		width, height := int(data[entry]), int(data[entry+1])
		if width == 0 {
			width = 256
		}
		if height == 0 {
			height = 256
		}
		if width*height > m.Width*m.Height {
			m.Width, m.Height = width, height
		}
	}
	return nil
}

// readTIFF reads a TIFF or TIFF-based RAW file: EXIF from IFD0 and its Exif
// IFD, and as size the largest full-resolution image among the IFD0 chain
// and the SubIFDs, which is where RAW files keep the sensor data.
func readTIFF(data []byte, m *Metadata) error {
	err := readEXIF(data, m)
	t, terr := newTIFF(data)
	if terr != nil {
		return err
	}
	if ifd0, err := t.ifd(t.first); err == nil {
		if e, ok := ifd0.find(tagXMLPacket); ok {
			packet, _ := t.value(e)
			useXMP(m, packet)
		}
	}
	var best, bestAny [2]uint32
	visited := map[uint32]bool{}
	queue := []uint32{t.first}
	for len(queue) > 0 && len(visited) < maxIFDs {
		off := queue[0]
		queue = queue[1:]
		if off == 0 || visited[off] {
			continue
		}
		visited[off] = true
		dir, derr := t.ifd(off)
		if derr != nil {
			continue
		}
		queue = append(queue, dir.next)
		subIFDs, ok := dir.find(tagSubIFDs)
		queue = append(queue, t.uints(subIFDs, ok, maxIFDs)...)
		w, okW := t.uint(dir.find(tagImageWidth))
		h, okH := t.uint(dir.find(tagImageLength))
		if !okW || !okH {
			continue
		}
		area := uint64(w) * uint64(h)
		if area > uint64(bestAny[0])*uint64(bestAny[1]) {
			bestAny = [2]uint32{w, h}
		}
		subfileType, _ := t.uint(dir.find(tagNewSubfileType))
		if subfileType&1 == 0 && area > uint64(best[0])*uint64(best[1]) {
			best = [2]uint32{w, h}
		}
	}
	if best[0] == 0 {
		best = bestAny
	}
	if best[0] > 0 && best[1] > 0 {
		m.Width, m.Height = int(best[0]), int(best[1])
	}
	return err
}
