package sync

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
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
