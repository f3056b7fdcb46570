package jsonscan

import "testing"

func TestCursorSteps(t *testing.T) {
	c := Cursor{Data: []byte(" \t\r\n{ 123x true nul")}
	c.SkipSpace()
	if c.Pos != 4 {
		t.Errorf("SkipSpace stopped at %d, want 4", c.Pos)
	}

	if c.Consume('[') {
		t.Error("Consume('[') took '{'")
	}
	if !c.Consume('{') {
		t.Error("Consume('{') failed on '{'")
	}
	if c.Pos != 5 {
		t.Errorf("Consume('{') left the cursor at %d, want 5", c.Pos)
	}

	c.SkipSpace()
	if n := c.Digits(); n != 3 {
		t.Errorf("Digits passed %d digits, want 3", n)
	}
	if n := c.Digits(); n != 0 {
		t.Errorf("Digits at 'x' passed %d digits, want 0", n)
	}

	c.Pos++
	c.SkipSpace()
	if !c.Literal("true") {
		t.Error("Literal(\"true\") failed on true")
	}
	c.SkipSpace()
	if c.Literal("null") {
		t.Error("Literal(\"null\") took the truncated nul")
	}
	if c.Pos != len(c.Data)-3 {
		t.Errorf("a failed Literal moved the cursor to %d, want %d", c.Pos, len(c.Data)-3)
	}
}

func TestCursorAtEnd(t *testing.T) {
	c := Cursor{Data: []byte("l1"), Pos: 2}
	if c.Consume('l') {
		t.Error("Consume at the end returned true")
	}
	if n := c.Digits(); n != 0 {
		t.Errorf("Digits at the end passed %d digits, want 0", n)
	}
	if c.Literal("l") {
		t.Error("Literal at the end returned true")
	}
}
