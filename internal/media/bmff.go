package media

import (
	"encoding/binary"
	"fmt"
)

// maxBoxDepth caps how deep readers descend into nested ISO BMFF boxes.
// Real files nest about eight levels.
const maxBoxDepth = 16

// box is one ISO base media file format box (QuickTime calls them atoms).
// body is its content after the header.
type box struct {
	typ  string
	body []byte
}

// boxes splits data into the boxes it contains. It returns the boxes read
// so far and an error when a header is corrupt or a box runs past the end.
// Each box is at least 8 bytes long, so the work is linear in len(data).
func boxes(data []byte) ([]box, error) {
	var out []box
	for pos := 0; pos < len(data); {
		if len(data)-pos < 8 {
			// QuickTime allows a 4-byte zero terminator after the last atom.
			if len(data)-pos == 4 && binary.BigEndian.Uint32(data[pos:]) == 0 {
				return out, nil
			}
			return out, fmt.Errorf("box header at offset %d is truncated", pos)
		}
		size := uint64(binary.BigEndian.Uint32(data[pos:]))
		typ := string(data[pos+4 : pos+8])
		header := uint64(8)
		switch size {
		case 0:
			size = uint64(len(data) - pos)
		case 1:
			if len(data)-pos < 16 {
				return out, fmt.Errorf("box %q at offset %d has a truncated 64-bit size", typ, pos)
			}
			size = binary.BigEndian.Uint64(data[pos+8:])
			header = 16
		}
		if size < header || size > uint64(len(data)-pos) {
			return out, fmt.Errorf("box %q at offset %d has invalid size %d with %d bytes left", typ, pos, size, len(data)-pos)
		}
		out = append(out, box{typ: typ, body: data[pos+int(header) : pos+int(size)]})
		pos += int(size)
	}
	return out, nil
}

// child returns the first box of the given type among the children of
// body, or false.
func child(body []byte, typ string) (box, bool) {
	children, _ := boxes(body)
	for _, b := range children {
		if b.typ == typ {
			return b, true
		}
	}
	return box{}, false
}

// path follows a chain of box types from body down, taking the first match
// at each level.
func path(body []byte, types ...string) (box, bool) {
	var b box
	for i, typ := range types {
		if i >= maxBoxDepth {
			return box{}, false
		}
		var ok bool
		b, ok = child(body, typ)
		if !ok {
			return box{}, false
		}
		body = b.body
	}
	return b, true
}

// fullBox splits a full box's body into its version, its flags and the rest.
func fullBox(body []byte) (version byte, flags uint32, rest []byte, ok bool) {
	if len(body) < 4 {
		return 0, 0, nil, false
	}
	return body[0], binary.BigEndian.Uint32(body) & 0xFFFFFF, body[4:], true
}

// byteReader reads big-endian fields from a box body and remembers when a
// read ran past the end, so parsers check once at the end.
type byteReader struct {
	data []byte
	pos  int
	bad  bool
}

func (r *byteReader) skip(n int) {
	if n < 0 || r.pos+n > len(r.data) {
		r.bad = true
		r.pos = len(r.data)
		return
	}
	r.pos += n
}

func (r *byteReader) take(n int) []byte {
	if n < 0 || r.pos+n > len(r.data) {
		r.bad = true
		r.pos = len(r.data)
		return nil
	}
	b := r.data[r.pos : r.pos+n]
	r.pos += n
	return b
}

func (r *byteReader) u8() uint8 {
	if b := r.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *byteReader) u16() uint16 {
	if b := r.take(2); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

func (r *byteReader) u32() uint32 {
	if b := r.take(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

func (r *byteReader) u64() uint64 {
	if b := r.take(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

// uintN reads an unsigned integer of n bytes (0, 4 or 8), as iloc fields
// use.
func (r *byteReader) uintN(n int) uint64 {
	switch n {
	case 0:
		return 0
	case 4:
		return uint64(r.u32())
	case 8:
		return r.u64()
	}
	r.bad = true
	return 0
}
