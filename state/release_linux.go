package state

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// ReleaseMappedPages removes the pages of the state file from the process's
// memory map, so that they stop counting in its resident set size (RSS).
// bbolt reads records through a read-only shared map of the file, and Linux
// maps up to 64 KiB of cached pages around each page read (fault-around), so
// one walk over a folder's records makes most of the file resident. The
// pages stay in the page cache, and the next read maps them again without
// disk I/O.
//
// Call it after a long read, such as loading a folder's records. It is
// safe while other transactions run: it holds a read transaction, during
// which bbolt does not move the map, and readers fault the pages back in.
func (s *Store) ReleaseMappedPages() error {
	err := s.guard(func() error {
		return s.db.View(func(tx *bolt.Tx) error {
			return adviseDontNeed(s.db.Info().Data, tx.Size())
		})
	})
	if err != nil {
		return fmt.Errorf("release mapped pages of %s: %w", s.path, err)
	}
	return nil
}

// adviseDontNeed calls madvise(MADV_DONTNEED) on size bytes from addr, the
// start of bbolt's map. For a shared map of a file this drops the page
// table entries and keeps the file's data, unlike for anonymous memory.
func adviseDontNeed(addr uintptr, size int64) error {
	if addr == 0 || size <= 0 {
		return nil
	}
	_, _, errno := unix.Syscall(unix.SYS_MADVISE, addr, uintptr(size), unix.MADV_DONTNEED)
	if errno != 0 {
		return errno
	}
	return nil
}
