package state

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Every record value starts with a format byte so that a migration can tell
// old encodings from new ones. File records, the bulk of a store, use a
// compact binary form. The other records are JSON.
const (
	formatFileV1 = 1
	formatJSONV1 = 1
)

var errTruncated = errors.New("record is truncated")

// encodeFile returns the value stored for f under its folder and path. The
// folder and path are the keys, so they are not repeated in the value:
//
//	format byte, status byte, origin byte,
//	size (varint), mod time (varint seconds, uvarint nanoseconds),
//	updated at (varint seconds, uvarint nanoseconds),
//	then SHA256, MediaItemID, AlbumID and Reason, each a uvarint length
//	followed by the bytes.
func encodeFile(f File) []byte {
	n := 3 + 4*binary.MaxVarintLen64 + 4*binary.MaxVarintLen16 +
		len(f.SHA256) + len(f.MediaItemID) + len(f.AlbumID) + len(f.Reason)
	b := make([]byte, 0, n)
	b = append(b, formatFileV1, byte(f.Status), byte(f.Origin))
	b = binary.AppendVarint(b, f.Size)
	b = appendTime(b, f.ModTime)
	b = appendTime(b, f.UpdatedAt)
	for _, s := range [...]string{f.SHA256, f.MediaItemID, f.AlbumID, f.Reason} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

func appendTime(b []byte, t time.Time) []byte {
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

// fileDecoder decodes file records. It copies the path and all strings of a
// record into one new string, so decoding costs one allocation per record.
// Its buffer is reused from record to record.
type fileDecoder struct {
	buf []byte
}

// decode returns the file stored under folder and path with value v. The
// returned strings do not alias v, so they stay valid after the transaction.
func (d *fileDecoder) decode(folder string, path, v []byte) (File, error) {
	if len(v) < 3 {
		return File{}, errTruncated
	}
	if v[0] != formatFileV1 {
		return File{}, fmt.Errorf("unknown file record format %d", v[0])
	}
	f := File{Folder: folder, Status: FileStatus(v[1]), Origin: Origin(v[2])}
	if !f.Status.valid() {
		return File{}, fmt.Errorf("invalid file status %d", v[1])
	}
	if !f.Origin.valid() {
		return File{}, fmt.Errorf("invalid file origin %d", v[2])
	}
	r := reader{b: v[3:]}
	f.Size = r.varint()
	f.ModTime = r.time()
	f.UpdatedAt = r.time()

	// Collect the path and the four strings in d.buf, then convert once.
	d.buf = append(d.buf[:0], path...)
	var ends [5]int
	ends[0] = len(d.buf)
	for i := 1; i < len(ends); i++ {
		d.buf = append(d.buf, r.bytes()...)
		ends[i] = len(d.buf)
	}
	if r.err != nil {
		return File{}, r.err
	}
	if len(r.b) != 0 {
		return File{}, fmt.Errorf("file record has %d trailing bytes", len(r.b))
	}
	s := string(d.buf)
	f.Path = s[:ends[0]]
	f.SHA256 = s[ends[0]:ends[1]]
	f.MediaItemID = s[ends[1]:ends[2]]
	f.AlbumID = s[ends[2]:ends[3]]
	f.Reason = s[ends[3]:ends[4]]
	return f, nil
}

// decodeFile decodes one file record; see fileDecoder.decode.
func decodeFile(d *fileDecoder, folder, path, v []byte) (File, error) {
	if d == nil {
		d = new(fileDecoder)
	}
	return d.decode(string(folder), path, v)
}

// reader reads the varint fields of a record and keeps the first error.
type reader struct {
	b   []byte
	err error
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	x, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errTruncated
		return 0
	}
	r.b = r.b[n:]
	return x
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	x, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errTruncated
		return 0
	}
	r.b = r.b[n:]
	return x
}

func (r *reader) time() time.Time {
	sec := r.varint()
	nsec := r.uvarint()
	if r.err != nil {
		return time.Time{}
	}
	if nsec >= 1e9 {
		r.err = fmt.Errorf("nanoseconds %d out of range", nsec)
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}

func (r *reader) bytes() []byte {
	n := r.uvarint()
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.err = errTruncated
		return nil
	}
	s := r.b[:n]
	r.b = r.b[n:]
	return s
}

// encodeJSON returns the format byte followed by the JSON form of v.
func encodeJSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append([]byte{formatJSONV1}, b...), nil
}

// decodeJSON decodes a value written by encodeJSON into v.
func decodeJSON(b []byte, v any) error {
	if len(b) == 0 {
		return errTruncated
	}
	if b[0] != formatJSONV1 {
		return fmt.Errorf("unknown record format %d", b[0])
	}
	return json.Unmarshal(b[1:], v)
}
