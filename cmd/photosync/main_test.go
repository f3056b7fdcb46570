package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// binary is the photosync binary that TestMain builds for the tests that
// run it as a subprocess.
var binary string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "photosync-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "create build directory:", err)
		return 1
	}
	defer os.RemoveAll(dir)

	binary = filepath.Join(dir, "photosync")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build photosync:", err)
		return 1
	}
	return m.Run()
}

// commandTimeout bounds one run of the binary, so that a hang fails the
// test instead of stalling the suite.
const commandTimeout = 2 * time.Minute

// result is the outcome of one run of the binary.
type result struct {
	code   int
	stdout string
	stderr string
}

// runBinary runs the binary with args in an environment that points the
// XDG directories and HOME into a temporary directory.
func runBinary(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), commandTimeout)
	defer cancel()

	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = isolatedEnv(t)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()

	var exitErr *exec.ExitError
	code := 0
	switch {
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
	case err != nil:
		t.Fatalf("run photosync %v: %v", args, err)
	}
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// isolatedEnv returns an environment whose home and XDG directories are
// fresh temporary directories.
func isolatedEnv(t *testing.T) []string {
	t.Helper()
	home := t.TempDir()
	return []string{
		"HOME=" + home,
		"PATH=" + os.Getenv("PATH"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"XDG_STATE_HOME=" + filepath.Join(home, "state"),
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestHelpListsExitCodes(t *testing.T) {
	res := runBinary(t, "--help")
	if res.code != exitOK {
		t.Fatalf("exit code %d, want %d; stderr:\n%s", res.code, exitOK, res.stderr)
	}
	for _, want := range []string{
		"Exit codes:",
		"  0  success",
		"  1  some items failed",
		"  2  bad usage or configuration",
		"  3  fatal error",
		"--config",
		"--log-level",
		"--log-format",
	} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("help does not contain %q:\n%s", want, res.stdout)
		}
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"--bogus"}, "unknown flag: --bogus"},
		{"unknown command", []string{"bogus"}, `unknown command "bogus"`},
		{"extra argument", []string{"version", "extra"}, `unknown command "extra"`},
		{"bad flag value", []string{"emulator", "--daily-quota", "many"}, `invalid argument "many"`},
		{"bad log level", []string{"--log-level", "loud", "version"}, `invalid log level "loud"`},
		{"bad listen address", []string{"emulator", "--listen", "nowhere"}, `invalid --listen address "nowhere"`},
		{"negative write limit", []string{"emulator", "--writes-per-minute", "-1"}, `invalid --writes-per-minute -1`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runBinary(t, tc.args...)
			if res.code != exitUsage {
				t.Errorf("exit code %d, want %d", res.code, exitUsage)
			}
			if !strings.Contains(res.stderr, tc.want) {
				t.Errorf("stderr does not contain %q:\n%s", tc.want, res.stderr)
			}
		})
	}
}

func TestVersionPrintsVersion(t *testing.T) {
	res := runBinary(t, "version")
	if res.code != exitOK {
		t.Fatalf("exit code %d, want %d; stderr:\n%s", res.code, exitOK, res.stderr)
	}
	if !strings.HasPrefix(res.stdout, "photosync ") {
		t.Errorf("stdout %q does not start with \"photosync \"", res.stdout)
	}
}

func TestBrokenConfigExits2(t *testing.T) {
	path := writeFile(t, "config.yaml", "folders:\n  - path: /photos\n    mode: twoway\nworkers: 0\n")
	res := runBinary(t, "--config", path, "config", "check")
	if res.code != exitUsage {
		t.Errorf("exit code %d, want %d", res.code, exitUsage)
	}
	for _, want := range []string{
		"photosync: " + path + `:3: folders[0].mode: invalid value "twoway"`,
		"photosync: " + path + `:4: workers: 0 is out of range`,
	} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("stderr does not contain %q:\n%s", want, res.stderr)
		}
	}
}

func TestUnknownConfigKeyExits2(t *testing.T) {
	path := writeFile(t, "config.yaml", "folders:\n  - path: /photos\nworker: 3\n")
	res := runBinary(t, "--config", path, "config", "check")
	if res.code != exitUsage {
		t.Errorf("exit code %d, want %d", res.code, exitUsage)
	}
	want := path + `:3: unknown key "worker" (did you mean "workers"?)`
	if !strings.Contains(res.stderr, want) {
		t.Errorf("stderr does not contain %q:\n%s", want, res.stderr)
	}
}

func TestMissingConfigExits2(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent.yaml")
	res := runBinary(t, "--config", path, "config", "check")
	if res.code != exitUsage {
		t.Errorf("exit code %d, want %d", res.code, exitUsage)
	}
	for _, want := range []string{path, "config.example.yaml"} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("stderr does not contain %q:\n%s", want, res.stderr)
		}
	}
}

func TestConfigCheckPrintsValues(t *testing.T) {
	path := writeFile(t, "config.yaml", "folders:\n  - path: /photos\n    mode: upload-only\n")
	res := runBinary(t, "--config", path, "config", "check")
	if res.code != exitOK {
		t.Fatalf("exit code %d, want %d; stderr:\n%s", res.code, exitOK, res.stderr)
	}
	for _, want := range []string{`- path: "/photos"`, "mode: upload-only", "poll_interval: 5m0s", "state_dir: "} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("stdout does not contain %q:\n%s", want, res.stdout)
		}
	}
}

func TestEmulatorServesInspection(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), commandTimeout)
	defer cancel()
	// No --listen: the default must be a free port on loopback.
	cmd := exec.CommandContext(ctx, binary, "emulator", "--data", t.TempDir())
	cmd.Env = isolatedEnv(t)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	defer cmd.Process.Kill()

	// The first line on stdout is the URL. Reading it blocks until the
	// emulator listens, and the context's deadline bounds the wait.
	url, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("read emulator URL: %v; stderr:\n%s", err, stderr.String())
	}
	url = strings.TrimSpace(url)
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("emulator URL %q, want http://127.0.0.1:PORT", url)
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/emulator/v1/items", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET items: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("read items: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET items: status %d, body %s", resp.StatusCode, body)
	}
	var items struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(body, &items); err != nil {
		t.Fatalf("decode items %s: %v", body, err)
	}
	if items.Items == nil || len(items.Items) != 0 {
		t.Errorf("items = %s, want an empty list", body)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("signal emulator: %v", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("emulator exit after SIGTERM: %v; stderr:\n%s", err, stderr.String())
	}
}

// TestLayering checks that the packages below sync import neither state nor
// sync, so that the API client, the emulator, the watcher and the media
// code stay usable on their own.
func TestLayering(t *testing.T) {
	const module = "github.com/photosync/photosync/"
	forbidden := []string{module + "state", module + "sync"}
	for _, pkg := range []string{"photosapi", "photosapi/emulator", "watcher", "internal/media"} {
		t.Run(pkg, func(t *testing.T) {
			if _, err := os.Stat(filepath.Join("..", "..", pkg)); errors.Is(err, os.ErrNotExist) {
				t.Skipf("package %s does not exist yet", pkg)
			}
			out, err := exec.CommandContext(t.Context(), "go", "list", "-e", "-deps", module+pkg).Output()
			if err != nil {
				t.Fatalf("go list -deps %s: %v", pkg, err)
			}
			for _, dep := range strings.Fields(string(out)) {
				for _, bad := range forbidden {
					if dep == bad || strings.HasPrefix(dep, bad+"/") {
						t.Errorf("%s depends on %s", pkg, dep)
					}
				}
			}
		})
	}
}

func TestEmulatorStartFailureExits3(t *testing.T) {
	notADirectory := writeFile(t, "data", "")
	res := runBinary(t, "emulator", "--data", notADirectory)
	if res.code != exitFatal {
		t.Errorf("exit code %d, want %d; stderr:\n%s", res.code, exitFatal, res.stderr)
	}
	if !strings.Contains(res.stderr, notADirectory) {
		t.Errorf("stderr does not name %s:\n%s", notADirectory, res.stderr)
	}
}
