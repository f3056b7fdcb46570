//go:build unix

package state

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// lockRetryInterval is the pause between attempts to take a lock that
// another process has, while the caller's lock timeout has not passed.
const lockRetryInterval = 20 * time.Millisecond

// processLock is an exclusive flock on the lock file next to the state file.
// While it holds the lock, the file contains the holder's PID in decimal.
type processLock struct {
	file *os.File
}

// acquireLock takes the lock at lockPath for dbPath, waiting up to timeout.
// When another process has it, acquireLock returns a *LockedError with the
// PID written in the lock file.
func acquireLock(lockPath, dbPath string, timeout time.Duration) (*processLock, error) {
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o644)
	if errors.Is(err, fs.ErrNotExist) {
		// The directory is not created here: a missing state directory may be
		// an unmounted disk, and a new store there would forget every upload.
		return nil, fmt.Errorf("open state %s: directory %s does not exist; create it or set state_dir: %w",
			dbPath, filepath.Dir(lockPath), err)
	}
	if err != nil {
		return nil, fmt.Errorf("open state %s: lock file: %w", dbPath, err)
	}

	deadline := time.Now().Add(timeout)
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, unix.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", lockPath, err)
		}
		if !time.Now().Before(deadline) {
			pid := readPID(f)
			f.Close()
			return nil, &LockedError{Path: dbPath, PID: pid}
		}
		time.Sleep(lockRetryInterval)
	}

	if err := writePID(f, os.Getpid()); err != nil {
		unix.Flock(int(f.Fd()), unix.LOCK_UN)
		f.Close()
		return nil, fmt.Errorf("write pid to %s: %w", lockPath, err)
	}
	return &processLock{file: f}, nil
}

// release empties the lock file and unlocks it. The file stays in place:
// removing it could let two processes lock two different files of the same
// name.
func (l *processLock) release() error {
	err := l.file.Truncate(0)
	if uerr := unix.Flock(int(l.file.Fd()), unix.LOCK_UN); err == nil {
		err = uerr
	}
	if cerr := l.file.Close(); err == nil {
		err = cerr
	}
	return err
}

func writePID(f *os.File, pid int) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt([]byte(strconv.Itoa(pid)+"\n"), 0)
	return err
}

// readPID returns the PID in the lock file, or 0 when the file is empty or
// contains something else. The holder may not have written it yet.
func readPID(f *os.File) int {
	b := make([]byte, 32)
	n, _ := f.ReadAt(b, 0)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b[:n])))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// unlockFile releases a flock that bbolt took on f.
func unlockFile(f *os.File) error {
	return unix.Flock(int(f.Fd()), unix.LOCK_UN)
}
