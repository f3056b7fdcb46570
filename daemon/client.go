package daemon

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
)

// ErrNotRunning reports that no daemon listens on the status socket.
var ErrNotRunning = errors.New("no photosync daemon is running")

// maxEventLine bounds one line of the POST /v1/sync stream; the last line
// carries the whole summary.
const maxEventLine = 64 << 20

// Client talks to a running daemon over its status socket.
type Client struct {
	socket string
	http   *http.Client
}

// NewClient returns a Client for the daemon at the socket path. It does not
// connect yet.
func NewClient(socket string) *Client {
	transport := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var dialer net.Dialer
			return dialer.DialContext(ctx, "unix", socket)
		},
	}
	return &Client{socket: socket, http: &http.Client{Transport: transport}}
}

// Status returns the daemon's status document. When no daemon listens on the
// socket, the error wraps ErrNotRunning.
func (c *Client) Status(ctx context.Context) (*Status, error) {
	raw, err := c.StatusJSON(ctx)
	if err != nil {
		return nil, err
	}
	var st Status
	if err := json.Unmarshal(raw, &st); err != nil {
		return nil, fmt.Errorf("read daemon status: %w", err)
	}
	return &st, nil
}

// maxStatusBytes bounds the status document that StatusJSON reads.
const maxStatusBytes = 16 << 20

// StatusJSON returns the daemon's status document as the daemon wrote it,
// with any fields that a newer daemon added. When no daemon listens on the
// socket, the error wraps ErrNotRunning.
func (c *Client) StatusJSON(ctx context.Context) ([]byte, error) {
	resp, err := c.do(ctx, http.MethodGet, "/v1/status", nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxStatusBytes))
	if err != nil {
		return nil, fmt.Errorf("read daemon status: %w", err)
	}
	if !json.Valid(raw) {
		return nil, errors.New("read daemon status: the daemon sent invalid JSON")
	}
	return raw, nil
}

// Sync requests a pass from the daemon now and calls progress, if not nil, for
// each progress line it streams. It returns the final event, which carries
// the pass's summary or its error. When no daemon listens on the socket, the
// error wraps ErrNotRunning.
func (c *Client) Sync(ctx context.Context, req SyncRequest, progress func(SyncEvent)) (*SyncEvent, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("ask daemon to sync: %w", err)
	}
	resp, err := c.do(ctx, http.MethodPost, "/v1/sync", body)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return readSyncStream(resp.Body, progress)
}

// readSyncStream reads the JSON lines of a POST /v1/sync response up to
// the final event, calling progress, if not nil, for each other line.
func readSyncStream(r io.Reader, progress func(SyncEvent)) (*SyncEvent, error) {
	scanner := bufio.NewScanner(r)
	scanner.Buffer(make([]byte, 0, 64<<10), maxEventLine)
	for scanner.Scan() {
		var ev SyncEvent
		if err := json.Unmarshal(scanner.Bytes(), &ev); err != nil {
			return nil, fmt.Errorf("read daemon sync progress: %w", err)
		}
		if ev.Done {
			return &ev, nil
		}
		if progress != nil && ev.Progress != nil {
			progress(ev)
		}
	}
	if err := scanner.Err(); err != nil {
		return nil, fmt.Errorf("read daemon sync progress: %w", err)
	}
	return nil, errors.New("read daemon sync progress: the daemon closed the connection before the pass ended; " +
		"see its log")
}

// do sends one request and returns a response with status 200.
func (c *Client) do(ctx context.Context, method, path string, body []byte) (*http.Response, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://photosync"+path, r)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if notRunning(err) {
			return nil, fmt.Errorf("%w (nothing listens on %s); start it with photosync daemon",
				ErrNotRunning, c.socket)
		}
		return nil, fmt.Errorf("%s %s on %s: %w", method, path, c.socket, err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		var e errorBody
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if json.Unmarshal(data, &e) != nil || e.Error == "" {
			e.Error = string(bytes.TrimSpace(data))
		}
		return nil, fmt.Errorf("%s %s: daemon returned %s: %s", method, path, resp.Status, e.Error)
	}
	return resp, nil
}

// notRunning reports whether a dial error means that no daemon listens:
// the socket file is missing, or no process accepts on it.
func notRunning(err error) bool {
	return errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENOENT) ||
		errors.Is(err, syscall.ECONNREFUSED)
}
