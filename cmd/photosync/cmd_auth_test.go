package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	gosync "sync"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/oauth2"

	"github.com/photosync/photosync/internal/testenv"
	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/emulator"
)

// authEnv is a config file whose OAuth endpoints are an emulator's.
type authEnv struct {
	t         *testing.T
	emu       *emulator.Running
	config    string
	tokenFile string
}

const (
	authTestClientID     = "auth-test-client.apps.googleusercontent.com"
	authTestClientSecret = "auth-test-secret"
)

// newAuthEnv starts an emulator and writes a config that points the OAuth
// endpoints at it. revokeURL replaces the emulator's revoke endpoint
// unless it is empty. The token file's directory does not exist yet.
func newAuthEnv(t *testing.T, revokeURL string) *authEnv {
	t.Helper()
	emu := startEmulator(t)
	if revokeURL == "" {
		revokeURL = emu.URL + "/revoke"
	}
	dir := t.TempDir()
	creds := filepath.Join(dir, "client_secret.json")
	writeJSON(t, creds, map[string]any{
		"installed": map[string]string{"client_id": authTestClientID, "client_secret": authTestClientSecret},
	}, 0o600)
	tokenFile := filepath.Join(dir, "config", "photosync", "token.json")
	cfg := fmt.Sprintf(`state_dir: %s
api:
  endpoint: %s/
  auth_url: %s/o/oauth2/auth
  token_url: %s/token
  revoke_url: %s
  credentials_file: %s
  token_file: %s
log:
  level: debug
  format: json
`, filepath.Join(dir, "state"), emu.URL, emu.URL, emu.URL, revokeURL, creds, tokenFile)
	return &authEnv{t: t, emu: emu, config: testenv.WritePrivate(t, filepath.Join(dir, "config.yaml"), cfg), tokenFile: tokenFile}
}

// run runs the binary with the auth subcommand args and the env's config.
func (e *authEnv) run(args ...string) testenv.Result {
	e.t.Helper()
	return runBinary(e.t, append([]string{"--config", e.config, "auth"}, args...)...)
}

// storedToken returns the token file's contents.
func (e *authEnv) storedToken() tokenFile {
	e.t.Helper()
	data, err := os.ReadFile(e.tokenFile)
	if err != nil {
		e.t.Fatalf("read token file: %v", err)
	}
	var token tokenFile
	if err := json.Unmarshal(data, &token); err != nil {
		e.t.Fatalf("parse token file: %v\n%s", err, data)
	}
	return token
}

// refresh sends a refresh_token grant to the emulator and returns the
// status code and the OAuth error code of the response.
func (e *authEnv) refresh(refreshToken string) (int, string) {
	e.t.Helper()
	response, err := http.PostForm(e.emu.URL+"/token", url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {refreshToken},
		"client_id":     {authTestClientID},
		"client_secret": {authTestClientSecret},
	})
	if err != nil {
		e.t.Fatalf("refresh: %v", err)
	}
	defer response.Body.Close()
	var body struct {
		Error string `json:"error"`
	}
	json.NewDecoder(response.Body).Decode(&body)
	return response.StatusCode, body.Error
}

// loginProcess is a running `photosync auth login`.
type loginProcess struct {
	t       *testing.T
	cmd     *exec.Cmd
	authURL *url.URL

	// mu guards stdout, which a goroutine fills from the pipe.
	mu       gosync.Mutex
	stdout   strings.Builder
	stderr   strings.Builder
	readDone chan struct{}
}

// startLogin starts `auth login --no-browser` with args and waits until it
// prints the authorization URL.
func (e *authEnv) startLogin(args ...string) *loginProcess {
	e.t.Helper()
	return e.startLoginEnv(isolatedEnv(e.t), append([]string{"--no-browser"}, args...)...)
}

// startLoginEnv starts `auth login` with args in the environment environ
// and waits until it prints the authorization URL.
func (e *authEnv) startLoginEnv(environ []string, args ...string) *loginProcess {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testenv.CommandTimeout)
	e.t.Cleanup(cancel)
	all := append([]string{"--config", e.config, "auth", "login"}, args...)
	p := &loginProcess{t: e.t, cmd: exec.CommandContext(ctx, binary, all...), readDone: make(chan struct{})}
	p.cmd.Env = environ
	p.cmd.Stderr = &p.stderr
	pipe, err := p.cmd.StdoutPipe()
	if err != nil {
		e.t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		e.t.Fatalf("start login: %v", err)
	}

	urls := make(chan string, 1)
	go func() {
		defer close(p.readDone)
		scanner := bufio.NewScanner(pipe)
		for scanner.Scan() {
			line := scanner.Text()
			p.mu.Lock()
			p.stdout.WriteString(line + "\n")
			p.mu.Unlock()
			if trimmed := strings.TrimSpace(line); strings.HasPrefix(trimmed, "http") {
				select {
				case urls <- trimmed:
				default:
				}
			}
		}
	}()

	select {
	case raw := <-urls:
		p.authURL, err = url.Parse(raw)
		if err != nil {
			e.t.Fatalf("parse printed URL %q: %v", raw, err)
		}
	case <-p.readDone:
		p.wait()
		e.t.Fatalf("login exited without printing a URL; stdout:\n%s\nstderr:\n%s", p.stdout.String(), p.stderr.String())
	case <-ctx.Done():
		e.t.Fatal("login printed no URL before the command timeout")
	}
	return p
}

// wait waits for the login to exit and returns its outcome.
func (p *loginProcess) wait() testenv.Result {
	p.t.Helper()
	<-p.readDone
	err := p.cmd.Wait()
	code := 0
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
	case err != nil:
		p.t.Fatalf("wait for login: %v", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return testenv.Result{Code: code, Stdout: p.stdout.String(), Stderr: p.stderr.String()}
}

// noRedirects is an HTTP client that returns redirects instead of
// following them, so the test can look at each hop.
var noRedirects = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       testenv.CommandTimeout,
}

// get fetches raw and returns the status code, the Location header and
// the body.
func get(t *testing.T, raw string) (int, string, string) {
	t.Helper()
	response, err := noRedirects.Get(raw)
	if err != nil {
		t.Fatalf("GET %s: %v", raw, err)
	}
	defer response.Body.Close()
	body, err := io.ReadAll(response.Body)
	if err != nil {
		t.Fatalf("read %s: %v", raw, err)
	}
	return response.StatusCode, response.Header.Get("Location"), string(body)
}

// approve fetches the authorization URL from the emulator, which approves
// at once, and returns the redirect to the loopback callback.
func (p *loginProcess) approve() *url.URL {
	p.t.Helper()
	status, location, body := get(p.t, p.authURL.String())
	if status != http.StatusFound {
		p.t.Fatalf("authorization endpoint returned %d, want 302; body:\n%s", status, body)
	}
	callback, err := url.Parse(location)
	if err != nil {
		p.t.Fatalf("parse redirect %q: %v", location, err)
	}
	return callback
}

// withQuery returns u with the query parameter key set to value.
func withQuery(u *url.URL, key, value string) string {
	query := u.Query()
	query.Set(key, value)
	changed := *u
	changed.RawQuery = query.Encode()
	return changed.String()
}

// assertNoSecrets fails when any of the secrets appears in output.
func assertNoSecrets(t *testing.T, command string, res testenv.Result, secrets ...string) {
	t.Helper()
	for _, secret := range secrets {
		if secret == "" {
			t.Fatalf("%s: empty secret in the check", command)
		}
		if strings.Contains(res.Stdout, secret) || strings.Contains(res.Stderr, secret) {
			t.Errorf("%s output contains a token:\nstdout:\n%s\nstderr:\n%s", command, res.Stdout, res.Stderr)
		}
	}
}

func TestAuthLoginStatusLogout(t *testing.T) {
	env := newAuthEnv(t, "")
	login := env.startLogin()

	query := login.authURL.Query()
	for key, want := range map[string]string{
		"client_id":             authTestClientID,
		"response_type":         "code",
		"code_challenge_method": "S256",
		"access_type":           "offline",
		"prompt":                "consent",
	} {
		if got := query.Get(key); got != want {
			t.Errorf("authorization URL has %s=%q, want %q", key, got, want)
		}
	}
	if query.Get("code_challenge") == "" {
		t.Error("authorization URL has no code_challenge")
	}
	if query.Get("state") == "" {
		t.Error("authorization URL has no state")
	}
	scopes := strings.Fields(query.Get("scope"))
	slices.Sort(scopes)
	wantScopes := slices.Sorted(slices.Values(photosapi.Scopes))
	if !slices.Equal(scopes, wantScopes) {
		t.Errorf("authorization URL asks for scopes %v, want %v", scopes, wantScopes)
	}
	redirect, err := url.Parse(query.Get("redirect_uri"))
	if err != nil || redirect.Scheme != "http" || redirect.Hostname() != "127.0.0.1" || redirect.Path != "/" {
		t.Fatalf("redirect_uri %q is not http://127.0.0.1:PORT/", query.Get("redirect_uri"))
	}

	callback := login.approve()
	if callback.Host != redirect.Host {
		t.Fatalf("emulator redirected to %s, want %s", callback, redirect)
	}

	status, _, body := get(t, withQuery(callback, "state", "forged-state"))
	if status != http.StatusBadRequest {
		t.Errorf("callback with a wrong state returned %d, want 400", status)
	}
	if !strings.Contains(body, "state parameter") {
		t.Errorf("wrong-state page does not explain the rejection:\n%s", body)
	}
	noCode := *callback
	noCode.RawQuery = url.Values{"state": {query.Get("state")}}.Encode()
	if status, _, _ := get(t, noCode.String()); status != http.StatusBadRequest {
		t.Errorf("callback without a code returned %d, want 400", status)
	}
	if status, _, _ := get(t, "http://"+callback.Host+"/favicon.ico"); status != http.StatusNotFound {
		t.Errorf("callback server returned %d for /favicon.ico, want 404", status)
	}

	status, _, body = get(t, callback.String())
	if status != http.StatusOK {
		t.Errorf("callback returned %d, want 200; body:\n%s", status, body)
	}
	if !strings.Contains(body, "logged in") {
		t.Errorf("callback page does not say the login worked:\n%s", body)
	}
	res := login.wait()
	if res.Code != exitOK {
		t.Fatalf("login exit code %d, want 0; stdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
	if !strings.Contains(res.Stderr, "Rejected an OAuth redirect") {
		t.Errorf("login did not log the rejected redirect; stderr:\n%s", res.Stderr)
	}
	if !strings.Contains(res.Stdout, "Logged in.") {
		t.Errorf("login output lacks the success line:\n%s", res.Stdout)
	}

	info, err := os.Stat(env.tokenFile)
	if err != nil {
		t.Fatalf("stat token file: %v", err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("token file mode %04o, want 0600", perm)
	}
	saved := env.storedToken()
	if saved.RefreshToken == "" {
		t.Fatal("token file holds no refresh token")
	}
	if saved.AccessToken == "" {
		t.Fatal("token file holds no access token")
	}
	assertNoSecrets(t, "login", res, saved.RefreshToken, saved.AccessToken)

	res = env.run("status")
	if res.Code != exitOK {
		t.Fatalf("status exit code %d, want 0; stdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
	for _, want := range []string{"Mode:          0600", "Refresh:       ok", "OAuth client:  " + authTestClientID, "photoslibrary.appendonly",
		"photoslibrary.readonly.appcreateddata", "photoslibrary.edit.appcreateddata", "valid until"} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("status output lacks %q:\n%s", want, res.Stdout)
		}
	}
	refreshed := env.storedToken()
	if refreshed.AccessToken == saved.AccessToken {
		t.Error("status did not save the refreshed access token")
	}
	assertNoSecrets(t, "status", res, saved.RefreshToken, saved.AccessToken, refreshed.AccessToken)

	res = env.run("logout")
	if res.Code != exitOK {
		t.Fatalf("logout exit code %d, want 0; stdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
	if !strings.Contains(res.Stdout, "Revoked the refresh token") {
		t.Errorf("logout output does not report the revoke:\n%s", res.Stdout)
	}
	assertNoSecrets(t, "logout", res, saved.RefreshToken, refreshed.AccessToken)
	if _, err := os.Stat(env.tokenFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("token file still exists after logout: %v", err)
	}
	if status, code := env.refresh(saved.RefreshToken); status != http.StatusBadRequest || code != "invalid_grant" {
		t.Errorf("refresh after logout returned %d %q, want 400 \"invalid_grant\"", status, code)
	}

	res = env.run("status")
	if res.Code != exitFatal {
		t.Errorf("status after logout exit code %d, want %d", res.Code, exitFatal)
	}
	if !strings.Contains(res.Stderr, "not logged in") {
		t.Errorf("status after logout does not say so; stderr:\n%s", res.Stderr)
	}
}

func TestAuthLoginAccessDenied(t *testing.T) {
	env := newAuthEnv(t, "")
	login := env.startLogin()
	query := login.authURL.Query()

	redirect, err := url.Parse(query.Get("redirect_uri"))
	if err != nil {
		t.Fatal(err)
	}
	redirect.RawQuery = url.Values{"error": {"access_denied"}, "state": {query.Get("state")}}.Encode()
	status, _, body := get(t, redirect.String())
	if status != http.StatusBadRequest {
		t.Errorf("denied callback returned %d, want 400", status)
	}
	if !strings.Contains(body, "access denied") {
		t.Errorf("denied page does not say access was denied:\n%s", body)
	}

	res := login.wait()
	if res.Code != exitFatal {
		t.Errorf("exit code %d, want %d", res.Code, exitFatal)
	}
	if !strings.Contains(res.Stderr, "access denied in the browser") {
		t.Errorf("stderr does not explain the denial:\n%s", res.Stderr)
	}
	if _, err := os.Stat(env.tokenFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("denied login left a token file: %v", err)
	}
}

func TestAuthLoginTimesOut(t *testing.T) {
	env := newAuthEnv(t, "")
	login := env.startLogin("--timeout", "1s")
	res := login.wait()
	if res.Code != exitFatal {
		t.Errorf("exit code %d, want %d", res.Code, exitFatal)
	}
	if !strings.Contains(res.Stderr, "timed out waiting for the browser") {
		t.Errorf("stderr does not report the timeout:\n%s", res.Stderr)
	}
	if _, err := os.Stat(env.tokenFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("timed-out login left a token file: %v", err)
	}
}

func TestAuthLoginFlagErrors(t *testing.T) {
	env := newAuthEnv(t, "")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"port too large", []string{"login", "--port", "70000"}, "invalid --port 70000"},
		{"zero timeout", []string{"login", "--timeout", "0s"}, "invalid --timeout 0s"},
		{"extra argument", []string{"status", "extra"}, `unknown command "extra"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := env.run(tc.args...)
			if res.Code != exitUsage {
				t.Errorf("exit code %d, want %d", res.Code, exitUsage)
			}
			if !strings.Contains(res.Stderr, tc.want) {
				t.Errorf("stderr does not contain %q:\n%s", tc.want, res.Stderr)
			}
		})
	}
}

func TestAuthStatusReportsOpenMode(t *testing.T) {
	env := newAuthEnv(t, "")
	if err := os.MkdirAll(filepath.Dir(env.tokenFile), 0o700); err != nil {
		t.Fatal(err)
	}
	writeJSON(t, env.tokenFile, map[string]string{"refresh_token": "open-mode-refresh-token"}, 0o644)

	res := env.run("status")
	if res.Code != exitFatal {
		t.Errorf("exit code %d, want %d", res.Code, exitFatal)
	}
	want := "Mode:          0644, too open: other users can read it; run `chmod 600 " + env.tokenFile + "`"
	if !strings.Contains(res.Stdout, want) {
		t.Errorf("status output lacks %q:\n%s", want, res.Stdout)
	}
	assertNoSecrets(t, "status", res, "open-mode-refresh-token")
}

func TestAuthStatusRevokedToken(t *testing.T) {
	env := newAuthEnv(t, "")
	if err := os.MkdirAll(filepath.Dir(env.tokenFile), 0o700); err != nil {
		t.Fatal(err)
	}
	const refreshToken = "revoked-refresh-token"
	writeJSON(t, env.tokenFile, map[string]string{"refresh_token": refreshToken}, 0o600)
	response, err := http.PostForm(env.emu.URL+"/revoke", url.Values{"token": {refreshToken}})
	if err != nil {
		t.Fatal(err)
	}
	response.Body.Close()

	res := env.run("status")
	if res.Code != exitFatal {
		t.Errorf("exit code %d, want %d", res.Code, exitFatal)
	}
	if !strings.Contains(res.Stdout, "Refresh:       failed") {
		t.Errorf("status output does not report the failed refresh:\n%s", res.Stdout)
	}
	if !strings.Contains(res.Stderr, "run `photosync auth login` again") {
		t.Errorf("stderr lacks the remedy:\n%s", res.Stderr)
	}
	assertNoSecrets(t, "status", res, refreshToken)
}

func TestAuthLogoutRevokeFails(t *testing.T) {
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "backend unavailable", http.StatusServiceUnavailable)
	}))
	t.Cleanup(broken.Close)
	env := newAuthEnv(t, broken.URL+"/revoke")
	if err := os.MkdirAll(filepath.Dir(env.tokenFile), 0o700); err != nil {
		t.Fatal(err)
	}
	const refreshToken = "unrevoked-refresh-token"
	writeJSON(t, env.tokenFile, map[string]string{"refresh_token": refreshToken}, 0o600)

	res := env.run("logout")
	if res.Code != exitFatal {
		t.Errorf("exit code %d, want %d", res.Code, exitFatal)
	}
	if _, err := os.Stat(env.tokenFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("token file still exists after a failed revoke: %v", err)
	}
	if !strings.Contains(res.Stdout, "Deleted "+env.tokenFile) {
		t.Errorf("logout output does not report the deletion:\n%s", res.Stdout)
	}
	if !strings.Contains(res.Stderr, "503 Service Unavailable") || !strings.Contains(res.Stderr, "the token file is deleted") {
		t.Errorf("stderr does not explain the failed revoke:\n%s", res.Stderr)
	}
	assertNoSecrets(t, "logout", res, refreshToken)
}

func TestAuthLogoutNotLoggedIn(t *testing.T) {
	env := newAuthEnv(t, "")
	res := env.run("logout")
	if res.Code != exitOK {
		t.Errorf("exit code %d, want 0; stderr:\n%s", res.Code, res.Stderr)
	}
	if !strings.Contains(res.Stdout, "Not logged in") {
		t.Errorf("logout output does not say there was nothing to do:\n%s", res.Stdout)
	}
}

// TestAuthCallbackRejectsSecondRedirect checks that only the first
// redirect with the right state counts, using the handler directly.
func TestAuthCallbackRejectsSecondRedirect(t *testing.T) {
	oauth := photosapi.OAuthConfig("client", "secret", "http://127.0.0.1:1/auth", "http://127.0.0.1:1/token", "")
	flow := newLoginFlow(oauth, zerolog.Nop())
	t.Cleanup(flow.finish)
	target := "/?" + url.Values{"state": {flow.state}, "error": {"access_denied"}}.Encode()

	first := httptest.NewRecorder()
	served := make(chan struct{})
	go func() {
		flow.ServeHTTP(first, httptest.NewRequest(http.MethodGet, target, nil))
		close(served)
	}()
	save := func(*oauth2.Token) error {
		t.Error("run saved a token after access was denied")
		return nil
	}
	token, err := flow.run(t.Context(), time.Minute, save)
	if token != nil || err == nil || !strings.Contains(err.Error(), "access denied") {
		t.Errorf("run returned %v, %v; want an access denied error", token, err)
	}
	<-served
	if first.Code != http.StatusBadRequest {
		t.Errorf("first redirect got %d, want 400", first.Code)
	}

	second := httptest.NewRecorder()
	flow.ServeHTTP(second, httptest.NewRequest(http.MethodGet, target, nil))
	if second.Code != http.StatusConflict {
		t.Errorf("second redirect got %d, want 409", second.Code)
	}
}

func TestTruncateTextKeepsRunes(t *testing.T) {
	if got := truncateText("ééé", 3); got != "é..." {
		t.Errorf("truncateText cut to %q, want %q", got, "é...")
	}
	if got := truncateText("short", 10); got != "short" {
		t.Errorf("truncateText changed a short string to %q", got)
	}
}

func TestParseRevokeResponse(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		body        string
		wantInvalid bool
		wantErr     string
	}{
		{"revoked", http.StatusOK, "{}", false, ""},
		{"already invalid", http.StatusBadRequest, `{"error":"invalid_token","error_description":"Token expired or revoked"}`, true, ""},
		{"other OAuth error", http.StatusBadRequest, `{"error":"invalid_request"}`, false, `400 Bad Request, error "invalid_request"`},
		{"server error", http.StatusServiceUnavailable, "backend unavailable", false, "503 Service Unavailable"},
		{"invalid_token with 500", http.StatusInternalServerError, `{"error":"invalid_token"}`, false, `500 Internal Server Error, error "invalid_token"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			invalid, err := parseRevokeResponse(tc.status, []byte(tc.body))
			if invalid != tc.wantInvalid {
				t.Errorf("alreadyInvalid = %v, want %v", invalid, tc.wantInvalid)
			}
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

// FuzzParseRevokeResponse checks that no response body from the revoke
// endpoint makes the parser panic or copy the body beyond the caps.
func FuzzParseRevokeResponse(f *testing.F) {
	f.Add(200, []byte("{}"))
	f.Add(400, []byte(`{"error":"invalid_token","error_description":"Token expired or revoked"}`))
	f.Add(400, []byte(`{"error":"`+strings.Repeat("x", 1000)+`"}`))
	f.Add(503, []byte("<html>backend</html>"))
	f.Add(400, []byte(`{"error":null}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		invalid, err := parseRevokeResponse(status, body)
		if invalid && err != nil {
			t.Fatalf("both already invalid and an error: %v", err)
		}
		if err != nil && len(err.Error()) > 2*maxErrorDescription+100 {
			t.Fatalf("error of %d bytes copies too much of the body", len(err.Error()))
		}
	})
}

// FuzzLoginCallback sends arbitrary redirect queries to the loopback
// handler: none may panic, and none without the login's state may reach
// the login.
func FuzzLoginCallback(f *testing.F) {
	f.Add("code=4%2Fabc&state=forged")
	f.Add("error=access_denied&state=")
	f.Add("state=%ZZ&code=")
	f.Add("code=a&code=b&state=x&state=y")
	f.Fuzz(func(t *testing.T, rawQuery string) {
		oauth := photosapi.OAuthConfig("client", "secret", "http://127.0.0.1:1/auth", "http://127.0.0.1:1/token", "")
		flow := newLoginFlow(oauth, zerolog.Nop())
		defer flow.finish()
		request := httptest.NewRequest(http.MethodGet, "/", nil)
		request.URL.RawQuery = rawQuery
		recorder := httptest.NewRecorder()
		flow.ServeHTTP(recorder, request)
		if recorder.Code != http.StatusBadRequest {
			t.Fatalf("query %q without the login's state got %d, want 400", rawQuery, recorder.Code)
		}
		if flow.accepted.Load() {
			t.Fatalf("query %q without the login's state was accepted", rawQuery)
		}
	})
}

// TestAuthLoginOpensBrowser replaces the desktop's URL opener with a
// script that writes the URL it gets into a FIFO, and completes the login
// from there.
func TestAuthLoginOpensBrowser(t *testing.T) {
	var opener string
	switch runtime.GOOS {
	case "linux":
		opener = "xdg-open"
	case "darwin":
		opener = "open"
	default:
		t.Skipf("no URL opener on %s", runtime.GOOS)
	}
	env := newAuthEnv(t, "")
	bin := t.TempDir()
	fifo := filepath.Join(bin, "opened-url")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatalf("create FIFO: %v", err)
	}
	script := "#!/bin/sh\nprintf '%s\\n' \"$1\" > '" + fifo + "'\n"
	if err := os.WriteFile(filepath.Join(bin, opener), []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}

	opened := make(chan string, 1)
	go func() {
		// Opening a FIFO for reading blocks until the script opens it.
		data, err := os.ReadFile(fifo)
		if err != nil {
			t.Errorf("read FIFO: %v", err)
		}
		opened <- strings.TrimSpace(string(data))
	}()
	t.Cleanup(func() {
		// Opening the write end ends a read that still waits, because the
		// script never ran. It fails harmlessly when no reader is left.
		if writer, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			writer.Close()
		}
	})

	environ := isolatedEnv(t)
	for i, variable := range environ {
		if path, ok := strings.CutPrefix(variable, "PATH="); ok {
			environ[i] = "PATH=" + bin + string(os.PathListSeparator) + path
		}
	}
	login := env.startLoginEnv(environ)

	select {
	case openedURL := <-opened:
		if openedURL != login.authURL.String() {
			t.Errorf("opener got %q, want the printed URL %q", openedURL, login.authURL)
		}
	case <-time.After(testenv.CommandTimeout):
		t.Fatal("the URL opener was not run before the command timeout")
	}
	if status, _, body := get(t, login.approve().String()); status != http.StatusOK {
		t.Errorf("callback returned %d, want 200; body:\n%s", status, body)
	}
	res := login.wait()
	if res.Code != exitOK {
		t.Fatalf("exit code %d, want 0; stdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
	if !strings.Contains(res.Stdout, "Opened your browser") {
		t.Errorf("output does not say it opened the browser:\n%s", res.Stdout)
	}
}

func TestAuthLoginPortInUse(t *testing.T) {
	env := newAuthEnv(t, "")
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Close() })
	port := strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)

	res := env.run("login", "--no-browser", "--port", port)
	if res.Code != exitFatal {
		t.Errorf("exit code %d, want %d", res.Code, exitFatal)
	}
	want := "listen for the OAuth redirect on 127.0.0.1:" + port
	if !strings.Contains(res.Stderr, want) || !strings.Contains(res.Stderr, "pass another --port") {
		t.Errorf("stderr does not name the busy port and the fix:\n%s", res.Stderr)
	}
}

// TestAuthLoginSaveFails checks that the browser page and the exit code
// report a token that could not be saved.
func TestAuthLoginSaveFails(t *testing.T) {
	env := newAuthEnv(t, "")
	// A regular file where the token directory belongs makes MkdirAll fail.
	blocker := filepath.Dir(env.tokenFile)
	if err := os.MkdirAll(filepath.Dir(blocker), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}

	login := env.startLogin()
	status, _, body := get(t, login.approve().String())
	if status != http.StatusBadRequest {
		t.Errorf("callback returned %d, want 400", status)
	}
	if !strings.Contains(body, "create token directory") {
		t.Errorf("callback page does not report the failed save:\n%s", body)
	}
	res := login.wait()
	if res.Code != exitFatal {
		t.Errorf("exit code %d, want %d", res.Code, exitFatal)
	}
	if !strings.Contains(res.Stderr, "create token directory") {
		t.Errorf("stderr does not report the failed save:\n%s", res.Stderr)
	}
}

// TestAuthLogoutOpenMode checks that logout revokes and deletes a token
// file that other users can read, which status and the daemon reject.
func TestAuthLogoutOpenMode(t *testing.T) {
	env := newAuthEnv(t, "")
	if err := os.MkdirAll(filepath.Dir(env.tokenFile), 0o700); err != nil {
		t.Fatal(err)
	}
	const refreshToken = "open-mode-refresh-token"
	writeJSON(t, env.tokenFile, map[string]string{"refresh_token": refreshToken}, 0o644)
	if status, code := env.refresh(refreshToken); status != http.StatusOK {
		t.Fatalf("refresh before logout returned %d %q, want 200", status, code)
	}

	res := env.run("logout")
	if res.Code != exitOK {
		t.Fatalf("exit code %d, want 0; stderr:\n%s", res.Code, res.Stderr)
	}
	if _, err := os.Stat(env.tokenFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("token file still exists after logout: %v", err)
	}
	if status, code := env.refresh(refreshToken); status != http.StatusBadRequest || code != "invalid_grant" {
		t.Errorf("refresh after logout returned %d %q, want 400 \"invalid_grant\"", status, code)
	}
}
