package sync

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func TestReadSmallFileSkipsFIFO(t *testing.T) {
	name := filepath.Join(t.TempDir(), "a.jpg")
	if err := unix.Mkfifo(name, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	// Without a writer, a blocking open of the FIFO would never return.
	n, meta, err := readSmallFile(name, make([]byte, 10))
	if err != nil {
		t.Fatalf("readSmallFile of a FIFO: %v", err)
	}
	if meta.regular || n != 0 {
		t.Errorf("readSmallFile of a FIFO read %d bytes, regular %v; want 0 and false", n, meta.regular)
	}
}

func TestDirReaderAcrossDirectories(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{"a.jpg": "root", "x/b.jpg": "in x", "x/y/c.jpg": "in y", "z/d.jpg": "in z"}
	for rel, content := range files {
		name := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	r := newDirReader(root)
	buf := make([]byte, 64)
	for _, rel := range []string{"a.jpg", "x/b.jpg", "x/y/c.jpg", "x/b.jpg", "z/d.jpg", "a.jpg"} {
		n, meta, err := r.read(rel, buf)
		if err != nil {
			t.Fatalf("read %s: %v", rel, err)
		}
		if got := string(buf[:n]); got != files[rel] {
			t.Errorf("read %s = %q, want %q", rel, got, files[rel])
		}
		if !meta.regular {
			t.Errorf("read %s: meta.regular = false", rel)
		}
	}

	_, _, err := r.read("x/gone.jpg", buf)
	var pe *fs.PathError
	if !errors.As(err, &pe) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("read of a missing file: %v, want a *fs.PathError for fs.ErrNotExist", err)
	}
	if want := filepath.Join(root, "x", "gone.jpg"); pe.Path != want {
		t.Errorf("error path = %q, want %q", pe.Path, want)
	}
	_, _, err = r.read("nodir/e.jpg", buf)
	if !errors.As(err, &pe) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("read in a missing directory: %v, want a *fs.PathError for fs.ErrNotExist", err)
	}
	if want := filepath.Join(root, "nodir", "e.jpg"); pe.Path != want {
		t.Errorf("error path = %q, want %q", pe.Path, want)
	}

	// A file replaced by a FIFO is not read, and the open does not wait
	// for a writer.
	if err := os.Remove(filepath.Join(root, "z", "d.jpg")); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mkfifo(filepath.Join(root, "z", "d.jpg"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	n, meta, err := r.read("z/d.jpg", buf)
	if err != nil {
		t.Fatalf("read of a FIFO: %v", err)
	}
	if meta.regular || n != 0 {
		t.Errorf("read of a FIFO read %d bytes, regular %v; want 0 and false", n, meta.regular)
	}

	r.close()
	if r.fd != -1 {
		t.Errorf("fd = %d after close, want -1", r.fd)
	}
}

func TestDirReaderFollowsLinkedFile(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "target.jpg"), []byte("target"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("target.jpg", filepath.Join(root, "link.jpg")); err != nil {
		t.Fatal(err)
	}
	// Opening by the whole path follows a final symbolic link, and so does
	// the open relative to the directory.
	r := newDirReader(root)
	defer r.close()
	buf := make([]byte, 64)
	n, meta, err := r.read("link.jpg", buf)
	if err != nil {
		t.Fatalf("read link.jpg: %v", err)
	}
	if !meta.regular || string(buf[:n]) != "target" {
		t.Errorf("read link.jpg = %q, regular %v; want %q, true", buf[:n], meta.regular, "target")
	}
}
