package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// xdgConfigHome returns the XDG_CONFIG_HOME of an isolatedEnv.
func xdgConfigHome(t *testing.T, env []string) string {
	t.Helper()
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "XDG_CONFIG_HOME="); ok {
			return v
		}
	}
	t.Fatal("isolated environment has no XDG_CONFIG_HOME")
	return ""
}

func TestAuthLoginWithoutConfigFile(t *testing.T) {
	env := isolatedEnv(t)
	dir := filepath.Join(xdgConfigHome(t, env), "photosync")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	writePrivate(t, filepath.Join(dir, "client_secret.json"),
		`{"installed":{"client_id":"first-run-client","client_secret":"first-run-secret"}}`)

	// The login only prints Google's URL and listens on loopback. With a
	// one-second timeout it gives up before any browser returns.
	res := runBinaryEnv(t, env, "auth", "login", "--no-browser", "--timeout", "1s")
	if strings.Contains(res.stderr, "read config") {
		t.Errorf("login without a config file failed to read it:\n%s", res.stderr)
	}
	if res.code == exitUsage {
		t.Errorf("login without a config file exit %d, want the defaults to apply", res.code)
	}
	if !strings.Contains(res.stdout, "first-run-client") {
		t.Errorf("login did not print the authorization URL with the saved client id:\n%s", res.stdout)
	}
}

func TestAuthLoginMissingCredentialsFile(t *testing.T) {
	env := isolatedEnv(t)
	res := runBinaryEnv(t, env, "auth", "login", "--no-browser", "--timeout", "1s")
	if res.code != exitFatal {
		t.Errorf("login without client_secret.json exit %d, want %d", res.code, exitFatal)
	}
	for _, want := range []string{"client_secret.json not found", "Google Cloud console", "Desktop app"} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, res.stderr)
		}
	}
}

func TestConfigFlagMissingFileStaysAnError(t *testing.T) {
	env := isolatedEnv(t)
	missing := filepath.Join(t.TempDir(), "none.yaml")
	res := runBinaryEnv(t, env, "--config", missing, "auth", "login", "--no-browser", "--timeout", "1s")
	if res.code != exitUsage {
		t.Errorf("login with a missing --config file exit %d, want %d", res.code, exitUsage)
	}
	if !strings.Contains(res.stderr, missing) {
		t.Errorf("stderr does not name %s:\n%s", missing, res.stderr)
	}
}

func TestSyncWithoutConfigOrFolders(t *testing.T) {
	res := runBinaryEnv(t, isolatedEnv(t), "sync")
	if res.code != exitUsage {
		t.Errorf("sync without config or folders exit %d, want %d", res.code, exitUsage)
	}
	for _, want := range []string{"pass them as arguments", "--config"} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, res.stderr)
		}
	}
}

// runBinaryEnv runs the binary with args in env, as runBinary does in a
// fresh environment.
func runBinaryEnv(t *testing.T, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = env
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
