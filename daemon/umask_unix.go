//go:build unix

package daemon

import "syscall"

// withUmask runs fn with the process's file mode creation mask set to mask,
// and restores the old mask after it.
func withUmask(mask int, fn func()) {
	old := syscall.Umask(mask)
	defer syscall.Umask(old)
	fn()
}
