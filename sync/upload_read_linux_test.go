package sync

import (
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func TestReadSmallFileSkipsFIFO(t *testing.T) {
	name := filepath.Join(t.TempDir(), "a.jpg")
	if err := unix.Mkfifo(name, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	// Without a writer, a blocking open of the FIFO would never return.
	n, meta, err := readSmallFile(name, make([]byte, 10))
	if err != nil {
		t.Fatalf("readSmallFile of a FIFO: %v", err)
	}
	if meta.regular || n != 0 {
		t.Errorf("readSmallFile of a FIFO read %d bytes, regular %v; want 0 and false", n, meta.regular)
	}
}
