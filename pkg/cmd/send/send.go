// Package send is `smshook send`: fire a provider's webhook at a URL exactly
// as the provider would, once to see how a handler reacts, or many times
// with fresh ids as a CI smoke test.
package send

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/smshook/smshook/pkg/client"
	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/config"
	"github.com/smshook/smshook/pkg/iostreams"
	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/redact"
	"github.com/smshook/smshook/pkg/signing"
)

// SendOptions are the inputs of `smshook send`.
type SendOptions struct {
	IO         *iostreams.IOStreams
	HTTPClient func() *http.Client
	Now        func() time.Time
	// Context is the command's: canceled on Ctrl-C.
	Context context.Context
	factory *cmdutil.Factory
	// credHeaders are the headers to redact unless --show-secrets.
	credHeaders *redact.Headers

	ProviderArg string
	To          string
	Event       string
	Data        string
	NoTemplate  bool
	Sets        []string
	Headers     []string
	Method      string
	Credentials config.CredentialFlags
	Encoding    string
	Demo        bool

	Handshake     bool
	ValidationKey string

	DryRun      bool
	Expect      string
	Count       int
	Concurrency int
	Rate        float64
	Timeout     time.Duration
	Retries     int
	Report      string
	Insecure    bool
	Verbose     bool
	ShowSecrets bool
}

// NewCmdSend builds `smshook send`.
func NewCmdSend(f *cmdutil.Factory, runF func(*SendOptions) error) *cobra.Command {
	opts := &SendOptions{IO: f.IOStreams, HTTPClient: f.HTTPClient, Now: f.Now, factory: f}
	cmd := &cobra.Command{
		Use:   "send [PROVIDER]",
		Short: "Send a provider's webhook to a URL, signed, as the provider would",
		Long: `Send a provider's webhook request to a URL exactly as the provider sends it:
method, Content-Type, auth and body. The body is the event kind's example
(--event) with a fresh message id and timestamp per request, or your own
with --data. It is signed with the target's credentials (--secret, $SMSHOOK_SECRET
or the profile's), sent, and the reply's status is printed.

Target: --to URL, else the profile's url, else with --demo the local
'smshook listen' at ` + cmdutil.DefaultLocalURL("<provider>") + ` using the provider's demo
credentials, so 'smshook listen' in one terminal and 'smshook send dexatel
--demo' in another work with no config. A --to with no path
(http://localhost:8787) sends to the route 'smshook listen' serves:
/<profile> with --profile, else /<provider> (then /<kind> with --event);
end it with / to send to the root.

Bodies are templates, rendered per request (--no-template sends them as
they are):
  ` + strings.ReplaceAll(client.TemplateHelp, "\n", "\n  ") + `
An example body's message id and timestamp get fresh values of the same shape.

--set edits the body before it is signed: path=value sets a string,
path:=json a number, true, null, an object…  (data.status=FAILED,
data.price:=0.5). Paths are plain dotted gjson paths; form bodies take field
names. --header is added before signing; a --header naming the auth header
itself (e.g. X-Dexatel-Signature) is sent as given instead of the signature,
to test that your handler rejects it.

CI: --count N sends N requests (each with fresh values) over --concurrency
connections at most --rate per second, retries connection errors and 5xx
replies --retries times with exponential backoff, or after the reply's
Retry-After when longer (at most a minute; never after 4xx), and prints a
summary (replies by status, errors, latency p50/p95/p99, requests/s).
--expect says which replies pass (default 2xx, or the provider's own
success statuses: 200,202 for MOBtexting). --report writes JUnit XML.

MOBtexting: --handshake performs the webhook validation handshake (POST
URL?token=KEY with validation_key and challenge) and checks the reply: 200
and JSON holding the key. A reply that does not echo the challenge passes
with a warning, since the documents are unclear about it.

` + cmdutil.ExitStatusHelp + `

  send exits 1 when a reply is not the one expected or a request got no
  reply after its retries, and 2 when the TLS certificate is refused
  (--insecure skips the check).`,
		Example: `  smshook send dexatel --demo
  smshook send dexatel --to http://127.0.0.1:3000/webhooks/dexatel --secret S -v
  smshook send cellcast --event status --to URL --username u --password p
  smshook send --profile dexatel-dev --set data.status=FAILED --set data.price:=0.5
  smshook send dexatel --to URL --data @body.json --set 'data.message_id={{uuid}}'
  smshook send dexatel --to URL --count 1000 --concurrency 16 --rate 200 --report junit.xml
  smshook send mobtexting --handshake --to URL --validation-key 9012XX
  smshook send dexatel --demo --dry-run --output curl`,
		Args:              cmdutil.Args(cobra.MaximumNArgs(1)),
		ValidArgsFunction: cmdutil.CompleteFirstArg(f.ProviderCandidates),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.ProviderArg = args[0]
			}
			opts.Context = cmd.Context()
			if err := opts.validate(cmd); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return sendRun(opts)
		},
	}

	fl := cmd.Flags()
	fl.StringVar(&opts.To, "to", "", "target `URL` (default: the profile's url; with --demo the local listener)")
	fl.StringVarP(&opts.Event, "event", "e", "", "event `KIND` whose example body to send (see 'smshook providers')")
	fl.StringVarP(&opts.Data, "data", "d", "", "body: @FILE, - for stdin, or the text itself (default: the kind's example)")
	fl.BoolVar(&opts.NoTemplate, "no-template", false, "send the body as it is: no {{…}} placeholders, no fresh id or timestamp")
	fl.StringArrayVar(&opts.Sets, "set", nil, "set a body field: `path=value` (string) or path:=json (repeatable)")
	fl.StringArrayVarP(&opts.Headers, "header", "H", nil, "add a header `'Name: value'` before signing (repeatable)")
	fl.StringVarP(&opts.Method, "method", "X", "", "HTTP method (default: the provider's, POST)")
	cmdutil.AddCredentialFlags(fl, &opts.Credentials)
	fl.StringVar(&opts.Encoding, "encoding", "", "signature encoding for HMAC providers: hex or base64 (default: the profile's, else the provider's)")
	fl.BoolVar(&opts.Demo, "demo", false, "use the provider's demo credentials and send to the local 'smshook listen'")
	fl.BoolVar(&opts.Handshake, "handshake", false, "perform the provider's webhook validation handshake (MOBtexting)")
	fl.StringVar(&opts.ValidationKey, "validation-key", "", "validation `KEY` for --handshake (default: the profile's validation_key, else a random one)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the request(s) instead of sending (--output http, curl or json)")
	fl.StringVar(&opts.Expect, "expect", "", "reply statuses that pass: 2xx, 200, 200,202, 4xx… (default 2xx, or the provider's success statuses)")
	fl.IntVarP(&opts.Count, "count", "n", 1, "number of requests to send, each with fresh values")
	fl.IntVarP(&opts.Concurrency, "concurrency", "c", 1, "requests in flight at once")
	fl.Float64Var(&opts.Rate, "rate", 0, "at most this many requests per second, retries included (0: no limit)")
	fl.DurationVar(&opts.Timeout, "timeout", client.DefaultTimeout, "time allowed for each attempt, reply included")
	fl.IntVar(&opts.Retries, "retries", 0, "retries after a connection error or 5xx reply, with exponential backoff (never after 4xx)")
	fl.StringVar(&opts.Report, "report", "", "write a JUnit XML report to `FILE`")
	fl.BoolVar(&opts.Insecure, "insecure", false, "skip TLS certificate verification")
	fl.BoolVarP(&opts.Verbose, "verbose", "v", false, "print the request and reply headers (stderr) and the reply body")
	fl.BoolVar(&opts.ShowSecrets, "show-secrets", false, "print Authorization values (Basic, Bearer) instead of redacting them")

	cmdutil.SetOutputFormats(cmd, outputFormats...)
	cmdutil.SetDryRunOutputFormats(cmd, dryRunOutputFormats...)
	cmdutil.CompleteCredentialFlags(cmd)
	// --data takes @FILE: bash completes the name after the @.
	cmdutil.MarkFileFlags(cmd, "report", "data")
	cmdutil.RegisterFlagCompletions(cmd, map[string]cobra.CompletionFunc{
		"event":          f.CompleteEventKinds,
		"encoding":       cmdutil.CompleteEncodings,
		"method":         cmdutil.CompleteMethods,
		"expect":         cmdutil.CompleteValues("2xx", "200", "200,202", "4xx"),
		"to":             cobra.NoFileCompletions,
		"set":            cobra.NoFileCompletions,
		"header":         cobra.NoFileCompletions,
		"validation-key": cobra.NoFileCompletions,
		"count":          cobra.NoFileCompletions,
		"concurrency":    cobra.NoFileCompletions,
		"rate":           cobra.NoFileCompletions,
		"timeout":        cobra.NoFileCompletions,
		"retries":        cobra.NoFileCompletions,
	})
	return cmd
}

// What send prints: a reply summary, or with --dry-run the requests. The
// first of each is the default.
var (
	outputFormats       = []string{"text", "json"}
	dryRunOutputFormats = []string{"http", "curl", "json"}
)

// validate refuses bad flag values and combinations before anything runs.
func (o *SendOptions) validate(cmd *cobra.Command) error {
	changed := cmd.Flags().Changed
	switch {
	case o.Count < 1:
		return cmdutil.UsageErrorf("--count must be at least 1")
	case o.Concurrency < 1:
		return cmdutil.UsageErrorf("--concurrency must be at least 1")
	case o.Rate < 0:
		return cmdutil.UsageErrorf("--rate must be 0 (no limit) or more")
	case o.Retries < 0:
		return cmdutil.UsageErrorf("--retries must be 0 or more")
	case o.Timeout <= 0:
		return cmdutil.UsageErrorf("--timeout must be more than 0, e.g. 10s")
	case o.DryRun && o.Report != "":
		return cmdutil.UsageErrorf("--dry-run sends nothing, so there is nothing to --report: drop one of them")
	case changed("validation-key") && !o.Handshake:
		return cmdutil.UsageErrorf("--validation-key is for --handshake: add --handshake, or drop it")
	}
	if o.Handshake {
		for _, name := range []string{"event", "data", "set", "no-template", "count", "concurrency", "rate", "expect", "report"} {
			if changed(name) {
				return cmdutil.UsageErrorf("--handshake sends the one validation request and checks its reply: drop --%s", name)
			}
		}
	}
	if o.Demo {
		if o.factory != nil && o.factory.ProfileName() != "" {
			return cmdutil.UsageErrorf("--demo uses the provider's demo credentials and the local listener, not a profile: drop --profile (or unset SMSHOOK_PROFILE)")
		}
		for _, name := range []string{"secret", "secret-file", "username", "password"} {
			if changed(name) {
				return cmdutil.UsageErrorf("--demo uses the provider's demo credentials: drop --%s", name)
			}
		}
	}
	return nil
}

// plan is everything a run needs, resolved from the options.
type plan struct {
	provider *provider.Provider
	kind     *provider.Kind
	target   string
	scheme   signing.Scheme // nil: unsigned
	builder  *client.Builder
	expect   client.Expect
	timeout  time.Duration // --timeout, for messages
}

func sendRun(opts *SendOptions) error {
	f := opts.factory
	format, err := outputFormat(f, opts.DryRun)
	if err != nil {
		return err
	}
	t, err := f.ResolveTarget(opts.ProviderArg, opts.Credentials)
	if err != nil {
		return err
	}
	if opts.credHeaders, err = f.CredentialHeaders(); err != nil {
		return err
	}
	p := t.Provider
	if err := cmdutil.CheckCredentialFlags(p.Name, p.Auth, opts.Credentials); err != nil {
		return err
	}
	if opts.Handshake && p.Handshake == nil {
		return cmdutil.UsageErrorf("%s has no webhook validation handshake (of the built-in providers, mobtexting has one)", p.Name)
	}
	if opts.Demo {
		t.Credentials = p.Demo
	} else if !p.Auth.Optional || !t.Credentials.IsZero() {
		if err := t.RequireCredentials(); err != nil {
			// The Quick start's way: the demo credentials and the local listener.
			return cmdutil.UsageErrorf("%v; or --demo, to send with the demo credentials to 'smshook listen'", errors.Unwrap(err))
		}
	}
	pl := &plan{provider: p}
	if !t.Credentials.IsZero() {
		if pl.scheme, err = t.Scheme(opts.Encoding); err != nil {
			return err
		}
	} else if opts.Encoding != "" {
		return cmdutil.UsageErrorf("--encoding applies to a signature, and no credentials are set to sign with")
	}

	body, err := opts.readData()
	if err != nil {
		return err
	}
	if pl.kind, err = pickKind(p, opts.Event, body); err != nil {
		return err
	}
	if pl.target, err = opts.targetURL(t, pl.kind); err != nil {
		return err
	}
	header := http.Header{"Content-Type": {pl.kind.ContentType()}}
	userHeader, err := cmdutil.ParseHeaders(opts.Headers)
	if err != nil {
		return err
	}
	for name, values := range userHeader {
		header[name] = values // the user's Content-Type replaces the kind's
	}
	method := pl.kind.Method
	if opts.Method != "" {
		method = strings.ToUpper(opts.Method)
	}
	pl.builder = &client.Builder{Method: method, Header: header, Scheme: pl.scheme, Credentials: t.Credentials, Now: opts.Now}
	if method == http.MethodGet && !opts.Handshake {
		// A GET callback carries the form in the query, and no body.
		if !p.QueryCallbacks {
			return cmdutil.UsageErrorf("%s sends no GET callbacks: drop -X GET", p.Name)
		}
		givenForm := body != nil && !json.Valid(bytes.TrimSpace(body))
		if !givenForm && !strings.Contains(header.Get("Content-Type"), "form") {
			return cmdutil.UsageErrorf("a GET callback carries form parameters in its query, and this %s body is %s: send it with POST, or give form parameters with --data 'a=1&b=2'", p.Name, header.Get("Content-Type"))
		}
		pl.builder.InQuery = true
	}

	if opts.Handshake {
		return handshakeRun(opts, format, t, pl)
	}

	tmpl, err := opts.bodyTemplate(pl, header.Get("Content-Type"), body)
	if err != nil {
		return err
	}
	pl.builder.URL, pl.builder.Body = pl.target, tmpl
	if opts.Report != "" || opts.Verbose {
		pl.builder.Name = client.MessageID(pl.kind)
	}

	pl.timeout = opts.Timeout
	pl.expect = client.ExpectCodes(p.SuccessStatuses)
	if opts.Expect != "" {
		if pl.expect, err = client.ParseExpect(opts.Expect); err != nil {
			return cmdutil.UsageError(err)
		}
	}
	if opts.DryRun {
		return dryRun(opts, format, pl, pl.builder.Requests(opts.Count))
	}
	return run(opts, format, pl)
}

func outputFormat(f *cmdutil.Factory, dryRun bool) (string, error) {
	if dryRun {
		return f.OutputFormat(dryRunOutputFormats...)
	}
	return f.SendingOutputFormat(outputFormats, dryRunOutputFormats)
}

// readData reads --data: @FILE, - for stdin, or the text itself; nil when
// the kind's example is to be sent.
func (o *SendOptions) readData() ([]byte, error) {
	switch {
	case o.Data == "":
		return nil, nil
	case o.Data == "-":
		return cmdutil.ReadPayload("-", o.IO.In)
	case strings.HasPrefix(o.Data, "@"):
		if o.Data == "@" {
			return nil, cmdutil.UsageErrorf("--data @ needs a file name: --data @body.json")
		}
		return cmdutil.ReadPayload(o.Data[1:], o.IO.In)
	}
	return []byte(o.Data), nil
}

// pickKind is --event, else the kind the --data body is, else the
// provider's first kind.
func pickKind(p *provider.Provider, event string, body []byte) (*provider.Kind, error) {
	if event != "" {
		k, err := p.Kind(event)
		if err != nil {
			return nil, cmdutil.UsageError(err)
		}
		return k, nil
	}
	if body != nil {
		if k := p.DetectKind(body); k != nil {
			return k, nil
		}
	}
	return p.Kinds[0], nil
}

// targetURL is --to, else the profile's url, else with --demo the local
// listener (at /<provider>/<kind> when --event names the kind).
func (o *SendOptions) targetURL(t *cmdutil.Target, kind *provider.Kind) (string, error) {
	target := o.To
	if target == "" && t.Profile != nil {
		target = t.Profile.URL
	}
	if target == "" && o.Demo {
		target = cmdutil.DefaultLocalURL(t.Provider.Name)
		if o.Event != "" && !o.Handshake {
			target += "/" + kind.Name
		}
	}
	if target == "" {
		return "", cmdutil.UsageErrorf("no target URL: pass --to URL or set url in a profile (or --demo to send to a local 'smshook listen')")
	}
	if err := cmdutil.CheckHTTPURL(target); err != nil {
		return "", cmdutil.UsageError(err)
	}
	u, _ := url.Parse(target)
	if o.To != "" && u.Path == "" {
		// --to http://localhost:8787: the route a listener serves the
		// profile (or with no profile, the provider) at.
		route := "/" + t.Provider.Name
		if t.Profile != nil {
			route = "/" + t.Profile.Name
		}
		if o.Event != "" && !o.Handshake {
			route += "/" + kind.Name
		}
		target, _ = client.KeepRoute(target, route)
	}
	return target, nil
}

// bodyTemplate compiles the run's body: the kind's example with fresh
// values, or --data; --set applied; placeholders parsed.
func (o *SendOptions) bodyTemplate(pl *plan, contentType string, data []byte) (*client.Template, error) {
	b := client.Body{
		Raw:        data,
		Format:     client.FormatOf(contentType, pl.kind.Schema.Format),
		NoTemplate: o.NoTemplate,
		TimeLayout: client.KindTimeLayout(pl.kind),
	}
	if b.TimeLayout == "" {
		b.TimeLayout = client.ProviderTimeLayout(pl.provider)
	}
	if data == nil {
		if len(pl.kind.Fixture) == 0 {
			return nil, cmdutil.UsageErrorf("%s %s has no example body: pass --data", pl.provider.Name, pl.kind.Name)
		}
		b.Raw, b.Fresh = pl.kind.Fixture, pl.kind.Schema.Fields
	}
	for _, arg := range o.Sets {
		s, err := client.ParseSet(arg)
		if err != nil {
			return nil, cmdutil.UsageError(err)
		}
		b.Sets = append(b.Sets, s)
	}
	t, err := b.Compile()
	if err != nil {
		return nil, cmdutil.UsageError(err)
	}
	return t, nil
}
