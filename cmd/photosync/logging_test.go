package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestNewLoggerJSON(t *testing.T) {
	t.Setenv(journalStreamEnv, "")
	var out bytes.Buffer
	log, err := newLogger(&out, "warn", "json")
	if err != nil {
		t.Fatalf("newLogger: %v", err)
	}
	log.Info().Msg("Hidden below warn")
	log.Warn().Str(logKeyPath, "a.jpg").Msg("Skipped file")

	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("got %d lines, want 1:\n%s", len(lines), out.String())
	}
	var event map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &event); err != nil {
		t.Fatalf("line is not JSON: %v", err)
	}
	if event["level"] != "warn" || event["path"] != "a.jpg" || event["message"] != "Skipped file" {
		t.Errorf("event = %v, want level warn, path a.jpg, message \"Skipped file\"", event)
	}
	if _, ok := event["time"]; !ok {
		t.Errorf("event %v has no time outside the journal", event)
	}
}

func TestNewLoggerJournalDropsTime(t *testing.T) {
	t.Setenv(journalStreamEnv, "8:1234")
	var out bytes.Buffer
	log, err := newLogger(&out, "info", "json")
	if err != nil {
		t.Fatalf("newLogger: %v", err)
	}
	log.Info().Msg("Started")
	if strings.Contains(out.String(), `"time"`) {
		t.Errorf("journal output has a timestamp: %s", out.String())
	}
}

func TestNewLoggerAutoOnPipeIsJSON(t *testing.T) {
	var out bytes.Buffer
	log, err := newLogger(&out, "info", "auto")
	if err != nil {
		t.Fatalf("newLogger: %v", err)
	}
	log.Info().Msg("Started")
	if !json.Valid(bytes.TrimSpace(out.Bytes())) {
		t.Errorf("auto format on a buffer wrote non-JSON: %q", out.String())
	}
}

func TestNewLoggerConsole(t *testing.T) {
	var out bytes.Buffer
	log, err := newLogger(&out, "debug", "console")
	if err != nil {
		t.Fatalf("newLogger: %v", err)
	}
	log.Debug().Str(logKeyFolder, "/photos").Msg("Scan started")
	if !strings.Contains(out.String(), "Scan started") || !strings.Contains(out.String(), "folder=/photos") {
		t.Errorf("console output %q lacks the message or field", out.String())
	}
	if json.Valid(bytes.TrimSpace(out.Bytes())) {
		t.Errorf("console format wrote JSON: %q", out.String())
	}
}

func TestNewLoggerRejectsBadValues(t *testing.T) {
	tests := []struct {
		name, level, format, want string
	}{
		{"unknown level", "verbose", "auto", `invalid log level "verbose"`},
		{"trace level", "trace", "auto", `invalid log level "trace"`},
		{"empty level", "", "auto", `invalid log level ""`},
		{"unknown format", "info", "text", `invalid log format "text"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newLogger(&bytes.Buffer{}, tc.level, tc.format)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
