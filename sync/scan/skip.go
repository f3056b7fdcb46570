package scan

import "fmt"

// SkipKind classifies why Scan passed over a file or directory.
type SkipKind int

// The kinds of skips, in no particular order.
const (
	// Unsupported is a file whose content is neither a photo nor a video
	// that Google Photos accepts (a sidecar, a text file, junk).
	Unsupported SkipKind = iota
	// TooLarge is a supported file over Google Photos' size limit for its
	// kind (200 MB for photos, 20 GB for videos).
	TooLarge
	// Empty is a zero-byte file.
	Empty
	// Unreadable is a file or directory that could not be opened, read or
	// listed. Skip.Err carries the OS error. The contents of an unreadable
	// directory are unknown, not gone.
	Unreadable
	// Unsettled is a file modified less than Options.SettleTime ago, or one
	// whose size or modification time changed while it was read.
	Unsettled
	// Special is a FIFO, device, socket or other non-regular file. Scan
	// never opens these.
	Special
	// Symlink is a symbolic link that was not followed, either because
	// Options.FollowSymlinks is off or because its target does not exist.
	Symlink
	// Loop is a directory reached through a symbolic link that is already
	// on the path being walked, or a link chain the system cannot
	// resolve (ELOOP).
	Loop
)

var skipKindNames = [...]string{
	Unsupported: "unsupported",
	TooLarge:    "too large",
	Empty:       "empty",
	Unreadable:  "unreadable",
	Unsettled:   "unsettled",
	Special:     "special file",
	Symlink:     "symlink",
	Loop:        "loop",
}

// String returns the lowercase name of k, for logs and status output.
func (k SkipKind) String() string {
	if k >= 0 && int(k) < len(skipKindNames) {
		return skipKindNames[k]
	}
	return fmt.Sprintf("SkipKind(%d)", int(k))
}

// Skip is a file or directory that Scan passed over, with the reason.
type Skip struct {
	// Path is relative to Options.Root, '/'-separated and byte-exact.
	Path string
	// Kind classifies the reason.
	Kind SkipKind
	// Reason is a short human-readable explanation, such as "content is
	// text/plain, not a supported photo or video" or "modified 3s ago,
	// settle time is 10s".
	Reason string
	// Err is the underlying error, when there is one: the OS error of an
	// Unreadable skip, ELOOP or fs.ErrNotExist for a link, media.ErrTooLarge
	// for TooLarge. It is nil otherwise.
	Err error
}
