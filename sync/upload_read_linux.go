package sync

import (
	"io/fs"
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
	var fd int
	err := ignoringEINTR(func() (err error) {
		fd, err = unix.Open(name, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
		return err
	})
	if err != nil {
		return 0, fileMeta{}, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	defer unix.Close(fd)

	var st unix.Stat_t
	if err := ignoringEINTR(func() error { return unix.Fstat(fd, &st) }); err != nil {
		return 0, fileMeta{}, &fs.PathError{Op: "stat", Path: name, Err: err}
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
		return n, meta, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	return n, meta, nil
}

func ignoringEINTR(call func() error) error {
	for {
		err := call()
		if err != unix.EINTR {
			return err
		}
	}
}
