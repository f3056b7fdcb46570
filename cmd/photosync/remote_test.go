package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/oauth2"

	"github.com/photosync/photosync/config"
	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/emulator"
)

// startEmulator runs an in-memory emulator on a free loopback port for the
// length of the test.
func startEmulator(t *testing.T) *emulator.Running {
	t.Helper()
	running, err := emulator.Start(emulator.Options{}, "127.0.0.1:0")
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() {
		if err := running.Close(); err != nil {
			t.Errorf("close emulator: %v", err)
		}
	})
	return running
}

// emulatorConfig returns a config that points the API at the emulator and
// keeps the credential files in a temporary directory.
func emulatorConfig(t *testing.T, url string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	return &config.Config{
		StateDir: filepath.Join(dir, "state"),
		API: config.API{
			Endpoint:        url + "/",
			UploadEndpoint:  url + "/v1/uploads",
			AuthURL:         url + "/o/oauth2/v2/auth",
			TokenURL:        url + "/token",
			CredentialsFile: filepath.Join(dir, "client_secret.json"),
			TokenFile:       filepath.Join(dir, "token.json"),
		},
	}
}

func writeJSON(t *testing.T, path string, value any, mode os.FileMode) {
	t.Helper()
	data, err := json.Marshal(value)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
	// WriteFile applies the umask, so the mode is set explicitly.
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

const (
	testClientID     = "test-client.apps.googleusercontent.com"
	testRefreshToken = "test-refresh-token-do-not-log"
)

func writeCredentials(t *testing.T, cfg *config.Config, mode os.FileMode) {
	t.Helper()
	writeJSON(t, cfg.API.CredentialsFile, map[string]any{
		"installed": map[string]string{"client_id": testClientID, "client_secret": "test-secret"},
	}, mode)
}

func writeTokenFile(t *testing.T, cfg *config.Config, mode os.FileMode) {
	t.Helper()
	writeJSON(t, cfg.API.TokenFile, map[string]string{
		"access_token":  "expired-access-token",
		"token_type":    "Bearer",
		"refresh_token": testRefreshToken,
		"expiry":        "2020-01-01T00:00:00Z",
	}, mode)
}

// albumCreators returns the creatorClientId of each album in the emulator.
func albumCreators(t *testing.T, url string) []string {
	t.Helper()
	resp, err := http.Get(url + "/emulator/v1/albums")
	if err != nil {
		t.Fatalf("GET albums: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		Albums []struct {
			CreatorClientID string `json:"creatorClientId"`
		} `json:"albums"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("decode albums: %v", err)
	}
	var creators []string
	for _, album := range body.Albums {
		creators = append(creators, album.CreatorClientID)
	}
	return creators
}

func TestOpenRemoteRefreshesAndSavesToken(t *testing.T) {
	running := startEmulator(t)
	cfg := emulatorConfig(t, running.URL)
	writeCredentials(t, cfg, 0o600)
	writeTokenFile(t, cfg, 0o600)

	var logs bytes.Buffer
	log := zerolog.New(&logs).Level(zerolog.DebugLevel)
	r, err := openRemote(t.Context(), cfg, false, log)
	if err != nil {
		t.Fatalf("openRemote: %v", err)
	}
	defer r.Close()

	var requests []photosapi.RequestInfo
	r.setRequestHook(func(info photosapi.RequestInfo) { requests = append(requests, info) })

	if r.clientID != testClientID {
		t.Errorf("clientID = %q, want %q", r.clientID, testClientID)
	}
	if _, err := r.client.CreateAlbum(t.Context(), "Trips"); err != nil {
		t.Fatalf("CreateAlbum: %v", err)
	}
	if got := albumCreators(t, running.URL); len(got) != 1 || got[0] != testClientID {
		t.Errorf("album creators = %q, want [%q]", got, testClientID)
	}
	if len(requests) == 0 {
		t.Error("request hook saw no requests")
	}

	saved, err := readToken(cfg.API.TokenFile)
	if err != nil {
		t.Fatalf("read saved token: %v", err)
	}
	if saved.AccessToken == "expired-access-token" || saved.AccessToken == "" {
		t.Errorf("saved access token %q, want the refreshed one", saved.AccessToken)
	}
	if saved.RefreshToken != testRefreshToken {
		t.Errorf("saved refresh token %q, want %q", saved.RefreshToken, testRefreshToken)
	}
	if !saved.Expiry.After(time.Now()) {
		t.Errorf("saved expiry %v is not in the future", saved.Expiry)
	}
	info, err := os.Stat(cfg.API.TokenFile)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("token file mode %04o, want 0600", perm)
	}

	for _, secret := range []string{saved.AccessToken, testRefreshToken, "test-secret"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("log contains the secret %q:\n%s", secret, logs.String())
		}
	}
}

func TestTokenSourceInvalidateRefreshes(t *testing.T) {
	running := startEmulator(t)
	creds := clientCredentials{ClientID: testClientID, ClientSecret: "test-secret"}
	endpoint := oauth2.Endpoint{TokenURL: running.URL + "/token"}
	tokens := newTokenSource(t.Context(), creds, endpoint,
		&oauth2.Token{RefreshToken: testRefreshToken}, "", zerolog.Nop())

	first, err := tokens.Token()
	if err != nil {
		t.Fatalf("first Token: %v", err)
	}
	again, err := tokens.Token()
	if err != nil {
		t.Fatalf("second Token: %v", err)
	}
	if again.AccessToken != first.AccessToken {
		t.Errorf("a valid token was refreshed: %q then %q", first.AccessToken, again.AccessToken)
	}

	tokens.Invalidate()
	fresh, err := tokens.Token()
	if err != nil {
		t.Fatalf("Token after Invalidate: %v", err)
	}
	if fresh.AccessToken == first.AccessToken {
		t.Errorf("Token after Invalidate returned the old access token %q", fresh.AccessToken)
	}
	if fresh.RefreshToken != testRefreshToken {
		t.Errorf("refresh token %q after refresh, want %q", fresh.RefreshToken, testRefreshToken)
	}
}

func TestOpenRemoteRejectsBadFiles(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*testing.T, *config.Config)
		want  []string
	}{
		{
			name:  "missing credentials",
			setup: func(*testing.T, *config.Config) {},
			want:  []string{"credentials file", "not found", "photosync auth login", "--emulator"},
		},
		{
			name: "missing token",
			setup: func(t *testing.T, cfg *config.Config) {
				writeCredentials(t, cfg, 0o600)
			},
			want: []string{"token file", "not found", "photosync auth login"},
		},
		{
			name: "credentials readable by others",
			setup: func(t *testing.T, cfg *config.Config) {
				writeCredentials(t, cfg, 0o644)
				writeTokenFile(t, cfg, 0o600)
			},
			want: []string{"has mode 0644", "chmod 600 ", "client_secret.json"},
		},
		{
			name: "token readable by group",
			setup: func(t *testing.T, cfg *config.Config) {
				writeCredentials(t, cfg, 0o600)
				writeTokenFile(t, cfg, 0o640)
			},
			want: []string{"has mode 0640", "chmod 600 ", "token.json"},
		},
		{
			name: "credentials without installed client",
			setup: func(t *testing.T, cfg *config.Config) {
				writeJSON(t, cfg.API.CredentialsFile, map[string]any{"other": map[string]string{}}, 0o600)
				writeTokenFile(t, cfg, 0o600)
			},
			want: []string{`has no "installed" client`},
		},
		{
			name: "token without refresh token",
			setup: func(t *testing.T, cfg *config.Config) {
				writeCredentials(t, cfg, 0o600)
				writeJSON(t, cfg.API.TokenFile, map[string]string{"access_token": "a"}, 0o600)
			},
			want: []string{"has no refresh token", "photosync auth login"},
		},
		{
			name: "token not JSON",
			setup: func(t *testing.T, cfg *config.Config) {
				writeCredentials(t, cfg, 0o600)
				if err := os.WriteFile(cfg.API.TokenFile, []byte("{"), 0o600); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"parse token file", "photosync auth login"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := emulatorConfig(t, "http://127.0.0.1:9")
			tc.setup(t, cfg)
			r, err := openRemote(t.Context(), cfg, false, zerolog.Nop())
			if err == nil {
				r.Close()
				t.Fatal("openRemote succeeded, want an error")
			}
			if code := exitCode(err, true); code != exitFatal {
				t.Errorf("exit code %d, want %d", code, exitFatal)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not contain %q: %v", want, err)
				}
			}
		})
	}
}

func TestOpenRemoteEmulator(t *testing.T) {
	cfg := emulatorConfig(t, "http://127.0.0.1:9")
	first, err := openRemote(t.Context(), cfg, true, zerolog.Nop())
	if err != nil {
		t.Fatalf("openRemote: %v", err)
	}
	if !strings.HasPrefix(first.emulatorURL, "http://127.0.0.1:") {
		t.Errorf("emulator URL %q, want a loopback URL", first.emulatorURL)
	}
	if _, err := first.client.CreateAlbum(t.Context(), "Kept"); err != nil {
		t.Fatalf("CreateAlbum: %v", err)
	}
	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	clientFile := filepath.Join(cfg.StateDir, emulatorDirName, emulatorClientFileName)
	info, err := os.Stat(clientFile)
	if err != nil {
		t.Fatalf("emulator client file: %v", err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("emulator client file mode %04o, want 0600", perm)
	}

	// A second run reuses the client id and sees the album that the first
	// run created, because the emulator shows a client only its own items.
	second, err := openRemote(t.Context(), cfg, true, zerolog.Nop())
	if err != nil {
		t.Fatalf("second openRemote: %v", err)
	}
	defer second.Close()
	if second.clientID != first.clientID {
		t.Errorf("second client id %q, want the first %q", second.clientID, first.clientID)
	}
	var titles []string
	for album, err := range second.client.ListAlbums(t.Context(), photosapi.ListOptions{}) {
		if err != nil {
			t.Fatalf("ListAlbums: %v", err)
		}
		titles = append(titles, album.Title)
	}
	if len(titles) != 1 || titles[0] != "Kept" {
		t.Errorf("albums after restart = %q, want [Kept]", titles)
	}
}

func TestWriteTokenReplacesAtomically(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token.json")
	for i, access := range []string{"first", "second"} {
		token := &oauth2.Token{AccessToken: access, RefreshToken: "r", Expiry: time.Unix(1700000000, 0).UTC()}
		if err := writeToken(path, token); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		got, err := readToken(path)
		if err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
		if got.AccessToken != access || !got.Expiry.Equal(token.Expiry) {
			t.Errorf("read %d = %+v, want access %q expiry %v", i, got, access, token.Expiry)
		}
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only token.json", len(entries))
	}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		started bool
		want    int
	}{
		{"success", nil, true, exitOK},
		{"items failed", itemsFailedError(errors.New("2 items failed")), true, exitItemsFailed},
		{"usage", usageError(errors.New("bad")), true, exitUsage},
		{"fatal", fatalError(errors.New("locked")), true, exitFatal},
		{"wrapped fatal", errors.Join(errors.New("context"), fatalError(errors.New("x"))), true, exitFatal},
		{"config error", &config.Error{File: "c.yaml", Message: "bad"}, true, exitUsage},
		{"before start", errors.New(`unknown command "x"`), false, exitUsage},
		{"after start", errors.New("disk full"), true, exitFatal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := exitCode(tc.err, tc.started); got != tc.want {
				t.Errorf("exitCode = %d, want %d", got, tc.want)
			}
		})
	}
}
