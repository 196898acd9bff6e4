package cmdutil

import (
	"slices"
	"strings"
)

// SendingOutputFormat is OutputFormat for a run that sends (send, replay):
// a format only --dry-run prints (curl, http) says to add --dry-run.
func (f *Factory) SendingOutputFormat(allowed, dryRun []string) (string, error) {
	format, err := f.OutputFormat(allowed...)
	if err != nil {
		got := strings.ToLower(f.Viper.GetString(KeyOutput))
		if slices.Contains(dryRun, got) {
			return "", UsageErrorf("--output %s prints the request instead of sending it: add --dry-run (when sending: %s)", got, strings.Join(allowed, ", "))
		}
	}
	return format, err
}
