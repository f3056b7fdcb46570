package emulator

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// blobStore keeps uploaded bytes by key: finished uploads under their
// SHA-256 and resumable sessions under their upload id.
type blobStore interface {
	// put stores data under key, replacing what was there.
	put(key string, data []byte) error
	// appendTo adds data to the end of key, creating it when missing.
	appendTo(key string, data []byte) error
	// get returns the bytes under key, or an error wrapping fs.ErrNotExist.
	get(key string) ([]byte, error)
	// remove deletes key. Removing a missing key is not an error.
	remove(key string) error
}

type memBlobs struct {
	mu   sync.Mutex
	data map[string][]byte
}

func newMemBlobs() *memBlobs { return &memBlobs{data: map[string][]byte{}} }

func (m *memBlobs) put(key string, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data[key] = append([]byte(nil), data...)
	return nil
}

func (m *memBlobs) appendTo(key string, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data[key] = append(m.data[key], data...)
	return nil
}

func (m *memBlobs) get(key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	data, ok := m.data[key]
	if !ok {
		return nil, fmt.Errorf("blob %s: %w", key, fs.ErrNotExist)
	}
	return data, nil
}

func (m *memBlobs) remove(key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.data, key)
	return nil
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

func (d *dirBlobs) appendTo(key string, data []byte) error {
	f, err := os.OpenFile(filepath.Join(d.dir, key), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("append to blob %s: %w", key, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("append to blob %s: %w", key, err)
	}
	return f.Close()
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
