package sync

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// The primitives placeNoReplace tries, in order. Tests replace them to act
// as a file system that lacks them.
var (
	renameNoReplaceFunc = renameNoReplace
	linkFunc            = os.Link
)

// placeNoReplace gives the temporary file src the name dst unless dst
// exists. When dst exists it returns an error that matches fs.ErrExist and
// leaves both files as they were. After a success src may still exist (when
// a hard link placed it), so the caller removes it.
//
// It tries an atomic rename that refuses to replace (renameat2 with
// RENAME_NOREPLACE, Linux only), then a hard link. File systems without
// either, such as FAT and exFAT, return EPERM, ENOTSUP, EXDEV or EINVAL,
// and then a plain rename runs after a check that dst does not exist.
func placeNoReplace(src, dst string) error {
	err := renameNoReplaceFunc(src, dst)
	if !unsupportedPlacement(err) {
		return err
	}
	err = linkFunc(src, dst)
	if !unsupportedPlacement(err) {
		return err
	}
	// NOTE: on a file system without renameat2 and hard links, a file that
	// another program creates at dst between this Lstat and the rename is
	// replaced. Nothing narrower is available there.
	_, err = os.Lstat(dst)
	if err == nil {
		return &os.LinkError{Op: "rename", Old: src, New: dst, Err: fs.ErrExist}
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("check %s before rename: %w", dst, err)
	}
	return os.Rename(src, dst)
}

// unsupportedPlacement reports whether err is how a file system or kernel
// rejects a placement primitive it lacks, as opposed to a real failure or
// an existing target.
func unsupportedPlacement(err error) bool {
	if err == nil || errors.Is(err, fs.ErrExist) {
		return false
	}
	return errors.Is(err, errors.ErrUnsupported) ||
		errors.Is(err, syscall.EPERM) ||
		errors.Is(err, syscall.EXDEV) ||
		errors.Is(err, syscall.EINVAL)
}
