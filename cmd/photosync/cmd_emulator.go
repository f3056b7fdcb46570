package main

import (
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/spf13/cobra"

	"github.com/photosync/photosync/photosapi/emulator"
)

// emulatorOptions are the flags of the emulator command.
type emulatorOptions struct {
	listen          string
	dataDir         string
	legacy          bool
	dailyQuota      int
	writesPerMinute int
}

func (o *emulatorOptions) addFlags(cmd *cobra.Command) {
	flags := cmd.Flags()
	flags.StringVar(&o.listen, "listen", "127.0.0.1:0",
		"address to listen on; port 0 picks a free port")
	flags.StringVar(&o.dataDir, "data", "",
		"directory that keeps the emulated library across restarts (default: memory only)")
	flags.BoolVar(&o.legacy, "legacy", false,
		"behave as before 31 March 2025: every client sees the whole library")
	flags.IntVar(&o.dailyQuota, "daily-quota", 0,
		"API requests allowed per OAuth client per Pacific day (0: Google's 10,000; negative: unlimited)")
	flags.IntVar(&o.writesPerMinute, "writes-per-minute", 0,
		"write requests allowed per OAuth client per minute (0: unlimited)")
}

func newEmulatorCommand(a *app) *cobra.Command {
	var opts emulatorOptions
	cmd := &cobra.Command{
		Use:   "emulator",
		Short: "Run a local Google Photos Library API emulator",
		Long: "Run a local server that behaves as the Google Photos Library API and\n" +
			"Google's OAuth endpoints, for tests and for trying photosync without a\n" +
			"Google account. The first line on stdout is its base URL. It serves until\n" +
			"interrupted (SIGINT or SIGTERM), then saves its state to --data.\n\n" +
			"The emulator accepts any client id and refresh token, so anyone who can\n" +
			"reach it can read and change its library: keep it on a loopback address.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runEmulator(cmd, a, opts)
		},
	}
	opts.addFlags(cmd)
	return cmd
}

// validate checks the flag values and reports whether the listen address
// is a loopback address.
func (o *emulatorOptions) validate() (loopback bool, err error) {
	if o.writesPerMinute < 0 {
		return false, fmt.Errorf("invalid --writes-per-minute %d: use 0 for no limit or a positive number", o.writesPerMinute)
	}
	return isLoopbackAddress(o.listen)
}

func runEmulator(cmd *cobra.Command, a *app, opts emulatorOptions) error {
	loopback, err := opts.validate()
	if err != nil {
		return usageError(err)
	}
	if !loopback {
		warnExposed(a.stderr, opts.listen)
	}

	running, err := emulator.Start(emulator.Options{
		DataDir:         opts.dataDir,
		Legacy:          opts.legacy,
		DailyQuota:      opts.dailyQuota,
		WritesPerMinute: opts.writesPerMinute,
		Logger:          a.log,
	}, opts.listen)
	if err != nil {
		return fatalError(err)
	}
	if _, err := fmt.Fprintln(a.stdout, running.URL); err != nil {
		return fatalError(errors.Join(fmt.Errorf("print emulator URL: %w", err), running.Close()))
	}

	<-cmd.Context().Done()
	a.log.Info().Str(logKeyComponent, "emulator").Msg("Stopping emulator")
	if err := running.Close(); err != nil {
		return fatalError(fmt.Errorf("stop emulator: %w", err))
	}
	return nil
}

// warnExposed warns on w that the emulator is reachable from other hosts.
func warnExposed(w io.Writer, address string) {
	fmt.Fprintf(w, "WARNING: the emulator listens on %s, which is not a loopback address.\n"+
		"WARNING: it has no real authentication, so other hosts can read and change its library.\n",
		address)
}

// isLoopbackAddress reports whether the host:port address listens only on
// a loopback interface. An empty host listens on every interface.
func isLoopbackAddress(address string) (bool, error) {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return false, fmt.Errorf("invalid --listen address %q: write host:port, such as 127.0.0.1:8080", address)
	}
	if host == "localhost" {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}
