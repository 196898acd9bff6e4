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
