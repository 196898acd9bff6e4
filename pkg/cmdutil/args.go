package cmdutil

import "github.com/spf13/cobra"

// Args wraps a cobra argument check so that its failure exits 2 and points
// at the help.
func Args(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return UsageErrorf("%v (see '%s --help')", err, cmd.CommandPath())
		}
		return nil
	}
}

// CheckCaptureFlags refuses --capture beside --no-capture, and an empty
// --capture, for the commands that write a capture file (listen, sandbox).
func CheckCaptureFlags(noCapture, captureGiven bool, path string) error {
	switch {
	case noCapture && captureGiven:
		return UsageErrorf("--capture and --no-capture contradict each other: drop one")
	case path == "" && !noCapture:
		return UsageErrorf("--capture needs a file name (or pass --no-capture)")
	}
	return nil
}
