//go:build unix

package scan

import (
	"os"
	"syscall"
)

// openFlags makes the open not block: if a FIFO took the place of the
// regular file the walk saw, a plain open would wait for a writer forever.
// O_NONBLOCK does not change reads from regular files.
const openFlags = os.O_RDONLY | syscall.O_NONBLOCK | syscall.O_NOCTTY
