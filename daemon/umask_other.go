//go:build !unix

package daemon

// withUmask runs fn. Systems without a umask create the socket with their
// default access, and the Chmod after it narrows that.
func withUmask(_ int, fn func()) {
	fn()
}
