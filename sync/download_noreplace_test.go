package sync

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// withoutPrimitives makes placeNoReplace act as on FAT or exFAT, which
// reject renameat2's RENAME_NOREPLACE with EINVAL and hard links with EPERM.
// The real primitives return when t ends. intrude, when not nil, runs
// first on each hard link attempt.
func withoutPrimitives(t *testing.T, intrude func(dst string)) {
	t.Helper()
	rename, link := renameNoReplaceFunc, linkFunc
	t.Cleanup(func() { renameNoReplaceFunc, linkFunc = rename, link })
	renameNoReplaceFunc = func(src, dst string) error {
		return &os.LinkError{Op: "renameat2", Old: src, New: dst, Err: syscall.EINVAL}
	}
	linkFunc = func(src, dst string) error {
		if intrude != nil {
			intrude(dst)
		}
		return &os.LinkError{Op: "link", Old: src, New: dst, Err: syscall.EPERM}
	}
}

func TestPlaceNoReplace(t *testing.T) {
	unsupported := func(op string, errno syscall.Errno) func(string, string) error {
		return func(src, dst string) error { return &os.LinkError{Op: op, Old: src, New: dst, Err: errno} }
	}
	cases := []struct {
		name   string
		rename func(string, string) error
		link   func(string, string) error
	}{
		{"real primitives", renameNoReplace, os.Link},
		{"no renameat2", unsupported("renameat2", syscall.ENOSYS), os.Link},
		{"renameat2 flag invalid", unsupported("renameat2", syscall.EINVAL), os.Link},
		{"no hard links EPERM", unsupported("renameat2", syscall.EINVAL), unsupported("link", syscall.EPERM)},
		{"no hard links ENOTSUP", unsupported("renameat2", syscall.EINVAL), unsupported("link", syscall.ENOTSUP)},
		{"no hard links EXDEV", unsupported("renameat2", syscall.EINVAL), unsupported("link", syscall.EXDEV)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rename, link := renameNoReplaceFunc, linkFunc
			t.Cleanup(func() { renameNoReplaceFunc, linkFunc = rename, link })
			renameNoReplaceFunc, linkFunc = c.rename, c.link

			dir := t.TempDir()
			src, free, taken := filepath.Join(dir, "tmp"), filepath.Join(dir, "free.jpg"), filepath.Join(dir, "taken.jpg")
			writeFile(t, src, "new")
			writeFile(t, taken, "old")

			err := placeNoReplace(src, taken)
			if !errors.Is(err, fs.ErrExist) {
				t.Fatalf("place over an existing file: got %v, want an error matching fs.ErrExist", err)
			}
			if got := readFile(t, taken); got != "old" {
				t.Errorf("existing file contains %q after the refused placement, want %q", got, "old")
			}
			if got := readFile(t, src); got != "new" {
				t.Errorf("source contains %q after the refused placement, want %q", got, "new")
			}

			if err := placeNoReplace(src, free); err != nil {
				t.Fatalf("place at a free name: %v", err)
			}
			if got := readFile(t, free); got != "new" {
				t.Errorf("placed file contains %q, want %q", got, "new")
			}
		})
	}
}

func TestPlaceNoReplaceKeepsRealErrors(t *testing.T) {
	rename, link := renameNoReplaceFunc, linkFunc
	t.Cleanup(func() { renameNoReplaceFunc, linkFunc = rename, link })
	renameNoReplaceFunc = func(src, dst string) error {
		return &os.LinkError{Op: "renameat2", Old: src, New: dst, Err: syscall.ENOSYS}
	}
	linkFunc = func(src, dst string) error {
		return &os.LinkError{Op: "link", Old: src, New: dst, Err: syscall.EIO}
	}
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "tmp"), filepath.Join(dir, "one.jpg")
	writeFile(t, src, "new")

	err := placeNoReplace(src, dst)
	if !errors.Is(err, syscall.EIO) {
		t.Fatalf("place after a link I/O error: got %v, want EIO", err)
	}
	if _, err := os.Lstat(dst); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("target after a link I/O error: Lstat returned %v, want not exist", err)
	}
}

// TestDownloadWithoutHardLinks downloads into a folder whose file system
// has neither placement primitive, while another program creates a file
// at the first target name just before the placement.
func TestDownloadWithoutHardLinks(t *testing.T) {
	_, a, b := downloadFixture(t)
	intruder := b.abs("A/one.jpg")
	withoutPrimitives(t, func(dst string) {
		if dst == intruder {
			if _, err := os.Lstat(dst); errors.Is(err, fs.ErrNotExist) {
				writeFile(t, dst, "written by another program")
			}
		}
	})

	sum := b.sync()
	if sum.Downloaded != 3 {
		t.Errorf("downloaded %d, want 3", sum.Downloaded)
	}
	if got := readFile(t, intruder); got != "written by another program" {
		t.Errorf("A/one.jpg contains %q, want the other program's file unchanged", got)
	}
	var extra []string
	for _, rel := range b.files() {
		if !slices.Contains(a.files(), rel) {
			extra = append(extra, rel)
		}
	}
	if len(extra) != 1 || !strings.HasPrefix(extra[0], "A/one") {
		t.Fatalf("b's files not on a: %v, want one suffixed name for A/one.jpg", extra)
	}
	if got, want := shaOfFile(t, b.abs(extra[0])), shaOfFile(t, a.abs("A/one.jpg")); got != want {
		t.Errorf("%s has SHA-256 %s, want a's A/one.jpg %s", extra[0], got, want)
	}
	for _, rel := range []string{"A/two.jpg", "B/three.jpg"} {
		if got, want := shaOfFile(t, b.abs(rel)), shaOfFile(t, a.abs(rel)); got != want {
			t.Errorf("%s has SHA-256 %s, want %s", rel, got, want)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestTrashWithoutHardLinks moves a file to a trash that already holds
// that name, on a file system without either placement primitive.
func TestTrashWithoutHardLinks(t *testing.T) {
	withoutPrimitives(t, nil)
	root := t.TempDir()
	day := "2026-01-02"
	if err := os.MkdirAll(filepath.Join(TrashPath(root, day), "A"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "A"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(TrashPath(root, day), "A", "one.jpg"), "trashed earlier")
	writeFile(t, filepath.Join(root, "A", "one.jpg"), "trashed now")

	var announced []string
	dst, err := moveToTrash(root, "A/one.jpg", day, func(rel string) { announced = append(announced, rel) })
	if err != nil {
		t.Fatalf("move to trash: %v", err)
	}
	dstRel, err := filepath.Rel(root, dst)
	if err != nil {
		t.Fatal(err)
	}
	// The hook receives the source, the name already taken and the
	// numbered name that the file got.
	want := []string{"A/one.jpg", MetaDir + "/trash/" + day + "/A/one.jpg", filepath.ToSlash(dstRel)}
	if !slices.Equal(announced, want) {
		t.Errorf("paths passed to the hook = %q, want %q", announced, want)
	}
	if got := readFile(t, dst); got != "trashed now" {
		t.Errorf("%s contains %q, want %q", dst, got, "trashed now")
	}
	if got := readFile(t, filepath.Join(TrashPath(root, day), "A", "one.jpg")); got != "trashed earlier" {
		t.Errorf("earlier trashed file contains %q, want %q", got, "trashed earlier")
	}
	if _, err := os.Lstat(filepath.Join(root, "A", "one.jpg")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("A/one.jpg after the move: Lstat returned %v, want not exist", err)
	}
}
