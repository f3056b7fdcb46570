package emulator

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"
)

// Defaults applied by New when the matching Options field is zero.
const (
	// DefaultDailyQuota is Google's published limit of Library API requests
	// per project per day.
	DefaultDailyQuota = 10000
	// DefaultMediaBytesQuota is Google's published limit of base-URL fetches
	// per project per day.
	DefaultMediaBytesQuota = 75000
	// DefaultChunkGranularity is the resumable-upload granularity the
	// emulator announces. Google does not document its own value, and 256 KiB
	// is what its other resumable endpoints use.
	DefaultChunkGranularity = 256 * 1024
	// DefaultVideoProcessingTime is how long a new video reports PROCESSING.
	DefaultVideoProcessingTime = 10 * time.Second
)

// Options configures a Server. The zero value is a usable in-memory emulator
// with Google's post-2025 behaviour and default limits.
type Options struct {
	// DataDir keeps the emulator's state (in a bbolt database) and
	// uploaded bytes in this directory, so that they survive a restart.
	// Empty keeps everything in memory.
	DataDir string
	// Clock is the emulator's time source. Nil means the real time.
	// POST /emulator/v1/clock moves the emulator's time forward on top of it.
	Clock Clock
	// Legacy restores the pre-2025 behaviour: every client reads the whole
	// library, the removed scopes work again and the sharing methods work.
	Legacy bool
	// DailyQuota is the number of Library API requests each OAuth client
	// (standing for a Google Cloud project) may make per Pacific day. Zero
	// means DefaultDailyQuota and a negative value means unlimited.
	DailyQuota int
	// MediaBytesQuota is the number of base-URL fetches each client may make
	// per Pacific day. Zero means DefaultMediaBytesQuota and a negative
	// value means unlimited.
	MediaBytesQuota int
	// WritesPerMinute limits write requests per client per minute of the
	// emulator clock. Zero means unlimited, because Google does not publish
	// its per-user write limit.
	WritesPerMinute int
	// ChunkGranularity is the resumable-upload chunk granularity in bytes.
	// Zero means DefaultChunkGranularity.
	ChunkGranularity int64
	// VideoProcessingTime is the time, on the emulator clock, for which a
	// new video reports status PROCESSING before it becomes READY. Zero means
	// DefaultVideoProcessingTime and a negative value means videos are
	// READY at once.
	VideoProcessingTime time.Duration
	// Logger receives the emulator's log events. The zero value logs nothing.
	Logger zerolog.Logger
}

func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	if o.DailyQuota == 0 {
		o.DailyQuota = DefaultDailyQuota
	}
	if o.MediaBytesQuota == 0 {
		o.MediaBytesQuota = DefaultMediaBytesQuota
	}
	if o.ChunkGranularity == 0 {
		o.ChunkGranularity = DefaultChunkGranularity
	}
	if o.VideoProcessingTime == 0 {
		o.VideoProcessingTime = DefaultVideoProcessingTime
	}
	if o.VideoProcessingTime < 0 {
		o.VideoProcessingTime = 0
	}
	return o
}

// Server is the emulator. It is an http.Handler and is safe for concurrent
// use. Create it with New and release it with Close.
type Server struct {
	opts  Options
	log   zerolog.Logger
	blobs blobStore
	mux   *http.ServeMux
	// db is the store in Options.DataDir, or nil in memory.
	db *bolt.DB

	faults   *faultSet
	counters *requestCounters
	// sessionLocks maps a resumable session id to its *sync.Mutex, which
	// a chunk, finalize or cancel holds while it moves the session's bytes
	// without holding mu.
	sessionLocks sync.Map

	// signers holds *baseURLSigner values keyed with st.Secret, which does
	// not change after New, so that signing a base URL needs no new key
	// setup.
	signers sync.Pool

	// mu guards st, dirty, closed, quotaDay and every write of st to disk.
	mu sync.Mutex
	st *state
	// dirty is set when st has changes that are not saved yet.
	dirty  bool
	closed bool
	// quotaDay is the Pacific day of the last quota charge.
	quotaDay quotaDayCache
}

// New creates a Server. With Options.DataDir set it loads the state saved
// there by an earlier Server, or starts empty when there is none.
func New(opts Options) (*Server, error) {
	opts = opts.withDefaults()
	if opts.ChunkGranularity < 0 {
		return nil, fmt.Errorf("new emulator: chunk granularity %d is negative, use 0 for the default", opts.ChunkGranularity)
	}
	log := opts.Logger.With().Str("component", "emulator").Logger()
	counters := newRequestCounters()
	s := &Server{
		opts:     opts,
		log:      log,
		counters: counters,
		faults:   newFaultSet(log, counters),
	}
	var err error
	if opts.DataDir == "" {
		s.blobs = newMemBlobs()
		s.st = newState()
		// Nothing saves the state, so the changes need no record.
		s.st.changes = nil
	} else {
		s.blobs, err = newDirBlobs(opts.DataDir)
		if err != nil {
			return nil, fmt.Errorf("new emulator: %w", err)
		}
		s.db, s.st, err = openStore(opts.DataDir)
		if err != nil {
			return nil, fmt.Errorf("new emulator: %w", err)
		}
	}
	secret := s.st.Secret
	s.signers.New = func() any { return &baseURLSigner{mac: hmac.New(sha256.New, secret)} }
	s.mux = s.routes()
	return s, nil
}

// ServeHTTP serves the Library API, the OAuth endpoints, base URLs and the
// inspection API. It logs each request at debug level.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/emulator/") {
		// The deferred call also runs when a dropped-connection fault
		// aborts the handler with a panic.
		defer s.counters.begin()()
	}
	if !s.log.Debug().Enabled() {
		s.dispatch(w, r)
		return
	}
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	s.dispatch(rec, r)
	s.log.Debug().Str("method", r.Method).Str("path", r.URL.Path).Int("status", rec.status).Msg("Request served")
}

// dispatch sends a Library API request whose escaped path is clean straight
// to serveAPI, as the mux would after matching every pattern. Any other
// request goes through the mux, which redirects a path that is not clean
// and matches a CONNECT request's path uncleaned.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect && isCleanAPIPath(r.URL.EscapedPath()) {
		s.serveAPI(w, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// isCleanAPIPath reports whether an escaped path starts with /v1/ and has
// no empty segment except a last one, and no "." or ".." segment, so that
// the mux's cleaning leaves it unchanged.
func isCleanAPIPath(path string) bool {
	rest, ok := strings.CutPrefix(path, "/v1/")
	if !ok {
		return false
	}
	for {
		segment, after, more := strings.Cut(rest, "/")
		if segment == "." || segment == ".." || segment == "" && more {
			return false
		}
		if !more {
			return true
		}
		rest = after
	}
}

// statusRecorder remembers the status a handler sends, for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Close saves the state when Options.DataDir is set and releases the Server.
// Requests served after Close get 503.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	err := s.saveLocked()
	s.closed = true
	if s.db != nil {
		err = errors.Join(err, s.db.Close())
	}
	return err
}

// now returns the emulator's current time: the configured clock plus every
// advance made through the inspection API.
func (s *Server) now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nowLocked()
}

func (s *Server) nowLocked() time.Time {
	return s.opts.Clock.Now().Add(s.st.ClockOffset)
}

// Running is an emulator serving HTTP on a loopback listener.
type Running struct {
	// URL is the base URL of the listener, such as "http://127.0.0.1:40123".
	URL string
	// Server is the emulator behind the listener.
	Server *Server

	httpServer *http.Server
	done       chan error
	closeOnce  sync.Once
	closeErr   error

	// connsMu guards unused, the open connections that have not started a
	// request, and closing, which is set once Close has begun.
	connsMu sync.Mutex
	unused  map[net.Conn]struct{}
	closing bool
}

// trackConn records the connections that have not carried a request yet,
// so that Close can close them. http.Server.Shutdown waits five seconds
// for those, and HTTP clients open them when they dial ahead for
// concurrent requests.
func (r *Running) trackConn(c net.Conn, state http.ConnState) {
	if state == http.StateIdle {
		// An idle connection has carried a request, so StateActive has
		// taken it out of unused already.
		return
	}
	r.connsMu.Lock()
	defer r.connsMu.Unlock()
	switch {
	case state == http.StateNew:
		r.Server.counters.addConnection()
		if r.closing {
			c.Close()
			return
		}
		r.unused[c] = struct{}{}
	default:
		delete(r.unused, c)
	}
}

// closeUnusedConns closes the connections that have not started a request,
// now and, until the listener is closed, as they are accepted.
func (r *Running) closeUnusedConns() {
	r.connsMu.Lock()
	defer r.connsMu.Unlock()
	r.closing = true
	for c := range r.unused {
		c.Close()
	}
}

// Start creates a Server with opts and serves it on addr until Close. An
// empty addr means "127.0.0.1:0", a free loopback port.
func Start(opts Options, addr string) (*Running, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	srv, err := New(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		srv.Close()
		return nil, fmt.Errorf("start emulator on %s: %w", addr, err)
	}
	r := &Running{
		URL:    "http://" + ln.Addr().String(),
		Server: srv,
		done:   make(chan error, 1),
		unused: map[net.Conn]struct{}{},
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ConnState: r.trackConn}
	r.httpServer = hs
	go func() { r.done <- hs.Serve(ln) }()
	srv.log.Info().Str("url", r.URL).Msg("Emulator listening")
	return r, nil
}

// closeTimeout bounds how long Close waits for requests in flight, so that
// a client stuck in a slow upload cannot hold up a test's cleanup.
const closeTimeout = 5 * time.Second

// Close stops the listener, waits up to a few seconds for requests in
// flight, and closes the Server. Later calls return the first call's
// result.
func (r *Running) Close() error {
	r.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		r.closeUnusedConns()
		shutdownErr := r.httpServer.Shutdown(ctx)
		if shutdownErr != nil {
			shutdownErr = errors.Join(shutdownErr, r.httpServer.Close())
		}
		if err := <-r.done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			shutdownErr = errors.Join(shutdownErr, err)
		}
		r.closeErr = errors.Join(shutdownErr, r.Server.Close())
		r.Server.log.Info().Str("url", r.URL).Msg("Emulator stopped")
	})
	return r.closeErr
}
