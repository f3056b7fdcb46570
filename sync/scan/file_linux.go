package scan

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// openChecksNewFiles is true because openRegular can refuse a symbolic
// link: the walk sends a new regular file from the listing to a hash worker
// without an Lstat, and the worker's fstat reads its status.
const openChecksNewFiles = true

// fileID identifies a file by device and inode, as os.SameFile does on
// unix.
type fileID struct {
	dev, ino uint64
}

func (id fileID) same(other fileID) bool { return id == other }

// lstatFile returns the state of path without following a final symbolic
// link.
func lstatFile(path string) (fileState, error) {
	var st unix.Stat_t
	if err := retryEINTR(func() error { return unix.Lstat(path, &st) }); err != nil {
		return fileState{}, &fs.PathError{Op: "lstat", Path: path, Err: err}
	}
	return stateOf(&st), nil
}

// statFile returns the state of path, following symbolic links.
func statFile(path string) (fileState, error) {
	var st unix.Stat_t
	if err := retryEINTR(func() error { return unix.Stat(path, &st) }); err != nil {
		return fileState{}, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	return stateOf(&st), nil
}

// stateOf converts a stat result the way the os package does for its
// fs.FileInfo, so that modes and times equal what os.Lstat returns. A file
// type that os leaves without a type bit becomes fs.ModeIrregular here, so
// that the scan never takes it for a regular file.
func stateOf(st *unix.Stat_t) fileState {
	mode := fs.FileMode(st.Mode & 0o777)
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFBLK:
		mode |= fs.ModeDevice
	case unix.S_IFCHR:
		mode |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFDIR:
		mode |= fs.ModeDir
	case unix.S_IFIFO:
		mode |= fs.ModeNamedPipe
	case unix.S_IFLNK:
		mode |= fs.ModeSymlink
	case unix.S_IFSOCK:
		mode |= fs.ModeSocket
	case unix.S_IFREG:
	default:
		mode |= fs.ModeIrregular
	}
	return fileState{
		id:    fileID{dev: uint64(st.Dev), ino: st.Ino},
		mode:  mode,
		size:  st.Size,
		mtime: time.Unix(st.Mtim.Unix()),
	}
}

// regularFile is a regular file open for reading. It holds the descriptor
// itself instead of an *os.File: the os package would try to add the
// descriptor to the runtime's poller, which costs a failed epoll_ctl(2)
// for every regular file, and would allocate the File and its finalizer.
type regularFile struct {
	fd   int
	path string
}

// openRegular opens path for reading with openFlags, without blocking on a
// FIFO, and returns the file with its state. It fails with an error
// wrapping errNotRegular when path is not a regular file, and with ELOOP
// when path is a symbolic link and follow is false.
func openRegular(path string, follow bool) (regularFile, fileState, error) {
	flags := openFlags | unix.O_CLOEXEC
	if !follow {
		flags |= unix.O_NOFOLLOW
	}
	var fd int
	err := retryEINTR(func() error {
		var err error
		fd, err = unix.Open(path, flags, 0)
		return err
	})
	if err != nil {
		return regularFile{}, fileState{}, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	f := regularFile{fd: fd, path: path}
	var st unix.Stat_t
	if err := retryEINTR(func() error { return unix.Fstat(fd, &st) }); err != nil {
		f.Close()
		return regularFile{}, fileState{}, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	state := stateOf(&st)
	if !state.mode.IsRegular() {
		f.Close()
		return regularFile{}, fileState{}, fmt.Errorf("%s: %w", typeName(state.mode), errNotRegular)
	}
	return f, state, nil
}

// Read reads up to len(p) bytes, and returns io.EOF at the end of the
// file.
func (f regularFile) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var n int
	err := retryEINTR(func() error {
		var err error
		n, err = unix.Read(f.fd, p)
		return err
	})
	switch {
	case err != nil:
		return 0, &fs.PathError{Op: "read", Path: f.path, Err: err}
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

// Close closes the descriptor. It is not retried on EINTR, because Linux
// releases the descriptor even then.
func (f regularFile) Close() error {
	if err := unix.Close(f.fd); err != nil {
		return &fs.PathError{Op: "close", Path: f.path, Err: err}
	}
	return nil
}

// retryEINTR calls fn again while it fails with EINTR, which a signal can
// cause on slow file systems such as FUSE and NFS mounts.
func retryEINTR(fn func() error) error {
	for {
		err := fn()
		if err != unix.EINTR {
			return err
		}
	}
}

// directory is a directory open during the walk of its entries. The walk
// reads their status relative to its descriptor, so that the kernel looks
// up one name instead of the whole path.
type directory struct {
	// abs is the directory's clean path, the start of its entries' paths.
	abs string
	// f owns the descriptor fd, so that fd stays open until close.
	f  *os.File
	fd int
}

// openDirectory opens the directory at path and returns it with its
// entries, sorted by name as os.ReadDir sorts them. The caller closes it.
func openDirectory(path string) (directory, []fs.DirEntry, error) {
	var fd int
	err := retryEINTR(func() error {
		var err error
		fd, err = unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return directory{}, nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	d := directory{abs: path, f: os.NewFile(uintptr(fd), path), fd: fd}
	entries, err := d.f.ReadDir(-1)
	if err != nil {
		d.close()
		return directory{}, nil, err
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return d, entries, nil
}

// lstat returns the state of the entry name without following a final
// symbolic link.
func (d directory) lstat(name string) (fileState, error) {
	var st unix.Stat_t
	err := retryEINTR(func() error {
		return unix.Fstatat(d.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	})
	if err != nil {
		return fileState{}, &fs.PathError{Op: "lstat", Path: d.child(name), Err: err}
	}
	return stateOf(&st), nil
}

func (d directory) close() { d.f.Close() }
