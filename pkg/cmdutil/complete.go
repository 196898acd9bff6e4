package cmdutil

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/signing"
)

// Shell completion. Candidates come from where the commands themselves read
// them (the provider registry, the config file, codec's statuses), so they
// cannot drift. A completion runs on every TAB press: it never prints and
// never fails loudly; a config file that does not load gives no candidates.

// Annotations that record which --output values a command accepts: the same
// lists it passes to Factory.OutputFormat.
const (
	annotationOutput       = "smshook:output"
	annotationOutputDryRun = "smshook:output-dry-run"
)

// SetOutputFormats records the --output values cmd accepts, for completion.
func SetOutputFormats(cmd *cobra.Command, formats ...string) {
	setAnnotation(cmd, annotationOutput, formats)
}

// SetDryRunOutputFormats records the --output values cmd accepts with
// --dry-run, when they differ from the others.
func SetDryRunOutputFormats(cmd *cobra.Command, formats ...string) {
	setAnnotation(cmd, annotationOutputDryRun, formats)
}

func setAnnotation(cmd *cobra.Command, key string, values []string) {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[key] = strings.Join(values, ",")
}

// OutputFormats returns the --output values cmd accepts as it is invoked
// (with --dry-run or not); nil when it prints no data.
func OutputFormats(cmd *cobra.Command) []string {
	key := annotationOutput
	if dry := cmd.Flags().Lookup("dry-run"); dry != nil && dry.Changed && cmd.Annotations[annotationOutputDryRun] != "" {
		key = annotationOutputDryRun
	}
	if cmd.Annotations[key] == "" {
		return nil
	}
	return strings.Split(cmd.Annotations[key], ",")
}

// CompleteOutput completes the global --output flag with the values the
// command being completed accepts.
func CompleteOutput(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return filterPrefix(OutputFormats(cmd), toComplete), cobra.ShellCompDirectiveNoFileComp
}

// CompleteValues completes a flag that takes one of a fixed set of values.
// A value may carry a description after a tab.
func CompleteValues(values ...string) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return filterPrefix(values, toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteList completes a flag that takes a comma-separated list (a string
// slice flag): the word after the last comma is completed, and values
// already in the list are not offered again.
func CompleteList(values func(cmd *cobra.Command) []string) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		done, last := "", toComplete
		if i := strings.LastIndex(toComplete, ","); i >= 0 {
			done, last = toComplete[:i+1], toComplete[i+1:]
		}
		given := strings.Split(done, ",")
		var out []cobra.Completion
		for _, v := range filterPrefix(values(cmd), last) {
			name, _, _ := strings.Cut(v, "\t")
			if !slices.Contains(given, name) {
				out = append(out, done+v)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// filterPrefix keeps the candidates that start with toComplete (the shells
// filter too, but the list a completion prints should already be right).
func filterPrefix(values []string, toComplete string) []cobra.Completion {
	var out []cobra.Completion
	for _, v := range values {
		if strings.HasPrefix(v, toComplete) {
			out = append(out, v)
		}
	}
	return out
}

// RegisterFlagCompletions registers a completion for each named flag of
// cmd. A misspelt flag name is a bug that every test would hit at once, so it
// panics rather than losing the completion silently.
func RegisterFlagCompletions(cmd *cobra.Command, funcs map[string]cobra.CompletionFunc) {
	for name, fn := range funcs {
		if err := cmd.RegisterFlagCompletionFunc(name, fn); err != nil {
			panic(fmt.Sprintf("%s: %v", cmd.CommandPath(), err))
		}
	}
}

// MarkFileFlags says that the named flags of cmd take a file: the shell
// completes file names there, and only there.
func MarkFileFlags(cmd *cobra.Command, names ...string) {
	for _, name := range names {
		if err := cmd.MarkFlagFilename(name); err != nil {
			panic(fmt.Sprintf("%s: %v", cmd.CommandPath(), err))
		}
	}
}

// CompleteCredentialFlags completes the flags AddCredentialFlags defines:
// --secret-file takes a file; secrets, usernames and passwords take nothing
// the shell can offer.
func CompleteCredentialFlags(cmd *cobra.Command) {
	MarkFileFlags(cmd, "secret-file")
	RegisterFlagCompletions(cmd, map[string]cobra.CompletionFunc{
		"secret":   cobra.NoFileCompletions,
		"username": cobra.NoFileCompletions,
		"password": cobra.NoFileCompletions,
	})
}

// CompleteEncodings completes --encoding.
var CompleteEncodings = CompleteValues(
	signing.EncodingBase64+"\tbase64 digest",
	signing.EncodingHex+"\thex digest",
)

// CompleteMethods completes --method with the methods webhooks come with.
var CompleteMethods = CompleteValues("POST", "GET", "PUT")

// StatusNames lists the normalized statuses (codec.Statuses) as strings.
func StatusNames() []string {
	names := make([]string, len(codec.Statuses))
	for i, s := range codec.Statuses {
		names[i] = string(s)
	}
	return names
}

// completionRegistry is the registry for completion: nil when the config
// file does not load (the command itself will say why when run).
func (f *Factory) completionRegistry() *provider.Registry {
	reg, err := f.Registry()
	if err != nil {
		return nil
	}
	return reg
}

// ProviderCandidates lists the providers, built-in and from the config
// file, each with its title as description; nil when the config does not
// load.
func (f *Factory) ProviderCandidates() []string {
	reg := f.completionRegistry()
	if reg == nil {
		return nil
	}
	var out []string
	for _, p := range reg.All() {
		out = append(out, cobra.CompletionWithDesc(p.Name, p.Title))
	}
	return out
}

// ProfileCandidates lists the config file's profiles, each with its
// provider as description; nil when there is no config file or it does not
// load.
func (f *Factory) ProfileCandidates() []string {
	cfg, err := f.Config()
	if err != nil {
		return nil
	}
	var out []string
	for _, name := range cfg.ProfileNames() {
		out = append(out, cobra.CompletionWithDesc(name, cfg.Profiles[name].Provider))
	}
	return out
}

// CompleteFirstArg completes a command's one positional argument (a
// PROVIDER, a PROFILE) with candidates, and nothing after it.
func CompleteFirstArg(candidates func() []string) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return filterPrefix(candidates(), toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// CompleteProviderAndFile completes `cmd PROVIDER [FILE|-]`. With a profile
// (which names the provider) the first argument may already be the FILE,
// as ProviderAndFile reads it.
func (f *Factory) CompleteProviderAndFile(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	files := cobra.ShellCompDirectiveDefault
	withProfile := f.ProfileName() != ""
	switch {
	case len(args) == 0 && !withProfile:
		return filterPrefix(f.ProviderCandidates(), toComplete), cobra.ShellCompDirectiveNoFileComp
	case len(args) == 0:
		return nil, files
	case len(args) == 1 && (!withProfile || f.lookupProvider(args[0]) != nil):
		return nil, files
	}
	return nil, cobra.ShellCompDirectiveNoFileComp
}

// CompleteProfile completes the --profile flag.
func (f *Factory) CompleteProfile(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return filterPrefix(f.ProfileCandidates(), toComplete), cobra.ShellCompDirectiveNoFileComp
}

// CompleteEventKinds completes --event with the kinds of the provider the
// command targets: the PROVIDER argument, else the profile's provider, else
// every provider's kinds.
func (f *Factory) CompleteEventKinds(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	reg := f.completionRegistry()
	if reg == nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	providers := reg.All()
	if p := f.targetProvider(args); p != nil {
		providers = []*provider.Provider{p}
	}
	var out []string
	seen := map[string]bool{}
	for _, p := range providers {
		for _, k := range p.Kinds {
			if seen[k.Name] {
				continue
			}
			seen[k.Name] = true
			desc := k.Description
			if len(providers) > 1 {
				desc = p.Name + ": " + desc
			}
			out = append(out, cobra.CompletionWithDesc(k.Name, desc))
		}
	}
	return filterPrefix(out, toComplete), cobra.ShellCompDirectiveNoFileComp
}

// targetProvider is the provider named by the first argument, else by the
// profile; nil when neither names one.
func (f *Factory) targetProvider(args []string) *provider.Provider {
	if len(args) > 0 {
		if p := f.lookupProvider(args[0]); p != nil {
			return p
		}
	}
	if name := f.ProfileName(); name != "" {
		if cfg, err := f.Config(); err == nil {
			if prof, err := cfg.Profile(name); err == nil {
				return f.lookupProvider(prof.Provider)
			}
		}
	}
	return nil
}

func (f *Factory) lookupProvider(name string) *provider.Provider {
	reg := f.completionRegistry()
	if reg == nil || name == "" {
		return nil
	}
	p, err := reg.Lookup(name)
	if err != nil {
		return nil
	}
	return p
}
