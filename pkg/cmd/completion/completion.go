// Package completion is `smshook completion`: print the shell completion
// script for bash, zsh, fish or PowerShell.
package completion

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/iostreams"
)

// Shells are the shells a script can be printed for.
var Shells = []string{"bash", "zsh", "fish", "powershell"}

// CompletionOptions are the inputs of `smshook completion`.
type CompletionOptions struct {
	IO    *iostreams.IOStreams
	Shell string
	// NoDescriptions leaves out the text after each candidate.
	NoDescriptions bool
	// Root is the command tree the script completes.
	Root *cobra.Command
}

// NewCmdCompletion builds `smshook completion`. It replaces cobra's default
// command so that it reads like the others (examples, EXIT STATUS).
func NewCmdCompletion(f *cmdutil.Factory, runF func(*CompletionOptions) error) *cobra.Command {
	opts := &CompletionOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "completion SHELL",
		Short: "Print the shell completion script for bash, zsh, fish or powershell",
		Long: `Print the script that lets SHELL complete smshook's commands and flags, and
their values: provider names, profile names from your config file, event
kinds of the provider you typed, output formats, statuses and files.

The deb and rpm packages and Homebrew install the scripts for you. Otherwise
load one in your shell's startup file:

  bash   (needs the bash-completion package)
         source <(smshook completion bash)                   # in ~/.bashrc
         smshook completion bash > ~/.local/share/bash-completion/completions/smshook
  zsh    smshook completion zsh > "${fpath[1]}/_smshook"     # then start a new shell
         (compinit must be on: autoload -U compinit; compinit)
  fish   smshook completion fish > ~/.config/fish/completions/smshook.fish
  powershell
         smshook completion powershell | Out-String | Invoke-Expression   # in $PROFILE

The scripts ask smshook for candidates as you type, so they stay right when
smshook or your config file changes.

` + cmdutil.ExitStatusOf("bad flags or arguments, an unknown shell", ""),
		Example: `  source <(smshook completion bash)
  smshook completion zsh > "${fpath[1]}/_smshook"
  smshook completion fish > ~/.config/fish/completions/smshook.fish
  smshook completion powershell --no-descriptions >> $PROFILE`,
		ValidArgs: Shells,
		Args:      cmdutil.Args(cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Shell = args[0]
			opts.Root = cmd.Root()
			if runF != nil {
				return runF(opts)
			}
			return completionRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.NoDescriptions, "no-descriptions", false, "leave out the description after each candidate")
	return cmd
}

func completionRun(opts *CompletionOptions) error {
	return Write(opts.IO.Out, opts.Root, opts.Shell, !opts.NoDescriptions)
}

// Write writes root's completion script for shell to w.
func Write(w io.Writer, root *cobra.Command, shell string, descriptions bool) error {
	switch shell {
	case "bash":
		return root.GenBashCompletionV2(w, descriptions)
	case "zsh":
		if descriptions {
			return root.GenZshCompletion(w)
		}
		return root.GenZshCompletionNoDesc(w)
	case "fish":
		return root.GenFishCompletion(w, descriptions)
	case "powershell":
		if descriptions {
			return root.GenPowerShellCompletionWithDesc(w)
		}
		return root.GenPowerShellCompletion(w)
	}
	return cmdutil.UsageErrorf("no completion for shell %q: use bash, zsh, fish or powershell", shell)
}
