package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/photosync/photosync/state"
	photosync "github.com/photosync/photosync/sync"
	"github.com/photosync/photosync/sync/check"
)

func init() { registerCommand(newStateCommand) }

func newStateCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "state",
		Short: "Inspect and repair the state store",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newStateCheckCommand(a))
	return cmd
}

// stateCheckOptions are the flags of the state check command.
type stateCheckOptions struct {
	repair   bool
	local    bool
	emulator bool
}

func (o *stateCheckOptions) addFlags(cmd *cobra.Command) {
	flags := cmd.Flags()
	flags.BoolVar(&o.repair, "repair", false,
		"change the records of the problems that can be rebuilt safely; never deletes a local file or a remote item")
	flags.BoolVar(&o.local, "local-only", false,
		"compare the store with the folders only, without contacting the server")
	flags.BoolVar(&o.emulator, "emulator", false,
		"compare with the embedded emulator under the state directory, as sync --emulator uses it")
}

func newStateCheckCommand(a *app) *cobra.Command {
	var opts stateCheckOptions
	cmd := &cobra.Command{
		Use:   "check [--repair] [--local-only] [--emulator]",
		Short: "Compare the state store with the folders and the server",
		Long: "Compare the state store with the synced folders and with Google Photos, and\n" +
			"print each disagreement with what it means:\n\n" +
			"  store            the state file is damaged\n" +
			"  folder-missing   a folder's root or marker is gone (an unmounted disk)\n" +
			"  file-gone        a recorded file is no longer on disk\n" +
			"  file-changed     a synced file has another size or modification time\n" +
			"  file-unrecorded  a supported file has no record yet\n" +
			"  item-missing     the server does not return a recorded media item\n" +
			"  album-missing    albums.list does not return a recorded album\n\n" +
			"--repair changes records only, so the next sync redoes the work: it drops\n" +
			"the records of missing media items, whose files then upload again; detaches\n" +
			"missing albums, whose items are then added to a new album; and drops records\n" +
			"of files that are gone and were never synced. It needs the state store to\n" +
			"itself, so stop the daemon first.\n\n" +
			"The exit code is 0 when nothing was found and 1 when something was, even\n" +
			"after --repair; run the check again to see what is left.\n\n" + exitCodeHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runStateCheck(cmd, a, opts)
		},
	}
	opts.addFlags(cmd)
	return cmd
}

func runStateCheck(cmd *cobra.Command, a *app, opts stateCheckOptions) error {
	ctx := cmd.Context()
	cfg, err := a.loadConfig()
	if err != nil {
		return err
	}
	dbPath := filepath.Join(cfg.StateDir, stateFileName)
	if _, err := os.Stat(dbPath); err != nil {
		return fatalError(fmt.Errorf("open state file: %w; run photosync sync first, "+
			"or set state_dir to the directory that holds %s", err, stateFileName))
	}
	store, err := state.Open(dbPath, state.Options{ReadOnly: !opts.repair})
	if err != nil {
		var locked *state.LockedError
		if errors.As(err, &locked) {
			return fatalError(fmt.Errorf("%w; stop the daemon or the running sync, then check again", err))
		}
		return fatalError(err)
	}
	defer store.Close()

	checkOpts := check.Options{Store: store, Folders: cfg.Folders, Repair: opts.repair, Logger: a.log}
	if !opts.local {
		r, err := openRemote(ctx, cfg, opts.emulator, a.log)
		if err != nil {
			return err
		}
		defer r.Close()
		reader, ok := photosync.NewRemote(r.client).(check.Remote)
		if !ok {
			return fatalError(errors.New("state check: the API connection cannot read items and albums"))
		}
		checkOpts.Remote = reader
	}

	report, err := check.Run(ctx, checkOpts)
	if err != nil {
		return fatalError(err)
	}
	report.Write(a.stdout)
	if !report.Clean() {
		return itemsFailedError(fmt.Errorf("state check found %d problems", len(report.Findings)))
	}
	return nil
}
