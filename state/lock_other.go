//go:build !unix

package state

import (
	"fmt"
	"os"
	"runtime"
	"time"
)

// processLock is a placeholder on systems without flock.
type processLock struct{}

// acquireLock always returns an error, because the store relies on flock,
// which is available only on Unix systems.
func acquireLock(lockPath, dbPath string, timeout time.Duration) (*processLock, error) {
	return nil, fmt.Errorf("open state %s: locking the state store is not supported on %s", dbPath, runtime.GOOS)
}

func (l *processLock) release() error { return nil }

func unlockFile(f *os.File) error { return nil }
