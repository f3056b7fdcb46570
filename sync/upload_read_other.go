//go:build !linux

package sync

import (
	"os"
	"path/filepath"
)

// readSmallFile opens the file name and, when it is a regular file, reads it
// into buf. It returns the number of bytes read and the file's metadata,
// taken after the open and before the read.
func readSmallFile(name string, buf []byte) (int, fileMeta, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, fileMeta{}, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return 0, fileMeta{}, err
	}
	meta := fileMeta{size: info.Size(), modTime: info.ModTime(), regular: info.Mode().IsRegular()}
	if !meta.regular {
		return 0, meta, nil
	}
	n, err := readFull(buf, meta.size, f.Read)
	return n, meta, err
}

// dirReader reads the small files of one folder by their whole paths. The
// Linux version opens them relative to a directory descriptor instead.
type dirReader struct {
	root string
}

func newDirReader(root string) dirReader {
	return dirReader{root: root}
}

// read reads the file rel, a slash path relative to the folder root, into
// buf, as readSmallFile does.
func (r *dirReader) read(rel string, buf []byte) (int, fileMeta, error) {
	return readSmallFile(filepath.Join(r.root, filepath.FromSlash(rel)), buf)
}

func (r *dirReader) close() {}
