package check

import (
	"fmt"

	"github.com/smshook/smshook/pkg/iostreams"
)

// printList prints the battery: each case, what it sends, what passes and
// why it matters.
func printList(io *iostreams.IOStreams, format string) error {
	if format == "json" {
		return iostreams.WriteJSON(io.Out, Cases(), io.JSONColorEnabled())
	}
	cs := io.ColorScheme()
	for i, c := range Cases() {
		if i > 0 {
			fmt.Fprintln(io.Out)
		}
		name := cs.Bold(c.Name)
		if c.Security {
			name += "  " + cs.Red("security")
		}
		fmt.Fprintln(io.Out, name)
		fmt.Fprintf(io.Out, "  sends:  %s\n", c.Sends)
		fmt.Fprintf(io.Out, "  passes: %s\n", c.Passes)
		fmt.Fprintf(io.Out, "  why:    %s\n", c.Why)
	}
	return nil
}

// printReport prints security failures first and loud, then every case
// in order, then the summary. The handler's reply goes through the
// terminal door.
func printReport(io *iostreams.IOStreams, rep *report) {
	cs := io.ColorScheme()
	out := io.Out
	fmt.Fprintf(out, "%s %s at %s (kinds: %s)\n\n", cs.Bold("smshook check"), rep.Provider,
		iostreams.SafeLine(rep.URL), joinOr(rep.Kinds, "none"))
	if rep.Security > 0 {
		fmt.Fprintln(out, cs.Red(cs.Bold(fmt.Sprintf("SECURITY: the handler accepted %d request(s) it must refuse", rep.Security))))
		for i := range rep.Results {
			if r := &rep.Results[i]; r.SecurityFailure() {
				fmt.Fprintln(out, resultLine(cs, r))
			}
		}
		fmt.Fprintln(out)
	}
	for i := range rep.Results {
		if r := &rep.Results[i]; !r.SecurityFailure() {
			fmt.Fprintln(out, resultLine(cs, r))
		}
	}
	fmt.Fprintln(out)
	summary := fmt.Sprintf("%d cases: %d passed, %d failed", len(rep.Results), rep.Passed, rep.Failed)
	if rep.Security > 0 {
		summary += fmt.Sprintf(" (%d security)", rep.Security)
	}
	summary += fmt.Sprintf(", %d n/a", rep.NotApplicable)
	switch {
	case rep.Security > 0:
		fmt.Fprintln(out, cs.Red(cs.Bold(summary)))
	case rep.Failed > 0:
		fmt.Fprintln(out, cs.Red(summary))
	default:
		fmt.Fprintln(out, cs.Green(summary))
	}
}

// resultLine is one case on one line: verdict, name, what was sent, what
// came back, and why it matters.
func resultLine(cs *iostreams.ColorScheme, r *Result) string {
	name := r.Case
	if r.Kind != "" {
		name = r.Kind + " " + r.Case
	}
	switch r.Verdict {
	case VerdictNA:
		return fmt.Sprintf("%s %s: n/a: %s", cs.Gray("-"), name, r.NotApplicable)
	case VerdictPass:
		line := fmt.Sprintf("%s %s: sent %s; got %s", cs.SuccessIcon(), name, r.Sent, iostreams.SafeLine(r.Got))
		for _, w := range r.Warnings {
			line += cs.Yellow(" (warning: " + iostreams.SafeLine(w) + ")")
		}
		return line + cs.Gray(" · "+r.Why)
	}
	icon := cs.FailureIcon()
	if r.SecurityFailure() {
		icon += " " + cs.Red(cs.Bold("SECURITY"))
	}
	line := fmt.Sprintf("%s %s: sent %s; got %s, expected %s", icon, name, r.Sent, iostreams.SafeLine(r.Got), r.Expected)
	for _, p := range r.Problems {
		line += "; " + iostreams.SafeLine(p)
	}
	if r.Reply != "" {
		line += "; reply: " + iostreams.SafeLine(r.Reply)
	}
	return line + " · " + r.Why
}

func joinOr(list []string, empty string) string {
	if len(list) == 0 {
		return empty
	}
	s := list[0]
	for _, v := range list[1:] {
		s += ", " + v
	}
	return s
}
