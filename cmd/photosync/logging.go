package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"
)

// Log level policy. Every package logs by it:
//
//   - error: the user must act, for example to log in again or to confirm a
//     paused folder. The same problem also shows in status.
//   - warn: an item was skipped or an operation will be retried.
//   - info: state changes of the daemon and its folders, and one line per
//     file action (uploaded, downloaded, moved to trash).
//   - debug: developer tracing.
//
// Messages state the event in sentence case without a final period. Data
// goes in fields with the fixed keys below, never in the text, and no field
// ever carries a token or secret.
const (
	logKeyComponent = "component"
	logKeyFolder    = "folder"
	logKeyPath      = "path"
	logKeyMediaID   = "media_id"
	logKeyAlbum     = "album"
	// Errors go in the "error" field through zerolog's Err method.
)

// journalStreamEnv is set by systemd when stderr goes to the journal,
// which adds its own timestamps.
const journalStreamEnv = "JOURNAL_STREAM"

// newLogger returns a logger that writes to w at level ("debug", "info",
// "warn" or "error") in format ("console", "json" or "auto"). Auto picks
// the console format when w is a terminal and JSON otherwise. Timestamps
// are left out when systemd passes the output to its journal.
func newLogger(w io.Writer, level, format string) (zerolog.Logger, error) {
	zerologLevel, err := zerolog.ParseLevel(level)
	if err != nil || level == "" || zerologLevel < zerolog.DebugLevel || zerologLevel > zerolog.ErrorLevel {
		return zerolog.Nop(), fmt.Errorf("invalid log level %q: use debug, info, warn or error", level)
	}

	timestamps := os.Getenv(journalStreamEnv) == ""
	var out io.Writer
	switch format {
	case "console":
		out = consoleWriter(w, timestamps)
	case "json":
		out = w
	case "auto":
		if isTerminal(w) {
			out = consoleWriter(w, timestamps)
		} else {
			out = w
		}
	default:
		return zerolog.Nop(), fmt.Errorf("invalid log format %q: use auto, console or json", format)
	}

	context := zerolog.New(out).Level(zerologLevel).With()
	if timestamps {
		context = context.Timestamp()
	}
	return context.Logger(), nil
}

func consoleWriter(w io.Writer, timestamps bool) zerolog.ConsoleWriter {
	console := zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly, NoColor: !isTerminal(w)}
	if !timestamps {
		console.PartsExclude = []string{zerolog.TimestampFieldName}
	}
	return console
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}
