//go:build linux

package daemon

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
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
	"github.com/photosync/photosync/state"
)

// otherUID is the user and group id of "nobody", the user the peer tests
// connect to the status socket as.
const otherUID = 65534

// Secrets the peer tests give the daemon's API client. They are long and
// unique so that a search of the status document and the log cannot match
// anything else.
const (
	peerTestClientSecret = "peer-test-client-secret-4f9c2a7e"
	peerTestRefreshToken = "peer-test-refresh-token-b81d05c3"
)

// peerHelperSocket is the environment variable that turns
// TestPeerHelperProcess into the client run as another user: it names the
// socket to request GET /v1/status from.
const peerHelperSocket = "PHOTOSYNC_PEER_HELPER_SOCKET"

// Outcomes that TestPeerHelperProcess prints as the first word of its
// output.
const (
	outcomeDialFailed    = "dial-failed"
	outcomeRequestFailed = "request-failed"
	outcomeAnswered      = "answered"
)

// TestPeerHelperProcess is not a test: the peer tests run the test binary
// again as another user with this test selected, to connect to the status
// socket from a process of that user.
func TestPeerHelperProcess(t *testing.T) {
	socket := os.Getenv(peerHelperSocket)
	if socket == "" {
		t.Skip("helper process of the peer tests; it runs only when they start it")
	}
	fmt.Println(requestStatus(socket))
	os.Exit(0)
}

// requestStatus connects to the socket and sends GET /v1/status. It returns
// one of the outcomes, then the error or the HTTP status and body.
func requestStatus(socket string) string {
	conn, err := net.DialTimeout("unix", socket, 10*time.Second)
	if err != nil {
		return outcomeDialFailed + " " + err.Error()
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		return outcomeRequestFailed + " " + err.Error()
	}
	if _, err := io.WriteString(conn, "GET /v1/status HTTP/1.1\r\nHost: photosync\r\nConnection: close\r\n\r\n"); err != nil {
		return outcomeRequestFailed + " " + err.Error()
	}
	response, err := io.ReadAll(conn)
	if err != nil {
		return outcomeRequestFailed + " " + err.Error()
	}
	if len(response) == 0 {
		return outcomeRequestFailed + " the connection closed without a response"
	}
	return outcomeAnswered + " " + string(response)
}

// lockedBuffer is a bytes.Buffer that the daemon's logger and the test can
// use at the same time.
type lockedBuffer struct {
	mu  gosync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startPeerHarness starts a daemon like startHarness, but with an API
// client built from the peer test secrets and a debug-level log that goes
// to both the test log and the returned buffer. The folder holds one photo,
// so the first pass uploads it and refreshes the access token.
func startPeerHarness(t *testing.T) (*harness, *lockedBuffer) {
	t.Helper()
	emu := testenv.StartEmulator(t, emulator.Options{VideoProcessingTime: -1})
	dir := t.TempDir()
	h := &harness{t: t, emu: emu, dir: dir, socket: filepath.Join(dir, "photosync.sock")}
	writeSettledPNG(t, filepath.Join(dir, "A", "p.png"), 1)
	cfg := h.newConfig("A")
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		t.Fatal(err)
	}
	store, err := state.Open(filepath.Join(cfg.StateDir, "state.db"), state.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })

	connect := func(ctx context.Context, onRequest func(photosapi.RequestInfo)) (*photosapi.Client, func() error, error) {
		oauth := photosapi.OAuthConfig("peer-test", peerTestClientSecret, emu.URL+"/o/oauth2/v2/auth", emu.URL+"/token", "")
		tokens := photosapi.NewTokenSource(ctx, oauth, &oauth2.Token{RefreshToken: peerTestRefreshToken}, nil)
		client, err := photosapi.New(photosapi.Options{
			Endpoint:       emu.URL + "/",
			UploadEndpoint: emu.URL + "/v1/uploads",
			HTTPClient:     &http.Client{},
			TokenSource:    tokens,
			OnRequest:      onRequest,
		})
		return client, func() error { return nil }, err
	}
	logs := &lockedBuffer{}
	logger := zerolog.New(io.MultiWriter(logs, zerolog.NewTestWriter(t))).Level(zerolog.DebugLevel)
	h.d, err = New(Options{Config: cfg, Store: store, Connect: connect, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.done = make(chan error, 1)
	go func() { h.done <- h.d.Run(ctx) }()
	t.Cleanup(h.stop)
	h.client = NewClient(h.socket)
	h.waitStatus("the first pass to upload the photo", func(st *Status) bool {
		f, ok := folderStatus(st, filepath.Join(dir, "A"))
		return ok && !f.LastScan.IsZero() && len(h.remoteSHAs()) == 1
	})
	return h, logs
}

// requireRoot skips the test unless it runs as root, which it needs to
// start a process as another user.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a client as uid 65534; run the tests as root to check the status socket against other users")
	}
}

// openPathTo makes every directory from dir up to the root searchable by
// other users, so that only the socket's own mode and the peer check keep
// them out.
func openPathTo(t *testing.T, dir string) {
	t.Helper()
	for ; dir != "/" && dir != "."; dir = filepath.Dir(dir) {
		info, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm()&0o001 == 0 {
			if err := os.Chmod(dir, info.Mode().Perm()|0o011); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// otherUserHelper copies the test binary to a directory that uid 65534 can
// read, and returns a function that runs TestPeerHelperProcess as that
// user against the socket and returns its output. The go tool builds the
// binary in a directory only its owner can enter, hence the copy.
func otherUserHelper(t *testing.T, socket string) func() string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	binDir := t.TempDir()
	openPathTo(t, binDir)
	binary := filepath.Join(binDir, "daemon.test")
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(binary, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return func() string {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), binary, "-test.run=^TestPeerHelperProcess$", "-test.count=1")
		cmd.Dir = binDir
		cmd.Env = []string{peerHelperSocket + "=" + socket, "PATH=/usr/bin:/bin"}
		cmd.SysProcAttr = &syscall.SysProcAttr{
			Credential: &syscall.Credential{Uid: otherUID, Gid: otherUID, Groups: []uint32{}},
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("run the helper as uid %d: %v\n%s", otherUID, err, out)
		}
		return strings.TrimSpace(string(out))
	}
}

func TestStatusSocketRejectsOtherUser(t *testing.T) {
	requireRoot(t)
	h, _ := startPeerHarness(t)
	info, err := os.Stat(h.socket)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Fatalf("socket mode = %04o, want 0600", mode)
	}
	openPathTo(t, filepath.Dir(h.socket))
	asOther := otherUserHelper(t, h.socket)

	out := asOther()
	if !strings.HasPrefix(out, outcomeDialFailed) {
		t.Fatalf("uid %d connecting to a 0600 socket: %q, want the dial to fail", otherUID, out)
	}
	if !strings.Contains(out, "permission denied") {
		t.Errorf("uid %d connecting to a 0600 socket: %q, want permission denied from the file mode", otherUID, out)
	}
	if _, err := h.client.Status(t.Context()); err != nil {
		t.Errorf("owner's status request after the rejection: %v", err)
	}
}

func TestStatusSocketPeerCheck(t *testing.T) {
	requireRoot(t)
	h, logs := startPeerHarness(t)
	openPathTo(t, filepath.Dir(h.socket))
	// Widen the mode so the file system lets the other user connect, and
	// the peer credential check is the only check left.
	if err := os.Chmod(h.socket, 0o666); err != nil {
		t.Fatal(err)
	}
	asOther := otherUserHelper(t, h.socket)

	out := asOther()
	if !strings.HasPrefix(out, outcomeRequestFailed) {
		t.Fatalf("uid %d requesting the status through a 0666 socket: %q, want no response", otherUID, out)
	}
	if strings.Contains(out, "HTTP/1.1") {
		t.Errorf("uid %d got an HTTP response: %q", otherUID, out)
	}
	wantLog := fmt.Sprintf("peer uid %d is not the daemon's uid %d", otherUID, os.Getuid())
	deadline := time.Now().Add(waitTimeout)
	for !strings.Contains(logs.String(), wantLog) {
		if time.Now().After(deadline) {
			t.Fatalf("daemon log does not contain %q:\n%s", wantLog, logs.String())
		}
		time.Sleep(10 * time.Millisecond) // polling interval, not synchronization
	}
	if !strings.Contains(logs.String(), "Status socket connection rejected") {
		t.Errorf("daemon log does not report the rejected connection:\n%s", logs.String())
	}

	if got := requestStatus(h.socket); !strings.HasPrefix(got, outcomeAnswered+" HTTP/1.1 200 OK") {
		t.Errorf("owner's status request after the rejection: %q, want 200 OK", got)
	}
}

func TestStatusAndLogOmitSecrets(t *testing.T) {
	h, logs := startPeerHarness(t)
	status, err := h.client.StatusJSON(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	metrics := getOverSocket(t, h.socket, "/metrics")
	for _, secret := range []string{peerTestClientSecret, peerTestRefreshToken} {
		if bytes.Contains(status, []byte(secret)) {
			t.Errorf("GET /v1/status contains the secret %q:\n%s", secret, status)
		}
		if strings.Contains(metrics, secret) {
			t.Errorf("GET /metrics contains the secret %q", secret)
		}
	}
	// Stop the daemon first, so the log is complete.
	h.stop()
	log := logs.String()
	if !strings.Contains(log, "uploaded") {
		t.Fatalf("daemon log lacks the upload, so the pass did not use the credentials:\n%s", log)
	}
	for _, secret := range []string{peerTestClientSecret, peerTestRefreshToken} {
		if strings.Contains(log, secret) {
			t.Errorf("daemon log contains the secret %q:\n%s", secret, log)
		}
	}
}

// getOverSocket sends GET path over the socket and returns the body.
func getOverSocket(t *testing.T, socket, path string) string {
	t.Helper()
	client := NewClient(socket)
	resp, err := client.http.Get("http://photosync" + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d: %s", path, resp.StatusCode, body)
	}
	return string(body)
}
