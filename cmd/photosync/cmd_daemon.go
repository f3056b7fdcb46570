package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/photosync/photosync/config"
	"github.com/photosync/photosync/daemon"
	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/state"
)

// daemonStopTimeout bounds how long the daemon may take to stop after
// SIGTERM or SIGINT. Its own shutdown is bounded shorter; this guards
// against a pass that ignores cancellation. The journal keeps a pass that
// is cut off safe to resume.
const daemonStopTimeout = 30 * time.Second

func init() { registerCommand(newDaemonCommand) }

func newDaemonCommand(a *app) *cobra.Command {
	var useEmulator bool
	cmd := &cobra.Command{
		Use:   "daemon [--emulator]",
		Short: "Run the service: watch the folders, sync them, and serve the status socket",
		Long: "Run photosync as a service until SIGTERM or SIGINT. The daemon watches every\n" +
			"folder of the config, uploads changes once they have settled for settle_time,\n" +
			"rescans every folder each scan_interval, polls every poll_interval, and keeps\n" +
			"the day's requests inside quota.daily_limit with quota.poll_reserve kept for\n" +
			"polls. It serves `photosync status`, `photosync sync` and Prometheus metrics\n" +
			"on the Unix socket named by socket. SIGHUP reloads the config file.\n\n" +
			"Under systemd it reports readiness and a one-line status through sd_notify\n" +
			"(Type=notify) and sends watchdog pings when WatchdogSec is set.\n\n" + exitCodeHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDaemon(cmd.Context(), a, useEmulator)
		},
	}
	cmd.Flags().BoolVar(&useEmulator, "emulator", false,
		"sync with an embedded emulator that keeps its library under the state directory, not with Google Photos")
	return cmd
}

func runDaemon(ctx context.Context, a *app, useEmulator bool) error {
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	if err := applyDebugPollInterval(cfg); err != nil {
		return usageError(err)
	}
	maxPending, err := debugWatchMaxPending()
	if err != nil {
		return usageError(err)
	}
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return fatalError(fmt.Errorf("create state directory: %w", err))
	}
	// The store's lock comes first, so a second daemon on the same state
	// directory stops here and names the first one's pid.
	store, err := state.Open(filepath.Join(cfg.StateDir, stateFileName), state.Options{})
	if err != nil {
		return fatalError(err)
	}
	defer store.Close()

	clock, err := daemonClock(ctx)
	if err != nil {
		return usageError(err)
	}
	connect := func(ctx context.Context, onRequest func(photosapi.RequestInfo)) (*photosapi.Client, func() error, error) {
		r, err := openRemote(ctx, cfg, useEmulator, a.log)
		if err != nil {
			return nil, nil, err
		}
		r.setRequestHook(onRequest)
		return r.client, r.Close, nil
	}
	d, err := daemon.New(daemon.Options{
		Config:  cfg,
		Store:   store,
		Connect: connect,
		Clock:   clock,
		Logger:  a.log,
		Version: buildVersion(),

		WatchMaxPending: maxPending,
	})
	if err != nil {
		return fatalError(err)
	}

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go reloadOnHangup(ctx, a, cfg.File, hup, d)

	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	select {
	case err := <-done:
		return daemonExit(err)
	case <-ctx.Done():
	}
	select {
	case err := <-done:
		return daemonExit(err)
	case <-time.After(daemonStopTimeout):
		return fatalError(fmt.Errorf("daemon did not stop within %v; the next start resumes "+
			"from the journal", daemonStopTimeout))
	}
}

func daemonExit(err error) error {
	if err != nil {
		return fatalError(err)
	}
	return nil
}

// daemonClock returns the emulator clock named by the internal
// PHOTOSYNC_DEBUG_CLOCK_URL variable, for tests, and else nil for the
// system clock.
func daemonClock(ctx context.Context) (daemon.Clock, error) {
	url := os.Getenv(daemon.DebugClockEnv)
	if url == "" {
		return nil, nil
	}
	return daemon.NewEmulatorClock(ctx, url)
}

// applyDebugPollInterval replaces cfg.PollInterval with the internal
// PHOTOSYNC_DEBUG_POLL_INTERVAL variable, if set.
func applyDebugPollInterval(cfg *config.Config) error {
	value := os.Getenv(daemon.DebugPollIntervalEnv)
	if value == "" {
		return nil
	}
	d, err := time.ParseDuration(value)
	if err != nil || d <= 0 {
		return fmt.Errorf("%s %q: use a positive Go duration such as 1s", daemon.DebugPollIntervalEnv, value)
	}
	cfg.PollInterval = d
	return nil
}

// debugWatchMaxPending returns the internal
// PHOTOSYNC_DEBUG_WATCH_MAX_PENDING variable, or zero when it is not set.
func debugWatchMaxPending() (int, error) {
	value := os.Getenv(daemon.DebugWatchMaxPendingEnv)
	if value == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(value)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s %q: use a positive integer such as 500", daemon.DebugWatchMaxPendingEnv, value)
	}
	return n, nil
}

// reloadOnHangup reloads the config file at path on each SIGHUP until ctx
// ends. A file that does not load is logged and the running config stays.
func reloadOnHangup(ctx context.Context, a *app, path string, hup <-chan os.Signal, d *daemon.Daemon) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		cfg, err := config.Load(path)
		if err != nil {
			a.log.Error().Err(err).Str(logKeyPath, path).Msg("Config not reloaded; the daemon keeps the running config")
			continue
		}
		if err := applyDebugPollInterval(cfg); err != nil {
			a.log.Error().Err(err).Msg("Config not reloaded; the daemon keeps the running config")
			continue
		}
		a.log.Info().Str(logKeyPath, path).Msg("Reloading the config")
		d.Reload(cfg)
	}
}
