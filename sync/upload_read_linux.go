package sync

import (
	"io/fs"
	"path"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// readSmallFile opens the file name and, when it is a regular file, reads it
// into buf. It returns the number of bytes read and the file's metadata,
// taken after the open and before the read.
//
// It makes four system calls for a file that fits in buf: open, fstat,
// read and close. os.Open (Go 1.26) adds four fcntl calls and an
// epoll_ctl call, which set up the poller that regular files do not use.
// O_NONBLOCK keeps the open from waiting on a FIFO put in place of the
// file after the scan.
func readSmallFile(name string, buf []byte) (int, fileMeta, error) {
	return readSmallFileAt(unix.AT_FDCWD, name, name, buf)
}

// readSmallFileAt is readSmallFile for the file name relative to the
// directory descriptor dirfd. errPath is the path that errors name.
func readSmallFileAt(dirfd int, name, errPath string, buf []byte) (int, fileMeta, error) {
	var fd int
	err := ignoringEINTR(func() (err error) {
		fd, err = unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
		return err
	})
	if err != nil {
		return 0, fileMeta{}, &fs.PathError{Op: "open", Path: errPath, Err: err}
	}
	defer unix.Close(fd)

	var st unix.Stat_t
	if err := ignoringEINTR(func() error { return unix.Fstat(fd, &st) }); err != nil {
		return 0, fileMeta{}, &fs.PathError{Op: "stat", Path: errPath, Err: err}
	}
	meta := fileMeta{
		size:    st.Size,
		modTime: time.Unix(st.Mtim.Unix()),
		regular: st.Mode&unix.S_IFMT == unix.S_IFREG,
	}
	if !meta.regular {
		return 0, meta, nil
	}
	n, err := readFull(buf, meta.size, func(p []byte) (m int, err error) {
		err = ignoringEINTR(func() error {
			m, err = unix.Read(fd, p)
			return err
		})
		return m, err
	})
	if err != nil {
		return n, meta, &fs.PathError{Op: "read", Path: errPath, Err: err}
	}
	return n, meta, nil
}

// dirReader reads the small files of one folder relative to a descriptor
// of the directory of the last file it read. Consecutive files of one
// directory then cost the kernel a lookup of one name each instead of
// the whole path. Each upload worker owns one, so that it holds at most
// one directory descriptor.
//
// NOTE: after a directory is renamed, a reader that has it open still
// reads its files by their old paths until it moves to another directory.
// The size, modification time and SHA-256 checks still ensure that the
// bytes sent are the ones the scan saw, and the next scan finds the rename.
type dirReader struct {
	root string
	// dir is the slash path, relative to root, of the directory that fd
	// refers to.
	dir string
	// fd is an O_PATH descriptor of dir, or -1 when none is open.
	fd int
}

func newDirReader(root string) dirReader {
	return dirReader{root: root, fd: -1}
}

// read reads the file rel, a slash path relative to the folder root, into
// buf, as readSmallFile does.
func (r *dirReader) read(rel string, buf []byte) (int, fileMeta, error) {
	dir, name := path.Split(rel)
	if r.fd < 0 || dir != r.dir {
		if err := r.open(dir); err != nil {
			return 0, fileMeta{}, &fs.PathError{Op: "open", Path: r.abs(rel), Err: err}
		}
	}
	n, meta, err := readSmallFileAt(r.fd, name, "", buf)
	if pe, ok := err.(*fs.PathError); ok {
		// The path is joined only on failure, which spares an allocation
		// per file.
		pe.Path = r.abs(rel)
	}
	return n, meta, err
}

// open replaces the open directory with dir, which is "" or ends in "/".
// An O_PATH descriptor needs search permission on the path but no read
// permission on the directory, as opening the file by its whole path does.
func (r *dirReader) open(dir string) error {
	r.close()
	var fd int
	err := ignoringEINTR(func() (err error) {
		fd, err = unix.Open(r.abs(dir), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return err
	}
	r.dir, r.fd = dir, fd
	return nil
}

func (r *dirReader) abs(rel string) string {
	return filepath.Join(r.root, filepath.FromSlash(rel))
}

// close closes the directory descriptor, if one is open.
func (r *dirReader) close() {
	if r.fd >= 0 {
		unix.Close(r.fd)
		r.dir, r.fd = "", -1
	}
}

func ignoringEINTR(call func() error) error {
	for {
		err := call()
		if err != unix.EINTR {
			return err
		}
	}
}
