package emulator

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// blobStore keeps uploaded bytes by key: finished uploads under their
// SHA-256 and resumable sessions under their upload id.
type blobStore interface {
	// put stores data under key, replacing what was there. It may keep
	// data, so the caller must not change it afterwards.
	put(key string, data []byte) error
	// writeAt stores data at offset in key and drops any bytes after
	// offset, which a crash between a write and the save of the session
	// may have left. It creates key when missing and fails when key holds
	// fewer than offset bytes.
	writeAt(key string, offset int64, data []byte) error
	// get returns the bytes under key, or an error wrapping fs.ErrNotExist.
	get(key string) ([]byte, error)
	// remove deletes key. Removing a missing key is not an error.
	remove(key string) error
}

// memBlobs keeps blobs in memory. mu guards only the map: put keeps the
// caller's slice without copying it and writeAt locks just its own blob,
// so parallel uploads do not wait on each other's copies. Keys stay exact,
// so two identical uploads at once still leave one blob under their
// SHA-256.
type memBlobs struct {
	mu   sync.Mutex
	data map[string]*memBlob
}

// memBlob is the bytes of one key. writeAt only writes past the length of
// any slice get returned, or into a new array, so a returned slice never
// changes.
type memBlob struct {
	mu   sync.Mutex
	data []byte
}

func newMemBlobs() *memBlobs { return &memBlobs{data: map[string]*memBlob{}} }

func (m *memBlobs) put(key string, data []byte) error {
	// The full slice expression keeps a later writeAt from appending into
	// the caller's array.
	b := &memBlob{data: data[:len(data):len(data)]}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data[key] = b
	return nil
}

func (m *memBlobs) writeAt(key string, offset int64, data []byte) error {
	m.mu.Lock()
	b, ok := m.data[key]
	if !ok {
		b = &memBlob{}
		m.data[key] = b
	}
	m.mu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	if offset > int64(len(b.data)) {
		return fmt.Errorf("write blob %s at offset %d: the blob is only %d bytes long", key, offset, len(b.data))
	}
	prefix := b.data[:offset]
	if offset < int64(len(b.data)) {
		// Clip makes append copy, so slices returned earlier keep
		// their bytes.
		prefix = slices.Clip(prefix)
	}
	b.data = append(prefix, data...)
	return nil
}

func (m *memBlobs) get(key string) ([]byte, error) {
	m.mu.Lock()
	b, ok := m.data[key]
	m.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("blob %s: %w", key, fs.ErrNotExist)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.data[:len(b.data):len(b.data)], nil
}

func (m *memBlobs) remove(key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.data, key)
	return nil
}

// len returns the number of stored blobs.
func (m *memBlobs) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.data)
}

// dirBlobs stores each blob as a file under DataDir/blobs. Keys are hex
// digests or base64url ids, so they are safe file names.
type dirBlobs struct {
	dir string
}

func newDirBlobs(dataDir string) (*dirBlobs, error) {
	dir := filepath.Join(dataDir, "blobs")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create blob directory: %w", err)
	}
	return &dirBlobs{dir: dir}, nil
}

func (d *dirBlobs) put(key string, data []byte) error {
	return writeFileAtomic(filepath.Join(d.dir, key), data)
}

// writeAt syncs the file before it returns, so that the session state
// saved after it never counts bytes a crash could lose.
func (d *dirBlobs) writeAt(key string, offset int64, data []byte) error {
	f, err := os.OpenFile(filepath.Join(d.dir, key), os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("write blob %s: %w", key, err)
	}
	err = writeFileAt(f, offset, data)
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return fmt.Errorf("write blob %s at %d: %w", key, offset, err)
	}
	return nil
}

func writeFileAt(f *os.File, offset int64, data []byte) error {
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if info.Size() < offset {
		return fmt.Errorf("the blob is only %d bytes long", info.Size())
	}
	if err := f.Truncate(offset); err != nil {
		return err
	}
	if _, err := f.WriteAt(data, offset); err != nil {
		return err
	}
	return f.Sync()
}

func (d *dirBlobs) get(key string) ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(d.dir, key))
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", key, err)
	}
	return data, nil
}

func (d *dirBlobs) remove(key string) error {
	err := os.Remove(filepath.Join(d.dir, key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
