// Package verify is `smshook verify`: check a received webhook's signature
// or credentials against a payload's exact bytes.
package verify

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/config"
	"github.com/smshook/smshook/pkg/iostreams"
	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/signing"
)

// VerifyOptions are the inputs of `smshook verify`.
type VerifyOptions struct {
	IO            *iostreams.IOStreams
	ResolveTarget func(providerArg string, flags config.CredentialFlags) (*cmdutil.Target, error)
	// KnownCredentials lists the other credentials known for the target's
	// provider, tried when the signature does not match.
	KnownCredentials func(t *cmdutil.Target) []signing.NamedCredentials

	ProviderArg string
	File        string // FILE, "-" for stdin, or "" (stdin when it is not a terminal)
	Event       string // verify against the provider's fixture of this kind
	Credentials config.CredentialFlags
	// Signature is the received value of the provider's auth header.
	Signature string
	// Header holds the --header 'Name: value' flags, parsed.
	Header http.Header
	// RequestFile is a whole raw HTTP request ("-" for stdin).
	RequestFile string
	// URL and Method are where and how the provider sent the request, for
	// schemes that sign them; URL also overrides a --request's own.
	URL    string
	Method string
	// Tolerance overrides how old or new a signed timestamp may be.
	Tolerance time.Duration
	// Explain lists every check tried after a mismatch, and its result.
	Explain bool
	Output  string
}

// NewCmdVerify builds `smshook verify`.
func NewCmdVerify(f *cmdutil.Factory, runF func(*VerifyOptions) error) *cobra.Command {
	opts := &VerifyOptions{IO: f.IOStreams, ResolveTarget: f.ResolveTarget, KnownCredentials: f.KnownCredentials}
	var headerLines []string
	cmd := &cobra.Command{
		Use:   "verify PROVIDER [FILE|-]",
		Short: "Check a received webhook's signature against its exact bytes",
		Long: `Check that a webhook request carries a valid signature (or valid Basic or
Bearer credentials) for its exact body bytes.

Give the received auth value with one of:
  --signature VALUE      the value of the provider's auth header; for Basic and
                         Bearer the whole Authorization value ('Basic dXNl…')
  --header 'Name: value' headers as received (repeatable)
  --request FILE         a whole raw HTTP request: request line, headers, a
                         blank line and the body (LF or CRLF line endings)

The body is FILE, '-' for stdin, or the provider's example with --event KIND;
with no FILE, stdin is read when it is not a terminal. Keep the bytes exactly
as received: a reformatted body no longer matches its signature. When the
signature matches a re-serialized form of the body (compacted or indented
JSON, keys reordered, a trailing newline added or removed), verify says so.

Credentials come as for 'smshook sign' (flags, SMSHOOK_* env, the profile);
every secret a profile lists (secret and previous_secrets) is accepted.
Providers whose auth is optional still need credentials to verify against.
Nothing verify prints contains a secret.

When the signature does not match, verify looks for why, and names a cause
only when a check matches: the URL rebuilt from the request's
X-Forwarded-Proto/Host/Port, Forwarded or X-Original-URL headers, the URL
with http and https swapped, with or without the port, a trailing slash or
the query, reordered or re-encoded; another profile's secret (or a previous
or demo one: named, never shown); the wrong validator (a Twilio JSON body
read as a form, a Standard Webhooks key used as text, a signature or secret
in another encoding); a signed timestamp minutes off (a clock) or hours old
(a replay); a body cut short of its Content-Length or padded with NULs, a
BOM or newlines. --explain lists every check tried and its result.

--output json prints the result (valid, reason, message, header, encoding,
secret_index, and cause, url and how when a cause was found; checks with
--explain) on stdout whether or not the signature is valid.

` + cmdutil.ExitStatusHelp + `

Here 1 means the signature or credentials are invalid; the reason is on stderr.`,
		Example: `  smshook verify dexatel --secret S --signature 'tfohtYVSauiKc7jJncqDJ4I4RL6A2AKbCUQL6BfuMtk=' body.json
  smshook verify dexatel --secret S --header 'X-Dexatel-Signature: 9051c49f…' body.json
  smshook verify cellcast --username u --password p --signature 'Basic dTpw' body.json
  smshook verify --profile dexatel-dev --request saved-request.http
  smshook sign dexatel --event delivery -o http | smshook verify dexatel --request -`,
		Args:              cmdutil.Args(cobra.RangeArgs(0, 2)),
		ValidArgsFunction: f.CompleteProviderAndFile,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.ProviderArg, opts.File, err = cmdutil.ProviderAndFile(f, args); err != nil {
				return err
			}
			if opts.Output, err = f.OutputFormat(outputFormats...); err != nil {
				return err
			}
			if opts.Header, err = cmdutil.ParseHeaders(headerLines); err != nil {
				return err
			}
			if err := checkInputs(opts); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return verifyRun(opts)
		},
	}
	fl := cmd.Flags()
	cmdutil.AddCredentialFlags(fl, &opts.Credentials)
	fl.StringVarP(&opts.Signature, "signature", "s", "", "received `VALUE` of the provider's auth header (X-Dexatel-Signature, Authorization…)")
	fl.StringArrayVarP(&headerLines, "header", "H", nil, "received header as 'Name: value' (repeatable)")
	fl.StringVar(&opts.RequestFile, "request", "", "raw HTTP request `FILE` holding headers and body ('-' for stdin)")
	fl.StringVarP(&opts.Event, "event", "e", "", "verify against the provider's example payload of event `KIND`")
	fl.StringVar(&opts.URL, "url", "", "`URL` the provider sent the request to, for schemes that sign it (default: the profile's url, else listen's; with --request, the request's own)")
	fl.StringVarP(&opts.Method, "method", "X", "", "HTTP method the request came with (default POST)")
	fl.BoolVar(&opts.Explain, "explain", false, "after a mismatch, list every check tried (URL variants, other secrets, validators, time, body) and its result")
	fl.DurationVar(&opts.Tolerance, "tolerance", 0, "how far a signed timestamp may be from now, either way (default 5m; negative: no age check, for old captures)")

	cmdutil.SetOutputFormats(cmd, outputFormats...)
	cmdutil.CompleteCredentialFlags(cmd)
	cmdutil.MarkFileFlags(cmd, "request")
	cmdutil.RegisterFlagCompletions(cmd, map[string]cobra.CompletionFunc{
		"event":     f.CompleteEventKinds,
		"signature": cobra.NoFileCompletions,
		"header":    cobra.NoFileCompletions,
		"url":       cobra.NoFileCompletions,
		"method":    cmdutil.CompleteMethods,
		"tolerance": cobra.NoFileCompletions,
	})
	return cmd
}

// outputFormats are what verify prints; the first is the default.
var outputFormats = []string{"text", "json"}

// checkInputs refuses combinations that give the body or auth value twice,
// or not at all.
func checkInputs(opts *VerifyOptions) error {
	if opts.URL != "" {
		if err := cmdutil.CheckHTTPURL(opts.URL); err != nil {
			return cmdutil.UsageErrorf("--url %v", err)
		}
	}
	opts.Method = strings.ToUpper(opts.Method)
	if opts.RequestFile != "" {
		switch {
		case opts.File != "" || opts.Event != "":
			return cmdutil.UsageErrorf("--request holds the body: drop FILE and --event")
		case opts.Signature != "" || len(opts.Header) > 0:
			return cmdutil.UsageErrorf("--request holds the headers: drop --signature and --header")
		case opts.Method != "":
			return cmdutil.UsageErrorf("--request holds the method: drop --method")
		}
		return nil
	}
	if opts.File != "" && opts.Event != "" {
		return cmdutil.UsageErrorf("give the body as FILE or with --event, not both")
	}
	if opts.Signature == "" && len(opts.Header) == 0 {
		return cmdutil.UsageErrorf("nothing to verify: give the received auth value with --signature VALUE, --header 'Name: value', or a whole request with --request FILE")
	}
	return nil
}

func verifyRun(opts *VerifyOptions) error {
	t, err := opts.ResolveTarget(opts.ProviderArg, opts.Credentials)
	if err != nil {
		return err
	}
	p := t.Provider
	if err := cmdutil.CheckCredentialFlags(p.Name, p.Auth, opts.Credentials); err != nil {
		return err
	}
	if err := t.RequireCredentials(); err != nil {
		return err
	}
	scheme, err := t.Scheme("")
	if err != nil {
		return err
	}
	if scheme, err = cmdutil.WithTolerance(scheme, opts.Tolerance); err != nil {
		return err
	}
	req, err := receivedRequest(opts, t, scheme)
	if err != nil {
		return err
	}

	result := scheme.Verify(&req, t.Credentials)
	var diagnosis signing.Diagnosis
	if !result.Valid {
		result, diagnosis = signing.Diagnose(scheme, &req, t.Credentials, result, signing.DiagnoseOptions{
			Self:    profileName(t),
			Others:  opts.knownCredentials(t),
			URLFlag: "--url",
		})
		if diagnosis.Cause == "" {
			result = signing.WithURLHint(scheme.Spec(), result, "pass the URL the provider was given with --url")
		}
	}

	streams := opts.IO
	if opts.Output == "json" {
		out := jsonResult{Result: result, Cause: diagnosis.Cause, URL: diagnosis.URL, How: diagnosis.How}
		if opts.Explain {
			out.Checks = diagnosis.Checks
			if out.Checks == nil {
				out.Checks = []signing.Check{}
			}
		}
		if err := iostreams.WriteJSON(streams.Out, out, streams.JSONColorEnabled()); err != nil {
			return err
		}
	} else if result.Valid {
		cs := streams.ColorScheme()
		fmt.Fprintf(streams.Out, "%s valid: %s%s\n", cs.SuccessIcon(), describeMatch(scheme, result), whichSecret(scheme.Spec(), t.Credentials, result))
	} else if opts.Explain {
		printChecks(streams, diagnosis.Checks)
	}
	if !result.Valid {
		return cmdutil.FailureErrorf("invalid signature: %s", result.Message)
	}
	return nil
}

// receivedRequest assembles the request as it arrived: from --request, or
// from the body and the auth value given by flags.
func receivedRequest(opts *VerifyOptions, t *cmdutil.Target, scheme signing.Scheme) (signing.Request, error) {
	if opts.RequestFile != "" {
		raw, err := readRequestFile(opts.RequestFile, opts.IO.In)
		if err != nil {
			return signing.Request{}, err
		}
		req, err := cmdutil.ParseRawRequest(raw)
		if err != nil {
			return signing.Request{}, cmdutil.UsageErrorf("--request %s is not a raw HTTP request: %v", displayName(opts.RequestFile), err)
		}
		if opts.URL != "" {
			req.URL = opts.URL // e.g. the public https URL a tunnel received it on
		}
		return req, nil
	}

	body, err := readBody(opts, t.Provider)
	if err != nil {
		return signing.Request{}, err
	}
	// The same defaults as sign's, so that what sign signed verifies.
	req := signing.Request{Method: opts.Method, URL: opts.URL, Header: opts.Header.Clone(), Body: body}
	if req.Method == "" {
		req.Method = "POST"
	}
	if req.URL == "" {
		req.URL = cmdutil.DefaultLocalURL(t.Provider.Name)
		if t.Profile != nil && t.Profile.URL != "" {
			req.URL = t.Profile.URL
		}
	}
	if req.Header == nil {
		req.Header = http.Header{}
	}
	if opts.Signature != "" {
		if len(scheme.AuthHeaders()) == 0 {
			return signing.Request{}, cmdutil.UsageErrorf("%s signs inside the request, not in a header: give the whole request with --request FILE", t.Provider.Name)
		}
		name := scheme.AuthHeaders()[0] // the signature's header comes first
		if req.Header.Get(name) != "" {
			return signing.Request{}, cmdutil.UsageErrorf("--signature and --header both give %s: keep one", name)
		}
		req.Header.Set(name, opts.Signature)
	}
	return req, nil
}

func readBody(opts *VerifyOptions, p *provider.Provider) ([]byte, error) {
	if opts.Event != "" {
		kind, err := p.Kind(opts.Event)
		if err != nil {
			return nil, cmdutil.UsageError(err)
		}
		return kind.Fixture, nil
	}
	return cmdutil.ReadBodyArg(opts.File, opts.IO,
		"give the body as received as FILE or '-' for stdin, or the whole request with --request FILE")
}

func readRequestFile(path string, stdin io.Reader) ([]byte, error) {
	var (
		raw []byte
		err error
	)
	if path == "-" {
		raw, err = io.ReadAll(stdin)
	} else {
		raw, err = os.ReadFile(path)
	}
	if err != nil {
		if pe, ok := err.(*os.PathError); ok {
			err = pe.Err
		}
		return nil, cmdutil.UsageErrorf("cannot read --request %s: %v", displayName(path), err)
	}
	return raw, nil
}

func displayName(path string) string {
	if path == "-" {
		return "stdin"
	}
	return path
}

// describeMatch says what matched. For HMAC it names the encoding the
// signature was found in, which may differ from the one sign writes.
func describeMatch(scheme signing.Scheme, r signing.Result) string {
	spec := scheme.Spec()
	if r.Encoding == "" || strings.EqualFold(r.Encoding, spec.Encoding) {
		return scheme.Describe()
	}
	spec.Encoding = r.Encoding
	if s, err := signing.New(spec); err == nil {
		return s.Describe()
	}
	return scheme.Describe()
}

// whichSecret names the matching secret by position when there are several
// (rotation), never by value.
func whichSecret(spec signing.Spec, c signing.Credentials, r signing.Result) string {
	if spec.Scheme == signing.SchemeBasic || len(c.Secrets) < 2 {
		return ""
	}
	return fmt.Sprintf(" (secret %d of %d)", r.SecretIndex+1, len(c.Secrets))
}

// jsonResult is what --output json prints: the result, and what the
// diagnosis of a failure found.
type jsonResult struct {
	signing.Result
	Cause  string          `json:"cause,omitempty"`
	URL    string          `json:"url,omitempty"`
	How    string          `json:"how,omitempty"`
	Checks []signing.Check `json:"checks,omitempty"`
}

// printChecks lists what the diagnosis tried, one line each. The URLs in
// them come from the request's headers: through the terminal door.
func printChecks(streams *iostreams.IOStreams, checks []signing.Check) {
	cs := streams.ColorScheme()
	if len(checks) == 0 {
		fmt.Fprintln(streams.Out, "no other check applies to this failure")
		return
	}
	fmt.Fprintf(streams.Out, "checks tried after the mismatch (%d):\n", len(checks))
	for _, c := range checks {
		mark, result := cs.FailureIcon(), "no match"
		if c.Match {
			mark, result = cs.SuccessIcon(), "match"
		}
		fmt.Fprintf(streams.Out, "  %s %-9s %s: %s\n", mark, c.Check, iostreams.SafeLine(c.Tried), result)
	}
}

func (opts *VerifyOptions) knownCredentials(t *cmdutil.Target) []signing.NamedCredentials {
	if opts.KnownCredentials == nil {
		return nil
	}
	return opts.KnownCredentials(t)
}

func profileName(t *cmdutil.Target) string {
	if t.Profile == nil {
		return ""
	}
	return t.Profile.Name
}
