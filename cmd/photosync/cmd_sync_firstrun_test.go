package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/photosync/photosync/internal/testenv"
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
	testenv.WritePrivate(t, filepath.Join(dir, "client_secret.json"),
		`{"installed":{"client_id":"first-run-client","client_secret":"first-run-secret"}}`)

	// The login only prints Google's URL and listens on loopback. With a
	// one-second timeout it gives up before any browser returns.
	res := testenv.Run(t, binary, env, "auth", "login", "--no-browser", "--timeout", "1s")
	if strings.Contains(res.Stderr, "read config") {
		t.Errorf("login without a config file failed to read it:\n%s", res.Stderr)
	}
	if res.Code == exitUsage {
		t.Errorf("login without a config file exit %d, want the defaults to apply", res.Code)
	}
	if !strings.Contains(res.Stdout, "first-run-client") {
		t.Errorf("login did not print the authorization URL with the saved client id:\n%s", res.Stdout)
	}
}

func TestAuthLoginMissingCredentialsFile(t *testing.T) {
	env := isolatedEnv(t)
	res := testenv.Run(t, binary, env, "auth", "login", "--no-browser", "--timeout", "1s")
	if res.Code != exitFatal {
		t.Errorf("login without client_secret.json exit %d, want %d", res.Code, exitFatal)
	}
	for _, want := range []string{"client_secret.json not found", "Google Cloud console", "Desktop app"} {
		if !strings.Contains(res.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, res.Stderr)
		}
	}
}

func TestConfigFlagMissingFileStaysAnError(t *testing.T) {
	env := isolatedEnv(t)
	missing := filepath.Join(t.TempDir(), "none.yaml")
	res := testenv.Run(t, binary, env, "--config", missing, "auth", "login", "--no-browser", "--timeout", "1s")
	if res.Code != exitUsage {
		t.Errorf("login with a missing --config file exit %d, want %d", res.Code, exitUsage)
	}
	if !strings.Contains(res.Stderr, missing) {
		t.Errorf("stderr does not name %s:\n%s", missing, res.Stderr)
	}
}

func TestSyncWithoutConfigOrFolders(t *testing.T) {
	res := testenv.Run(t, binary, isolatedEnv(t), "sync")
	if res.Code != exitUsage {
		t.Errorf("sync without config or folders exit %d, want %d", res.Code, exitUsage)
	}
	for _, want := range []string{"pass them as arguments", "--config"} {
		if !strings.Contains(res.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, res.Stderr)
		}
	}
}
