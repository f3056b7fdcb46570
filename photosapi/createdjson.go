package photosapi

import (
	"encoding/binary"
	"encoding/json"
	"sync"
	"unicode/utf8"

	"github.com/photosync/photosync/internal/jsonscan"
	"github.com/photosync/photosync/photosapi/api"
)

// createdItemsResponse is the part of a batchCreate response that
// BatchCreateItems decodes.
type createdItemsResponse struct {
	NewMediaItemResults []createdItemResult `json:"newMediaItemResults"`
}

// createdItemResult is one element of newMediaItemResults.
type createdItemResult struct {
	Status    *api.Status       `json:"status"`
	MediaItem *createdMediaItem `json:"mediaItem"`
}

// createdMediaItem holds the fields of a new media item that
// BatchCreateItems returns.
type createdMediaItem struct {
	ID       string `json:"id"`
	MimeType string `json:"mimeType"`
	Filename string `json:"filename"`
}

// bodyDecoder is an output of call that decodes its own response body.
// decodeAnswer calls it in place of json.Unmarshal.
type bodyDecoder interface {
	decodeJSON(data []byte) error
}

// decodeJSON sets r from data with the result json.Unmarshal gives. A
// decoder written for the response's shape handles the common case
// without reflection. It gives up on any input whose result it does not
// reproduce exactly, and json.Unmarshal then decodes data, so errors are
// the same too. Such inputs are malformed JSON, null or mistyped values,
// repeated keys, keys that match a field only when case is ignored,
// escaped or non-ASCII keys, and deep nesting.
func (r *createdItemsResponse) decodeJSON(data []byte) error {
	s := decoderScratch.Get().(*createdItemsScratch)
	d := createdItemsDecoder{Cursor: jsonscan.Cursor{Data: data}, text: s.text[:0], spans: s.spans[:0]}
	ok := d.response(r)
	if ok {
		d.finish()
	}
	// The spans point into r, which the pool must not keep alive.
	clear(d.spans)
	if cap(d.text) <= maxPooledBody {
		s.text, s.spans = d.text[:0], d.spans[:0]
		decoderScratch.Put(s)
	}
	if ok {
		return nil
	}
	*r = createdItemsResponse{}
	return json.Unmarshal(data, r)
}

// createdItemsScratch holds the buffers of a createdItemsDecoder between
// calls.
type createdItemsScratch struct {
	text  []byte
	spans []textSpan
}

var decoderScratch = sync.Pool{New: func() any { return new(createdItemsScratch) }}

// Field names of each object that createdItemsResponse decodes, in the
// order of the decoder's field indexes.
var (
	responseFields  = []string{"newMediaItemResults"}
	resultFields    = []string{"status", "mediaItem"}
	statusFields    = []string{"code", "message", "details"}
	mediaItemFields = []string{"id", "mimeType", "filename"}
)

// maxSkipDepth bounds the nesting of the values the decoder skips. Deeper
// values go to json.Unmarshal, which applies its own limit.
const maxSkipDepth = 1000

// createdItemsDecoder is the state of one createdItemsResponse.decodeJSON.
// Every method that returns a bool returns false when the decoder gives up.
type createdItemsDecoder struct {
	jsonscan.Cursor
	// text collects the bytes of every decoded string, so that one
	// allocation makes all of them into strings in finish.
	text  []byte
	spans []textSpan
	// items and statuses are the unused rest of the current blocks,
	// which save an allocation per result.
	items    []createdMediaItem
	statuses []api.Status
}

// textSpan is a string field to set to text[start:end] in finish.
type textSpan struct {
	dst        *string
	start, end int
}

// finish sets the string fields that the spans point at.
func (d *createdItemsDecoder) finish() {
	text := string(d.text)
	for _, s := range d.spans {
		*s.dst = text[s.start:s.end]
	}
}

func (d *createdItemsDecoder) response(r *createdItemsResponse) bool {
	d.SkipSpace()
	ok := d.object(responseFields, func(int) bool { return d.results(r) })
	if !ok {
		return false
	}
	d.SkipSpace()
	return d.Pos == len(d.Data)
}

func (d *createdItemsDecoder) results(r *createdItemsResponse) bool {
	if !d.Consume('[') {
		return false
	}
	// json.Unmarshal makes an empty array into an empty slice, not nil.
	r.NewMediaItemResults = make([]createdItemResult, 0, api.MaxBatchCreateItems)
	d.SkipSpace()
	if d.Consume(']') {
		return true
	}
	for {
		d.SkipSpace()
		r.NewMediaItemResults = append(r.NewMediaItemResults, createdItemResult{})
		if !d.result(&r.NewMediaItemResults[len(r.NewMediaItemResults)-1]) {
			return false
		}
		d.SkipSpace()
		if d.Consume(',') {
			continue
		}
		return d.Consume(']')
	}
}

// result decodes into res, which lives in a slice that append may move,
// so it sets the pointer fields only after their objects are decoded.
func (d *createdItemsDecoder) result(res *createdItemResult) bool {
	var status *api.Status
	var item *createdMediaItem
	ok := d.object(resultFields, func(field int) bool {
		if field == 0 {
			status = d.newStatus()
			return d.status(status)
		}
		item = d.mediaItem()
		return item != nil
	})
	res.Status, res.MediaItem = status, item
	return ok
}

func (d *createdItemsDecoder) newStatus() *api.Status {
	if len(d.statuses) == 0 {
		d.statuses = make([]api.Status, api.MaxBatchCreateItems)
	}
	s := &d.statuses[0]
	d.statuses = d.statuses[1:]
	return s
}

func (d *createdItemsDecoder) status(s *api.Status) bool {
	return d.object(statusFields, func(field int) bool {
		switch field {
		case 0:
			code, ok := d.int32()
			s.Code = code
			return ok
		case 1:
			return d.string(&s.Message)
		default:
			return d.details(s)
		}
	})
}

// details decodes status.details, whose elements json.Unmarshal keeps
// as raw JSON.
func (d *createdItemsDecoder) details(s *api.Status) bool {
	if !d.Consume('[') {
		return false
	}
	s.Details = []json.RawMessage{}
	d.SkipSpace()
	if d.Consume(']') {
		return true
	}
	for {
		d.SkipSpace()
		start := d.Pos
		if !d.skipValue(0) {
			return false
		}
		s.Details = append(s.Details, append(json.RawMessage(nil), d.Data[start:d.Pos]...))
		d.SkipSpace()
		if d.Consume(',') {
			continue
		}
		return d.Consume(']')
	}
}

// mediaItem decodes a media item object into the next free element of
// the current block and returns it, or nil when the decoder gives up.
func (d *createdItemsDecoder) mediaItem() *createdMediaItem {
	if len(d.items) == 0 {
		d.items = make([]createdMediaItem, api.MaxBatchCreateItems)
	}
	m := &d.items[0]
	d.items = d.items[1:]
	ok := d.object(mediaItemFields, func(field int) bool {
		switch field {
		case 0:
			return d.string(&m.ID)
		case 1:
			return d.string(&m.MimeType)
		default:
			return d.string(&m.Filename)
		}
	})
	if !ok {
		return nil
	}
	return m
}

// object decodes a JSON object whose known keys are fields, exactly as
// spelled. It calls value with the index of each known key, with the
// position at the value, and skips the values of other keys.
func (d *createdItemsDecoder) object(fields []string, value func(field int) bool) bool {
	if !d.Consume('{') {
		return false
	}
	d.SkipSpace()
	if d.Consume('}') {
		return true
	}
	var seen uint
	for {
		d.SkipSpace()
		key, ok := d.key()
		if !ok {
			return false
		}
		d.SkipSpace()
		if !d.Consume(':') {
			return false
		}
		d.SkipSpace()
		field, ok := matchField(key, fields)
		if !ok {
			return false
		}
		switch {
		case field < 0:
			ok = d.skipValue(0)
		case seen&(1<<field) != 0:
			// json.Unmarshal merges a repeated key into the value
			// of the first.
			return false
		default:
			seen |= 1 << field
			ok = value(field)
		}
		if !ok {
			return false
		}
		d.SkipSpace()
		if d.Consume(',') {
			continue
		}
		return d.Consume('}')
	}
}

// matchField returns the index of key in fields, or -1 for a key that
// json.Unmarshal ignores. It returns false for a key that differs from a
// field only in the case of its letters, which json.Unmarshal matches.
func matchField(key []byte, fields []string) (int, bool) {
	for i, f := range fields {
		if string(key) == f {
			return i, true
		}
	}
	for _, f := range fields {
		if len(key) == len(f) && asciiEqualFold(key, f) {
			return 0, false
		}
	}
	return -1, true
}

func asciiEqualFold(b []byte, s string) bool {
	for i := range len(b) {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// key returns an object key made of printable ASCII characters without
// escapes. Other keys could match a field under Unicode case folding, so
// the decoder gives up on them.
func (d *createdItemsDecoder) key() ([]byte, bool) {
	if !d.Consume('"') {
		return nil, false
	}
	start := d.Pos
	for d.Pos < len(d.Data) {
		c := d.Data[d.Pos]
		if c == '"' {
			d.Pos++
			return d.Data[start : d.Pos-1], true
		}
		if c < 0x20 || c == '\\' || c >= 0x80 {
			return nil, false
		}
		d.Pos++
	}
	return nil, false
}

// string decodes a JSON string into the text buffer and records that
// *dst is to be set to it.
func (d *createdItemsDecoder) string(dst *string) bool {
	start := d.Pos
	if !d.skipString() {
		return false
	}
	raw := d.Data[start+1 : d.Pos-1]
	textStart := len(d.text)
	if plainString(raw) {
		d.text = append(d.text, raw...)
	} else {
		// Escapes and invalid UTF-8 are rare, so json.Unmarshal decodes
		// them, which makes the result the same by construction.
		var s string
		if err := json.Unmarshal(d.Data[start:d.Pos], &s); err != nil {
			return false
		}
		d.text = append(d.text, s...)
	}
	d.spans = append(d.spans, textSpan{dst: dst, start: textStart, end: len(d.text)})
	return true
}

// plainString reports whether the contents of a JSON string token decode
// to the same bytes: no escapes and only valid UTF-8.
func plainString(raw []byte) bool {
	for _, c := range raw {
		if c == '\\' {
			return false
		}
	}
	return utf8.Valid(raw)
}

// int32 decodes a JSON number that is an integer in the range of int32,
// such as status.code.
func (d *createdItemsDecoder) int32() (int32, bool) {
	start := d.Pos
	if !d.skipNumber() {
		return 0, false
	}
	digits := d.Data[start:d.Pos]
	negative := digits[0] == '-'
	if negative {
		digits = digits[1:]
	}
	// Fractions and exponents are not integers to json.Unmarshal, and
	// more than ten digits overflow int32.
	if len(digits) > 10 {
		return 0, false
	}
	var n int64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if negative {
		n = -n
	}
	if n < -1<<31 || n > 1<<31-1 {
		return 0, false
	}
	return int32(n), true
}

// skipValue advances past one valid JSON value that starts at the
// position. depth is the nesting level of the value.
func (d *createdItemsDecoder) skipValue(depth int) bool {
	if d.Pos >= len(d.Data) || depth > maxSkipDepth {
		return false
	}
	switch c := d.Data[d.Pos]; {
	case c == '{':
		return d.skipObject(depth)
	case c == '[':
		return d.skipArray(depth)
	case c == '"':
		return d.skipString()
	case c == '-' || ('0' <= c && c <= '9'):
		return d.skipNumber()
	case c == 't':
		return d.Literal("true")
	case c == 'f':
		return d.Literal("false")
	case c == 'n':
		return d.Literal("null")
	}
	return false
}

func (d *createdItemsDecoder) skipObject(depth int) bool {
	d.Pos++
	d.SkipSpace()
	if d.Consume('}') {
		return true
	}
	for {
		d.SkipSpace()
		if d.Pos >= len(d.Data) || d.Data[d.Pos] != '"' || !d.skipString() {
			return false
		}
		d.SkipSpace()
		if !d.Consume(':') {
			return false
		}
		d.SkipSpace()
		if !d.skipValue(depth + 1) {
			return false
		}
		d.SkipSpace()
		if d.Consume(',') {
			continue
		}
		return d.Consume('}')
	}
}

func (d *createdItemsDecoder) skipArray(depth int) bool {
	d.Pos++
	d.SkipSpace()
	if d.Consume(']') {
		return true
	}
	for {
		d.SkipSpace()
		if !d.skipValue(depth + 1) {
			return false
		}
		d.SkipSpace()
		if d.Consume(',') {
			continue
		}
		return d.Consume(']')
	}
}

// skipString advances past a string token that starts at the position,
// checking its escapes. JSON forbids raw control characters in strings,
// but json.Unmarshal accepts invalid UTF-8 and replaces it.
func (d *createdItemsDecoder) skipString() bool {
	if !d.Consume('"') {
		return false
	}
	for d.Pos < len(d.Data) {
		// Most bytes need no check beyond these two loops. The first
		// passes eight bytes at a time while none of them needs one.
		for d.Pos+8 <= len(d.Data) && !hasSpecialStringByte(binary.LittleEndian.Uint64(d.Data[d.Pos:])) {
			d.Pos += 8
		}
		for d.Pos < len(d.Data) && plainStringByte[d.Data[d.Pos]] {
			d.Pos++
		}
		if d.Pos >= len(d.Data) {
			return false
		}
		c := d.Data[d.Pos]
		d.Pos++
		switch {
		case c == '"':
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if d.Pos >= len(d.Data) {
				return false
			}
			e := d.Data[d.Pos]
			d.Pos++
			switch e {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if d.Pos+4 > len(d.Data) {
					return false
				}
				for _, h := range d.Data[d.Pos : d.Pos+4] {
					if !isHex(h) {
						return false
					}
				}
				d.Pos += 4
			default:
				return false
			}
		}
	}
	return false
}

// plainStringByte marks the bytes that a JSON string contains as they
// are: all but the quote, the backslash and control characters.
var plainStringByte = func() (table [256]bool) {
	for c := 0x20; c < 256; c++ {
		table[c] = c != '"' && c != '\\'
	}
	return table
}()

// hasSpecialStringByte reports whether any of the eight bytes in x is a
// quote, a backslash or a control character. It never misses one. A
// borrow can make it true for a plain byte only above a special one, and
// the byte loop after it stops at the special byte first.
func hasSpecialStringByte(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	hasZero := func(v uint64) uint64 { return (v - ones) & ^v & highs }
	control := (x - 0x20*ones) & ^x & highs
	return control|hasZero(x^('"'*ones))|hasZero(x^('\\'*ones)) != 0
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// skipNumber advances past a number in JSON's grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *createdItemsDecoder) skipNumber() bool {
	d.Consume('-')
	switch {
	case d.Consume('0'):
	case d.Pos < len(d.Data) && '1' <= d.Data[d.Pos] && d.Data[d.Pos] <= '9':
		d.Digits()
	default:
		return false
	}
	if d.Consume('.') {
		if d.Digits() == 0 {
			return false
		}
	}
	if d.Consume('e') || d.Consume('E') {
		if !d.Consume('+') {
			d.Consume('-')
		}
		if d.Digits() == 0 {
			return false
		}
	}
	return true
}

// marshalBatchCreate encodes req as json.Marshal does, byte for byte. It
// writes the common request, items with an upload token, a file name and
// a description, without reflection, and gives the rest to json.Marshal.
func marshalBatchCreate(req *api.BatchCreateMediaItemsRequest) ([]byte, error) {
	if req.AlbumPosition != nil || req.NewMediaItems == nil {
		return json.Marshal(req)
	}
	size := 64 + len(req.AlbumID)
	for _, item := range req.NewMediaItems {
		size += 64 + len(item.Description)
		if s := item.SimpleMediaItem; s != nil {
			size += len(s.UploadToken) + len(s.FileName)
		}
	}
	buf := make([]byte, 0, size)
	buf = append(buf, '{')
	if req.AlbumID != "" {
		buf = append(buf, `"albumId":`...)
		buf = appendJSONString(buf, req.AlbumID)
		buf = append(buf, ',')
	}
	buf = append(buf, `"newMediaItems":[`...)
	for i := range req.NewMediaItems {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendNewMediaItem(buf, &req.NewMediaItems[i])
	}
	buf = append(buf, "]}"...)
	return buf, nil
}

// appendNewMediaItem appends item with the omitempty rules of its tags.
func appendNewMediaItem(buf []byte, item *api.NewMediaItem) []byte {
	buf = append(buf, '{')
	comma := false
	if item.Description != "" {
		buf = append(buf, `"description":`...)
		buf = appendJSONString(buf, item.Description)
		comma = true
	}
	if s := item.SimpleMediaItem; s != nil {
		if comma {
			buf = append(buf, ',')
		}
		buf = append(buf, `"simpleMediaItem":{`...)
		if s.UploadToken != "" {
			buf = append(buf, `"uploadToken":`...)
			buf = appendJSONString(buf, s.UploadToken)
			if s.FileName != "" {
				buf = append(buf, ',')
			}
		}
		if s.FileName != "" {
			buf = append(buf, `"fileName":`...)
			buf = appendJSONString(buf, s.FileName)
		}
		buf = append(buf, '}')
	}
	return append(buf, '}')
}

// appendJSONString appends s as a JSON string. A string of characters
// that json.Marshal writes unchanged is copied. Any other string goes to
// json.Marshal, which escapes <, > and &, control characters, U+2028 and
// U+2029, and replaces invalid UTF-8.
func appendJSONString(buf []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return appendMarshaledString(buf, s)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == '\u2028' || r == '\u2029' {
			return appendMarshaledString(buf, s)
		}
		i += size
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}

func appendMarshaledString(buf []byte, s string) []byte {
	// json.Marshal returns no error for a string: it replaces invalid UTF-8
	// with U+FFFD.
	data, _ := json.Marshal(s)
	return append(buf, data...)
}
