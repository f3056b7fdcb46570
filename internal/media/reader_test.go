package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

func TestReadMetadataFromMatchesReadMetadata(t *testing.T) {
	for _, rel := range allSamples(t) {
		data := readSample(t, rel)
		f := Detect(data)
		if !f.Supported() {
			continue
		}
		want, wantErr := ReadMetadata(data, f)
		got, err := ReadMetadataFrom(bytes.NewReader(data), int64(len(data)), f)
		if (err == nil) != (wantErr == nil) {
			t.Errorf("%s: error %v, ReadMetadata error %v", rel, err, wantErr)
		}
		if !got.CaptureTime.Equal(want.CaptureTime) {
			t.Errorf("%s: CaptureTime %v, ReadMetadata %v", rel, got.CaptureTime, want.CaptureTime)
		}
		got.CaptureTime = want.CaptureTime
		if got != want {
			t.Errorf("%s: %+v, ReadMetadata %+v", rel, got, want)
		}
	}
}

// hugeMovie is a ReaderAt for an MP4 whose 10 GiB mdat comes before the
// moov box. It holds no mdat bytes, and a read inside the mdat fails the
// test, which so proves that only the box headers and moov are read.
type hugeMovie struct {
	head, moov []byte
	mdatSize   int64
	t          *testing.T
}

func (h *hugeMovie) size() int64 { return int64(len(h.head)) + h.mdatSize + int64(len(h.moov)) }

func (h *hugeMovie) ReadAt(p []byte, off int64) (int, error) {
	moovStart := int64(len(h.head)) + h.mdatSize
	switch {
	case off+int64(len(p)) <= int64(len(h.head)):
		return copy(p, h.head[off:]), nil
	case off >= moovStart && off < h.size():
		n := copy(p, h.moov[off-moovStart:])
		if n < len(p) {
			return n, io.EOF
		}
		return n, nil
	}
	h.t.Errorf("read of %d bytes at offset %d inside the mdat", len(p), off)
	return 0, errors.New("read inside mdat")
}

func TestReadMetadataFromMoovAtEnd(t *testing.T) {
	data := readSample(t, "Tricky/clip.mp4")
	top, err := boxes(data)
	if err != nil {
		t.Fatal(err)
	}
	var moov []byte
	for _, b := range top {
		if b.typ == "moov" {
			moov = bmffBox("moov", b.body)
		}
	}
	if moov == nil {
		t.Fatal("sample has no moov box")
	}
	const mdatSize = 10 << 30
	head := bmffBox("ftyp", []byte("isom\x00\x00\x02\x00isomiso2mp41"))
	// A 64-bit mdat header: size 1, type, then the large size.
	head = append(head, 0, 0, 0, 1, 'm', 'd', 'a', 't')
	head = binary.BigEndian.AppendUint64(head, mdatSize)
	movie := &hugeMovie{head: head, moov: moov, mdatSize: mdatSize - 16, t: t}

	m, err := ReadMetadataFrom(movie, movie.size(), formatMP4)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := ReadMetadata(data, formatMP4)
	assertSameMetadata(t, m, want)
}

func TestReadMetadataFromErrors(t *testing.T) {
	if _, err := ReadMetadataFrom(bytes.NewReader(nil), 0, Format{Reason: reasonEmpty}); err == nil {
		t.Error("unsupported format: no error")
	}
	if _, err := ReadMetadataFrom(bytes.NewReader(nil), -1, formatJPEG); err == nil {
		t.Error("negative size: no error")
	}
	if _, err := ReadMetadataFrom(bytes.NewReader([]byte("\x00\x00\x00\x10ftypisom\x00\x00\x00\x00")), 16, formatMP4); err == nil {
		t.Error("MP4 without moov: no error")
	}
	// A size larger than the data makes the read fail.
	if _, err := ReadMetadataFrom(bytes.NewReader([]byte{0xFF, 0xD8, 0xFF}), 100, formatJPEG); err == nil {
		t.Error("short read: no error")
	}
}
