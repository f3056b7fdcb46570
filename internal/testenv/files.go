package testenv

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// WritePrivate writes content to the file name with mode 0600, as the
// binary expects of credentials, tokens and configs, and returns name.
func WritePrivate(tb testing.TB, name, content string) string {
	tb.Helper()
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
	return name
}

// Credentials are an installed OAuth client and the refresh token of its
// user. The emulator binds a refresh token it has never seen to the client
// id that presents it.
type Credentials struct {
	ClientID     string
	ClientSecret string
	RefreshToken string
}

// WriteCredentials writes the client to dir/client_secret.json and the
// refresh token to dir/token.json, both with mode 0600, and returns the two
// paths.
func WriteCredentials(tb testing.TB, dir string, c Credentials) (credentialsFile, tokenFile string) {
	tb.Helper()
	credentialsFile = WritePrivate(tb, filepath.Join(dir, "client_secret.json"),
		fmt.Sprintf(`{"installed":{"client_id":%q,"client_secret":%q}}`, c.ClientID, c.ClientSecret))
	tokenFile = WriteToken(tb, filepath.Join(dir, "token.json"), c.RefreshToken)
	return credentialsFile, tokenFile
}

// WriteToken writes a token file that holds only refreshToken, with mode
// 0600, and returns name.
func WriteToken(tb testing.TB, name, refreshToken string) string {
	tb.Helper()
	return WritePrivate(tb, name, fmt.Sprintf(`{"refresh_token":%q}`, refreshToken))
}

// Config is the part of a photosync config that the tests set. Every API
// URL points at EmulatorURL.
type Config struct {
	StateDir string
	// Socket is the daemon's control socket, left out when empty.
	Socket          string
	EmulatorURL     string
	CredentialsFile string
	TokenFile       string
	// UploadEndpoint sets api.upload_endpoint to the emulator's byte upload
	// URL. Without it the binary derives that URL from api.endpoint.
	UploadEndpoint bool
	// Workers is the number of upload workers, 4 when zero.
	Workers int
	// LogLevel is log.level, warn when empty. The log format is json.
	LogLevel string
	Folders  []Folder
	// Extra is top-level YAML, written before the folders. The folders
	// come last, so a line "  - path: DIR" appended to the file adds a
	// folder.
	Extra string
}

// Folder is one entry of the config's folders.
type Folder struct {
	Path string
	// Mode is left out when empty, so the binary's default applies.
	Mode string
}

// YAML returns the config file's text.
func (c Config) YAML() string {
	workers := c.Workers
	if workers == 0 {
		workers = 4
	}
	level := c.LogLevel
	if level == "" {
		level = "warn"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "state_dir: %s\n", c.StateDir)
	if c.Socket != "" {
		fmt.Fprintf(&b, "socket: %s\n", c.Socket)
	}
	fmt.Fprintf(&b, "api:\n  endpoint: %s/\n", c.EmulatorURL)
	if c.UploadEndpoint {
		fmt.Fprintf(&b, "  upload_endpoint: %s/v1/uploads\n", c.EmulatorURL)
	}
	fmt.Fprintf(&b, "  auth_url: %s/o/oauth2/v2/auth\n  token_url: %s/token\n", c.EmulatorURL, c.EmulatorURL)
	fmt.Fprintf(&b, "  credentials_file: %s\n  token_file: %s\n", c.CredentialsFile, c.TokenFile)
	fmt.Fprintf(&b, "settle_time: 1s\nworkers: %d\nlog:\n  level: %s\n  format: json\n", workers, level)
	b.WriteString(c.Extra)
	b.WriteString("folders:\n")
	for _, f := range c.Folders {
		fmt.Fprintf(&b, "  - path: %s\n", f.Path)
		if f.Mode != "" {
			fmt.Fprintf(&b, "    mode: %s\n", f.Mode)
		}
	}
	return b.String()
}

// WriteConfig writes the config to the file name with mode 0600 and
// returns name.
func WriteConfig(tb testing.TB, name string, c Config) string {
	tb.Helper()
	return WritePrivate(tb, name, c.YAML())
}

// CopyTree copies the directories and files under src to dst with the
// modification time mtime. A time an hour ago makes a sync take every file
// as settled.
func CopyTree(tb testing.TB, src, dst string, mtime time.Time) {
	tb.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.WriteFile(target, data, 0o644); err != nil {
			return err
		}
		return os.Chtimes(target, mtime, mtime)
	})
	if err != nil {
		tb.Fatalf("copy %s: %v", src, err)
	}
}
