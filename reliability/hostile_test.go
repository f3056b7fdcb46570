package reliability

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/photosync/photosync/internal/testenv"
)

// treeSums lists every entry under root except the metadata directory
// .photosync: its type, mode and size, and the SHA-256 of a regular file
// or the target of a link. Comparing two lists shows any change to the
// user's files.
func treeSums(t *testing.T, root string) []string {
	t.Helper()
	var sums []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".photosync" {
			return filepath.SkipDir
		}
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		line := fmt.Sprintf("%q %v %d", rel, info.Mode(), info.Size())
		switch {
		case info.Mode().IsRegular():
			sum, err := fileSum(p)
			if err != nil {
				return err
			}
			line += " " + sum
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			line += " -> " + target
		}
		sums = append(sums, line)
		return nil
	})
	if err != nil {
		t.Fatalf("list %s: %v", root, err)
	}
	return sums
}

func fileSum(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// writeAt writes data to a new file rel of the synced folder with an old
// modification time.
func (e *env) writeAt(rel string, data []byte) string {
	e.t.Helper()
	name := filepath.Join(e.root, rel)
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		e.t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(name, old, old); err != nil {
		e.t.Fatal(err)
	}
	return name
}

func samplePhoto(t *testing.T, tag string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "media", "Orientation", "f2-exif.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	return append(data, tag...)
}

// makeSparse creates rel with a photo's first bytes and a size of size
// bytes, without writing the rest.
func (e *env) makeSparse(rel string, head []byte, size int64) {
	e.t.Helper()
	name := e.writeAt(rel, head)
	if err := os.Truncate(name, size); err != nil {
		e.t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(name, old, old); err != nil {
		e.t.Fatal(err)
	}
}

func TestHostileNamesAndFiles(t *testing.T) {
	e := newEnv(t)
	for i, rel := range []string{
		"Names/caf\u00e9.jpg",  // NFC
		"Names/cafe\u0301.jpg", // NFD: another name on Linux
		"Names/" + strings.Repeat("n", 251) + ".jpg",
		"Names/tab\there.jpg",
		"Names/new\nline.jpg",
		"Names/bell\x07.jpg",
		"Names/bad-\xff\xfe-utf8.jpg",
		"Names/Case.jpg",
		"Names/case.jpg",
		"Names/100%41.jpg",
		"Names/-dash.jpg",
		"Names/dir.jpg/inside.jpg",
		"caf\u00e9/nfc-dir.jpg",
		"cafe\u0301/nfd-dir.jpg",
		"Wrong/really-a-jpeg.png",
	} {
		e.writeAt(rel, samplePhoto(t, fmt.Sprintf("hostile %d", i)))
	}
	// Files that must not upload.
	e.writeAt("Junk/empty.jpg", nil)
	e.writeAt("Junk/text.jpg", []byte("this is not a photo\n"))
	e.writeAt("Junk/photo.jpg.xmp", []byte("<x:xmpmeta/>"))
	e.writeAt("Junk/photo.jpg.json", []byte(`{"title":"photo.jpg"}`))
	e.writeAt("Junk/Thumbs.db", []byte{0xd0, 0xcf, 0x11, 0xe0})
	e.writeAt("Junk/.DS_Store", []byte{0, 0, 0, 1})
	e.writeAt("Junk/half.jpg.part", samplePhoto(t, "partial download"))
	e.makeSparse("Large/huge-photo.jpg", samplePhoto(t, "huge"), 200<<20+1)

	// Links, FIFOs and sockets.
	e.writeAt("Links/target.jpg", samplePhoto(t, "link target"))
	for _, link := range []struct{ name, target string }{
		{"Links/file-link.jpg", "target.jpg"},
		{"Links/dir-link", "."},
		{"Links/dangling.jpg", "nowhere.jpg"},
		{"Links/loop-a", "loop-b"},
		{"Links/loop-b", "loop-a"},
	} {
		if err := os.Symlink(link.target, filepath.Join(e.root, link.name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(e.root, "Junk", "fifo.jpg"), 0o644); err != nil {
		t.Fatal(err)
	}
	sockName := filepath.Join(e.root, "Junk", "sock.jpg")
	if len(sockName) < 100 {
		ln, err := net.Listen("unix", sockName)
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
	}

	before := treeSums(t, e.root)
	// Skipped files, the oversized photo among them, are listed but leave
	// the exit code at 0.
	for run := 1; run <= 2; run++ {
		res := e.run("sync")
		if res.Code != 0 {
			t.Errorf("sync run %d: exit %d, want 0: %s", run, res.Code, res)
		}
		if !strings.Contains(res.Stdout, "Large/huge-photo.jpg") {
			t.Errorf("sync run %d does not list the oversized photo: %s", run, res)
		}
	}
	if diff := cmp.Diff(before, treeSums(t, e.root)); diff != "" {
		t.Errorf("sync changed the tree (-before +after):\n%s", diff)
	}
	// The scan leaves out partial downloads of other programs by name.
	e.checkConvergedExcept("Large/huge-photo.jpg", "Junk/half.jpg.part")
}

// checkConvergedExcept is checkConverged for a tree in which the files
// rels must not be uploaded. It moves them aside for the check, so an item
// with their content counts as an extra item.
func (e *env) checkConvergedExcept(rels ...string) {
	e.t.Helper()
	moved := map[string]string{}
	for _, rel := range rels {
		src := filepath.Join(e.root, rel)
		dst := filepath.Join(e.dir, "aside-"+strings.ReplaceAll(rel, "/", "_"))
		if err := os.Rename(src, dst); err != nil {
			e.t.Fatal(err)
		}
		moved[src] = dst
	}
	defer func() {
		for src, dst := range moved {
			if err := os.Rename(dst, src); err != nil {
				e.t.Error(err)
			}
		}
	}()
	e.checkConverged()
}

func TestHostileMissingDisk(t *testing.T) {
	e := newEnv(t)
	e.addPhotos("Trips", 3, "trip")
	e.syncOK()
	_, albumsBefore := e.emu.Library()

	if err := os.Rename(e.root, e.root+"-unmounted"); err != nil {
		t.Fatal(err)
	}
	res := e.run("sync")
	if res.Code == 0 || !strings.Contains(res.Stdout+res.Stderr, e.root) {
		t.Errorf("sync of a missing folder: want a failure that names %s: %s", e.root, res)
	}
	if _, albums := e.emu.Library(); !cmp.Equal(albums, albumsBefore) {
		t.Errorf("sync of a missing folder changed the albums: %v, want %v", albums, albumsBefore)
	}

	// An empty directory where the disk was mounted has no marker.
	if err := os.Mkdir(e.root, 0o755); err != nil {
		t.Fatal(err)
	}
	res = e.run("sync")
	if res.Code == 0 || !strings.Contains(res.Stdout+res.Stderr, "marker") {
		t.Errorf("sync of an empty mount point: want a failure about the marker: %s", res)
	}
	if _, albums := e.emu.Library(); !cmp.Equal(albums, albumsBefore) {
		t.Errorf("sync of an empty mount point changed the albums: %v, want %v", albums, albumsBefore)
	}
	if err := os.Remove(e.root); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(e.root+"-unmounted", e.root); err != nil {
		t.Fatal(err)
	}
	e.syncOK()
	e.checkConverged()
}

func TestHostileStateFile(t *testing.T) {
	cases := []struct {
		name   string
		damage func(t *testing.T, path string)
		want   string
	}{
		{"truncated", func(t *testing.T, path string) {
			if err := os.Truncate(path, 4096); err != nil {
				t.Fatal(err)
			}
		}, "damaged"},
		{"overwritten", func(t *testing.T, path string) {
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			junk := []byte(strings.Repeat("\xa5", 8192))
			if _, err := f.WriteAt(junk, 0); err != nil {
				t.Fatal(err)
			}
		}, "damaged"},
		{"not a state file", func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte("hello"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, "state"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.addPhotos("Trips", 2, "trip")
			e.syncOK()
			itemsBefore, _ := e.emu.Library()
			path := filepath.Join(e.stateDir, "state.db")
			tc.damage(t, path)
			damaged, err := fileSum(path)
			if err != nil {
				t.Fatal(err)
			}
			tree := treeSums(t, e.root)

			res := e.run("sync")
			if res.Code != 3 || !strings.Contains(strings.ToLower(res.Stderr), tc.want) {
				t.Errorf("sync with a %s state file: want exit 3 and %q: %s", tc.name, tc.want, res)
			}
			if after, _ := fileSum(path); after != damaged {
				t.Error("sync changed the damaged state file; it must keep it for the user")
			}
			if diff := cmp.Diff(tree, treeSums(t, e.root)); diff != "" {
				t.Errorf("sync changed the tree (-before +after):\n%s", diff)
			}
			if items, _ := e.emu.Library(); len(items) != len(itemsBefore) {
				t.Errorf("sync with a damaged state file made %d items, want %d", len(items), len(itemsBefore))
			}
			if res := e.run("state", "check"); res.Code != 3 {
				t.Errorf("state check of a %s state file: want exit 3: %s", tc.name, res)
			}
		})
	}
}

func TestHostileStateLocked(t *testing.T) {
	e := newEnv(t)
	e.addPhotos("", 1, "a")
	e.syncOK()
	store := e.openStore()
	defer store.Close()
	res := e.run("sync")
	if res.Code != 3 || !strings.Contains(res.Stderr, fmt.Sprint(os.Getpid())) {
		t.Errorf("sync with a locked store: want exit 3 naming pid %d: %s", os.Getpid(), res)
	}
}

func TestHostileConfigAndToken(t *testing.T) {
	cases := []struct {
		name  string
		setup func(e *env)
		code  int
		want  string
	}{
		{"config syntax error", func(e *env) {
			testenv.WritePrivate(e.t, e.config, "folders: [\n  - path: x\n")
		}, 2, "config"},
		{"config unknown key", func(e *env) { e.writeConfig("colour: blue\n") }, 2, "colour"},
		{"config is a directory", func(e *env) {
			if err := os.Remove(e.config); err != nil {
				e.t.Fatal(err)
			}
			if err := os.Mkdir(e.config, 0o700); err != nil {
				e.t.Fatal(err)
			}
		}, 2, configBaseName},
		{"token not JSON", func(e *env) { testenv.WritePrivate(e.t, e.token, "{refresh") }, 3, "token"},
		{"token readable by others", func(e *env) {
			if err := os.Chmod(e.token, 0o644); err != nil {
				e.t.Fatal(err)
			}
		}, 3, "chmod 600"},
		{"token missing", func(e *env) {
			if err := os.Remove(e.token); err != nil {
				e.t.Fatal(err)
			}
		}, 3, "auth login"},
		{"credentials not JSON", func(e *env) { testenv.WritePrivate(e.t, e.creds, "[]") }, 3, "client_secret"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.addPhotos("Trips", 2, "trip")
			tc.setup(e)
			tree := treeSums(t, e.root)
			res := e.run("sync")
			if res.Code != tc.code {
				t.Errorf("exit %d, want %d: %s", res.Code, tc.code, res)
			}
			if tc.want != "" && !strings.Contains(res.Stderr, tc.want) {
				t.Errorf("stderr lacks %q: %s", tc.want, res)
			}
			if diff := cmp.Diff(tree, treeSums(t, e.root)); diff != "" {
				t.Errorf("sync changed the tree (-before +after):\n%s", diff)
			}
			if items, _ := e.emu.Library(); len(items) != 0 {
				t.Errorf("a failed start created %d items", len(items))
			}
		})
	}
}

// configBaseName is the config file's base name, which the error names
// when the file cannot be read.
const configBaseName = "config.yaml"

// nobodyID is the user and group id of "nobody", which the unreadable-input
// test runs photosync as, so that file modes apply when the test runs as
// root.
const nobodyID = 65534

func TestHostileUnreadable(t *testing.T) {
	e := newEnv(t)
	e.addPhotos("Open", 2, "open")
	e.writeAt("Closed/secret.jpg", samplePhoto(t, "unreadable file"))
	e.writeAt("Locked/inside.jpg", samplePhoto(t, "unreadable dir"))
	run := e.run
	if os.Geteuid() == 0 {
		if _, err := exec.LookPath("setpriv"); err != nil {
			t.Skip("runs as root without setpriv, so file modes cannot keep photosync out")
		}
		run = e.runAsNobody()
	}
	if err := os.Chmod(filepath.Join(e.root, "Closed", "secret.jpg"), 0); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(e.root, "Locked"), 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(filepath.Join(e.root, "Locked"), 0o755) })
	tree := treeSums(t, e.root)

	res := run("sync")
	if res.Code != 1 {
		t.Errorf("sync exit %d, want 1 for the unreadable file: %s", res.Code, res)
	}
	for _, name := range []string{"secret.jpg", "Locked"} {
		if !strings.Contains(res.Stdout+res.Stderr, name) {
			t.Errorf("sync output does not name %s: %s", name, res)
		}
	}
	if diff := cmp.Diff(tree, treeSums(t, e.root)); diff != "" {
		t.Errorf("sync changed the tree (-before +after):\n%s", diff)
	}
	items, _ := e.emu.Library()
	if len(items) != 2 {
		t.Errorf("emulator has %d items, want the 2 readable photos", len(items))
	}
}

// runAsNobody hands the install to the user nobody and returns a run
// function that starts photosync as that user through setpriv.
func (e *env) runAsNobody() func(args ...string) testenv.Result {
	e.t.Helper()
	// Every directory above the install must be searchable by nobody.
	for dir := e.dir; dir != "/" && dir != "."; dir = filepath.Dir(dir) {
		info, err := os.Stat(dir)
		if err != nil {
			e.t.Fatal(err)
		}
		if info.Mode().Perm()&0o001 == 0 {
			if err := os.Chmod(dir, info.Mode().Perm()|0o011); err != nil {
				e.t.Fatal(err)
			}
		}
	}
	for _, dir := range []string{filepath.Dir(binary), filepath.Dir(e.socket)} {
		if err := os.Chmod(dir, 0o755); err != nil {
			e.t.Fatal(err)
		}
	}
	chown := func(root string) {
		err := filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(p, nobodyID, nobodyID)
		})
		if err != nil {
			e.t.Fatal(err)
		}
	}
	chown(e.dir)
	chown(filepath.Dir(e.socket))
	return func(args ...string) testenv.Result {
		e.t.Helper()
		full := append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", binary, "--config", e.config}, args...)
		cmd := exec.CommandContext(e.t.Context(), "setpriv", full...)
		cmd.Env = e.vars
		return testenv.RunCommand(e.t, cmd)
	}
}
