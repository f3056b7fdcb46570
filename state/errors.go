package state

import (
	"errors"
	"fmt"
)

// ErrNewerSchema reports a state file written by a newer photosync. Errors
// from Open wrap it with the path and the two schema versions.
var ErrNewerSchema = errors.New("state file was written by a newer photosync")

// LockedError reports that another process holds the state store.
type LockedError struct {
	// Path is the state file.
	Path string
	// PID is the process that holds it, or 0 when unknown.
	PID int
}

func (e *LockedError) Error() string {
	if e.PID == 0 {
		return fmt.Sprintf("state file %s is in use by another process; stop it first "+
			"(a running photosync daemon can be asked with `photosync status`)", e.Path)
	}
	return fmt.Sprintf("state file %s is in use by process %d; stop it first "+
		"(a running photosync daemon can be asked with `photosync status`)", e.Path, e.PID)
}

// CorruptError reports a damaged state file. The store never recreates a
// damaged file by itself, because it holds the record of what was uploaded.
type CorruptError struct {
	// Path is the state file.
	Path string
	// Err describes the damage.
	Err error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("state file %s is damaged: %v. Keep the file for diagnosis, "+
		"move it aside and run photosync again: it rebuilds the state from the folders "+
		"and reuses the albums it created, found by title. Without the record of what was "+
		"uploaded it sends every file's bytes again, which costs time and upload quota, "+
		"but Google Photos is observed to keep one item per identical content, "+
		"so no duplicate items are expected", e.Path, e.Err)
}

// Unwrap returns the underlying error.
func (e *CorruptError) Unwrap() error { return e.Err }
