// Package cmdutil is what commands share: the factory that hands them IO,
// config and providers, typed errors that map to exit codes, and helpers for
// inputs every command reads the same way.
package cmdutil

import (
	"context"
	"errors"
	"fmt"
)

// Exit codes, documented in every command's help.
const (
	ExitOK          = 0
	ExitFailure     = 1   // the check failed: invalid signature, unexpected reply, lost request
	ExitUsage       = 2   // bad flags, arguments, config or input
	ExitInterrupted = 130 // Ctrl-C / SIGINT
)

// ExitStatusHelp ends every command's long help.
const ExitStatusHelp = `EXIT STATUS
  0    success
  1    failure: the signature is invalid, a reply was not the one expected, a request failed
  2    usage error: bad flags or arguments, unknown provider or profile, unreadable input
  130  interrupted (Ctrl-C)`

// ExitError carries the exit code for an error.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// UsageError marks err as the user's to fix: exit 2.
func UsageError(err error) error {
	if err == nil {
		return nil
	}
	return &ExitError{Code: ExitUsage, Err: err}
}

// UsageErrorf is UsageError with formatting.
func UsageErrorf(format string, args ...any) error {
	return UsageError(fmt.Errorf(format, args...))
}

// FailureErrorf is a failed check: exit 1.
func FailureErrorf(format string, args ...any) error {
	return &ExitError{Code: ExitFailure, Err: fmt.Errorf(format, args...)}
}

// SilentError exits with Code and prints nothing more: the command has
// already said what went wrong.
type SilentError struct{ Code int }

func (e *SilentError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// ErrInterrupted is returned by work stopped with Ctrl-C.
var ErrInterrupted = errors.New("interrupted")

// ExitCode maps an error to the process exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var silent *SilentError
	if errors.As(err, &silent) {
		return silent.Code
	}
	if errors.Is(err, ErrInterrupted) || errors.Is(err, context.Canceled) {
		return ExitInterrupted
	}
	var exit *ExitError
	if errors.As(err, &exit) {
		return exit.Code
	}
	return ExitFailure
}

// IsSilent reports whether err has already been reported to the user.
func IsSilent(err error) bool {
	var silent *SilentError
	return errors.As(err, &silent)
}
