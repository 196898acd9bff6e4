// Package check is `smshook check`: a conformance battery for a user's
// webhook handler. It sends what a provider sends, and what an attacker or
// an evolving provider might (forged, stale, re-encoded, duplicated,
// out-of-order and oversized callbacks), and says which cases the handler
// gets wrong and why each matters.
package check

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/smshook/smshook/pkg/client"
	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/config"
	"github.com/smshook/smshook/pkg/iostreams"
	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/redact"
	"github.com/smshook/smshook/pkg/suggest"
)

// Options are the inputs of `smshook check`.
type Options struct {
	IO         *iostreams.IOStreams
	HTTPClient func() *http.Client
	Now        func() time.Time
	// Context is the command's: canceled on Ctrl-C.
	Context context.Context
	factory *cmdutil.Factory

	URL         string
	Provider    string
	Credentials config.CredentialFlags
	Kinds       []string
	Only        []string
	Skip        []string
	Requests    int
	MaxP95      time.Duration
	Timeout     time.Duration
	Report      string
	Insecure    bool
	List        bool
}

// DefaultRequests is how many genuine requests response-time sends.
const DefaultRequests = 20

// NewCmdCheck builds `smshook check`.
func NewCmdCheck(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, HTTPClient: f.HTTPClient, Now: f.Now, factory: f}
	cmd := &cobra.Command{
		Use:   "check [URL] --provider P",
		Short: "Check that a webhook handler rejects forgeries, survives retries and answers in time",
		Long: `Run a battery of cases against your webhook handler at URL, as the provider
(--provider, or a --profile's provider, URL and credentials) would call it,
and print one line per case: what was sent, what came back, and why it
matters. Credentials are taken as send takes them (--secret, --secret-file,
--username/--password, $SMSHOOK_SECRET or the profile's).

For every event kind of the provider:
  - genuine requests are accepted, also pretty-printed, with non-ASCII text
    and with escaped characters, each signed over the bytes sent;
  - forged, missing and other-secret signatures, a body altered after
    signing and a stale timestamp are refused (4xx); accepting one is a
    SECURITY failure, listed first;
  - a duplicate, a late 'sent' after 'delivered', unknown fields, an unseen
    status, the largest body and (where the provider uses them) GET
    callbacks are accepted;
  - the p95 of --requests genuine requests is under the provider's
    documented timeout (see 'smshook providers show P');
  - MOBtexting: the validation handshake is answered as the platform expects.
Accepted means 2xx, or the provider's own success statuses (200 and 202 for
MOBtexting). A case that does not apply (no timestamp to go stale, no body
signature to alter) says n/a and why. --list prints the cases.

Each request may take the provider's documented timeout (--timeout, else
10s): a later reply is one the provider would not wait for.

--only and --skip take case names; --kind limits the event kinds. --report
writes JUnit XML with one test case per case and kind; -o json prints the
results as JSON.

` + cmdutil.ExitStatusHelp + `

  check exits 0 only when every case passes (n/a cases count as passed), 1
  when one fails or the handler cannot be reached, 2 on a usage error.`,
		Example: `  smshook check http://127.0.0.1:3000/webhooks/dexatel --provider dexatel --secret-file secret.txt
  smshook check --profile dexatel-staging --report check.xml
  smshook check URL --provider twilio --only genuine,forged,missing
  smshook check URL --provider cellcast --username u --password p --skip response-time
  smshook check URL --provider mobtexting --secret S --kind dlr -o json
  smshook check --list`,
		Args: cmdutil.Args(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.URL = args[0]
			}
			opts.Context = cmd.Context()
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return checkRun(opts)
		},
	}

	fl := cmd.Flags()
	fl.StringVar(&opts.Provider, "provider", "", "the `PROVIDER` whose callbacks to send (default: the profile's)")
	cmdutil.AddCredentialFlags(fl, &opts.Credentials)
	fl.StringSliceVar(&opts.Kinds, "kind", nil, "only these event `kinds` (default: all of the provider's)")
	fl.StringSliceVar(&opts.Only, "only", nil, "run only these `cases` (see --list)")
	fl.StringSliceVar(&opts.Skip, "skip", nil, "skip these `cases`")
	fl.IntVarP(&opts.Requests, "requests", "n", DefaultRequests, "genuine requests whose p95 response-time measures")
	fl.DurationVar(&opts.MaxP95, "max-p95", 0, "p95 response time to stay under (default: the provider's documented timeout, else 5s)")
	fl.DurationVar(&opts.Timeout, "timeout", 0, "time allowed for each request, reply included (default: the provider's documented timeout, else 10s)")
	fl.StringVar(&opts.Report, "report", "", "write a JUnit XML report to `FILE`")
	fl.BoolVar(&opts.Insecure, "insecure", false, "skip TLS certificate verification")
	fl.BoolVar(&opts.List, "list", false, "print the cases, what each sends and why it matters, and exit")

	cmdutil.SetOutputFormats(cmd, "text", "json")
	cmdutil.CompleteCredentialFlags(cmd)
	cmdutil.MarkFileFlags(cmd, "report")
	cmdutil.RegisterFlagCompletions(cmd, map[string]cobra.CompletionFunc{
		"provider": func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return cmdutil.CompleteValues(f.ProviderCandidates()...)(cmd, args, toComplete)
		},
		"kind": cmdutil.CompleteList(func(cmd *cobra.Command) []string {
			// The kinds of --provider, else of the profile's, else every one.
			var args []string
			if p, _ := cmd.Flags().GetString("provider"); p != "" {
				args = []string{p}
			}
			kinds, _ := f.CompleteEventKinds(cmd, args, "")
			return kinds
		}),
		"only":     cmdutil.CompleteList(func(*cobra.Command) []string { return CaseNames() }),
		"skip":     cmdutil.CompleteList(func(*cobra.Command) []string { return CaseNames() }),
		"requests": cobra.NoFileCompletions,
		"max-p95":  cobra.NoFileCompletions,
		"timeout":  cobra.NoFileCompletions,
	})
	return cmd
}

// validate refuses bad flag values before anything runs.
func (o *Options) validate() error {
	switch {
	case o.Requests < 1:
		return cmdutil.UsageErrorf("--requests must be at least 1")
	case o.Timeout < 0:
		return cmdutil.UsageErrorf("--timeout must be more than 0, e.g. 10s")
	case o.MaxP95 < 0:
		return cmdutil.UsageErrorf("--max-p95 must be more than 0, e.g. 2s")
	case len(o.Only) > 0 && len(o.Skip) > 0:
		return cmdutil.UsageErrorf("--only and --skip both choose cases: keep one")
	case o.List && o.URL != "":
		return cmdutil.UsageErrorf("--list prints the cases and sends nothing: drop the URL")
	}
	for _, name := range append(append([]string(nil), o.Only...), o.Skip...) {
		if caseByName(name) == nil {
			hint := ""
			if s := suggest.Closest(name, CaseNames()); s != "" {
				hint = fmt.Sprintf("did you mean %s? ", s)
			}
			return cmdutil.UsageErrorf("no case %q: %s(cases: %s)", name, hint, strings.Join(CaseNames(), ", "))
		}
	}
	return nil
}

func caseByName(name string) *Case {
	for _, c := range Cases() {
		if strings.EqualFold(c.Name, name) {
			return c
		}
	}
	return nil
}

// selected is the cases --only and --skip leave, in table order.
func (o *Options) selected() []*Case {
	in := func(list []string, name string) bool {
		for _, s := range list {
			if strings.EqualFold(s, name) {
				return true
			}
		}
		return false
	}
	var out []*Case
	for _, c := range Cases() {
		if len(o.Only) > 0 && !in(o.Only, c.Name) || in(o.Skip, c.Name) {
			continue
		}
		out = append(out, c)
	}
	return out
}

func checkRun(opts *Options) error {
	f := opts.factory
	format, err := f.OutputFormat("text", "json")
	if err != nil {
		return err
	}
	if opts.List {
		return printList(opts.IO, format)
	}
	t, err := f.ResolveTarget(opts.Provider, opts.Credentials)
	if err != nil {
		if opts.Provider == "" && f.ProfileName() == "" {
			return cmdutil.UsageErrorf("name the provider whose callbacks to send with --provider P (or a profile with --profile)")
		}
		return err
	}
	p := t.Provider
	if err := cmdutil.CheckCredentialFlags(p.Name, p.Auth, opts.Credentials); err != nil {
		return err
	}
	c := &checker{p: p, creds: t.Credentials, now: opts.Now, requests: opts.Requests, maxP95: opts.MaxP95}
	if !p.Auth.Optional || !t.Credentials.IsZero() {
		if err := t.RequireCredentials(); err != nil {
			return err
		}
		if c.scheme, err = t.Scheme(""); err != nil {
			return err
		}
	}
	if c.url, err = targetURL(opts.URL, t); err != nil {
		return err
	}
	kinds, err := kindsOf(p, opts.Kinds)
	if err != nil {
		return cmdutil.UsageError(err)
	}
	if err := c.compile(kinds); err != nil {
		return cmdutil.UsageError(err)
	}
	c.accept = client.ExpectCodes(p.SuccessStatuses)
	c.refuse, _ = client.ParseExpect("4xx")
	// Each request gets the provider's patience: a reply later than its
	// timeout is one the provider would retry.
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = cmp.Or(p.Delivery.Timeout, client.DefaultTimeout)
	}
	c.runner = &client.Runner{
		Client:    client.NewHTTPClient(opts.HTTPClient(), client.HTTPOptions{Concurrency: 1, Insecure: opts.Insecure}),
		Timeout:   timeout,
		Expect:    c.accept,
		KeepReply: true,
	}

	start := opts.Now()
	// The report is opened first, so an unwritable path fails before the
	// battery runs rather than after.
	var junit *client.JUnitReport
	if opts.Report != "" {
		junit, err = client.NewJUnitReport(opts.Report, client.JUnitOptions{
			Suite:      "smshook check " + p.Name,
			Class:      p.Name,
			Start:      start,
			Properties: [][2]string{{"url", redact.URL(c.url)}, {"provider_timeout", p.Delivery.TimeoutText()}},
		})
		if err != nil {
			return cmdutil.UsageError(err)
		}
		defer junit.Discard()
	}

	ctx := opts.Context
	if ctx == nil {
		ctx = context.Background()
	}
	var results []Result
	reached := false
	for _, tc := range opts.selected() {
		scope := kinds
		if tc.PerProvider {
			scope = []*provider.Kind{nil}
		}
		for _, k := range scope {
			r := c.runCase(ctx, tc, k)
			if r.Err != nil || ctx.Err() != nil {
				return cmdutil.ErrInterrupted
			}
			if r.errKind == "" && r.Verdict != VerdictNA && r.Got != "" {
				reached = true
			}
			// Nothing answers at all: one clear error, not a page of failures.
			if !reached && unreachable(r.errKind) {
				return cmdutil.ReachError(r.errURL, r.errKind, r.errText, 0)
			}
			results = append(results, r)
		}
	}
	rep := newReport(p, c, kinds, results, opts.Now().Sub(start))

	if junit != nil {
		if err := writeJUnit(junit, rep); err != nil {
			return err
		}
	}
	if format == "json" {
		if err := iostreams.WriteJSON(opts.IO.Out, rep, opts.IO.JSONColorEnabled()); err != nil {
			return err
		}
	} else {
		printReport(opts.IO, rep)
	}
	return rep.err()
}

// unreachable says a request failed in a way every other request will too.
func unreachable(kind string) bool {
	switch kind {
	case client.ErrRefused, client.ErrTLS, client.ErrDNS:
		return true
	}
	return false
}

// targetURL is the URL argument, else the profile's url.
func targetURL(arg string, t *cmdutil.Target) (string, error) {
	target := arg
	if target == "" && t.Profile != nil {
		target = t.Profile.URL
	}
	if target == "" {
		return "", cmdutil.UsageErrorf("no URL to check: pass it (smshook check URL --provider P) or set url in a profile")
	}
	if err := cmdutil.CheckHTTPURL(target); err != nil {
		return "", cmdutil.UsageError(err)
	}
	return target, nil
}

// report is a run's outcome; its JSON form is what -o json prints.
type report struct {
	Provider      string        `json:"provider"`
	URL           string        `json:"url"`
	Kinds         []string      `json:"kinds"`
	Passed        int           `json:"passed"`
	Failed        int           `json:"failed"`
	Security      int           `json:"security_failures"`
	NotApplicable int           `json:"not_applicable"`
	Results       []Result      `json:"cases"`
	Elapsed       time.Duration `json:"-"`
	DurationMS    float64       `json:"duration_ms"`
	Timeout       string        `json:"provider_timeout"`
}

func newReport(p *provider.Provider, c *checker, kinds []*provider.Kind, results []Result, elapsed time.Duration) *report {
	rep := &report{Provider: p.Name, URL: redact.URL(c.url), Results: results, Elapsed: elapsed,
		DurationMS: float64(elapsed.Microseconds()) / 1e3, Timeout: p.Delivery.TimeoutText()}
	for _, k := range kinds {
		rep.Kinds = append(rep.Kinds, k.Name)
	}
	for _, r := range results {
		switch r.Verdict {
		case VerdictPass:
			rep.Passed++
		case VerdictNA:
			rep.NotApplicable++
		default:
			rep.Failed++
			if r.SecurityFailure() {
				rep.Security++
			}
		}
	}
	return rep
}

// err is the run's exit: nil when every case passed.
func (r *report) err() error {
	switch {
	case r.Failed == 0:
		return nil
	case r.Security > 0:
		return cmdutil.FailureErrorf("%d of %d cases failed, %d of them SECURITY failures: the handler at %s accepted requests it must refuse",
			r.Failed, len(r.Results), r.Security, r.URL)
	}
	return cmdutil.FailureErrorf("%d of %d cases failed against %s", r.Failed, len(r.Results), r.URL)
}

// writeJUnit writes one test case per case and kind, through the report
// writer send uses.
func writeJUnit(j *client.JUnitReport, rep *report) error {
	for _, r := range rep.Results {
		jc := client.JUnitCase{Name: r.Case, Time: r.Latency}
		if r.Kind != "" {
			jc.Class = rep.Provider + "." + r.Kind
		}
		switch r.Verdict {
		case VerdictNA:
			jc.Skipped = "n/a: " + r.NotApplicable
		case VerdictFail:
			jc.Type = "check_failed"
			if r.SecurityFailure() {
				jc.Type = "security"
			}
			jc.Failure = fmt.Sprintf("sent %s; got %s; expected %s", r.Sent, r.Got, r.Expected)
			jc.Text = jc.Failure + "\nwhy it matters: " + r.Why
			for _, p := range r.Problems {
				jc.Text += "\n" + p
			}
			if r.Reply != "" {
				jc.Text += "\nreply: " + r.Reply
			}
		}
		if err := j.AddCase(jc); err != nil {
			return cmdutil.FailureErrorf("%v", err)
		}
	}
	if err := j.Close(&client.Summary{Elapsed: rep.Elapsed}); err != nil {
		return cmdutil.FailureErrorf("%v", err)
	}
	return nil
}
