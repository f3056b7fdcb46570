package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// CommandTimeout bounds one run of the binary, so that a hang fails the
// test instead of stalling the suite.
const CommandTimeout = 2 * time.Minute

// Result is the outcome of one run of the binary.
type Result struct {
	Code   int
	Stdout string
	Stderr string
}

func (r Result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
}

// IsolatedEnv returns an environment that contains only PATH, HOME set to
// home, and XDG_CONFIG_HOME and XDG_STATE_HOME below home, so that the
// binary reads and writes nothing of the user's who runs the tests.
func IsolatedEnv(home string) []string {
	return []string{
		"HOME=" + home,
		"PATH=" + os.Getenv("PATH"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"XDG_STATE_HOME=" + filepath.Join(home, "state"),
	}
}

// Command returns binary with args and the environment env, ready to start.
// The context kills the process when it ends.
func Command(ctx context.Context, binary string, env []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = env
	return cmd
}

// Run runs binary with args and the environment env to the end, bounded
// by CommandTimeout, and returns its exit code and output.
func Run(tb testing.TB, binary string, env []string, args ...string) Result {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), CommandTimeout)
	defer cancel()
	return RunCommand(tb, Command(ctx, binary, env, args...))
}

// RunCommand runs cmd to the end and returns its exit code and output. It
// sets the command's Stdout and Stderr. A command that cannot start fails
// the test, and one that its context kills returns exit code -1.
func RunCommand(tb testing.TB, cmd *exec.Cmd) Result {
	tb.Helper()
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
	case err != nil:
		tb.Fatalf("run %v: %v", cmd.Args, err)
	}
	return Result{Code: code, Stdout: stdout.String(), Stderr: stderr.String()}
}
