package state

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
)

// Every record value starts with a format byte so that a migration can tell
// old encodings from new ones. File records and media items, the bulk of a
// store, and pending uploads, which a first sync writes once per file, use
// compact binary forms. The other records are JSON.
const (
	// formatFileV1 stores the SHA-256 of a file as 64 hex digits. Schema
	// versions 1 and 2 wrote it, and a record keeps it until it is next
	// written.
	formatFileV1 = 1
	// formatFileV2 stores the SHA-256 of a file as 32 raw bytes.
	formatFileV2 = 2
	formatJSONV1 = 1
	// formatMediaV2 is the binary form of a media item. Schema versions 1
	// and 2 stored media items as JSON (formatJSONV1), which is still read.
	formatMediaV2 = 2
	// formatUploadV2 is the binary form of a pending upload. Schema
	// versions 1 to 3 stored uploads as JSON (formatJSONV1), which is still
	// read.
	formatUploadV2 = 2
)

var errTruncated = errors.New("record is truncated")

// encodeFile returns the value stored for f under its folder and path, in
// format formatFileV2. The folder and path are the keys, so they are not
// repeated in the value:
//
//	format byte, status byte, origin byte,
//	size (varint), mod time (varint seconds, uvarint nanoseconds),
//	updated at (varint seconds, uvarint nanoseconds),
//	SHA256 as appendSHA256 writes it,
//	then MediaItemID, AlbumID and Reason, each a uvarint length followed
//	by the bytes.
//
// Format formatFileV1 is the same except that SHA256 is a uvarint length
// followed by the hex digits.
func encodeFile(f File) []byte {
	n := 3 + 4*binary.MaxVarintLen64 + 4*binary.MaxVarintLen16 +
		len(f.SHA256) + len(f.MediaItemID) + len(f.AlbumID) + len(f.Reason)
	b := make([]byte, 0, n)
	b = append(b, formatFileV2, byte(f.Status), byte(f.Origin))
	b = binary.AppendVarint(b, f.Size)
	b = appendTime(b, f.ModTime)
	b = appendTime(b, f.UpdatedAt)
	b = appendSHA256(b, f.SHA256)
	for _, s := range [...]string{f.MediaItemID, f.AlbumID, f.Reason} {
		b = appendString(b, s)
	}
	return b
}

func appendTime(b []byte, t time.Time) []byte {
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// Kinds of an encoded SHA-256, the byte that starts it.
const (
	shaEmpty = 0
	// shaRaw is followed by the 32 bytes of the digest.
	shaRaw = 1
	// shaText is followed by a uvarint length and the text as given. The
	// store validates hashes before it writes them, so only a record
	// written by a test or damaged on disk holds one.
	shaText = 2
)

// appendSHA256 appends a hex SHA-256: 32 raw bytes when it is 64 lowercase
// hex digits, which decode back to the same string, and the text otherwise.
func appendSHA256(b []byte, sha string) []byte {
	if sha == "" {
		return append(b, shaEmpty)
	}
	if raw, ok := parseSHA256(sha); ok {
		b = append(b, shaRaw)
		return append(b, raw[:]...)
	}
	b = append(b, shaText)
	return appendString(b, sha)
}

// maxInternedAlbums bounds the album IDs that one fileDecoder shares
// between records. A folder has one album per directory, or a few more for
// directories of over 20,000 items.
const maxInternedAlbums = 4096

// fileDecoder decodes file records. Per record it allocates one string for
// the path, MediaItemID and Reason and one for SHA256, so that a caller
// that keeps only the hash (the scan does) does not keep the rest alive.
// AlbumID strings are shared between the records of one decoder, because
// every file of a directory has the same album. Its buffer is reused from
// record to record.
type fileDecoder struct {
	buf    []byte
	albums map[string]string
}

// decode returns the file stored under folder and path with value v. The
// returned strings do not alias v, so they stay valid after the transaction.
func (d *fileDecoder) decode(folder string, path, v []byte) (File, error) {
	if len(v) < 3 {
		return File{}, errTruncated
	}
	if v[0] != formatFileV1 && v[0] != formatFileV2 {
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
	if v[0] == formatFileV1 {
		f.SHA256 = string(r.bytes())
	} else {
		f.SHA256 = r.sha256()
	}

	// Collect the path, MediaItemID and Reason in d.buf, then convert once.
	d.buf = append(d.buf[:0], path...)
	pathEnd := len(d.buf)
	d.buf = append(d.buf, r.bytes()...)
	mediaEnd := len(d.buf)
	album := r.bytes()
	d.buf = append(d.buf, r.bytes()...)
	if r.err != nil {
		return File{}, r.err
	}
	if len(r.b) != 0 {
		return File{}, fmt.Errorf("file record has %d trailing bytes", len(r.b))
	}
	s := string(d.buf)
	f.Path = s[:pathEnd]
	f.MediaItemID = s[pathEnd:mediaEnd]
	f.Reason = s[mediaEnd:]
	f.AlbumID = d.albumID(album)
	return f, nil
}

// albumID returns b as a string, shared with earlier records of the same
// album.
func (d *fileDecoder) albumID(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if s, ok := d.albums[string(b)]; ok {
		return s
	}
	s := string(b)
	if d.albums == nil {
		d.albums = make(map[string]string)
	}
	if len(d.albums) < maxInternedAlbums {
		d.albums[s] = s
	}
	return s
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

// sha256 reads a SHA-256 written by appendSHA256 and returns it as hex.
func (r *reader) sha256() string {
	if r.err != nil {
		return ""
	}
	if len(r.b) == 0 {
		r.err = errTruncated
		return ""
	}
	kind := r.b[0]
	r.b = r.b[1:]
	switch kind {
	case shaEmpty:
		return ""
	case shaRaw:
		if len(r.b) < sha256HexLen/2 {
			r.err = errTruncated
			return ""
		}
		s := hex.EncodeToString(r.b[:sha256HexLen/2])
		r.b = r.b[sha256HexLen/2:]
		return s
	case shaText:
		return string(r.bytes())
	}
	r.err = fmt.Errorf("unknown SHA-256 encoding %d", kind)
	return ""
}

// encodeMediaItem returns the value stored for m, in format formatMediaV2:
//
//	format byte, origin byte,
//	created at (varint seconds, uvarint nanoseconds),
//	SHA256 as appendSHA256 writes it,
//	ID, Filename and MimeType, each a uvarint length followed by the bytes,
//	the number of album IDs (uvarint), then each album ID the same way.
//
// The ID is also the key. It is kept in the value so that a record read
// without its key, as decodeJSON does, is whole.
func encodeMediaItem(m MediaItem) []byte {
	n := 2 + 3*binary.MaxVarintLen64 + (4+len(m.AlbumIDs))*binary.MaxVarintLen16 +
		len(m.SHA256) + len(m.ID) + len(m.Filename) + len(m.MimeType)
	for _, a := range m.AlbumIDs {
		n += len(a)
	}
	b := make([]byte, 0, n)
	b = append(b, formatMediaV2, byte(m.Origin))
	b = appendTime(b, m.CreatedAt)
	b = appendSHA256(b, m.SHA256)
	for _, s := range [...]string{m.ID, m.Filename, m.MimeType} {
		b = appendString(b, s)
	}
	b = binary.AppendUvarint(b, uint64(len(m.AlbumIDs)))
	for _, a := range m.AlbumIDs {
		b = appendString(b, a)
	}
	return b
}

// decodeMediaItem decodes a media item in either of its formats: the binary
// formatMediaV2 or the JSON of schema version 2.
func decodeMediaItem(v []byte) (MediaItem, error) {
	if len(v) == 0 {
		return MediaItem{}, errTruncated
	}
	switch v[0] {
	case formatJSONV1:
		var m MediaItem
		err := json.Unmarshal(v[1:], &m)
		return m, err
	case formatMediaV2:
	default:
		return MediaItem{}, fmt.Errorf("unknown media item format %d", v[0])
	}
	if len(v) < 2 {
		return MediaItem{}, errTruncated
	}
	m := MediaItem{Origin: Origin(v[1])}
	if !m.Origin.valid() {
		return MediaItem{}, fmt.Errorf("invalid media item origin %d", v[1])
	}

	r := reader{b: v[2:]}
	m.CreatedAt = r.time()
	m.SHA256 = r.sha256()
	m.ID = string(r.bytes())
	m.Filename = string(r.bytes())
	m.MimeType = string(r.bytes())
	albums := r.uvarint()
	// Each album ID takes at least its length byte, so a count beyond the
	// bytes left is damage, and checking it first bounds the allocation.
	if r.err == nil && albums > uint64(len(r.b)) {
		r.err = errTruncated
	}
	if r.err == nil && albums > 0 {
		m.AlbumIDs = make([]string, albums)
		for i := range m.AlbumIDs {
			m.AlbumIDs[i] = string(r.bytes())
		}
	}

	if r.err != nil {
		return MediaItem{}, r.err
	}
	if len(r.b) != 0 {
		return MediaItem{}, fmt.Errorf("media item record has %d trailing bytes", len(r.b))
	}
	return m, nil
}

// encodeUpload returns the value stored for u, in format formatUploadV2:
//
//	format byte, stage byte,
//	size (varint), attempts (uvarint),
//	session started and token created (each varint seconds, uvarint
//	nanoseconds),
//	SHA256 as appendSHA256 writes it,
//	then Folder, Path, FileName, MimeType, SessionURL, Token, AlbumID and
//	LastError, each a uvarint length followed by the bytes.
func encodeUpload(u Upload) []byte {
	n := 2 + 6*binary.MaxVarintLen64 + 8*binary.MaxVarintLen16 + len(u.SHA256) +
		len(u.Folder) + len(u.Path) + len(u.FileName) + len(u.MimeType) +
		len(u.SessionURL) + len(u.Token) + len(u.AlbumID) + len(u.LastError)
	b := make([]byte, 0, n)
	b = append(b, formatUploadV2, byte(u.Stage))
	b = binary.AppendVarint(b, u.Size)
	b = binary.AppendUvarint(b, uint64(u.Attempts))
	b = appendTime(b, u.SessionStarted)
	b = appendTime(b, u.TokenCreated)
	b = appendSHA256(b, u.SHA256)
	for _, s := range [...]string{u.Folder, u.Path, u.FileName, u.MimeType,
		u.SessionURL, u.Token, u.AlbumID, u.LastError} {
		b = appendString(b, s)
	}
	return b
}

// decodeUpload decodes a pending upload in either of its formats: the
// binary formatUploadV2 or the JSON of schema versions 1 to 3.
func decodeUpload(v []byte) (Upload, error) {
	if len(v) == 0 {
		return Upload{}, errTruncated
	}
	switch v[0] {
	case formatJSONV1:
		var u Upload
		err := json.Unmarshal(v[1:], &u)
		return u, err
	case formatUploadV2:
	default:
		return Upload{}, fmt.Errorf("unknown upload format %d", v[0])
	}
	if len(v) < 2 {
		return Upload{}, errTruncated
	}
	u := Upload{Stage: UploadStage(v[1])}
	r := reader{b: v[2:]}
	u.Size = r.varint()
	attempts := r.uvarint()
	if r.err == nil && attempts > math.MaxInt {
		r.err = fmt.Errorf("attempt count %d out of range", attempts)
	}
	u.Attempts = int(attempts)
	u.SessionStarted = r.time()
	u.TokenCreated = r.time()
	u.SHA256 = r.sha256()
	for _, s := range [...]*string{&u.Folder, &u.Path, &u.FileName, &u.MimeType,
		&u.SessionURL, &u.Token, &u.AlbumID, &u.LastError} {
		*s = string(r.bytes())
	}
	if r.err != nil {
		return Upload{}, r.err
	}
	if len(r.b) != 0 {
		return Upload{}, fmt.Errorf("upload record has %d trailing bytes", len(r.b))
	}
	return u, nil
}

// encodeJSON returns the format byte followed by the JSON form of v.
func encodeJSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append([]byte{formatJSONV1}, b...), nil
}

// decodeJSON decodes a value written by encodeJSON into v. A *MediaItem is
// decoded with decodeMediaItem instead, so that callers that read every
// record as JSON, such as Store.Check, also read the binary media items.
func decodeJSON(b []byte, v any) error {
	if m, ok := v.(*MediaItem); ok {
		item, err := decodeMediaItem(b)
		if err != nil {
			return err
		}
		*m = item
		return nil
	}
	if len(b) == 0 {
		return errTruncated
	}
	if b[0] != formatJSONV1 {
		return fmt.Errorf("unknown record format %d", b[0])
	}
	return json.Unmarshal(b[1:], v)
}
