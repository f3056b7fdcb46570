package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/photosync/photosync/config"
)

func newConfigCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Inspect the config file",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "check",
		Short: "Validate the config file and print the values in effect",
		Long: "Validate the config file and print every value in effect, with\n" +
			"defaults filled in and paths expanded. Exits with code 2 and lists every\n" +
			"problem, with its line, when the file is invalid.",
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			return printConfig(a.stdout, cfg)
		},
	})
	return cmd
}

// printConfig writes the values of cfg in effect as YAML that loads back
// into the same Config, in the order of config.example.yaml. Strings are
// quoted with Go's %q, whose escapes YAML double-quoted strings share.
func printConfig(w io.Writer, cfg *config.Config) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s is valid\n", cfg.File)
	fmt.Fprintf(&b, "state_dir: %q\nsocket: %q\n", cfg.StateDir, cfg.Socket)
	fmt.Fprintf(&b, "api:\n  endpoint: %q\n  upload_endpoint: %q\n  auth_url: %q\n  token_url: %q\n  revoke_url: %q\n",
		cfg.API.Endpoint, cfg.API.UploadEndpoint, cfg.API.AuthURL, cfg.API.TokenURL, cfg.API.RevokeURL)
	fmt.Fprintf(&b, "  credentials_file: %q\n  token_file: %q\n", cfg.API.CredentialsFile, cfg.API.TokenFile)

	b.WriteString("folders:\n")
	for _, f := range cfg.Folders {
		fmt.Fprintf(&b, "  - path: %q\n    mode: %s\n    include: %s\n    exclude: %s\n",
			f.Path, f.Mode, quoteList(f.Include), quoteList(f.Exclude))
		fmt.Fprintf(&b, "    remote_delete: %s\n    root_album: %q\n    follow_symlinks: %t\n    delete_threshold: %g\n",
			f.RemoteDelete, f.RootAlbum, f.FollowSymlinks, f.DeleteThreshold)
	}

	fmt.Fprintf(&b, "poll_interval: %s\nfull_poll_interval: %s\nscan_interval: %s\nsettle_time: %s\n",
		cfg.PollInterval, cfg.FullPollInterval, cfg.ScanInterval, cfg.SettleTime)
	fmt.Fprintf(&b, "workers: %d\nquota:\n  daily_limit: %d\n  poll_reserve: %d\n",
		cfg.Workers, cfg.Quota.DailyLimit, cfg.Quota.PollReserve)
	fmt.Fprintf(&b, "log:\n  level: %s\n  format: %s\n", cfg.Log.Level, cfg.Log.Format)

	_, err := io.WriteString(w, b.String())
	return err
}

// quoteList formats patterns as a YAML flow list of quoted strings.
func quoteList(patterns []string) string {
	quoted := make([]string, len(patterns))
	for i, p := range patterns {
		quoted[i] = fmt.Sprintf("%q", p)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}
