package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/photosync/photosync/config"
	"github.com/photosync/photosync/state"
	photosync "github.com/photosync/photosync/sync"
)

// stateFileName is the state store's file inside the state directory.
const stateFileName = "state.db"

func init() { registerCommand(newSyncCommand) }

// syncOptions are the flags of the sync command.
type syncOptions struct {
	dryRun   bool
	emulator bool
	yes      bool
	adopt    []string
}

func (o *syncOptions) addFlags(cmd *cobra.Command) {
	flags := cmd.Flags()
	flags.BoolVar(&o.dryRun, "dry-run", false,
		"print the planned uploads and album changes and change nothing, locally or remotely")
	flags.BoolVar(&o.emulator, "emulator", false,
		"sync with an embedded emulator that keeps its library under the state directory, not with Google Photos")
	flags.BoolVar(&o.yes, "yes", false,
		"apply local deletes that would remove a large share of a folder's items from albums")
	flags.BoolVar(&o.yes, "confirm-removals", false,
		"apply remote removals that would move a large share of a folder's files to its trash (same as --yes)")
	flags.StringArrayVar(&o.adopt, "adopt-folder", nil,
		"write a new marker into this folder of the pass, after its marker was lost or damaged; "+
			"give it only when the folder's disk is mounted and holds the photos synced before (repeatable)")
}

func newSyncCommand(a *app) *cobra.Command {
	var opts syncOptions
	cmd := &cobra.Command{
		Use:   "sync [--dry-run] [--emulator] [--yes] [--adopt-folder FOLDER] [FOLDER...]",
		Short: "Upload every folder once, then exit",
		Long: "Make one pass over the folders: upload new photos and videos, mirror each\n" +
			"sub-folder as an album, and apply local renames, moves and deletes to the\n" +
			"albums. FOLDER arguments replace the config's folder list; a FOLDER that the\n" +
			"config lists keeps its options, any other gets the default ones. Without a\n" +
			"config file, FOLDER arguments are required and every other setting is the\n" +
			"default.\n\n" +
			"A file modified less than settle_time ago is waited for once, up to\n" +
			"settle_time, and skipped until the next run if it is still changing.\n" +
			"A dry run does not wait and lists such files as unsettled.\n\n" +
			"The exit code is 1 when a supported file was left for the next run:\n" +
			"unreadable, modified less than settle_time ago, changed during its upload,\n" +
			"or rejected by the API. The summary gives each one's reason. Unsupported\n" +
			"and empty files are listed but do not change the exit code.\n\n" +
			"A pass whose local deletes would remove more than a folder's\n" +
			"delete_threshold of its items from albums pauses that folder; --yes applies\n" +
			"them. Two-way and download-only folders also download what other installs\n" +
			"added; items removed from an album remotely move the local file to\n" +
			".photosync/trash/<date>/, and a pass that would move more than\n" +
			"delete_threshold of a folder's files there waits for --confirm-removals.\n\n" +
			"A folder synced before whose marker .photosync/folder.json is missing\n" +
			"or damaged is not synced, because an unmounted disk looks the same and\n" +
			"its files would read as deleted. Once the disk is mounted,\n" +
			"--adopt-folder FOLDER writes a new marker and syncs the folder.\n\n" +
			"Ctrl-C (SIGINT) stops the pass, prints its summary and exits with 130,\n" +
			"or 143 after SIGTERM. Finished uploads are recorded, and the next run\n" +
			"resumes the rest.\n\n" + exitCodeHelp,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSync(cmd, a, opts, args)
		},
	}
	opts.addFlags(cmd)
	return cmd
}

func runSync(cmd *cobra.Command, a *app, opts syncOptions, args []string) error {
	ctx := cmd.Context()
	cfg, err := syncConfig(a, args)
	if err != nil {
		return err
	}
	folders, err := syncFolders(cfg, args)
	if err != nil {
		return err
	}
	if err := adoptFolders(opts, folders, time.Now()); err != nil {
		return err
	}
	// A running daemon holds the state store: ask it for the pass.
	if handled, err := syncViaDaemon(ctx, a, cfg, folders, opts, len(args) > 0); handled {
		return err
	}

	store, closeStore, err := openSyncStore(cfg.StateDir, opts.dryRun)
	if err != nil {
		return err
	}
	defer closeStore()
	if err := checkNewFoldersExist(store, folders); err != nil {
		return err
	}

	syncOpts := photosync.Options{
		Store:      store,
		Budget:     photosync.Budget{DailyLimit: cfg.Quota.DailyLimit, PollReserve: cfg.Quota.PollReserve},
		Workers:    cfg.Workers,
		SettleTime: cfg.SettleTime,
		WaitSettle: !opts.dryRun,
		DryRun:     opts.dryRun,
		Confirmed:  opts.yes,
		Logger:     a.log,

		FullPollInterval: cfg.FullPollInterval,
	}
	// Tests of the binary move the pass's clock with the emulator's, for
	// example past the wait after an album creation that may have
	// succeeded.
	clock, err := daemonClock(ctx)
	if err != nil {
		return usageError(err)
	}
	if clock != nil {
		syncOpts.Now = clock.Now
	}
	if opts.dryRun && opts.emulator {
		fmt.Fprintln(a.stderr, "photosync: --dry-run: the emulator is not started, and nothing remote is contacted")
	}
	if !opts.dryRun {
		closeRemote, err := connectSync(ctx, a, cfg, opts.emulator, &syncOpts)
		if err != nil {
			return err
		}
		defer closeRemote()
	}
	bar := newSyncProgress(a.stderr)
	if bar != nil {
		syncOpts.Progress = bar.update
		// The bar replaces the per-file info lines, which would break it
		// on every update. Warnings and errors still print.
		if a.log.GetLevel() == zerolog.InfoLevel {
			syncOpts.Logger = a.log.Level(zerolog.WarnLevel)
		}
	}

	syncer, err := photosync.New(syncOpts)
	if err != nil {
		return fatalError(err)
	}
	sum, runErr := syncer.Run(ctx, folders)
	if bar != nil {
		bar.finish()
	}
	if opts.dryRun {
		writePlans(a.stdout, folders, sum)
	}
	if sum != nil {
		sum.Write(a.stdout)
	}
	if errors.Is(runErr, context.Canceled) {
		return interruptedError(context.Cause(ctx))
	}
	return syncExit(runErr, sum)
}

// Exit codes of a sync stopped by a signal, 128 plus the signal number as
// shells report it. They are documented in the sync command's help.
const (
	exitInterrupted = 128 + int(syscall.SIGINT)
	exitTerminated  = 128 + int(syscall.SIGTERM)
)

// interruptedError returns the error of a pass that SIGINT or SIGTERM
// stopped. The summary printed before it counts what was done. The next
// run resumes the rest, because the store already has every finished
// upload and item.
func interruptedError(cause error) error {
	code := exitInterrupted
	if cause != nil && strings.Contains(cause.Error(), syscall.SIGTERM.String()) {
		code = exitTerminated
	}
	return &exitError{code: code, err: errors.New("sync interrupted; what was uploaded is recorded, " +
		"and the next photosync sync resumes the rest")}
}

// adoptFolders writes a new marker into each folder of --adopt-folder.
// Each must be a folder of the pass, so a typo cannot mark another
// directory as synced.
func adoptFolders(opts syncOptions, folders []config.Folder, now time.Time) error {
	if len(opts.adopt) > 0 && opts.dryRun {
		return usageError(errors.New("--adopt-folder writes a marker, so it cannot be combined with --dry-run"))
	}
	for _, arg := range opts.adopt {
		root, err := filepath.Abs(arg)
		if err != nil {
			return usageError(fmt.Errorf("--adopt-folder %q: %w", arg, err))
		}
		if !slices.ContainsFunc(folders, func(f config.Folder) bool { return f.Path == root }) {
			return usageError(fmt.Errorf("--adopt-folder %s: not a folder of this sync; "+
				"give a folder of the config or of the FOLDER arguments", root))
		}
		if err := photosync.AdoptFolder(root, now); err != nil {
			return fatalError(err)
		}
	}
	return nil
}

// checkNewFoldersExist rejects, as bad usage, a folder that does not exist
// and that the store has never synced: the path is most likely mistyped.
// A missing folder that was synced before may be an unmounted disk, and
// the pass reports it instead.
func checkNewFoldersExist(store *state.Store, folders []config.Folder) error {
	for _, f := range folders {
		_, statErr := os.Stat(f.Path)
		if !errors.Is(statErr, fs.ErrNotExist) {
			continue
		}
		var known bool
		err := store.View(func(tx *state.Tx) error {
			_, ok, err := tx.GetFolder(f.Path)
			known = ok
			return err
		})
		if err != nil {
			return fatalError(fmt.Errorf("read folder record of %s: %w", f.Path, err))
		}
		if !known {
			return usageError(fmt.Errorf("folder %s does not exist and was never synced; "+
				"create it or fix the path", f.Path))
		}
	}
	return nil
}

// openSyncStore opens the state store in stateDir, creating the directory,
// and returns it with the function that closes it. A dry run writes nothing
// there: it opens an existing store read-only, or else an empty store in a
// temporary directory that the close function removes.
func openSyncStore(stateDir string, dryRun bool) (*state.Store, func(), error) {
	dbPath := filepath.Join(stateDir, stateFileName)
	opts := state.Options{}
	var tmp string
	switch _, statErr := os.Stat(dbPath); {
	case dryRun && statErr == nil:
		opts.ReadOnly = true
	case dryRun:
		var err error
		tmp, err = os.MkdirTemp("", "photosync-dry-run-")
		if err != nil {
			return nil, nil, fatalError(fmt.Errorf("create dry-run state: %w", err))
		}
		dbPath = filepath.Join(tmp, stateFileName)
	default:
		if err := os.MkdirAll(stateDir, 0o700); err != nil {
			return nil, nil, fatalError(fmt.Errorf("create state directory: %w", err))
		}
	}
	// When a daemon that does not respond on the socket holds the store,
	// this fails with the lock error that names its pid.
	store, err := state.Open(dbPath, opts)
	if err != nil {
		if tmp != "" {
			os.RemoveAll(tmp)
		}
		return nil, nil, fatalError(err)
	}
	closeStore := func() {
		store.Close()
		if tmp != "" {
			os.RemoveAll(tmp)
		}
	}
	return store, closeStore, nil
}

// connectSync opens the Library API, or the embedded emulator, and sets the
// remote and the request counter of syncOpts. The returned function closes
// the connection.
func connectSync(ctx context.Context, a *app, cfg *config.Config, useEmulator bool,
	syncOpts *photosync.Options) (func(), error) {
	r, err := openRemote(ctx, cfg, useEmulator, a.log)
	if err != nil {
		return nil, err
	}
	counter := photosync.NewRequestCounter(syncOpts.Store, nil)
	r.setRequestHook(counter.Hook)
	syncOpts.Remote = photosync.NewRemote(r.client)
	syncOpts.Requests = counter
	return func() {
		r.setRequestHook(nil)
		if err := r.Close(); err != nil {
			a.log.Warn().Err(err).Msg("close the API connection")
		}
	}, nil
}

// syncExit maps the outcome of a pass to the command's error and exit code.
func syncExit(runErr error, sum *photosync.Summary) error {
	var fatal *photosync.FatalError
	switch {
	case errors.As(runErr, &fatal):
		return fatalError(fmt.Errorf("sync stopped: %w", runErr))
	case runErr != nil:
		return fatalError(fmt.Errorf("sync: %w", runErr))
	case sum.HasFailures():
		return itemsFailedError(errors.New("some files or folders did not sync; see the summary above"))
	}
	return nil
}

// syncConfig loads the config file. A config file missing at the default
// path gives the defaults, so that a first try with FOLDER arguments needs
// no config file.
func syncConfig(a *app, _ []string) (*config.Config, error) {
	return a.loadConfigOrDefaults()
}

// syncFolders returns the folders of the pass: the arguments when there are
// any, else the config's folders.
func syncFolders(cfg *config.Config, args []string) ([]config.Folder, error) {
	if len(args) == 0 {
		if len(cfg.Folders) == 0 {
			return nil, usageError(fmt.Errorf("no folders to sync: pass them as arguments "+
				"(photosync sync ~/Pictures), or list them under folders: in %s "+
				"or in a config file given with --config", cfg.File))
		}
		return cfg.Folders, nil
	}
	var folders []config.Folder
	for _, arg := range args {
		root, err := filepath.Abs(arg)
		if err != nil {
			return nil, usageError(fmt.Errorf("folder %q: %w", arg, err))
		}
		root = filepath.Clean(root)
		i := slices.IndexFunc(cfg.Folders, func(f config.Folder) bool { return f.Path == root })
		if i >= 0 {
			folders = append(folders, cfg.Folders[i])
			continue
		}
		folders = append(folders, config.Folder{
			Path:            root,
			Mode:            config.DefaultMode,
			RemoteDelete:    config.DefaultRemoteDelete,
			DeleteThreshold: config.DefaultDeleteThreshold,
		})
	}
	if err := checkFolderArgs(cfg, folders); err != nil {
		return nil, usageError(err)
	}
	return folders, nil
}

// checkFolderArgs applies the config's folder checks to the folders given
// as arguments: each is listed once, none lies inside another or inside a
// folder of the config, and none contains the state directory or lies in
// it. Either would sync one file under two folders, or sync the state
// store itself.
func checkFolderArgs(cfg *config.Config, folders []config.Folder) error {
	for i, a := range folders {
		if within(cfg.StateDir, a.Path) || within(a.Path, cfg.StateDir) {
			return fmt.Errorf("folder %q overlaps the state directory %q; sync a folder outside it, "+
				"or move state_dir", a.Path, cfg.StateDir)
		}
		for _, b := range folders[:i] {
			if a.Path == b.Path {
				return fmt.Errorf("folder %q is given twice; give it once", a.Path)
			}
			if within(a.Path, b.Path) || within(b.Path, a.Path) {
				return fmt.Errorf("folders %q and %q lie inside one another; give only the outer one", b.Path, a.Path)
			}
		}
		for _, c := range cfg.Folders {
			if c.Path != a.Path && (within(a.Path, c.Path) || within(c.Path, a.Path)) {
				return fmt.Errorf("folder %q overlaps %q of %s; sync %q itself, "+
					"because two folders would give the same files two albums", a.Path, c.Path, cfg.File, c.Path)
			}
		}
	}
	return nil
}

// within reports whether path is dir or lies inside it. Both are clean and
// absolute.
func within(path, dir string) bool {
	if path == dir {
		return true
	}
	if dir != string(filepath.Separator) {
		dir += string(filepath.Separator)
	}
	return strings.HasPrefix(path, dir)
}

// writePlans prints each folder's planned operations for --dry-run.
func writePlans(w io.Writer, folders []config.Folder, sum *photosync.Summary) {
	if sum == nil {
		return
	}
	for _, f := range folders {
		plan, ok := sum.Plans[f.Path]
		if !ok {
			continue
		}
		fmt.Fprintf(w, "%s: %d uploads (%d bytes), %d albums written, %d other changes\n",
			f.Path, plan.Count(photosync.OpUpload), plan.UploadBytes(), len(plan.Albums),
			len(plan.Ops)-plan.Count(photosync.OpUpload))
		if plan.Paused != "" {
			fmt.Fprintf(w, "  paused: %s\n", plan.Paused)
		}
		for _, dir := range plan.Albums {
			if dir == "" {
				dir = f.RootAlbum
			}
			fmt.Fprintf(w, "  album %q\n", dir)
		}
		for _, op := range plan.Ops {
			fmt.Fprintf(w, "  %s\n", op)
		}
	}
	fmt.Fprintln(w, "dry run: nothing was changed")
}

// progressThrottle limits how often the progress bar redraws.
const progressThrottle = 100 * time.Millisecond

// syncProgress draws the pass's progress on a terminal: bytes in the bar,
// files in its description.
type syncProgress struct {
	bar                     *progressbar.ProgressBar
	filesDone, filesPlanned int
}

// newSyncProgress returns a progress bar on w when w is a terminal, and nil
// otherwise, where the log lines report progress.
func newSyncProgress(w io.Writer) *syncProgress {
	if !isTerminal(w) {
		return nil
	}
	bar := progressbar.NewOptions64(0,
		progressbar.OptionSetWriter(w),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(progressThrottle),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetDescription("files 0/0"),
	)
	return &syncProgress{bar: bar}
}

// update applies one progress event. The engine calls it one event at a
// time.
func (p *syncProgress) update(ev photosync.Progress) {
	if ev.PlannedBytes > 0 || ev.PlannedFiles > 0 {
		p.bar.AddMax64(ev.PlannedBytes)
		p.filesPlanned += ev.PlannedFiles
	}
	if ev.DoneBytes > 0 {
		_ = p.bar.Add64(ev.DoneBytes)
	}
	p.filesDone += ev.DoneFiles
	if ev.Note != "" {
		p.bar.Describe(ev.Note)
		return
	}
	p.bar.Describe(fmt.Sprintf("files %d/%d", p.filesDone, p.filesPlanned))
}

func (p *syncProgress) finish() {
	_ = p.bar.Finish()
}
