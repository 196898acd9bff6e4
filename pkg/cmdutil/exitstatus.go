package cmdutil

import "strings"

// ExitStatusOf is the EXIT STATUS section of a command that checks no
// signature and sends nothing: it succeeds, exits 2 for the usage errors
// it names, and, when failure is not "", 1 for that. ExitStatusHelp is the
// section of the commands that check signatures and send requests.
func ExitStatusOf(usage, failure string) string {
	lines := []string{"EXIT STATUS", "  0    success"}
	if failure != "" {
		lines = append(lines, "  1    failure: "+failure)
	}
	lines = append(lines, "  2    usage error: "+usage)
	return strings.Join(lines, "\n")
}
