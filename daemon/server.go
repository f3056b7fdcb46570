package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/rs/zerolog"

	"github.com/photosync/photosync/config"
)

// staleCheckTimeout bounds the connection attempt that distinguishes a
// live daemon's socket from one left by a killed daemon.
const staleCheckTimeout = 2 * time.Second

// maxSyncRequestBytes bounds the body of POST /v1/sync.
const maxSyncRequestBytes = 1 << 20

// server serves the status socket.
type server struct {
	path string
	ln   net.Listener
	http *http.Server
	log  zerolog.Logger
}

// listen creates the status socket at path with mode 0600, in a directory
// it creates with mode 0700 if missing. A socket file that no process
// listens on, left by a killed daemon, is removed first. A socket that a
// process listens on is an error.
func listen(path string, d *Daemon) (*server, error) {
	if path == "" {
		return nil, errors.New("open status socket: the socket path is empty; set socket in the config")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open status socket: %w", err)
	}
	if err := removeStale(path); err != nil {
		return nil, err
	}
	// The umask makes the socket 0600 from its creation on, so no other
	// user can connect between Listen and Chmod. The daemon sets it before
	// it starts writing other files.
	var ln net.Listener
	var err error
	withUmask(0o077, func() { ln, err = net.Listen("unix", path) })
	if err != nil {
		return nil, fmt.Errorf("open status socket %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("open status socket %s: %w", path, err)
	}
	s := &server{path: path, log: d.log}
	s.ln = &peerListener{Listener: ln, uid: os.Getuid(), log: d.log}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/status", d.serveStatus)
	mux.HandleFunc("POST /v1/sync", d.serveSync)
	mux.Handle("GET /metrics", d.metrics.handler())
	s.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return s, nil
}

// removeStale removes a socket file that no process listens on.
func removeStale(path string) error {
	info, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open status socket: %w", err)
	}
	if info.Mode().Type() != os.ModeSocket {
		return fmt.Errorf("open status socket %s: the path exists and is not a socket; "+
			"remove it or set socket in the config to another path", path)
	}
	conn, err := net.DialTimeout("unix", path, staleCheckTimeout)
	if err == nil {
		conn.Close()
		return fmt.Errorf("open status socket %s: another photosync daemon listens on it; "+
			"stop it first, or see it with photosync status", path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove stale status socket: %w", err)
	}
	return nil
}

func (s *server) serve() error {
	err := s.http.Serve(s.ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// shutdown stops accepting connections and waits, until ctx ends, for the
// open requests to end. It removes the socket file.
func (s *server) shutdown(ctx context.Context) {
	if err := s.http.Shutdown(ctx); err != nil {
		s.http.Close()
	}
	s.close()
}

// close removes the socket file unless another daemon replaced it.
func (s *server) close() {
	s.ln.Close()
	// net.UnixListener.Close unlinks the file it created; this covers a
	// listener that did not, and leaves a missing file alone.
	if err := os.Remove(s.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.log.Warn().Err(err).Str("path", s.path).Msg("Status socket not removed")
	}
}

// peerListener accepts only connections from processes of the user uid.
type peerListener struct {
	net.Listener
	uid int
	log zerolog.Logger
}

// Accept returns the next connection from the same user, and closes the
// others.
func (l *peerListener) Accept() (net.Conn, error) {
	for {
		conn, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		uid, err := peerUID(conn)
		if err == nil && uid == l.uid {
			return conn, nil
		}
		if err == nil {
			err = fmt.Errorf("peer uid %d is not the daemon's uid %d", uid, l.uid)
		}
		l.log.Warn().Err(err).Msg("Status socket connection rejected")
		conn.Close()
	}
}

func (d *Daemon) serveStatus(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, d.status())
}

// serveSync runs POST /v1/sync: it queues a sync request, then streams the
// pass's progress as JSON lines and ends with the line that carries its
// summary.
func (d *Daemon) serveSync(w http.ResponseWriter, r *http.Request) {
	req, err := decodeSyncRequest(http.MaxBytesReader(w, r.Body, maxSyncRequestBytes), d.config())
	if err != nil {
		d.log.Warn().Err(err).Msg("Sync request rejected")
		writeJSON(w, http.StatusBadRequest, errorBody{err.Error()})
		return
	}

	waiter := newSyncWaiter(req)
	d.requestSync(waiter)
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	enc := json.NewEncoder(w)
	for {
		select {
		case <-r.Context().Done():
			d.dropWaiter(waiter)
			return
		case ev := <-waiter.events:
			if enc.Encode(ev) != nil {
				d.dropWaiter(waiter)
				return
			}
		case ev := <-waiter.done:
			_ = enc.Encode(ev)
			return
		}
		if flusher != nil {
			flusher.Flush()
		}
	}
}

// decodeSyncRequest reads the body of POST /v1/sync, which may be empty,
// and checks that its folders are in cfg.
func decodeSyncRequest(body io.Reader, cfg *config.Config) (SyncRequest, error) {
	var req SyncRequest
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil && !errors.Is(err, io.EOF) {
		return SyncRequest{}, fmt.Errorf("invalid sync request body: %w", err)
	}
	if dec.More() {
		return SyncRequest{}, errors.New("invalid sync request body: more than one JSON value")
	}
	for _, root := range req.Folders {
		if !slices.ContainsFunc(cfg.Folders, func(f config.Folder) bool { return f.Path == root }) {
			return SyncRequest{}, fmt.Errorf("folder %q is not in the daemon's config %s; add it there "+
				"and reload the daemon with SIGHUP, or stop the daemon and sync it alone", root, cfg.File)
		}
	}
	return req, nil
}

// errorBody is the JSON body of an error response.
type errorBody struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
