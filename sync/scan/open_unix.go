//go:build unix

package scan

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// openRegular opens path for reading and checks that it is a regular file.
// It opens without blocking because, if a FIFO took the place of the regular
// file the walk saw, a plain open would wait for a writer forever.
// O_NONBLOCK does not change reads from regular files.
func openRegular(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
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

// fileID returns the device and inode numbers of info, which identify a
// directory for loop detection and a file across a rename.
func fileID(info fs.FileInfo) (id devIno, ok bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return devIno{}, false
	}
	return devIno{dev: uint64(st.Dev), ino: uint64(st.Ino)}, true
}
