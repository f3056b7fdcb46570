package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// secondsFrom1904To1970 converts QuickTime and ISO BMFF timestamps, which
// count seconds from 1904-01-01 UTC, to Unix time.
const secondsFrom1904To1970 = 2082844800

// minMovieTime and maxMovieTime bound the mvhd creation times accepted.
// Encoders that count from 1970 by mistake write the Unix epoch for "unknown"
// (some 3GP phones do), and garbage should not become a far-future date.
var (
	minMovieTime = time.Date(1970, 1, 2, 0, 0, 0, 0, time.UTC)
	maxMovieTime = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// readMP4 fills m from the moov box of an MP4, QuickTime, 3GP or M4V file.
// The creation time and duration come from mvhd, the size and frame rate
// from the first video track, and the camera and location from udta and
// the QuickTime metadata keys.
func readMP4(data []byte, m *Metadata) error {
	top, err := boxes(data)
	var moov box
	found := false
	for _, b := range top {
		if b.typ == "moov" {
			moov, found = b, true
			break
		}
	}
	if !found {
		if err != nil {
			return fmt.Errorf("mp4: %w", err)
		}
		return errors.New("mp4: no moov box")
	}

	var errs []error
	if mvhd, ok := child(moov.body, "mvhd"); ok {
		if err := readMovieHeader(mvhd.body, m); err != nil {
			errs = append(errs, err)
		}
	}
	children, err := boxes(moov.body)
	if err != nil {
		errs = append(errs, fmt.Errorf("mp4 moov: %w", err))
	}
	for _, b := range children {
		if b.typ == "trak" && readVideoTrack(b.body, m) {
			break
		}
	}

	if udta, ok := child(moov.body, "udta"); ok {
		readUserData(udta.body, m)
	}
	if meta, ok := child(moov.body, "meta"); ok {
		readQuickTimeKeys(meta.body, m)
	}
	return errors.Join(errs...)
}

func readMovieHeader(body []byte, m *Metadata) error {
	version, _, rest, ok := fullBox(body)
	if !ok {
		return errors.New("mp4 mvhd: truncated")
	}
	r := &byteReader{data: rest}
	var created, timescale, duration uint64
	if version == 1 {
		created = r.u64()
		r.skip(8)
		timescale = uint64(r.u32())
		duration = r.u64()
	} else {
		created = uint64(r.u32())
		r.skip(4)
		timescale = uint64(r.u32())
		duration = uint64(r.u32())
	}
	if r.bad {
		return errors.New("mp4 mvhd: truncated")
	}
	// Zero means the encoder did not set the time.
	if created != 0 && created < math.MaxInt64/2 {
		ts := time.Unix(int64(created)-secondsFrom1904To1970, 0).UTC()
		if ts.After(minMovieTime) && ts.Before(maxMovieTime) {
			m.CaptureTime = ts
		}
	}
	if timescale > 0 && duration != math.MaxUint32 && duration != math.MaxUint64 {
		seconds := float64(duration) / float64(timescale)
		if seconds < float64(math.MaxInt64/int64(time.Second)) {
			m.Duration = time.Duration(seconds * float64(time.Second))
		}
	}
	return nil
}

// readVideoTrack reads the size and frame rate of a trak box into m and
// reports whether the track is a video track.
func readVideoTrack(trak []byte, m *Metadata) bool {
	hdlr, ok := path(trak, "mdia", "hdlr")
	if !ok {
		return false
	}
	_, _, rest, ok := fullBox(hdlr.body)
	if !ok || len(rest) < 8 || string(rest[4:8]) != "vide" {
		return false
	}
	if tkhd, ok := child(trak, "tkhd"); ok {
		version, _, rest, ok := fullBox(tkhd.body)
		if ok {
			r := &byteReader{data: rest}
			if version == 1 {
				r.skip(32)
			} else {
				r.skip(20)
			}
			r.skip(16)
			matrix := r.take(36)
			width, height := r.u32()>>16, r.u32()>>16
			if !r.bad {
				m.Width, m.Height = int(width), int(height)
				m.Orientation = matrixOrientation(matrix)
			}
		}
	}
	m.FPS = trackFrameRate(trak)
	return true
}

// matrixOrientation converts the rotation in a track header's display
// matrix to an EXIF orientation. The matrix is {a, b, u, c, d, v, x, y, w}
// in 16.16 fixed point, and phones record portrait video as landscape
// frames with a matrix that turns them. It returns 0 for matrices that do
// more than turn by a multiple of 90°.
func matrixOrientation(matrix []byte) int {
	if len(matrix) < 20 {
		return 0
	}
	a := int32(binary.BigEndian.Uint32(matrix[0:]))
	b := int32(binary.BigEndian.Uint32(matrix[4:]))
	c := int32(binary.BigEndian.Uint32(matrix[12:]))
	d := int32(binary.BigEndian.Uint32(matrix[16:]))
	const one = 1 << 16
	switch [4]int32{a, b, c, d} {
	case [4]int32{one, 0, 0, one}:
		return 1
	case [4]int32{0, one, -one, 0}:
		return 6 // turn 90° clockwise to display
	case [4]int32{-one, 0, 0, -one}:
		return 3
	case [4]int32{0, -one, one, 0}:
		return 8 // turn 90° anticlockwise to display
	}
	return 0
}

// trackFrameRate returns the average frame rate of a track from its sample
// count and its total sample duration in the media time scale, or 0.
func trackFrameRate(trak []byte) float64 {
	mdhd, ok := path(trak, "mdia", "mdhd")
	if !ok {
		return 0
	}
	version, _, rest, ok := fullBox(mdhd.body)
	if !ok {
		return 0
	}
	r := &byteReader{data: rest}
	if version == 1 {
		r.skip(16)
	} else {
		r.skip(8)
	}
	timescale := r.u32()
	if r.bad || timescale == 0 {
		return 0
	}

	stts, ok := path(trak, "mdia", "minf", "stbl", "stts")
	if !ok {
		return 0
	}
	_, _, rest, ok = fullBox(stts.body)
	if !ok {
		return 0
	}
	r = &byteReader{data: rest}
	entries := int(r.u32())
	if r.bad || entries > (len(rest)-4)/8 {
		return 0
	}
	var samples, ticks uint64
	for range entries {
		count, delta := uint64(r.u32()), uint64(r.u32())
		samples += count
		ticks += count * delta
	}
	if ticks == 0 {
		return 0
	}
	fps := float64(samples) * float64(timescale) / float64(ticks)
	return math.Round(fps*1000) / 1000
}

// readUserData reads the QuickTime udta strings for make and model and
// notes a location, which cameras and ffmpeg store in "©xyz" as ISO 6709
// and 3GPP phones in "loci".
func readUserData(udta []byte, m *Metadata) {
	children, _ := boxes(udta)
	for _, b := range children {
		switch b.typ {
		case "\xa9xyz", "loci": // QuickTime ISO 6709 and 3GPP location
			m.HasLocation = true
		case "\xa9mak":
			if m.CameraMake == "" {
				m.CameraMake = userDataString(b.body)
			}
		case "\xa9mod":
			if m.CameraModel == "" {
				m.CameraModel = userDataString(b.body)
			}
		}
	}
}

// userDataString decodes a QuickTime international text atom: a 16-bit
// length, a 16-bit language code and the text.
func userDataString(body []byte) string {
	if len(body) < 4 {
		return ""
	}
	n := int(binary.BigEndian.Uint16(body))
	text := body[4:]
	if n < len(text) {
		text = text[:n]
	}
	return strings.TrimSpace(string(bytes.TrimRight(text, "\x00")))
}

// readQuickTimeKeys reads the QuickTime metadata in moov/meta: a keys box
// of reverse-DNS names and an ilst box whose items refer to keys by their
// one-based index.
func readQuickTimeKeys(meta []byte, m *Metadata) {
	children, err := boxes(meta)
	if err != nil || len(children) == 0 || children[0].typ != "hdlr" {
		// In ISO files, meta is a full box with version and flags first.
		if len(meta) < 4 {
			return
		}
		children, _ = boxes(meta[4:])
	}

	var keys, ilst []byte
	for _, b := range children {
		switch b.typ {
		case "keys":
			keys = b.body
		case "ilst":
			ilst = b.body
		}
	}
	if keys == nil || ilst == nil {
		return
	}

	_, _, rest, ok := fullBox(keys)
	if !ok {
		return
	}
	r := &byteReader{data: rest}
	count := int(r.u32())
	var names []string
	for i := 0; i < count && !r.bad; i++ {
		size := int(r.u32())
		r.skip(4) // namespace, "mdta"
		name := r.take(size - 8)
		if r.bad {
			break
		}
		names = append(names, string(name))
	}

	items, _ := boxes(ilst)
	for _, item := range items {
		index := int(binary.BigEndian.Uint32([]byte(item.typ)))
		if index < 1 || index > len(names) {
			continue
		}
		data, ok := child(item.body, "data")
		if !ok || len(data.body) < 8 {
			continue
		}
		value := strings.TrimSpace(string(data.body[8:]))
		switch names[index-1] {
		case "com.apple.quicktime.make":
			m.CameraMake = value
		case "com.apple.quicktime.model":
			m.CameraModel = value
		case "com.apple.quicktime.location.ISO6709":
			m.HasLocation = true
		case "com.apple.quicktime.creationdate":
			if m.CaptureTime.IsZero() {
				if ts, err := time.Parse("2006-01-02T15:04:05-0700", value); err == nil {
					m.CaptureTime = ts
				} else if ts, err := time.Parse(time.RFC3339, value); err == nil {
					m.CaptureTime = ts
				}
			}
		}
	}
}

// readAVI reads the frame size and rate from the main AVI header (avih),
// which follows "RIFF....AVI LIST....hdrl".
func readAVI(data []byte, m *Metadata) error {
	idx := bytes.Index(data[:min(len(data), 4096)], []byte("avih"))
	if idx < 0 || idx+8+40 > len(data) {
		return errors.New("avi: no avih header in the first 4096 bytes")
	}
	h := data[idx+8:]
	microsPerFrame := binary.LittleEndian.Uint32(h[0:])
	width := binary.LittleEndian.Uint32(h[32:])
	height := binary.LittleEndian.Uint32(h[36:])
	if width <= math.MaxInt32 && height <= math.MaxInt32 {
		m.Width, m.Height = int(width), int(height)
	}
	if microsPerFrame > 0 {
		m.FPS = math.Round(1e9/float64(microsPerFrame)) / 1000
	}
	return nil
}

// mpegFrameRates maps the frame_rate_code of an MPEG-1/2 sequence header
// to frames per second.
var mpegFrameRates = [...]float64{0, 24000.0 / 1001, 24, 25, 30000.0 / 1001, 30, 50, 60000.0 / 1001, 60}

// readMPEG reads the frame size and rate from the first MPEG-1/2 video
// sequence header in the first 64 KiB of a program stream.
func readMPEG(data []byte, m *Metadata) error {
	window := data[:min(len(data), 64<<10)]
	idx := bytes.Index(window, []byte{0, 0, 1, 0xB3})
	if idx < 0 || idx+8 > len(data) {
		return errors.New("mpeg: no video sequence header in the first 64 KiB")
	}
	h := data[idx+4:]
	m.Width = int(h[0])<<4 | int(h[1])>>4
	m.Height = int(h[1]&0x0F)<<8 | int(h[2])
	if code := int(h[3] & 0x0F); code < len(mpegFrameRates) {
		m.FPS = math.Round(mpegFrameRates[code]*1000) / 1000
	}
	return nil
}
