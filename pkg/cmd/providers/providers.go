// Package providers lists the providers smshook knows and shows one in detail.
package providers

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/iostreams"
	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/sandbox"
)

// NewCmdProviders builds `smshook providers` and `providers show`.
func NewCmdProviders(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "providers",
		Short: "List the SMS providers smshook knows",
		Long: `List each provider with its event kinds, how it authenticates its webhooks,
and where its documents are. With --profile, show that profile's provider
(as 'providers show' does).

` + cmdutil.ExitStatusOf("bad flags or arguments, an unknown provider or profile, a config file that does not load", ""),
		Example: `  smshook providers
  smshook providers --output json
  smshook providers show dexatel`,
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed(cmdutil.KeyProfile) {
				return showRun(f, "", true)
			}
			return listRun(f)
		},
	}
	cmdutil.SetOutputFormats(cmd, outputFormats...)
	cmd.AddCommand(newCmdShow(f))
	return cmd
}

// outputFormats are what providers and providers show print; the first is
// the default.
var outputFormats = []string{"text", "json"}

// summary is a provider as `providers --output json` prints it.
type summary struct {
	Name    string   `json:"name"`
	Title   string   `json:"title"`
	Kinds   []string `json:"kinds"`
	Auth    string   `json:"auth"`
	DocsURL string   `json:"docs_url"`
}

func listRun(f *cmdutil.Factory) error {
	format, err := f.OutputFormat(outputFormats...)
	if err != nil {
		return err
	}
	reg, err := f.Registry()
	if err != nil {
		return err
	}
	io := f.IOStreams
	var list []summary
	for _, p := range reg.All() {
		list = append(list, summary{p.Name, p.Title, p.KindNames(), p.Scheme().Describe(), p.DocsURL})
	}
	if format == "json" {
		return iostreams.WriteJSON(io.Out, list, io.JSONColorEnabled())
	}
	cs := io.ColorScheme()
	tw := iostreams.NewTable(io.Out) // pads by visible width: colour codes take no room
	tw.Row(cs.Bold("NAME"), cs.Bold("KINDS"), cs.Bold("AUTH"), cs.Bold("DOCS"))
	for _, p := range reg.All() {
		tw.Row(cs.Cyan(p.Name), strings.Join(p.KindNames(), ", "), cmdutil.AuthSummary(p.Scheme()), p.DocsURL)
	}
	return tw.Flush()
}

func newCmdShow(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show PROVIDER",
		Short: "Show a provider's auth, event kinds and example payloads",
		Long: `Show how a provider authenticates, each event kind with its content type and
an example payload (the fixture sign and send use with --event), the
provider's handshake if it has one, and notes for building a handler.
With --profile and no PROVIDER, the profile's provider.

` + cmdutil.ExitStatusOf("bad flags or arguments, an unknown provider or profile, a config file that does not load", ""),
		Example: `  smshook providers show cellcast
  smshook providers show dexatel --output json
  smshook providers show --profile dexatel-dev`,
		Args:              cmdutil.Args(cobra.RangeArgs(0, 1)),
		ValidArgsFunction: cmdutil.CompleteFirstArg(f.ProviderCandidates),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			byProfile := cmd.Flags().Changed(cmdutil.KeyProfile)
			if name == "" && !byProfile {
				return cmdutil.UsageErrorf("name a provider, or a profile with --profile (see '%s --help')", cmd.CommandPath())
			}
			return showRun(f, name, byProfile)
		},
	}
	cmdutil.SetOutputFormats(cmd, outputFormats...)
	return cmd
}

// detail is a provider as `providers show --output json` prints it.
type detail struct {
	*provider.Provider
	AuthDescription string       `json:"auth_description"`
	Kinds           []kindDetail `json:"kinds"`
	HandshakeBody   any          `json:"handshake_example,omitempty"`
	// Sandbox is what `smshook sandbox` plays of the provider's send API.
	Sandbox *sandbox.SendAPI `json:"sandbox,omitempty"`
}

type kindDetail struct {
	*provider.Kind
	ContentType string `json:"content_type"`
	Normalized  string `json:"normalized_kind"`
	Example     any    `json:"example"`
}

// exampleJSON embeds a JSON fixture as JSON and any other (a form body) as
// a string of its exact text.
func exampleJSON(fixture []byte) any {
	if json.Valid(fixture) {
		return json.RawMessage(fixture)
	}
	return string(fixture)
}

// showRun shows the provider name; byProfile, the one of --profile (which
// name, when given, must match).
func showRun(f *cmdutil.Factory, name string, byProfile bool) error {
	format, err := f.OutputFormat(outputFormats...)
	if err != nil {
		return err
	}
	if byProfile {
		if name, err = profileProvider(f, name); err != nil {
			return err
		}
	}
	reg, err := f.Registry()
	if err != nil {
		return err
	}
	p, err := reg.Lookup(name)
	if err != nil {
		return cmdutil.UsageError(err)
	}
	io := f.IOStreams
	if format == "json" {
		d := detail{Provider: p, AuthDescription: p.Scheme().Describe()}
		for _, k := range p.Kinds {
			d.Kinds = append(d.Kinds, kindDetail{Kind: k, ContentType: k.ContentType(),
				Normalized: string(k.Schema.Kind), Example: exampleJSON(k.Fixture)})
		}
		if p.Handshake != nil {
			d.HandshakeBody = exampleJSON(p.Handshake.Fixture)
		}
		if api, ok := sandbox.SendAPIOf(p.Name); ok {
			d.Sandbox = &api
		}
		return iostreams.WriteJSON(io.Out, d, io.JSONColorEnabled())
	}

	cs := io.ColorScheme()
	out := io.Out
	fmt.Fprintf(out, "%s (%s)\n", cs.Bold(p.Title), p.Name)
	fmt.Fprintf(out, "docs:  %s\n", p.DocsURL)
	fmt.Fprintf(out, "auth:  %s", p.Scheme().Describe())
	if p.Auth.Optional {
		fmt.Fprint(out, " (only when credentials are configured)")
	}
	fmt.Fprintln(out)
	if len(p.SuccessStatuses) > 0 {
		fmt.Fprintf(out, "reply: %s count as success\n", joinInts(p.SuccessStatuses))
	}
	if p.QueryCallbacks {
		fmt.Fprintln(out, "GET:   callbacks may come as GET with the parameters in the query (sign, verify, send -X GET, listen)")
	}
	for _, k := range p.Kinds {
		fmt.Fprintf(out, "\n%s %s: %s\n", cs.Bold("kind"), cs.Cyan(k.Name), k.Description)
		fmt.Fprintf(out, "  %s, Content-Type: %s, normalized as %s\n", k.Method, k.ContentType(), k.Schema.Kind)
		if k.Match.Path != "" {
			fmt.Fprintf(out, "  detected by %s = %s\n", k.Match.Path, strings.Join(k.Match.Values, " | "))
		}
		writeIndented(out, iostreams.PrettyBody(k.Fixture, cs.Enabled()))
	}
	if h := p.Handshake; h != nil {
		fmt.Fprintf(out, "\n%s: POST to the URL with ?%s=<validation key>; answer 200 with JSON holding %s (and %s)\n",
			cs.Bold("handshake"), h.QueryParam, h.KeyField, h.ChallengeField)
		writeIndented(out, iostreams.PrettyBody(h.Fixture, cs.Enabled()))
	}
	d := p.Delivery
	fmt.Fprintf(out, "\n%s\n", cs.Bold("delivery"))
	fmt.Fprintf(out, "  timeout: %s\n", d.TimeoutText())
	fmt.Fprintf(out, "  retries: %s\n", d.RetriesText())
	if d.Source != "" {
		fmt.Fprintf(out, "  source:  %s\n", d.Source)
	}
	if api, ok := sandbox.SendAPIOf(p.Name); ok {
		fmt.Fprintf(out, "\n%s (%s)\n", cs.Bold("sandbox: its send API under "+api.Base), api.Evidence)
		fmt.Fprintf(out, "  request:   %s\n", api.Request)
		fmt.Fprintf(out, "  auth:      %s\n", api.Auth)
		fmt.Fprintf(out, "  callbacks: %s\n", api.Callbacks)
		if api.Note != "" {
			fmt.Fprintf(out, "  note:      %s\n", api.Note)
		}
	}
	if len(p.Notes) > 0 {
		fmt.Fprintf(out, "\n%s\n", cs.Bold("notes"))
		for _, n := range p.Notes {
			fmt.Fprintf(out, "  - %s\n", n)
		}
	}
	return nil
}

func writeIndented(w interface{ Write([]byte) (int, error) }, body []byte) {
	for _, line := range strings.Split(strings.TrimRight(string(body), "\n"), "\n") {
		fmt.Fprintf(w, "    %s\n", line)
	}
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, " and ")
}

// profileProvider is the provider of the --profile profile; arg, when not
// "", must name the same one.
func profileProvider(f *cmdutil.Factory, arg string) (string, error) {
	cfg, err := f.Config()
	if err != nil {
		return "", err
	}
	profile := f.ProfileName()
	p, err := cfg.Profile(profile)
	if err != nil {
		return "", cmdutil.UsageError(err)
	}
	switch {
	case p.Provider == "":
		return "", cmdutil.UsageErrorf("profile %q has no provider: add provider: to it", profile)
	case arg != "" && !strings.EqualFold(arg, p.Provider):
		return "", cmdutil.UsageErrorf("provider %s does not match profile %q, which is for %s: drop one of them", arg, profile, p.Provider)
	}
	return p.Provider, nil
}
