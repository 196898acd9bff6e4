// Package config is `smshook config`: write a sample file, list and show
// profiles with their secrets redacted.
package config

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/config"
	"github.com/smshook/smshook/pkg/iostreams"
)

// NewCmdConfig builds `smshook config` and its subcommands.
func NewCmdConfig(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Create the config file and inspect its profiles",
		Long: `The config file holds named profiles: a provider with its secret (or where to
read it), URLs and credentials. Its path is --config, else SMSHOOK_CONFIG,
else $XDG_CONFIG_HOME/smshook/config.yaml (~/.config/smshook/config.yaml).

` + cmdutil.ExitStatusOf("bad flags or arguments, an unknown profile, a config file that does not load, or (init) one that exists", ""),
		Example: `  smshook config init
  smshook config list
  smshook config show dexatel-dev`,
		Args: cmdutil.Args(cobra.NoArgs),
		// Runnable so that a mistyped subcommand is an error, not the help.
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newCmdInit(f), newCmdList(f), newCmdShow(f))
	return cmd
}

func newCmdInit(f *cmdutil.Factory) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write a commented sample config file (mode 0600)",
		Long: `Write a commented sample config file with a profile per built-in provider.
The file is created with mode 0600 because it may hold secrets. An existing
file is left alone unless --force is given.

` + cmdutil.ExitStatusOf("bad flags or arguments, a config file that exists (pass --force) or cannot be written", ""),
		Example: `  smshook config init
  smshook config init --config ./smshook.yaml --force`,
		Args:              cmdutil.Args(cobra.NoArgs),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			path := f.Viper.GetString(cmdutil.KeyConfig)
			if path == "" {
				path = config.DefaultPath(f.Getenv)
			}
			if err := config.WriteSample(path, force); err != nil {
				return cmdutil.UsageError(err)
			}
			fmt.Fprintf(f.IOStreams.ErrOut, "wrote %s (mode 0600): edit its profiles, then try 'smshook config list'\n", path)
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "replace an existing file")
	return cmd
}

// outputFormats are what list and show print; the first is the default.
var outputFormats = []string{"text", "json"}

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the profiles in the config file, secrets redacted",
		Long:  "List the profiles in the config file with their provider, URL and where their secret comes from.\n\n" + cmdutil.ExitStatusOf("bad flags or arguments, a config file that does not load", ""),
		Example: `  smshook config list
  smshook config list --output json`,
		Args:              cmdutil.Args(cobra.NoArgs),
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed(cmdutil.KeyProfile) {
				return cmdutil.UsageErrorf("config list shows every profile: drop --profile, or use 'smshook config show %s'", f.ProfileName())
			}
			format, err := f.OutputFormat(outputFormats...)
			if err != nil {
				return err
			}
			cfg, err := f.Config()
			if err != nil {
				return err
			}
			io := f.IOStreams
			profiles := make([]config.Profile, 0, len(cfg.Profiles))
			for _, name := range cfg.ProfileNames() {
				profiles = append(profiles, cfg.Profiles[name].Redacted())
			}
			if format == "json" {
				return iostreams.WriteJSON(io.Out, profiles, io.JSONColorEnabled())
			}
			if cfg.Path == "" {
				fmt.Fprintln(io.ErrOut, "no config file: create one with 'smshook config init'")
				return nil
			}
			if len(profiles) == 0 {
				fmt.Fprintf(io.ErrOut, "%s defines no profiles\n", cfg.Path)
				return nil
			}
			cs := io.ColorScheme()
			tw := iostreams.NewTable(io.Out) // pads by visible width: colour codes take no room
			tw.Row(cs.Bold("PROFILE"), cs.Bold("PROVIDER"), cs.Bold("CREDENTIALS"), cs.Bold("URL"))
			for _, p := range profiles {
				tw.Row(cs.Cyan(p.Name), p.Provider, credentialSource(p), p.URL)
			}
			return tw.Flush()
		},
	}
	cmdutil.SetOutputFormats(cmd, outputFormats...)
	return cmd
}

// credentialSource says where a profile's credentials come from, never what they are.
func credentialSource(p config.Profile) string {
	switch {
	case p.Secret != "":
		return "secret (in file)"
	case p.SecretEnv != "":
		return "secret from $" + p.SecretEnv
	case p.SecretFile != "":
		return "secret from " + p.SecretFile
	case p.Username != "" && p.PasswordEnv != "":
		return "user " + p.Username + ", password from $" + p.PasswordEnv
	case p.Username != "" || p.Password != "":
		return "user " + p.Username + ", password (in file)"
	case p.APIKey != "":
		return "api key (in file)"
	case p.APIKeyEnv != "":
		return "api key from $" + p.APIKeyEnv
	}
	return "none"
}

func newCmdShow(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show [PROFILE]",
		Short: "Show one profile, secrets redacted",
		Long:  "Show one profile's settings with secret values redacted: PROFILE, else --profile (or SMSHOOK_PROFILE).\n\n" + cmdutil.ExitStatusOf("bad flags or arguments, an unknown profile, a config file that does not load", ""),
		Example: `  smshook config show dexatel-dev
  smshook config show dexatel-dev --output json
  smshook --profile dexatel-dev config show`,
		Args:              cmdutil.Args(cobra.MaximumNArgs(1)),
		ValidArgsFunction: cmdutil.CompleteFirstArg(f.ProfileCandidates),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := f.ProfileName()
			switch {
			case len(args) == 1 && cmd.Flags().Changed(cmdutil.KeyProfile) && args[0] != name:
				return cmdutil.UsageErrorf("config show %s names another profile than --profile %s: give one", args[0], name)
			case len(args) == 1:
				name = args[0]
			case name == "":
				return cmdutil.UsageErrorf("config show needs a profile: 'smshook config show PROFILE' ('smshook config list' lists them)")
			}
			format, err := f.OutputFormat(outputFormats...)
			if err != nil {
				return err
			}
			cfg, err := f.Config()
			if err != nil {
				return err
			}
			p, err := cfg.Profile(name)
			if err != nil {
				return cmdutil.UsageError(err)
			}
			red := p.Redacted()
			io := f.IOStreams
			if format == "json" {
				return iostreams.WriteJSON(io.Out, red, io.JSONColorEnabled())
			}
			cs := io.ColorScheme()
			fmt.Fprintf(io.Out, "%s (from %s)\n", cs.Bold(red.Name), cfg.Path)
			for _, kv := range [][2]string{
				{"provider", red.Provider}, {"secret", red.Secret}, {"secret_env", envStatus(red.SecretEnv, f.Getenv, cs)},
				{"secret_file", red.SecretFile}, {"url", red.URL}, {"username", red.Username},
				{"password", red.Password}, {"password_env", envStatus(red.PasswordEnv, f.Getenv, cs)},
				{"validation_key", red.ValidationKey}, {"encoding", red.Encoding}, {"forward_to", red.ForwardTo},
				{"api_key", red.APIKey}, {"api_key_env", envStatus(red.APIKeyEnv, f.Getenv, cs)},
				{"api_secret", red.APISecret}, {"api_secret_env", envStatus(red.APISecretEnv, f.Getenv, cs)},
			} {
				if kv[1] != "" {
					fmt.Fprintf(io.Out, "  %-15s %s\n", kv[0]+":", kv[1])
				}
			}
			if n := len(red.PreviousSecrets); n > 0 {
				fmt.Fprintf(io.Out, "  %-15s %d redacted\n", "previous_secrets:", n)
			}
			return nil
		},
	}
	cmdutil.SetOutputFormats(cmd, outputFormats...)
	return cmd
}

// envStatus is an env var's name, marked "(unset)" when it is not set (its
// value is never shown).
func envStatus(name string, getenv func(string) string, cs *iostreams.ColorScheme) string {
	if name == "" || getenv(name) != "" {
		return name
	}
	return name + " " + cs.Yellow("(unset)")
}
