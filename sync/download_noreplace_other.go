//go:build !linux

package sync

import (
	"errors"
	"os"
)

// renameNoReplace reports that this system has no rename that refuses to
// replace, so placeNoReplace goes on to the hard link.
func renameNoReplace(src, dst string) error {
	return &os.LinkError{Op: "rename without replace", Old: src, New: dst, Err: errors.ErrUnsupported}
}
