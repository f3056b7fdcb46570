//go:build !unix

package state

import (
	"fmt"
	"os"
	"runtime"
	"time"
)

// processLock is not available on this system.
type processLock struct{}

// acquireLock fails: the store relies on flock, which photosync uses only
// on Unix systems.
func acquireLock(lockPath, dbPath string, timeout time.Duration) (*processLock, error) {
	return nil, fmt.Errorf("open state %s: locking the state store is not supported on %s", dbPath, runtime.GOOS)
}

func (l *processLock) release() error { return nil }

func unlockFile(f *os.File) error { return nil }
