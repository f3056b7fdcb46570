package scan

import (
	"context"
	"time"

	"github.com/rs/zerolog"

	"github.com/photosync/photosync/internal/media"
)

// Options configures one Scan.
type Options struct {
	// Root is the absolute path of the synced folder. It is used as given,
	// without resolving symbolic links.
	Root string

	// Include and Exclude are doublestar globs (github.com/bmatcuk/doublestar/v4
	// syntax, "**" spans directories) matched against the '/'-separated path
	// relative to Root. An empty Include keeps everything. A path is excluded
	// when an Exclude pattern matches it or one of its parent directories, so
	// "Private" and "Private/**" both leave out everything under Private.
	Include, Exclude []string

	// FollowSymlinks makes Scan follow symbolic links to files and
	// directories. Without it every link is a Symlink skip.
	FollowSymlinks bool

	// HashWorkers is the number of files hashed in parallel. Zero or less
	// means runtime.NumCPU(), because SHA-256 is CPU-bound once the file is
	// in the page cache.
	HashWorkers int

	// SettleTime is how long a file must stay unmodified before Scan reports
	// it. A file whose modification time is less than SettleTime before or
	// after Now is Unsettled. Zero disables the check.
	SettleTime time.Duration

	// Now returns the current time for the settle check. Nil means
	// time.Now.
	Now func() time.Time

	// Logger receives debug events, such as files that vanished during the
	// walk. The zero value discards them.
	Logger zerolog.Logger

	// afterRead, when set by tests in this package, runs after a file has
	// been read to the end and before it is checked for changes.
	afterRead func(rel string)
	// walkWorkers, when set by tests in this package, replaces the
	// walkWorkers bound; 1 walks the tree in order on one goroutine.
	walkWorkers int
}

// Previous returns what the store recorded about a path at the last scan:
// its size, modification time and hex SHA-256. ok is false for a path the
// store does not know. Scan calls it from one goroutine at a time.
type Previous func(path string) (size int64, modTime time.Time, sha256 string, ok bool)

// Entry is a supported photo or video found by Scan.
type Entry struct {
	// Path is relative to Options.Root, '/'-separated and byte-exact.
	Path string
	// Size is the file size in bytes.
	Size int64
	// ModTime is the modification time reported by the file system.
	ModTime time.Time
	// SHA256 is the lowercase hex SHA-256 of the content.
	SHA256 string
	// Format is the detected format when Hashed is true. It is the zero
	// value when Hashed is false, because unchanged files are not read.
	Format media.Format
	// Hashed reports whether the file was read and hashed in this scan.
	// When it is false, SHA256 came from Previous because the size and
	// modification time were unchanged.
	Hashed bool
}

// Result is the outcome of one Scan. Entries, Skipped and Dirs are sorted by
// path in byte order.
type Result struct {
	// Entries are the supported photos and videos.
	Entries []Entry
	// Skipped are the files and directories passed over, with the reason.
	// Hidden, temporary and filtered-out paths are not listed.
	Skipped []Skip
	// Dirs are the relative paths of the directories whose listing was read,
	// with "" for the root.
	Dirs []string
	// HashedFiles is the number of files read in full to hash them.
	HashedFiles int
	// HashedBytes is the number of bytes read to hash them.
	HashedBytes int64
}

// Scan walks opts.Root and classifies every file in it. prev may be nil, in
// which case every file is hashed.
//
// Scan returns an error only when the options are invalid, when the root
// cannot be walked (it is missing, not a directory or not listable), or when
// ctx ends. The error wraps the cause, such as fs.ErrNotExist,
// syscall.ENOTDIR or context.Canceled. Problems with single files and
// directories below the root are Skips in the Result.
func Scan(ctx context.Context, opts Options, prev Previous) (*Result, error) {
	return scan(ctx, opts, prev)
}
