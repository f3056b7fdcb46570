//go:build !unix

package scan

import (
	"io/fs"
	"os"
)

// openRegular opens path for reading. Systems outside unix have no FIFOs
// that block on open.
func openRegular(path string) (*os.File, error) {
	return os.Open(path)
}

// fileID reports no identity.
//
// NOTE: without device and inode numbers, loops through followed links are
// caught only by the system's own ELOOP limit, and a file replaced by a
// rename during hashing is caught only if its size or time differ.
func fileID(fs.FileInfo) (devIno, bool) {
	return devIno{}, false
}
