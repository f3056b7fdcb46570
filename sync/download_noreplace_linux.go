package sync

import (
	"os"

	"golang.org/x/sys/unix"
)

// renameNoReplace renames src to dst in one step that fails with EEXIST
// when dst exists. Kernels before 3.15 return ENOSYS, and file systems
// without the flag return EINVAL.
func renameNoReplace(src, dst string) error {
	err := unix.Renameat2(unix.AT_FDCWD, src, unix.AT_FDCWD, dst, unix.RENAME_NOREPLACE)
	if err != nil {
		return &os.LinkError{Op: "renameat2", Old: src, New: dst, Err: err}
	}
	return nil
}
