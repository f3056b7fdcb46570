package sync

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestHashingReaderAtOrders(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 1000)
	whole := sha256.Sum256(data)
	want := hex.EncodeToString(whole[:])
	tests := []struct {
		name  string
		reads [][2]int64 // offset, length
	}{
		{name: "sequential", reads: [][2]int64{{0, 4000}, {4000, 4000}, {8000, 8000}}},
		{name: "resumed at an offset", reads: [][2]int64{{6000, 5000}, {11000, 5000}}},
		{name: "retried chunk", reads: [][2]int64{{0, 5000}, {2000, 5000}, {7000, 9000}}},
		{name: "server had everything", reads: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newHashingReaderAt(bytes.NewReader(data), int64(len(data)))
			for _, rd := range tc.reads {
				buf := make([]byte, rd[1])
				if _, err := r.ReadAt(buf, rd[0]); err != nil {
					t.Fatalf("ReadAt(%d, %d): %v", rd[0], rd[1], err)
				}
			}
			got, err := r.sum()
			if err != nil {
				t.Fatalf("sum: %v", err)
			}
			if got != want {
				t.Errorf("sum = %s, want %s", got, want)
			}
		})
	}
}

func TestReadSmallFileChecks(t *testing.T) {
	dir := t.TempDir()
	data := bytes.Repeat([]byte("photo"), 300)
	name := filepath.Join(dir, "a.jpg")
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}

	buf := make([]byte, len(data)+1)
	n, meta, err := readSmallFile(name, buf)
	if err != nil {
		t.Fatalf("readSmallFile: %v", err)
	}
	if n != len(data) || !bytes.Equal(buf[:n], data) {
		t.Errorf("read %d bytes %q..., want the file's %d", n, buf[:min(n, 10)], len(data))
	}
	if !meta.regular {
		t.Error("meta.regular = false for a regular file")
	}
	if meta.size != info.Size() {
		t.Errorf("meta.size = %d, want %d", meta.size, info.Size())
	}
	if !meta.modTime.Equal(info.ModTime()) {
		t.Errorf("meta.modTime = %v, want %v", meta.modTime, info.ModTime())
	}

	// A buffer sized for a shorter file fills up, which shows the growth.
	short := make([]byte, len(data)-9)
	if n, _, err := readSmallFile(name, short); err != nil || n != len(short) {
		t.Errorf("readSmallFile into %d bytes = %d, %v; want a full buffer", len(short), n, err)
	}

	_, _, err = readSmallFile(filepath.Join(dir, "gone.jpg"), buf)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("readSmallFile of a missing file: %v, want fs.ErrNotExist", err)
	}
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		t.Errorf("readSmallFile of a missing file: %T, want *fs.PathError", err)
	}

	n, meta, err = readSmallFile(dir, buf)
	if err != nil {
		t.Fatalf("readSmallFile of a directory: %v", err)
	}
	if meta.regular || n != 0 {
		t.Errorf("readSmallFile of a directory read %d bytes, regular %v; want 0 and false", n, meta.regular)
	}
}

func TestReadFullShortReads(t *testing.T) {
	data := []byte("0123456789")
	tests := []struct {
		name  string
		chunk int // most bytes one read returns
		buf   int
		want  int
		calls int
	}{
		// The read of 10 into 11 is short and reaches the size: no call
		// to see the end.
		{name: "one read", chunk: 100, buf: 11, want: 10, calls: 1},
		// Short reads below the size go on until the size, then stop.
		{name: "interrupted reads", chunk: 3, buf: 11, want: 10, calls: 4},
		// A full buffer ends the loop even when the file goes on.
		{name: "full buffer", chunk: 100, buf: 5, want: 5, calls: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			off, calls := 0, 0
			read := func(p []byte) (int, error) {
				calls++
				n := copy(p[:min(len(p), tc.chunk)], data[off:])
				off += n
				return n, nil
			}
			n, err := readFull(make([]byte, tc.buf), int64(len(data)), read)
			if err != nil {
				t.Fatal(err)
			}
			if n != tc.want {
				t.Errorf("readFull = %d bytes, want %d", n, tc.want)
			}
			if calls != tc.calls {
				t.Errorf("read calls = %d, want %d", calls, tc.calls)
			}
		})
	}

	// A file shorter than its size ends at the read that returns nothing.
	n, err := readFull(make([]byte, 11), 10, bytes.NewReader(data[:7]).Read)
	if err != nil || n != 7 {
		t.Errorf("readFull of a truncated file = %d, %v; want 7 and no error", n, err)
	}
}

func TestBufferPoolBound(t *testing.T) {
	var p bufferPool
	a := p.get(100)
	if len(a) != 100 {
		t.Fatalf("len(get(100)) = %d", len(a))
	}
	b := p.get(bufferGranule + 1)
	p.put(a, 1)
	p.put(b, 1)
	if len(p.free) != 1 {
		t.Fatalf("pool keeps %d buffers, want at most 1", len(p.free))
	}
	// The larger buffer took the place of the smaller one, so it serves
	// both sizes.
	c := p.get(bufferGranule + 1)
	if &c[0] != &b[0] {
		t.Error("get did not reuse the pooled buffer")
	}
	if d := p.get(10); &d[0] == &c[0] {
		t.Error("get handed out a buffer that is still in use")
	}
}
