package root

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/smshook/smshook/pkg/cmdutil"
)

// unknownCommand rewrites cobra's run-on "unknown command "sned" for
// "smshook"\n\nDid you mean this?\n\tsend" as one line with the suggestion.
func unknownCommand(root *cobra.Command, err error) error {
	quoted, qerr := strconv.QuotedPrefix(strings.TrimPrefix(err.Error(), "unknown command "))
	name, uerr := strconv.Unquote(quoted)
	if qerr != nil || uerr != nil {
		return cmdutil.UsageErrorf("%s: 'smshook --help' lists the commands", strings.SplitN(err.Error(), "\n", 2)[0])
	}
	if s := root.SuggestionsFor(name); len(s) > 0 {
		return cmdutil.UsageErrorf("unknown command %q: did you mean %q? 'smshook --help' lists the commands", name, s[0])
	}
	return cmdutil.UsageErrorf("unknown command %q: 'smshook --help' lists the commands", name)
}

// badFlagValue says what a flag takes when its value does not parse,
// instead of pflag's "strconv.ParseInt: parsing "abc": invalid syntax".
func badFlagValue(err error) (string, bool) {
	var bad *pflag.InvalidValueError
	if !errors.As(err, &bad) {
		return "", false
	}
	takes := map[string]string{
		"int":      "a whole number",
		"int64":    "a whole number",
		"uint":     "a whole number",
		"float64":  "a number",
		"duration": "a duration such as 500ms, 10s or 2m",
		"bool":     "true or false",
	}[bad.GetFlag().Value.Type()]
	if takes == "" {
		return "", false
	}
	return fmt.Sprintf("--%s takes %s, not %q", bad.GetFlag().Name, takes, bad.GetValue()), true
}
