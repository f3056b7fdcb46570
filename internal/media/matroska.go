package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// Matroska element IDs, with their length marker bits, as the Matroska
// specification lists them.
const (
	ebmlSegment         = 0x18538067
	ebmlInfo            = 0x1549A966
	ebmlTimestampScale  = 0x2AD7B1
	ebmlDuration        = 0x4489
	ebmlDateUTC         = 0x4461
	ebmlTracks          = 0x1654AE6B
	ebmlTrackEntry      = 0xAE
	ebmlTrackType       = 0x83
	ebmlDefaultDuration = 0x23E383
	ebmlVideo           = 0xE0
	ebmlPixelWidth      = 0xB0
	ebmlPixelHeight     = 0xBA

	matroskaVideoTrack = 1
)

// matroskaEpoch is the origin of Matroska's DateUTC, in nanoseconds.
var matroskaEpoch = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)

// ebmlElement is one EBML element and its content.
type ebmlElement struct {
	id   uint64
	body []byte
}

// readVint reads an EBML variable-length integer. With keepMarker it
// returns the bytes as they are (element IDs); without, it clears the
// length marker (sizes) and reports all-ones values as unknown.
func readVint(data []byte, keepMarker bool) (value uint64, n int, unknown bool, err error) {
	if len(data) == 0 || data[0] == 0 {
		return 0, 0, false, errors.New("invalid EBML variable-length integer")
	}
	n = 1
	for mask := byte(0x80); data[0]&mask == 0; mask >>= 1 {
		n++
	}
	if n > len(data) {
		return 0, 0, false, errors.New("EBML variable-length integer is truncated")
	}
	value = uint64(data[0])
	if !keepMarker {
		value &= uint64(0xFF >> n)
	}
	allOnes := value == uint64(0xFF>>n)
	for _, b := range data[1:n] {
		value = value<<8 | uint64(b)
		allOnes = allOnes && b == 0xFF
	}
	return value, n, !keepMarker && allOnes, nil
}

// ebmlElements splits data into elements. An element of unknown size,
// as live recordings write, extends to the end of data.
func ebmlElements(data []byte) ([]ebmlElement, error) {
	var out []ebmlElement
	for pos := 0; pos < len(data); {
		id, n, _, err := readVint(data[pos:], true)
		if err != nil || n > 4 {
			return out, fmt.Errorf("matroska element ID at offset %d: invalid", pos)
		}
		size, m, unknown, err := readVint(data[pos+n:], false)
		if err != nil {
			return out, fmt.Errorf("matroska element 0x%X at offset %d: %w", id, pos, err)
		}
		start := pos + n + m
		end := len(data)
		if !unknown {
			if size > uint64(len(data)-start) {
				return out, fmt.Errorf("matroska element 0x%X at offset %d runs past the end", id, pos)
			}
			end = start + int(size)
		}
		out = append(out, ebmlElement{id: id, body: data[start:end]})
		pos = end
	}
	return out, nil
}

func ebmlUint(body []byte) uint64 {
	var v uint64
	for _, b := range body[:min(len(body), 8)] {
		v = v<<8 | uint64(b)
	}
	return v
}

func ebmlFloat(body []byte) float64 {
	switch len(body) {
	case 4:
		return float64(math.Float32frombits(binary.BigEndian.Uint32(body)))
	case 8:
		return math.Float64frombits(binary.BigEndian.Uint64(body))
	}
	return 0
}

// readMatroska fills m from the Info element of a Matroska file (date and
// duration) and its first video track (size and frame rate).
func readMatroska(data []byte, m *Metadata) error {
	top, err := ebmlElements(data)
	var segment []byte
	for _, e := range top {
		if e.id == ebmlSegment {
			segment = e.body
			break
		}
	}
	if segment == nil {
		if err != nil {
			return err
		}
		return errors.New("matroska: no Segment element")
	}
	// A cut-off file may end inside a Cluster, after Info and Tracks.
	children, err := ebmlElements(segment)
	for _, e := range children {
		switch e.id {
		case ebmlInfo:
			readMatroskaInfo(e.body, m)
		case ebmlTracks:
			readMatroskaTracks(e.body, m)
		}
	}
	return err
}

func readMatroskaInfo(body []byte, m *Metadata) {
	elements, _ := ebmlElements(body)
	scale := uint64(1_000_000) // the default: timestamps in milliseconds
	var duration float64
	for _, e := range elements {
		switch e.id {
		case ebmlTimestampScale:
			if v := ebmlUint(e.body); v > 0 {
				scale = v
			}
		case ebmlDuration:
			duration = ebmlFloat(e.body)
		case ebmlDateUTC:
			if len(e.body) == 8 {
				ts := matroskaEpoch.Add(time.Duration(int64(binary.BigEndian.Uint64(e.body))))
				if ts.After(minMovieTime) && ts.Before(maxMovieTime) {
					m.CaptureTime = ts
				}
			}
		}
	}
	if ns := duration * float64(scale); ns > 0 && ns < math.MaxInt64 {
		m.Duration = time.Duration(ns)
	}
}

func readMatroskaTracks(body []byte, m *Metadata) {
	entries, _ := ebmlElements(body)
	for _, entry := range entries {
		if entry.id != ebmlTrackEntry {
			continue
		}
		fields, _ := ebmlElements(entry.body)
		var video []byte
		var trackType, frameDuration uint64
		for _, f := range fields {
			switch f.id {
			case ebmlTrackType:
				trackType = ebmlUint(f.body)
			case ebmlDefaultDuration:
				frameDuration = ebmlUint(f.body)
			case ebmlVideo:
				video = f.body
			}
		}
		if trackType != matroskaVideoTrack {
			continue
		}
		settings, _ := ebmlElements(video)
		for _, s := range settings {
			switch s.id {
			case ebmlPixelWidth:
				m.Width = int(min(ebmlUint(s.body), math.MaxInt32))
			case ebmlPixelHeight:
				m.Height = int(min(ebmlUint(s.body), math.MaxInt32))
			}
		}
		if frameDuration > 0 {
			m.FPS = math.Round(1e12/float64(frameDuration)) / 1000
		}
		return
	}
}
