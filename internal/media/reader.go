package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Limits of ReadMetadataFrom on how much of a file it reads into memory.
const (
	// maxMovieBoxSize caps the moov box of an MP4 or QuickTime file. The
	// sample tables of a long video take a few megabytes per hour.
	maxMovieBoxSize = 256 << 20
	// videoPrefixSize is how much of other video containers is read. Their
	// headers (ASF, Matroska Info and Tracks, AVI, MPEG sequence headers,
	// transport stream tables) come first.
	videoPrefixSize = 16 << 20
)

// ReadMetadataFrom is [ReadMetadata] for a file of size bytes that r reads,
// for callers that do not hold the file in memory. Photos are read whole,
// up to [MaxPhotoSize]. Of an MP4 or QuickTime video it reads only the box
// headers and the moov box, wherever that is, and of other videos the
// first 16 MiB.
func ReadMetadataFrom(r io.ReaderAt, size int64, f Format) (Metadata, error) {
	known, ok := lookupFormat(f)
	if !ok {
		return Metadata{}, fmt.Errorf("read metadata: format %s is not supported", f)
	}
	if size < 0 {
		return Metadata{}, fmt.Errorf("read metadata: invalid size %d", size)
	}
	switch known {
	case formatMP4, formatMOV, formatM4V, format3GP, format3G2:
		moov, err := readMovieBox(r, size)
		if err != nil {
			return Metadata{}, fmt.Errorf("read metadata of %s: %w", known.MIME, err)
		}
		return ReadMetadata(moov, known)
	}
	limit := int64(MaxPhotoSize)
	if known.Kind == Video {
		limit = videoPrefixSize
	}
	data := make([]byte, min(size, limit))
	n, err := r.ReadAt(data, 0)
	if err != nil && !(errors.Is(err, io.EOF) && n == len(data)) {
		return Metadata{}, fmt.Errorf("read metadata of %s: %w", known.MIME, err)
	}
	return ReadMetadata(data, known)
}

// readMovieBox walks the top-level box headers of an ISO BMFF file and
// returns the whole moov box, header included.
func readMovieBox(r io.ReaderAt, size int64) ([]byte, error) {
	var header [16]byte
	for pos := int64(0); pos+8 <= size; {
		if _, err := r.ReadAt(header[:8], pos); err != nil {
			return nil, fmt.Errorf("box header at offset %d: %w", pos, err)
		}
		boxSize := int64(binary.BigEndian.Uint32(header[:4]))
		typ := string(header[4:8])
		switch boxSize {
		case 0:
			boxSize = size - pos
		case 1:
			if _, err := r.ReadAt(header[8:16], pos+8); err != nil {
				return nil, fmt.Errorf("box %q at offset %d: %w", typ, pos, err)
			}
			large := binary.BigEndian.Uint64(header[8:16])
			if large > uint64(size-pos) {
				return nil, fmt.Errorf("box %q at offset %d has invalid size %d", typ, pos, large)
			}
			boxSize = int64(large)
		}
		if boxSize < 8 || boxSize > size-pos {
			return nil, fmt.Errorf("box %q at offset %d has invalid size %d", typ, pos, boxSize)
		}
		if typ == "moov" {
			if boxSize > maxMovieBoxSize {
				return nil, fmt.Errorf("moov box of %d bytes is over the %d-byte limit", boxSize, maxMovieBoxSize)
			}
			moov := make([]byte, boxSize)
			if _, err := r.ReadAt(moov, pos); err != nil {
				return nil, fmt.Errorf("moov box at offset %d: %w", pos, err)
			}
			return moov, nil
		}
		pos += boxSize
	}
	return nil, errors.New("no moov box")
}
