package scan

import (
	"fmt"
	"io/fs"
	"time"
)

// fileState is the identity, type, size and modification time of a file,
// which the scan compares between the walk, the open and the end of reading.
// On Linux it comes straight from the stat system calls, without the
// allocation of an fs.FileInfo.
type fileState struct {
	id fileID
	// mode holds the type bits and the permission bits, as fs.FileMode
	// spells them. Set-id and sticky bits are left out.
	mode  fs.FileMode
	size  int64
	mtime time.Time
}

// describeChange returns how now differs from before in identity, type,
// size or modification time, or "" when it does not.
func describeChange(before, now fileState) string {
	switch {
	case !before.id.same(now.id):
		return "file was replaced"
	case !now.mode.IsRegular():
		return "file was replaced by a " + typeName(now.mode)
	case before.size != now.size:
		return fmt.Sprintf("size changed from %d to %d bytes", before.size, now.size)
	case !before.mtime.Equal(now.mtime):
		return fmt.Sprintf("modification time changed from %s to %s",
			before.mtime.Format(time.RFC3339Nano), now.mtime.Format(time.RFC3339Nano))
	}
	return ""
}
