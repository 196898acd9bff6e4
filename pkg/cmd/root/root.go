// Package root assembles the smshook command tree and runs it.
package root

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/smshook/smshook/pkg/cmd/check"
	"github.com/smshook/smshook/pkg/cmd/completion"
	configcmd "github.com/smshook/smshook/pkg/cmd/config"
	"github.com/smshook/smshook/pkg/cmd/inspect"
	"github.com/smshook/smshook/pkg/cmd/keys"
	"github.com/smshook/smshook/pkg/cmd/listen"
	"github.com/smshook/smshook/pkg/cmd/providers"
	"github.com/smshook/smshook/pkg/cmd/replay"
	sandboxcmd "github.com/smshook/smshook/pkg/cmd/sandbox"
	"github.com/smshook/smshook/pkg/cmd/send"
	"github.com/smshook/smshook/pkg/cmd/sign"
	"github.com/smshook/smshook/pkg/cmd/verify"
	"github.com/smshook/smshook/pkg/cmd/version"
	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/iostreams"
)

// Main runs smshook on the process's arguments and streams and returns the
// exit code.
func Main() int {
	return Run(os.Args[1:], iostreams.System(os.Getenv), os.Getenv)
}

// Run runs one invocation. Errors are printed here, once, as one line.
func Run(args []string, io *iostreams.IOStreams, getenv func(string) string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first signal cancels the context, so that commands finish cleanly;
	// giving the signals back then lets a second Ctrl-C end a command that
	// cannot watch the context (one blocked reading stdin).
	go func() {
		<-ctx.Done()
		stop()
	}()

	f := cmdutil.New(io, getenv)
	cmd := NewCmdRoot(f)
	cmd.SetArgs(args)
	cmd.SetIn(io.In)
	cmd.SetOut(io.Out)
	cmd.SetErr(io.ErrOut)

	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	// cobra's own "unknown command" (a subcommand's is already a usage
	// error, with its hint).
	var typed *cmdutil.ExitError
	if strings.HasPrefix(err.Error(), "unknown command ") && !errors.As(err, &typed) {
		err = unknownCommand(cmd, err)
	}
	if errors.Is(err, context.Canceled) || ctx.Err() != nil && cmdutil.ExitCode(err) == cmdutil.ExitFailure {
		err = cmdutil.ErrInterrupted
	}
	if !cmdutil.IsSilent(err) {
		// An error may quote a capture's id or a reply: through the terminal door.
		fmt.Fprintf(io.ErrOut, "smshook: %s\n", iostreams.SafeLine(oneLine(err.Error())))
	}
	return cmdutil.ExitCode(err)
}

// oneLine folds a multi-line message (some libraries wrap theirs) into one.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// NewCmdRoot builds the command tree around a factory.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "smshook <command>",
		Short: "Sign, verify, send, replay and listen for SMS providers' webhooks",
		Long: `smshook is a toolkit for developing against SMS providers' webhooks:
delivery reports and inbound messages from Dexatel, MOBtexting, Cellcast,
Twilio, Telnyx, Vonage and more (see 'smshook providers').

Sign a test payload and paste the header into curl, listen locally while you
build a handler, send or replay events at it, smoke-test it in CI, and check
that it rejects forgeries and answers in time ('smshook check').

Settings come from flags, then SMSHOOK_* env vars (SMSHOOK_PROFILE,
SMSHOOK_OUTPUT, SMSHOOK_COLOR, SMSHOOK_CONFIG, SMSHOOK_SECRET, …), then the
config file ($XDG_CONFIG_HOME/smshook/config.yaml; see 'smshook config init').

` + cmdutil.ExitStatusHelp,
		Example: `  smshook providers
  smshook sign dexatel --secret S body.json
  smshook verify dexatel --secret S --signature 'tfoh…=' body.json
  smshook listen
  smshook send dexatel --demo
  smshook completion zsh > "${fpath[1]}/_smshook"`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       version.String(),
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			mode, err := iostreams.ParseColorMode(f.Viper.GetString(cmdutil.KeyColor))
			if err != nil {
				return cmdutil.UsageError(err)
			}
			f.IOStreams.SetColorMode(mode)
			return nil
		},
	}
	cmd.SetVersionTemplate("smshook {{.Version}}\n")
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		if msg, ok := badFlagValue(err); ok {
			return cmdutil.UsageErrorf("%s (see '%s --help')", msg, c.CommandPath())
		}
		return cmdutil.UsageErrorf("%v (see '%s --help')", err, c.CommandPath())
	})

	pf := cmd.PersistentFlags()
	pf.String(cmdutil.KeyConfig, "", "config file (default $XDG_CONFIG_HOME/smshook/config.yaml)")
	pf.StringP(cmdutil.KeyProfile, "p", "", "profile from the config file")
	pf.StringP(cmdutil.KeyOutput, "o", "", "output format: text or json (sign, and send or replay with --dry-run: also curl, http)")
	pf.String(cmdutil.KeyColor, "auto", "color: auto, always or never (NO_COLOR, CLICOLOR_FORCE and TERM=dumb are honoured)")
	for _, key := range []string{cmdutil.KeyConfig, cmdutil.KeyProfile, cmdutil.KeyOutput, cmdutil.KeyColor} {
		_ = f.Viper.BindPFlag(key, pf.Lookup(key)) // cannot fail: the flag was just defined
	}

	_ = cmd.MarkPersistentFlagFilename(cmdutil.KeyConfig, "yaml", "yml") // cannot fail: the flag was just defined
	cmdutil.RegisterFlagCompletions(cmd, map[string]cobra.CompletionFunc{
		cmdutil.KeyProfile: f.CompleteProfile,
		cmdutil.KeyOutput:  cmdutil.CompleteOutput,
		cmdutil.KeyColor: cmdutil.CompleteValues(
			string(iostreams.ColorAuto)+"\tcolor on a terminal unless NO_COLOR is set",
			string(iostreams.ColorAlways)+"\tcolor even on a pipe (JSON stays plain)",
			string(iostreams.ColorNever)+"\tno color",
		),
	})

	cmd.AddCommand(
		sign.NewCmdSign(f, nil),
		verify.NewCmdVerify(f, nil),
		send.NewCmdSend(f, nil),
		check.NewCmdCheck(f, nil),
		listen.NewCmdListen(f, nil),
		replay.NewCmdReplay(f, nil),
		inspect.NewCmdInspect(f, nil),
		sandboxcmd.NewCmdSandbox(f, nil),
		providers.NewCmdProviders(f),
		configcmd.NewCmdConfig(f),
		keys.NewCmdKeys(f),
		version.NewCmdVersion(f, nil),
		completion.NewCmdCompletion(f, nil),
	)
	refuseUnknownHelpTopics(cmd)
	return cmd
}

// refuseUnknownHelpTopics makes 'smshook help TOPIC' a usage error (exit 2)
// when there is no such command: cobra's own help prints the usage and
// exits 0, which a script cannot tell from success.
func refuseUnknownHelpTopics(root *cobra.Command) {
	root.InitDefaultHelpCmd()
	for _, c := range root.Commands() {
		if c.Name() != "help" {
			continue
		}
		show := c.Run
		c.Run = nil
		c.RunE = func(c *cobra.Command, args []string) error {
			if target, _, err := c.Root().Find(args); target == nil || err != nil {
				return cmdutil.UsageErrorf("no help topic %q: 'smshook --help' lists the commands", strings.Join(args, " "))
			}
			show(c, args)
			return nil
		}
	}
}
