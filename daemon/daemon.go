package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/photosync/photosync/config"
	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/state"
	photosync "github.com/photosync/photosync/sync"
	"github.com/photosync/photosync/watcher"
)

// ConnectFunc opens a Library API client whose every HTTP attempt goes to
// onRequest, and returns it with the function that releases it. The daemon
// calls it at start and again after the token file changed. An error means
// the credentials are missing or unusable; the daemon shows it as a login
// problem and waits for the token file to change.
type ConnectFunc func(ctx context.Context, onRequest func(photosapi.RequestInfo)) (
	client *photosapi.Client, closeClient func() error, err error)

// Options configures a Daemon.
type Options struct {
	// Config is the loaded config. Reload replaces it.
	Config *config.Config
	// Store is the open state store; the daemon does not close it.
	Store *state.Store
	// Connect opens the API client.
	Connect ConnectFunc
	// Clock supplies the time for quota days and status; nil means
	// SystemClock.
	Clock Clock
	// Logger receives the daemon's log events.
	Logger zerolog.Logger
	// Version is the binary's version, for the log.
	Version string
	// WatchMaxPending is passed to the watcher as watcher.Options.MaxPending;
	// zero keeps the watcher's default. Tests lower it to force the
	// fallback from single paths to rescans.
	WatchMaxPending int
}

// Timing limits of the daemon.
const (
	// minWatchDelay is the shortest watcher delay. The watcher reports a
	// path once it saw no event for the settle time, when its file has
	// settled, but not sooner than this, so that a zero settle time does
	// not start a pass for every write.
	minWatchDelay = 200 * time.Millisecond
	// shutdownGrace bounds how long Run waits, after its context ended, for
	// the running pass to stop and the socket server to close. The journal
	// makes a pass stopped at any point safe to resume.
	shutdownGrace = 20 * time.Second
)

// Daemon is the photosync service for one config and one state store.
// Create it with New and call Run once.
type Daemon struct {
	opts    Options
	log     zerolog.Logger
	clock   Clock
	started time.Time
	metrics *metrics
	counter *photosync.RequestCounter

	// Triggers, each 1-buffered and sent to without blocking, so that
	// repeated requests coalesce.
	syncNow  chan struct{}
	reloaded chan struct{}

	// mu guards the fields below, which the loop writes and the socket
	// handlers read.
	mu        sync.Mutex
	cfg       *config.Config
	folders   []*folder // in config order
	account   AccountStatus
	summary   string
	waiters   []*syncWaiter
	stopping  bool           // Run is stopping; no new sync requests
	newConfig *config.Config // set by Reload, taken by the loop

	// The fields below belong to the loop goroutine.
	watch      *watcher.Watcher
	conn       *connection
	quota      *quotaScheduler
	login      loginState
	apiErrs    apiErrors
	lastNotify string
	// pollSkipped is set while polls wait for the quota reset, so that the
	// skip is logged once.
	pollSkipped bool
}

// New returns a Daemon for opts, or an error naming the missing option.
func New(opts Options) (*Daemon, error) {
	switch {
	case opts.Config == nil:
		return nil, errors.New("new daemon: Options.Config is nil")
	case opts.Store == nil:
		return nil, errors.New("new daemon: Options.Store is nil")
	case opts.Connect == nil:
		return nil, errors.New("new daemon: Options.Connect is nil")
	}
	if opts.Clock == nil {
		opts.Clock = SystemClock{}
	}
	d := &Daemon{
		opts:     opts,
		log:      opts.Logger.With().Str("component", "daemon").Logger(),
		clock:    opts.Clock,
		metrics:  newMetrics(),
		counter:  photosync.NewRequestCounter(opts.Store, opts.Clock.Now),
		syncNow:  make(chan struct{}, 1),
		reloaded: make(chan struct{}, 1),
		cfg:      opts.Config,
	}
	d.started = d.clock.Now()
	for _, f := range opts.Config.Folders {
		d.folders = append(d.folders, newFolder(f))
	}
	d.quota = &quotaScheduler{
		limit:   opts.Config.Quota.DailyLimit,
		reserve: opts.Config.Quota.PollReserve,
		used:    d.counter.Used,
		now:     d.clock.Now,
	}
	d.login.tokenFile = opts.Config.API.TokenFile
	return d, nil
}

// Reload makes the daemon apply cfg at its next wake-up: folders added and
// removed, intervals, settle time, workers and quota. The state directory,
// the socket and the API settings apply only after a restart, and a change
// to them is logged. A new settle time applies to the passes and to the
// watcher's delay at once.
func (d *Daemon) Reload(cfg *config.Config) {
	d.mu.Lock()
	d.newConfig = cfg
	d.mu.Unlock()
	trigger(d.reloaded)
}

// trigger sends on a 1-buffered channel without blocking.
func trigger(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// config returns the config in use.
func (d *Daemon) config() *config.Config {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg
}

// Run serves the daemon until ctx ends: it opens the socket, watches the
// folders, runs passes and polls, and then stops within a bounded time,
// flushes the request count and removes the socket. It returns an error
// when the daemon cannot start, for example because the socket is in use by
// another daemon.
func (d *Daemon) Run(ctx context.Context) error {
	cfg := d.config()
	srv, err := listen(cfg.Socket, d)
	if err != nil {
		return err
	}
	defer srv.close()

	watch, err := watcher.New(watcher.Options{
		Delay:      max(cfg.SettleTime, minWatchDelay),
		MaxPending: d.opts.WatchMaxPending,
		Logger:     d.opts.Logger,
	})
	if err != nil {
		return fmt.Errorf("start daemon: %w", err)
	}
	d.watch = watch
	watchCtx, stopWatch := context.WithCancel(context.WithoutCancel(ctx))
	watchDone := make(chan error, 1)
	go func() { watchDone <- watch.Run(watchCtx) }()
	defer func() {
		stopWatch()
		<-watchDone
	}()

	serveDone := make(chan error, 1)
	go func() { serveDone <- srv.serve() }()

	if clock, ok := d.clock.(interface{ Run(context.Context) error }); ok {
		go clock.Run(ctx)
	}

	d.log.Info().Str("socket", cfg.Socket).Int("folders", len(cfg.Folders)).
		Str("version", d.opts.Version).Msg("Daemon started")
	stopWatchdog := startWatchdog(d.log)
	defer stopWatchdog()

	loopErr := d.loop(ctx, watch)

	notify(d.log, "STOPPING=1")
	d.log.Info().Msg("Daemon stopping")
	d.stop()
	if d.conn != nil {
		d.conn.close()
	}
	if err := d.counter.Flush(); err != nil {
		d.log.Error().Err(err).Msg("Request count not saved")
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	srv.shutdown(shutdownCtx)
	if err := <-serveDone; err != nil {
		d.log.Error().Err(err).Msg("Status socket stopped")
	}
	return loopErr
}

// pid returns the daemon's process id, for the status document.
func pid() int { return os.Getpid() }
