//go:build !unix

package scan

import (
	"fmt"
	"io/fs"
	"os"
)

// openRegular opens path for reading and checks that it is a regular file.
func openRegular(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: %w", info.Mode().Type(), errNotRegular)
	}
	return f, nil
}

// fileID reports no identity.
//
// NOTE: without device and inode numbers, loops through followed links are
// caught only by the depth limit, and a file replaced by a rename during
// hashing is caught only if its size or modification time differ.
func fileID(fs.FileInfo) (devIno, bool) {
	return devIno{}, false
}
