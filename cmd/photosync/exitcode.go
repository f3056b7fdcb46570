package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/photosync/photosync/config"
)

// Exit codes of the photosync binary. They are part of its interface:
// scripts and service managers act on them, so their values never change.
const (
	// exitOK means the command did all its work. After a sync it means
	// that every item is in step.
	exitOK = 0
	// exitItemsFailed means the run finished but some items failed and
	// were recorded. A later run retries them.
	exitItemsFailed = 1
	// exitUsage means bad usage or configuration: an unknown command or
	// flag, wrong arguments, or an invalid config file.
	exitUsage = 2
	// exitFatal means the run could not go on, for example because the
	// credentials are missing or another process holds the state file.
	exitFatal = 3
)

// exitCodeHelp documents the exit codes in the root command's help.
var exitCodeHelp = strings.Join([]string{
	"Exit codes:",
	fmt.Sprintf("  %d  success; after a sync, every item is in step", exitOK),
	fmt.Sprintf("  %d  some items failed; they are recorded and retried on the next run", exitItemsFailed),
	fmt.Sprintf("  %d  bad usage or configuration (unknown flag, wrong arguments, invalid config file)", exitUsage),
	fmt.Sprintf("  %d  fatal error, such as missing credentials or a state file locked by another process", exitFatal),
}, "\n")

// exitError attaches an exit code to an error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func (e *exitError) Unwrap() error { return e.err }

// usageError marks err as bad usage or configuration (exit code 2).
func usageError(err error) error { return &exitError{code: exitUsage, err: err} }

// fatalError marks err as fatal for the run (exit code 3).
func fatalError(err error) error { return &exitError{code: exitFatal, err: err} }

// itemsFailedError marks err as a run that finished with some failed items
// (exit code 1). Commands return it after printing their summary.
func itemsFailedError(err error) error { return &exitError{code: exitItemsFailed, err: err} }

// exitCode maps the error a command returned to the process exit code. An
// error with a code from usageError, fatalError or itemsFailedError keeps
// it, and an invalid config file is bad usage. Any other error is bad usage
// when the command never started, because cobra rejected its flags or
// arguments, and fatal once it had started.
func exitCode(err error, started bool) int {
	if err == nil {
		return exitOK
	}
	var coded *exitError
	if errors.As(err, &coded) {
		return coded.code
	}
	var configErr *config.Error
	if errors.As(err, &configErr) {
		return exitUsage
	}
	if !started {
		return exitUsage
	}
	return exitFatal
}
