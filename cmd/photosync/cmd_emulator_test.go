package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestWarnExposedNamesAddress(t *testing.T) {
	var out bytes.Buffer
	warnExposed(&out, "0.0.0.0:8080")
	for _, want := range []string{"WARNING", "0.0.0.0:8080", "not a loopback address", "other hosts"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("warning does not contain %q: %s", want, out.String())
		}
	}
}

func TestIsLoopbackAddress(t *testing.T) {
	tests := []struct {
		address string
		want    bool
	}{
		{"127.0.0.1:0", true},
		{"[::1]:8080", true},
		{"localhost:8080", true},
		{"127.0.0.2:80", true},
		{":8080", false},
		{"0.0.0.0:8080", false},
		{"192.168.1.5:8080", false},
		{"photos.example:80", false},
	}
	for _, tc := range tests {
		t.Run(tc.address, func(t *testing.T) {
			got, err := isLoopbackAddress(tc.address)
			if err != nil {
				t.Fatalf("isLoopbackAddress: %v", err)
			}
			if got != tc.want {
				t.Errorf("isLoopbackAddress(%q) = %v, want %v", tc.address, got, tc.want)
			}
		})
	}
}
