package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/photosync/photosync/daemon"
)

func init() { registerCommand(newStatusCommand) }

// statusFailuresShown is how many failed files the table lists per folder;
// --json has all the daemon keeps.
const statusFailuresShown = 5

func newStatusCommand(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status [--json]",
		Short: "Show what the running daemon is doing",
		Long: "Ask the running daemon, over its status socket, for the state of every\n" +
			"folder and of the account's daily quota. --json prints the daemon's status\n" +
			"document, whose fields are only ever added to. Exits with code 3 when no\n" +
			"daemon is running.\n\n" + exitCodeHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			client := daemon.NewClient(cfg.Socket)
			raw, err := client.StatusJSON(cmd.Context())
			if err != nil {
				return fatalError(err)
			}
			if asJSON {
				var out bytes.Buffer
				if err := json.Indent(&out, raw, "", "  "); err != nil {
					return fatalError(fmt.Errorf("read daemon status: %w", err))
				}
				out.WriteByte('\n')
				_, err := a.stdout.Write(out.Bytes())
				return err
			}
			var st daemon.Status
			if err := json.Unmarshal(raw, &st); err != nil {
				return fatalError(fmt.Errorf("read daemon status: %w", err))
			}
			writeStatus(a.stdout, &st, time.Now())
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the status document as JSON")
	return cmd
}

// writeStatus prints the status as a table for people.
func writeStatus(w io.Writer, st *daemon.Status, now time.Time) {
	fmt.Fprintf(w, "photosync daemon, pid %d, running for %s\n", st.PID,
		now.Sub(st.Started).Round(time.Second))
	fmt.Fprintf(w, "%s\n\n", st.Summary)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FOLDER\tMODE\tSTATE\tIN SYNC\tQUEUED\tFAILED\tLAST POLL")
	for _, f := range st.Folders {
		state := f.State.String()
		if f.PauseReason != "" {
			state += " (" + string(f.PauseReason) + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\n", f.Path, f.Mode, state,
			f.InSync, f.Queued, f.Failed, ago(now, f.LastPoll))
	}
	tw.Flush()

	for _, f := range st.Folders {
		if f.LastError != "" {
			fmt.Fprintf(w, "\n%s: %s\n", f.Path, f.LastError)
		}
		if f.PauseDetail != "" {
			fmt.Fprintf(w, "\n%s paused: %s\n", f.Path, f.PauseDetail)
		}
		if len(f.Failures) > 0 {
			fmt.Fprintf(w, "\n%s: %d files not synced\n", f.Path, len(f.Failures))
		}
		for i, fail := range f.Failures {
			if i == statusFailuresShown {
				fmt.Fprintf(w, "  ... and %d more; see photosync status --json\n", len(f.Failures)-i)
				break
			}
			fmt.Fprintf(w, "  %s: %s\n", fail.Path, fail.Reason)
		}
	}

	for _, acct := range st.Accounts {
		q := acct.Quota
		fmt.Fprintf(w, "\nquota: %d of %d requests used today, %d left (%d kept for polls), resets %s\n",
			q.Used, q.Limit, q.Left, q.Reserve, q.Reset.Local().Format("2006-01-02 15:04 MST"))
		if acct.UploadsPaused {
			fmt.Fprintf(w, "uploads paused until %s\n", q.PausedUntil.Local().Format("2006-01-02 15:04 MST"))
		}
		if acct.LoginNeeded {
			fmt.Fprintf(w, "login needed: run photosync auth login (%s)\n", acct.LoginError)
		}
	}
}

// ago formats the time since t, or "never" for the zero time.
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return now.Sub(t).Round(time.Second).String() + " ago"
}
