//go:build !linux

package state

// ReleaseMappedPages does nothing on systems other than Linux, where
// MADV_DONTNEED on a shared file map is not documented to drop the pages
// at once.
func (s *Store) ReleaseMappedPages() error { return nil }
