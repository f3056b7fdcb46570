//go:build unix

package scan

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestScanSpecialFiles(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "album/a.jpg", jpegBytes(t))
	if err := syscall.Mkfifo(filepath.Join(root, "album/pipe.jpg"), 0o644); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	// A Unix socket path must be shorter than 104 bytes on the BSDs and 108
	// on Linux. Test temporary directories are short enough on Linux.
	sock := filepath.Join(root, "album/s.sock")
	if len(sock) >= 104 {
		t.Skipf("socket path %s is too long for this system", sock)
	}
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatalf("listen on unix socket: %v", err)
	}
	defer ln.Close()
	if err := os.Symlink("pipe.jpg", filepath.Join(root, "album/pipe-link.jpg")); err != nil {
		t.Fatal(err)
	}

	// A scan that opened the FIFO, directly or through the link, would
	// block here forever, because no process opens it for writing.
	res := mustScan(t, Options{Root: root, FollowSymlinks: true}, nil)

	checkOutcomes(t, res, map[string]outcome{
		"album/a.jpg":         entryOf("image/jpeg"),
		"album/pipe.jpg":      skipOf(Special),
		"album/pipe-link.jpg": skipOf(Special),
		"album/s.sock":        skipOf(Special),
	})
	if got := skipFor(t, res, "album/pipe.jpg").Reason; !strings.Contains(got, "FIFO") {
		t.Errorf("FIFO reason = %q, want it to name the FIFO", got)
	}
	if got := skipFor(t, res, "album/s.sock").Reason; !strings.Contains(got, "socket") {
		t.Errorf("socket reason = %q, want it to name the socket", got)
	}
}

func TestHashFileRejectsFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}

	_, _, err := HashFile(t.Context(), fifo)

	if !errors.Is(err, errNotRegular) {
		t.Errorf("error = %v, want errNotRegular", err)
	}
}

// symlinkTree builds a folder with every kind of link:
//
//	real/photo.jpg
//	real/sub/deep.jpg
//	outside/far.jpg          (outside the root, reached only through a link)
//	root/real -> ../real     (the root holds the links, not the files)
//	root/own.jpg
//	root/file-link.jpg -> own.jpg
//	root/dir-link -> ../outside
//	root/dangling.jpg -> missing.jpg
//	root/loop/up -> ..       (a directory link back to its parent)
//	root/chain-a -> chain-b, root/chain-b -> chain-a
func symlinkTree(t *testing.T) string {
	t.Helper()
	base := t.TempDir()
	jpeg := jpegBytes(t)
	writeFile(t, base, "real/photo.jpg", jpeg)
	writeFile(t, base, "real/sub/deep.jpg", jpeg)
	writeFile(t, base, "outside/far.jpg", jpeg)
	root := filepath.Join(base, "root")
	writeFile(t, root, "own.jpg", jpeg)
	links := [][2]string{
		{"../real", "real"},
		{"own.jpg", "file-link.jpg"},
		{"../outside", "dir-link"},
		{"missing.jpg", "dangling.jpg"},
		{"..", "loop/up"},
		{"chain-b", "chain-a"},
		{"chain-a", "chain-b"},
	}
	for _, l := range links {
		path := filepath.Join(root, filepath.FromSlash(l[1]))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(l[0], path); err != nil {
			t.Fatalf("symlink %s: %v", l[1], err)
		}
	}
	return root
}

func TestScanSymlinksNotFollowed(t *testing.T) {
	root := symlinkTree(t)

	res := mustScan(t, Options{Root: root}, nil)

	checkOutcomes(t, res, map[string]outcome{
		"own.jpg":       entryOf("image/jpeg"),
		"real":          skipOf(Symlink),
		"file-link.jpg": skipOf(Symlink),
		"dir-link":      skipOf(Symlink),
		"dangling.jpg":  skipOf(Symlink),
		"loop/up":       skipOf(Symlink),
		"chain-a":       skipOf(Symlink),
		"chain-b":       skipOf(Symlink),
	})
	if diff := cmp.Diff([]string{"", "loop"}, res.Dirs); diff != "" {
		t.Errorf("Dirs (-want +got):\n%s", diff)
	}
}

// TestScanFileReplacedByLink replaces a new file with a link to another
// photo after the listing and before the file is opened. With links not
// followed, the scan must not read the link's target under the file's path.
func TestScanFileReplacedByLink(t *testing.T) {
	root := t.TempDir()
	path := writeFile(t, root, "a.jpg", jpegBytes(t))
	writeFile(t, root, "other/b.jpg", sampleBytes(t, "Tricky/png_named_as.jpg"))
	prev := func(rel string) (int64, time.Time, string, bool) {
		if rel == "a.jpg" {
			if err := os.Remove(path); err != nil {
				t.Errorf("remove: %v", err)
			}
			if err := os.Symlink("other/b.jpg", path); err != nil {
				t.Errorf("symlink: %v", err)
			}
		}
		return 0, time.Time{}, "", false
	}

	res := mustScan(t, Options{Root: root, walkWorkers: 1}, prev)

	checkOutcomes(t, res, map[string]outcome{
		"a.jpg":       skipOf(Unsettled),
		"other/b.jpg": entryOf("image/png"),
	})
	// Where the walk leaves the Lstat of a new file to the open, the open
	// itself must refuse the link instead of reading its target.
	got := skipFor(t, res, "a.jpg").Reason
	if openChecksNewFiles && !strings.Contains(got, "symbolic link") {
		t.Errorf("Reason = %q, want it to name the symbolic link", got)
	}
}

func TestScanSymlinksFollowed(t *testing.T) {
	root := symlinkTree(t)

	res := mustScan(t, Options{Root: root, FollowSymlinks: true}, nil)

	jpeg := entryOf("image/jpeg")
	checkOutcomes(t, res, map[string]outcome{
		"own.jpg":           jpeg,
		"file-link.jpg":     jpeg,
		"real/photo.jpg":    jpeg,
		"real/sub/deep.jpg": jpeg,
		"dir-link/far.jpg":  jpeg,
		"dangling.jpg":      skipOf(Symlink),
		"loop/up":           skipOf(Loop),
		"chain-a":           skipOf(Loop),
		"chain-b":           skipOf(Loop),
	})
	wantDirs := []string{"", "dir-link", "loop", "real", "real/sub"}
	if diff := cmp.Diff(wantDirs, res.Dirs); diff != "" {
		t.Errorf("Dirs (-want +got):\n%s", diff)
	}
	if got := skipFor(t, res, "dangling.jpg").Reason; !strings.Contains(got, "missing.jpg") {
		t.Errorf("dangling reason = %q, want it to name the target", got)
	}
	if err := skipFor(t, res, "chain-a").Err; !errors.Is(err, syscall.ELOOP) {
		t.Errorf("chain error = %v, want ELOOP", err)
	}
}

func TestScanSymlinkLoopToRoot(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "a/b/photo.jpg", jpegBytes(t))
	if err := os.Symlink(root, filepath.Join(root, "a/b/to-root")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../..", filepath.Join(root, "a/b/up-two")); err != nil {
		t.Fatal(err)
	}

	res := mustScan(t, Options{Root: root, FollowSymlinks: true}, nil)

	checkOutcomes(t, res, map[string]outcome{
		"a/b/photo.jpg": entryOf("image/jpeg"),
		"a/b/to-root":   skipOf(Loop),
		"a/b/up-two":    skipOf(Loop),
	})
}

// unprivilegedEnv names the JPEG that the child process of runAsNobody
// uses, because that user may lack read access to the checkout.
const unprivilegedEnv = "PHOTOSYNC_SCAN_TEST_NOBODY_JPEG"

// nobodyID is the user and group id of "nobody" on Linux and the BSDs.
const nobodyID = 65534

func TestScanUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		runAsNobody(t, "TestScanUnreadable")
		return
	}
	base, err := os.MkdirTemp("", "scan-unreadable-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		os.Chmod(filepath.Join(base, "locked"), 0o755)
		os.RemoveAll(base)
	})
	jpeg := childJPEG(t)
	writeFile(t, base, "ok.jpg", jpeg)
	secret := writeFile(t, base, "secret.jpg", jpeg)
	writeFile(t, base, "locked/inside.jpg", jpeg)
	if err := os.Chmod(secret, 0); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(base, "locked"), 0); err != nil {
		t.Fatal(err)
	}

	res := mustScan(t, Options{Root: base}, nil)

	checkOutcomes(t, res, map[string]outcome{
		"ok.jpg":     entryOf("image/jpeg"),
		"secret.jpg": skipOf(Unreadable),
		"locked":     skipOf(Unreadable),
	})
	for _, rel := range []string{"secret.jpg", "locked"} {
		if err := skipFor(t, res, rel).Err; !errors.Is(err, os.ErrPermission) {
			t.Errorf("%s error = %v, want os.ErrPermission", rel, err)
		}
	}
	if res.Absent("locked/inside.jpg") {
		t.Error("Absent(locked/inside.jpg) = true, want false for a file below an unreadable directory")
	}
}

// runAsNobody runs the named test again in a child process as user nobody,
// because root reads files whatever their permissions. The test binary is
// copied to a directory that user nobody can read, since the go command builds
// it in a private one.
func runAsNobody(t *testing.T, name string) {
	t.Helper()
	if os.Getenv(unprivilegedEnv) != "" {
		t.Fatal("child process still runs as root")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skipf("cannot find the test binary: %v", err)
	}
	binDir, err := os.MkdirTemp("", "scan-test-bin-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(binDir) })
	if err := os.Chmod(binDir, 0o755); err != nil {
		t.Fatal(err)
	}
	jpegPath := filepath.Join(binDir, "photo.jpg")
	if err := os.WriteFile(jpegPath, jpegBytes(t), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(binDir, "scan.test")
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}

	cmd := exec.CommandContext(t.Context(), bin, "-test.run=^"+name+"$", "-test.v")
	cmd.Dir = binDir
	cmd.Env = append(os.Environ(), unprivilegedEnv+"="+jpegPath)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobodyID, Gid: nobodyID}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			t.Skipf("cannot start the test as user nobody: %v", err)
		}
		t.Fatalf("%s as user nobody failed: %v\n%s", name, err, out)
	}
	if !strings.Contains(string(out), "--- PASS: "+name) {
		t.Fatalf("%s as user nobody did not pass:\n%s", name, out)
	}
	t.Logf("%s as user nobody:\n%s", name, out)
}

// childJPEG returns a small JPEG, from the file runAsNobody names when the
// test runs in its child process.
func childJPEG(t *testing.T) []byte {
	t.Helper()
	path := os.Getenv(unprivilegedEnv)
	if path == "" {
		return jpegBytes(t)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read the JPEG from the parent process: %v", err)
	}
	return data
}
