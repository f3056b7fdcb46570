// Package jsonscan holds the byte-level steps that the hand-written JSON
// decoders of the client and the emulator share. Each decoder keeps its
// own grammar and falls back to encoding/json for input it does not take.
package jsonscan

// Cursor is a position in a JSON document.
type Cursor struct {
	Data []byte
	Pos  int
}

// SkipSpace advances past JSON whitespace.
func (c *Cursor) SkipSpace() {
	for c.Pos < len(c.Data) {
		switch c.Data[c.Pos] {
		case ' ', '\t', '\n', '\r':
			c.Pos++
		default:
			return
		}
	}
}

// Consume advances past b when it is the next byte, and reports whether it
// was.
func (c *Cursor) Consume(b byte) bool {
	if c.Pos < len(c.Data) && c.Data[c.Pos] == b {
		c.Pos++
		return true
	}
	return false
}

// Literal advances past word when the input continues with it. The
// caller's check of the next delimiter rejects a longer word such as
// nullx.
func (c *Cursor) Literal(word string) bool {
	end := c.Pos + len(word)
	if end <= len(c.Data) && string(c.Data[c.Pos:end]) == word {
		c.Pos = end
		return true
	}
	return false
}

// Digits advances past decimal digits and returns how many it passed.
func (c *Cursor) Digits() int {
	start := c.Pos
	for c.Pos < len(c.Data) && '0' <= c.Data[c.Pos] && c.Data[c.Pos] <= '9' {
		c.Pos++
	}
	return c.Pos - start
}
