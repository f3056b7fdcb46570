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

	"github.com/photosync/photosync/internal/testenv"
)

// binary is the photosync binary that TestMain builds for the tests that
// run it as a subprocess.
var binary string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	var cleanup func()
	var err error
	binary, cleanup, err = testenv.BuildBinary(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer cleanup()
	return m.Run()
}

// runBinary runs the binary with args in an environment that points the
// XDG directories and HOME into a temporary directory.
func runBinary(t *testing.T, args ...string) testenv.Result {
	t.Helper()
	return testenv.Run(t, binary, isolatedEnv(t), args...)
}

// isolatedEnv returns an environment whose home and XDG directories are
// fresh temporary directories.
func isolatedEnv(t *testing.T) []string {
	t.Helper()
	return testenv.IsolatedEnv(t.TempDir())
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	return testenv.WritePrivate(t, filepath.Join(t.TempDir(), name), content)
}

func TestHelpListsExitCodes(t *testing.T) {
	res := runBinary(t, "--help")
	if res.Code != exitOK {
		t.Fatalf("exit code %d, want %d; stderr:\n%s", res.Code, exitOK, res.Stderr)
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
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("help does not contain %q:\n%s", want, res.Stdout)
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
			if res.Code != exitUsage {
				t.Errorf("exit code %d, want %d", res.Code, exitUsage)
			}
			if !strings.Contains(res.Stderr, tc.want) {
				t.Errorf("stderr does not contain %q:\n%s", tc.want, res.Stderr)
			}
		})
	}
}

func TestVersionPrintsVersion(t *testing.T) {
	res := runBinary(t, "version")
	if res.Code != exitOK {
		t.Fatalf("exit code %d, want %d; stderr:\n%s", res.Code, exitOK, res.Stderr)
	}
	if !strings.HasPrefix(res.Stdout, "photosync ") {
		t.Errorf("stdout %q does not start with \"photosync \"", res.Stdout)
	}
}

func TestBrokenConfigExits2(t *testing.T) {
	path := writeFile(t, "config.yaml", "folders:\n  - path: /photos\n    mode: twoway\nworkers: 0\n")
	res := runBinary(t, "--config", path, "config", "check")
	if res.Code != exitUsage {
		t.Errorf("exit code %d, want %d", res.Code, exitUsage)
	}
	for _, want := range []string{
		"photosync: " + path + `:3: folders[0].mode: invalid value "twoway"`,
		"photosync: " + path + `:4: workers: 0 is out of range`,
	} {
		if !strings.Contains(res.Stderr, want) {
			t.Errorf("stderr does not contain %q:\n%s", want, res.Stderr)
		}
	}
}

func TestUnknownConfigKeyExits2(t *testing.T) {
	path := writeFile(t, "config.yaml", "folders:\n  - path: /photos\nworker: 3\n")
	res := runBinary(t, "--config", path, "config", "check")
	if res.Code != exitUsage {
		t.Errorf("exit code %d, want %d", res.Code, exitUsage)
	}
	want := path + `:3: unknown key "worker" (did you mean "workers"?)`
	if !strings.Contains(res.Stderr, want) {
		t.Errorf("stderr does not contain %q:\n%s", want, res.Stderr)
	}
}

func TestMissingConfigExits2(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent.yaml")
	res := runBinary(t, "--config", path, "config", "check")
	if res.Code != exitUsage {
		t.Errorf("exit code %d, want %d", res.Code, exitUsage)
	}
	for _, want := range []string{path, "config.example.yaml"} {
		if !strings.Contains(res.Stderr, want) {
			t.Errorf("stderr does not contain %q:\n%s", want, res.Stderr)
		}
	}
}

func TestConfigCheckPrintsValues(t *testing.T) {
	path := writeFile(t, "config.yaml", "folders:\n  - path: /photos\n    mode: upload-only\n")
	res := runBinary(t, "--config", path, "config", "check")
	if res.Code != exitOK {
		t.Fatalf("exit code %d, want %d; stderr:\n%s", res.Code, exitOK, res.Stderr)
	}
	for _, want := range []string{`- path: "/photos"`, "mode: upload-only", "poll_interval: 5m0s", "state_dir: "} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("stdout does not contain %q:\n%s", want, res.Stdout)
		}
	}
}

func TestEmulatorServesInspection(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), testenv.CommandTimeout)
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
	if res.Code != exitFatal {
		t.Errorf("exit code %d, want %d; stderr:\n%s", res.Code, exitFatal, res.Stderr)
	}
	if !strings.Contains(res.Stderr, notADirectory) {
		t.Errorf("stderr does not name %s:\n%s", notADirectory, res.Stderr)
	}
}
