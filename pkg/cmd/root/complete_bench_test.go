package root

import (
	"testing"

	"github.com/spf13/cobra"

	"github.com/smshook/smshook/pkg/iostreams"
)

// A completion runs as a whole smshook invocation on every TAB press. The
// baseline is the cheapest invocation there is, `smshook version`, through
// the same Run (command tree built, flags parsed).
func benchRun(b *testing.B, env map[string]string, args ...string) {
	getenv := func(k string) string { return env[k] }
	for b.Loop() {
		io, _, _, _ := iostreams.Test()
		if code := Run(args, io, getenv); code != 0 {
			b.Fatalf("%q exited %d", args, code)
		}
	}
}

func BenchmarkRunVersionBaseline(b *testing.B) {
	benchRun(b, map[string]string{}, "version")
}

func BenchmarkCompleteProviders(b *testing.B) {
	benchRun(b, map[string]string{}, cobra.ShellCompRequestCmd, "sign", "")
}

func BenchmarkCompleteProfilesFromConfig(b *testing.B) {
	env := withConfig(b, profilesYAML)
	benchRun(b, env, cobra.ShellCompRequestCmd, "sign", "--profile", "")
}

func BenchmarkCompleteEventOfProfile(b *testing.B) {
	env := withConfig(b, profilesYAML)
	benchRun(b, env, cobra.ShellCompRequestCmd, "verify", "--profile", "cellcast-staging", "--event", "")
}
