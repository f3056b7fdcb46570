//go:build !linux

package scan

import (
	"fmt"
	"io/fs"
	"os"
)

// openChecksNewFiles is false because openRegular here always follows
// symbolic links, so the walk reads the status of every file itself.
const openChecksNewFiles = false

// fileID identifies a file through the FileInfo it was read from, because
// os.SameFile is the portable comparison.
type fileID struct {
	info fs.FileInfo
}

func (id fileID) same(other fileID) bool {
	return id.info != nil && other.info != nil && os.SameFile(id.info, other.info)
}

func stateOf(info fs.FileInfo) fileState {
	return fileState{id: fileID{info: info}, mode: info.Mode(), size: info.Size(), mtime: info.ModTime()}
}

// lstatFile returns the state of path without following a final symbolic
// link.
func lstatFile(path string) (fileState, error) {
	info, err := os.Lstat(path)
	if err != nil {
		return fileState{}, err
	}
	return stateOf(info), nil
}

// statFile returns the state of path, following symbolic links.
func statFile(path string) (fileState, error) {
	info, err := os.Stat(path)
	if err != nil {
		return fileState{}, err
	}
	return stateOf(info), nil
}

// regularFile is a regular file open for reading.
type regularFile struct {
	*os.File
}

// openRegular opens path for reading with openFlags, without blocking on a
// FIFO where the system has them, and returns the file with its state. It
// fails with an error wrapping errNotRegular when path is not a regular
// file. It follows symbolic links whatever follow is, which is why
// openChecksNewFiles is false here.
func openRegular(path string, _ bool) (regularFile, fileState, error) {
	f, err := os.OpenFile(path, openFlags, 0)
	if err != nil {
		return regularFile{}, fileState{}, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return regularFile{}, fileState{}, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return regularFile{}, fileState{}, fmt.Errorf("%s: %w", typeName(info.Mode()), errNotRegular)
	}
	return regularFile{f}, stateOf(info), nil
}

// directory is a directory during the walk of its entries.
type directory struct {
	// abs is the directory's clean path, the start of its entries' paths.
	abs string
}

// openDirectory returns the directory at path with its entries, sorted by
// name.
func openDirectory(path string) (directory, []fs.DirEntry, error) {
	entries, err := os.ReadDir(path)
	if err != nil {
		return directory{}, nil, err
	}
	return directory{abs: path}, entries, nil
}

// lstat returns the state of the entry name without following a final
// symbolic link.
func (d directory) lstat(name string) (fileState, error) {
	return lstatFile(d.child(name))
}

func (d directory) close() {}
