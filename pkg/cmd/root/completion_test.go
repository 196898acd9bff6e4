package root

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/iostreams"
)

// complete runs `smshook __complete args…` as the shell scripts do and
// returns the candidates (without descriptions) and the directive.
func complete(t *testing.T, env map[string]string, args ...string) ([]string, cobra.ShellCompDirective) {
	t.Helper()
	io, _, out, errOut := iostreams.Test()
	getenv := func(k string) string { return env[k] }
	if code := Run(append([]string{cobra.ShellCompRequestCmd}, args...), io, getenv); code != 0 {
		t.Fatalf("__complete %q exited %d: %s", args, code, errOut)
	}
	// cobra notes the directive on stderr, which the scripts discard; any
	// other line there would be ours.
	if extra := cobraNote.ReplaceAllString(errOut.String(), ""); extra != "" {
		t.Errorf("__complete %q wrote to stderr: %q", args, extra)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, ":") {
		t.Fatalf("__complete %q: no directive in %q", args, out)
	}
	d, err := strconv.Atoi(last[1:])
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range lines[:len(lines)-1] {
		name, _, _ := strings.Cut(l, "\t")
		names = append(names, name)
	}
	return names, cobra.ShellCompDirective(d)
}

var cobraNote = regexp.MustCompile(`(?m)^Completion ended with directive: \w+\n`)

// withConfig writes a config file and returns an environment pointing at it.
func withConfig(t testing.TB, yaml string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "smshook"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "smshook", "config.yaml"), []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"XDG_CONFIG_HOME": dir, "HOME": dir}
}

// noConfig is an environment with no config file.
func noConfig(t *testing.T) map[string]string {
	dir := t.TempDir()
	return map[string]string{"XDG_CONFIG_HOME": dir, "HOME": dir}
}

const profilesYAML = `profiles:
  dexatel-dev:
    provider: dexatel
    secret: s3cret
  cellcast-staging:
    provider: cellcast
    username: u
    password: p
`

const (
	noFiles = cobra.ShellCompDirectiveNoFileComp
	files   = cobra.ShellCompDirectiveDefault
)

func TestComplete(t *testing.T) {
	cfg := withConfig(t, profilesYAML)
	none := noConfig(t)
	allStatuses := []string{"accepted", "sent", "delivered", "failed", "rejected", "expired", "deleted", "received", "unknown"}
	for _, tc := range []struct {
		name      string
		env       map[string]string
		args      []string
		want      []string // nil: no candidates
		contains  []string // instead of want, when the list is long
		directive cobra.ShellCompDirective
	}{
		{"sign PROVIDER", none, []string{"sign", ""}, nil, []string{"dexatel", "cellcast", "mobtexting", "twilio"}, noFiles},
		{"sign PROVIDER prefix", none, []string{"sign", "de"}, []string{"dexatel"}, nil, noFiles},
		{"sign PROVIDER FILE", none, []string{"sign", "dexatel", ""}, nil, nil, files},
		{"sign, third arg", none, []string{"sign", "dexatel", "body.json", ""}, nil, nil, noFiles},
		{"sign --profile FILE", cfg, []string{"sign", "--profile", "dexatel-dev", ""}, nil, nil, files},
		{"sign --profile FILE, then nothing", cfg, []string{"sign", "--profile", "dexatel-dev", "body.json", ""}, nil, nil, noFiles},
		{"verify PROVIDER", none, []string{"verify", "mob"}, []string{"mobtexting"}, nil, noFiles},
		{"send PROVIDER", none, []string{"send", "cell"}, []string{"cellcast"}, nil, noFiles},
		{"send takes one PROVIDER", none, []string{"send", "cellcast", ""}, nil, nil, noFiles},
		{"providers show PROVIDER", none, []string{"providers", "show", "t"}, []string{"telnyx", "twilio"}, nil, noFiles},
		{"keys generate PROVIDER", none, []string{"keys", "generate", ""}, []string{"telnyx"}, nil, noFiles},
		{"config show PROFILE", cfg, []string{"config", "show", ""}, []string{"cellcast-staging", "dexatel-dev"}, nil, noFiles},
		{"config show, no config", none, []string{"config", "show", ""}, nil, nil, noFiles},
		{"completion SHELL", none, []string{"completion", ""}, []string{"bash", "zsh", "fish", "powershell"}, nil, noFiles},
		{"subcommands", none, []string{"config", ""}, []string{"init", "list", "show"}, nil, noFiles},

		{"--profile", cfg, []string{"sign", "--profile", ""}, []string{"cellcast-staging", "dexatel-dev"}, nil, noFiles},
		{"-p prefix", cfg, []string{"send", "-p", "dex"}, []string{"dexatel-dev"}, nil, noFiles},
		{"--profile, no config file", none, []string{"sign", "--profile", ""}, nil, nil, noFiles},
		{"--profile, --config", none, []string{"--config", filepath.Join(cfg["XDG_CONFIG_HOME"], "smshook", "config.yaml"), "sign", "--profile", ""}, []string{"cellcast-staging", "dexatel-dev"}, nil, noFiles},

		{"--event of the PROVIDER", none, []string{"sign", "dexatel", "--event", ""}, []string{"delivery", "message"}, nil, noFiles},
		{"-e of send's PROVIDER", none, []string{"send", "cellcast", "-e", ""}, []string{"receive", "status"}, nil, noFiles},
		{"--event of the profile", cfg, []string{"verify", "--profile", "cellcast-staging", "--event", ""}, []string{"receive", "status"}, nil, noFiles},
		{"--event of no provider: all", none, []string{"sign", "--event", ""}, nil, []string{"delivery", "message", "receive", "status", "dlr", "inbound"}, noFiles},

		{"sign --output", none, []string{"sign", "--output", ""}, []string{"text", "json", "curl", "http"}, nil, noFiles},
		{"verify -o", none, []string{"verify", "-o", ""}, []string{"text", "json"}, nil, noFiles},
		{"send -o", none, []string{"send", "-o", ""}, []string{"text", "json"}, nil, noFiles},
		{"send --dry-run -o", none, []string{"send", "--dry-run", "-o", ""}, []string{"http", "curl", "json"}, nil, noFiles},
		{"replay --dry-run -o c", none, []string{"replay", "--dry-run", "-o", "c"}, []string{"curl"}, nil, noFiles},
		{"providers -o", none, []string{"providers", "-o", ""}, []string{"text", "json"}, nil, noFiles},
		{"version -o", none, []string{"version", "-o", "j"}, []string{"json"}, nil, noFiles},
		{"listen -o", none, []string{"listen", "-o", ""}, []string{"text", "json"}, nil, noFiles},
		{"config init prints no data", none, []string{"config", "init", "-o", ""}, nil, nil, noFiles},

		{"--color", none, []string{"providers", "--color", ""}, []string{"auto", "always", "never"}, nil, noFiles},
		{"--encoding", none, []string{"sign", "dexatel", "--encoding", ""}, []string{"base64", "hex"}, nil, noFiles},
		{"--method", none, []string{"verify", "-X", "P"}, []string{"POST", "PUT"}, nil, noFiles},
		{"replay --status", none, []string{"replay", "--status", ""}, allStatuses, nil, noFiles},
		{"replay --status list", none, []string{"replay", "--status", "delivered,f"}, []string{"delivered,failed"}, nil, noFiles},
		{"replay --status no repeats", none, []string{"replay", "--status", "failed,"}, nil, []string{"failed,delivered", "failed,expired"}, noFiles},
		{"replay --kind of --provider", none, []string{"replay", "--provider", "cellcast", "--kind", ""}, []string{"delivery", "inbound", "handshake", "receive", "status"}, nil, noFiles},
		{"replay --provider", none, []string{"replay", "--provider", "dex"}, []string{"dexatel"}, nil, noFiles},
		{"replay --from-profile", cfg, []string{"replay", "--from-profile", ""}, []string{"cellcast-staging", "dexatel-dev"}, nil, noFiles},
		{"replay --export", none, []string{"replay", "--export", ""}, []string{"har", "curl"}, nil, noFiles},
		{"replay CAPTURE", none, []string{"replay", ""}, nil, nil, files},

		{"--secret-file", none, []string{"sign", "dexatel", "--secret-file", ""}, nil, nil, files},
		{"--request", none, []string{"verify", "dexatel", "--request", ""}, nil, nil, files},
		{"--secret takes no file", none, []string{"sign", "dexatel", "--secret", ""}, nil, nil, noFiles},
		{"--to takes no file", none, []string{"send", "--to", ""}, nil, nil, noFiles},
		{"--config", none, []string{"--config", ""}, []string{"yaml", "yml"}, nil, cobra.ShellCompDirectiveFilterFileExt},
		{"--import-har", none, []string{"replay", "--import-har", ""}, []string{"har"}, nil, cobra.ShellCompDirectiveFilterFileExt},
		{"--out-dir", none, []string{"keys", "generate", "telnyx", "--out-dir", ""}, nil, nil, cobra.ShellCompDirectiveFilterDirs},
		{"version takes nothing", none, []string{"version", ""}, nil, nil, noFiles},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, directive := complete(t, tc.env, tc.args...)
			if directive != tc.directive {
				t.Errorf("directive = %d, want %d", directive, tc.directive)
			}
			if tc.contains != nil {
				for _, c := range tc.contains {
					if !slices.Contains(got, c) {
						t.Errorf("candidates %q lack %q", got, c)
					}
				}
				return
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("candidates = %q, want %q", got, tc.want)
			}
		})
	}
}

// A config file that does not load gives no candidates, and no message:
// the command says what is wrong when it runs.
func TestCompleteBrokenConfig(t *testing.T) {
	env := withConfig(t, "profiles: [not: a map\n")
	for _, args := range [][]string{
		{"sign", "--profile", ""},
		{"sign", ""},
		{"sign", "--event", ""},
		{"config", "show", ""},
	} {
		got, directive := complete(t, env, args...)
		if len(got) != 0 || directive != noFiles {
			t.Errorf("%q: %q, %d; want nothing", args, got, directive)
		}
	}
}

// Descriptions come after a tab: the profile's provider, the kind's text.
func TestCompleteDescriptions(t *testing.T) {
	io, _, out, _ := iostreams.Test()
	env := withConfig(t, profilesYAML)
	Run([]string{cobra.ShellCompRequestCmd, "send", "--profile", "dex"}, io, func(k string) string { return env[k] })
	if !strings.HasPrefix(out.String(), "dexatel-dev\tdexatel\n") {
		t.Errorf("got %q", out)
	}
}

// Every flag that takes a value says what completes it: values, a file, a
// directory, or nothing (so that the shell does not offer file names for a
// URL or a secret).
func TestEveryFlagCompletes(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	root := NewCmdRoot(cmdutil.New(io, func(string) string { return "" }))
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.LocalFlags().VisitAll(func(fl *pflag.Flag) {
			if fl.Value.Type() == "bool" || fl.Name == "help" {
				return
			}
			if _, ok := c.GetFlagCompletionFunc(fl.Name); ok {
				return
			}
			if _, ok := fl.Annotations[cobra.BashCompFilenameExt]; ok {
				return
			}
			if _, ok := fl.Annotations[cobra.BashCompSubdirsInDir]; ok {
				return
			}
			t.Errorf("%s --%s has no completion: register one (cmdutil.RegisterFlagCompletions, cobra.NoFileCompletions) or mark it a file", c.CommandPath(), fl.Name)
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// The --output values offered are exactly those the command accepts: each
// command's refusal of a bad value lists them.
func TestOutputCompletionMatchesCommand(t *testing.T) {
	env := noConfig(t)
	capture := filepath.Join(t.TempDir(), "empty.jsonl")
	if err := os.WriteFile(capture, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	accepted := regexp.MustCompile(`--output bogus is not available here: use (.*)\n`)
	for _, args := range [][]string{
		{"sign", "dexatel"},
		{"verify", "dexatel"},
		{"send", "dexatel"},
		{"send", "dexatel", "--dry-run"},
		{"replay", capture, "--as-captured", "--to", "http://127.0.0.1:9"},
		{"replay", capture, "--as-captured", "--to", "http://127.0.0.1:9", "--dry-run"},
		{"listen"},
		{"providers"},
		{"providers", "show", "dexatel"},
		{"config", "list"},
		{"config", "show", "x"},
		{"keys", "generate", "telnyx"},
		{"version"},
	} {
		io, _, _, errOut := iostreams.Test()
		code := Run(append(args, "--output", "bogus"), io, func(k string) string { return env[k] })
		m := accepted.FindStringSubmatch(errOut.String())
		if code != cmdutil.ExitUsage || m == nil {
			t.Errorf("%q --output bogus: exit %d, %q", args, code, errOut)
			continue
		}
		want := strings.Split(m[1], ", ")
		got, _ := complete(t, env, append(args, "--output", "")...)
		if !slices.Equal(got, want) {
			t.Errorf("%q: --output completes %q, but the command accepts %q", args, got, want)
		}
	}
}
