package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/photosync/photosync/config"
)

// app is the state shared by the subcommands of one run: the global flags,
// the output streams and the logger.
type app struct {
	configPath string
	logLevel   string
	logFormat  string

	stdout io.Writer
	stderr io.Writer

	// started is set when the command's run function begins, after cobra
	// accepted the command line, so that exitCode can tell a usage error
	// from a failure of the command.
	started bool
	// log writes to stderr. It follows the flags until a command loads
	// the config, and then loadConfig sets it from both.
	log zerolog.Logger
}

// commandConstructors lists the subcommands that files of this package add
// through registerCommand, such as the sync command.
var commandConstructors []func(*app) *cobra.Command

// registerCommand adds a subcommand to the root command. Files call it from
// init, which lets a subcommand live in its own file without root.go
// listing it. A subcommand must not set PersistentPreRun or
// PersistentPreRunE, because cobra then skips the root's hook, which sets
// up the logger.
func registerCommand(constructor func(*app) *cobra.Command) {
	commandConstructors = append(commandConstructors, constructor)
}

// run executes the command line args and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr}
	root := newRootCommand(a)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)

	err := root.ExecuteContext(ctx)
	code := exitCode(err, a.started)
	if err != nil {
		// Joined errors, such as every problem in a config file, span
		// several lines, and each gets the prefix.
		for line := range strings.SplitSeq(err.Error(), "\n") {
			fmt.Fprintf(stderr, "photosync: %s\n", line)
		}
		if code == exitUsage && !a.started {
			fmt.Fprintln(stderr, "Run 'photosync --help' for usage.")
		}
	}
	return code
}

func newRootCommand(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "photosync",
		Short: "Keep local photo folders and Google Photos in step",
		Long: "photosync keeps local photo folders and a Google Photos account in step,\n" +
			"in both directions, as a daemon or in one-shot passes.\n\n" + exitCodeHelp,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			return a.setLogger(a.logLevel, a.logFormat)
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageError(err)
	})

	flags := root.PersistentFlags()
	flags.StringVar(&a.configPath, "config", "",
		"config file (default $XDG_CONFIG_HOME/photosync/config.yaml)")
	flags.StringVar(&a.logLevel, "log-level", "",
		"least severe level logged: debug, info, warn or error (default from the config file, else info)")
	flags.StringVar(&a.logFormat, "log-format", "",
		"log format: auto, console or json (default from the config file, else auto)")

	root.AddCommand(newVersionCommand(a), newEmulatorCommand(a), newConfigCommand(a))
	for _, constructor := range commandConstructors {
		root.AddCommand(constructor(a))
	}
	markStart(root, a)
	return root
}

// markStart wraps the run function of cmd and of every command below it so
// that it sets a.started first. Cobra calls the run function only after
// it has accepted the flags and arguments and run the pre-run hooks.
func markStart(cmd *cobra.Command, a *app) {
	if runE := cmd.RunE; runE != nil {
		cmd.RunE = func(cmd *cobra.Command, args []string) error {
			a.started = true
			return runE(cmd, args)
		}
	}
	if run := cmd.Run; run != nil {
		cmd.Run = func(cmd *cobra.Command, args []string) {
			a.started = true
			run(cmd, args)
		}
	}
	for _, sub := range cmd.Commands() {
		markStart(sub, a)
	}
}

// setLogger replaces a.log with a logger at level and format, each of which
// falls back to the config default when empty. A bad value is a usage
// error.
func (a *app) setLogger(level, format string) error {
	if level == "" {
		level = config.DefaultLogLevel
	}
	if format == "" {
		format = config.DefaultLogFormat
	}
	log, err := newLogger(a.stderr, level, format)
	if err != nil {
		return usageError(err)
	}
	a.log = log
	return nil
}

// loadConfig loads the file named by --config, or the default path, and
// sets the logger from the config, where the --log-level and --log-format
// flags win. Every error it returns is a usage error, exit code 2.
func (a *app) loadConfig() (*config.Config, error) {
	return a.loadConfigFile(false)
}

// loadConfigOrDefaults loads the config file as loadConfig does, but a
// config file missing at the default path gives the default settings, so
// that auth login and sync with FOLDER arguments work before any config
// file exists. A file named by --config must exist.
func (a *app) loadConfigOrDefaults() (*config.Config, error) {
	return a.loadConfigFile(true)
}

func (a *app) loadConfigFile(defaultsIfMissing bool) (*config.Config, error) {
	path := a.configPath
	if path == "" {
		defaultPath, err := config.DefaultPath()
		if err != nil {
			return nil, usageError(fmt.Errorf("find config file: %w; pass --config", err))
		}
		path = defaultPath
	}

	cfg, err := config.Load(path)
	if errors.Is(err, fs.ErrNotExist) && defaultsIfMissing && a.configPath == "" {
		cfg, err = config.Parse(path, nil)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, usageError(fmt.Errorf("%w; create it from config.example.yaml or pass --config FILE", err))
	}
	if err != nil {
		return nil, usageError(err)
	}

	level, format := cfg.Log.Level, cfg.Log.Format
	if a.logLevel != "" {
		level = a.logLevel
	}
	if a.logFormat != "" {
		format = a.logFormat
	}
	if err := a.setLogger(level, format); err != nil {
		return nil, err
	}
	return cfg, nil
}
