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

// memBlobs keeps blobs in memory. mu guards only the map: put copies the
// bytes before taking it and appendTo locks just its own blob, so parallel
// uploads do not wait on each other's copies. Keys stay exact, so two
// identical uploads at once still leave one blob under their SHA-256.
type memBlobs struct {
	mu   sync.Mutex
	data map[string]*memBlob
}

// memBlob is the bytes of one key. Appends only write past the length of
// any slice get returned, so a returned slice never changes.
type memBlob struct {
	mu   sync.Mutex
	data []byte
}

func newMemBlobs() *memBlobs { return &memBlobs{data: map[string]*memBlob{}} }

func (m *memBlobs) put(key string, data []byte) error {
	b := &memBlob{data: append([]byte(nil), data...)}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data[key] = b
	return nil
}

func (m *memBlobs) appendTo(key string, data []byte) error {
	m.mu.Lock()
	b, ok := m.data[key]
	if !ok {
		b = &memBlob{}
		m.data[key] = b
	}
	m.mu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.data = append(b.data, data...)
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
