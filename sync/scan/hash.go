package scan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
)

// hashBufferSize is the read size for hashing. 1 MiB amortizes the system
// call per read and lets the kernel's readahead stream large videos, while
// HashWorkers buffers stay small next to the files being read.
const hashBufferSize = 1 << 20

// HashFile returns the lowercase hex SHA-256 of the file at path and the
// number of bytes hashed. It opens the file without blocking on a FIFO and
// stops with ctx's error when ctx ends.
func HashFile(ctx context.Context, path string) (sha256Hex string, size int64, err error) {
	f, _, err := openRegular(path, true)
	if err != nil {
		return "", 0, fmt.Errorf("hash %s: %w", path, err)
	}
	defer f.Close()

	h := sha256.New()
	size, err = copyHash(ctx, h, f, make([]byte, hashBufferSize))
	if err != nil {
		return "", size, fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), size, nil
}

// copyHash writes everything r returns to h through buf, and checks ctx
// between reads so that cancelling a scan does not wait for a large video.
func copyHash(ctx context.Context, h hash.Hash, r io.Reader, buf []byte) (int64, error) {
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, err := r.Read(buf)
		h.Write(buf[:n])
		total += int64(n)
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}
