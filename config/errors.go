package config

import (
	"fmt"
	"strings"
)

// Error is one problem in a configuration file. Load and Parse return every
// problem they find, joined with errors.Join, so errors.As finds the first
// one and the message lists them all, one per line.
type Error struct {
	// File is the path of the configuration file.
	File string
	// Line is the 1-based line of the offending value, or 0 when the
	// problem has no single line, such as a missing key.
	Line int
	// Key is the dotted key path, such as "folders[1].mode", or empty for
	// syntax errors and unknown keys, whose message names the key itself.
	Key string
	// Message describes the problem and the allowed values.
	Message string
}

// Error formats the problem as "file:line: key: message", leaving out the
// line and the key when they are unknown.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	return b.String()
}
