package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/photosync/photosync/config"
)

// TestPrintConfigRoundTrip checks that config check prints every value in
// a form that loads back into the same Config.
func TestPrintConfigRoundTrip(t *testing.T) {
	t.Setenv("HOME", "/home/user")
	source := `
state_dir: "/var/lib/photo sync"
folders:
  - path: "/photos/ünïcode: \"quoted\""
    mode: download-only
    include: ["**/*.{jpg,heic}"]
    exclude: ["tmp/**", "**/.DS_Store"]
    remote_delete: never
    root_album: "Root: \"Album\""
    follow_symlinks: true
    delete_threshold: 0.125
  - path: /other
poll_interval: 90s
workers: 2
quota: {daily_limit: 500, poll_reserve: 50}
log: {level: warn, format: json}
`
	want, err := config.Parse("config.yaml", []byte(source))
	if err != nil {
		t.Fatalf("parse source: %v", err)
	}
	var printed strings.Builder
	if err := printConfig(&printed, want); err != nil {
		t.Fatalf("printConfig: %v", err)
	}
	got, err := config.Parse("config.yaml", []byte(printed.String()))
	if err != nil {
		t.Fatalf("parse printed config: %v\n%s", err, printed.String())
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("printed config loads differently (-source +printed):\n%s\nprinted:\n%s", diff, printed.String())
	}
}
