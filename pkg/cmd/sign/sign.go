// Package sign is `smshook sign`: sign a payload as a provider would and
// print the auth header, the request as JSON, a curl command or raw HTTP.
package sign

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/config"
	"github.com/smshook/smshook/pkg/iostreams"
	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/redact"
	"github.com/smshook/smshook/pkg/signing"
)

// Output formats sign prints; the first is the default.
var outputFormats = []string{"text", "json", "curl", "http"}

// SignOptions are the inputs of `smshook sign`.
type SignOptions struct {
	IO            *iostreams.IOStreams
	ResolveTarget func(providerArg string, flags config.CredentialFlags) (*cmdutil.Target, error)

	ProviderArg string
	File        string // FILE, "-" for stdin, or "" (stdin when it is not a terminal)
	Event       string // sign the provider's fixture of this kind instead of a file
	Credentials config.CredentialFlags
	Encoding    string
	URL         string
	Method      string
	Output      string
	// ShowSecrets prints Basic and Bearer credentials instead of redacting them.
	ShowSecrets bool
}

// NewCmdSign builds `smshook sign`.
func NewCmdSign(f *cmdutil.Factory, runF func(*SignOptions) error) *cobra.Command {
	opts := &SignOptions{IO: f.IOStreams, ResolveTarget: f.ResolveTarget}
	cmd := &cobra.Command{
		Use:   "sign PROVIDER [FILE|-]",
		Short: "Sign a payload as the provider would and print the auth header",
		Long: `Sign a webhook payload the way the provider signs it, and print the auth
header ready to paste, or the whole request.

The payload is FILE, '-' for stdin, or the provider's example for an event
kind with --event KIND (see 'smshook providers show PROVIDER'). With no FILE
and no --event, the body is read from stdin when stdin is not a terminal.
The bytes are signed exactly as given: a trailing newline is part of the body.
An empty body is a body: a GET callback (Vonage, Twilio, MessageBird, Plivo)
has none and carries its parameters in the query, e.g.
  smshook sign vonage -X GET --url 'https://host/dlr?msisdn=…&status=delivered' /dev/null

With --profile, the provider and credentials come from the profile; a single
argument is then the FILE unless it names a provider.

Credentials come from --secret, --secret-file, --username and --password,
then $SMSHOOK_SECRET, $SMSHOOK_USERNAME and $SMSHOOK_PASSWORD, then the profile.
For Basic and Bearer providers the printed header holds the credentials
themselves: that is what the provider sends.

Output (--output):
  text   the auth header line(s), e.g. "X-Dexatel-Signature: tfoh…="
  json   method, url, headers and body (body_base64 when it is not UTF-8)
  curl   a curl command that sends the exact bytes to --url
  http   the raw HTTP/1.1 request: request line, headers, blank line, body

--url defaults to the profile's url, else to where 'smshook listen' serves
the provider (` + cmdutil.DefaultLocalURL("PROVIDER") + `). Providers that sign the URL
(Twilio, Plivo, MessageBird, and config providers whose template has {url})
sign it too: pass the exact URL your handler sees, scheme, host, port and
query included, or the signature will not match there.

` + cmdutil.ExitStatusOf("bad flags or arguments, an unknown provider or profile, missing credentials, unreadable input", ""),
		Example: `  smshook sign dexatel --secret S body.json
  smshook sign dexatel --secret S --encoding hex body.json
  smshook sign dexatel --secret S --event delivery --output curl | sh
  cat body.json | smshook sign mobtexting --secret-file ./token
  smshook sign cellcast --event status --username u --password p --output http
  smshook sign --profile dexatel-dev body.json --output json`,
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
			if opts.File != "" && opts.Event != "" {
				return cmdutil.UsageErrorf("give the payload as FILE or with --event, not both")
			}
			if opts.URL != "" {
				if err := cmdutil.CheckHTTPURL(opts.URL); err != nil {
					return cmdutil.UsageErrorf("--url %v", err)
				}
			}
			opts.Encoding = strings.ToLower(opts.Encoding)
			if opts.Encoding != "" && opts.Encoding != signing.EncodingHex && opts.Encoding != signing.EncodingBase64 {
				return cmdutil.UsageErrorf("--encoding %s is not a signature encoding: use hex or base64", opts.Encoding)
			}
			opts.Method = strings.ToUpper(opts.Method)
			if runF != nil {
				return runF(opts)
			}
			return signRun(opts)
		},
	}
	fl := cmd.Flags()
	cmdutil.AddCredentialFlags(fl, &opts.Credentials)
	fl.StringVarP(&opts.Event, "event", "e", "", "sign the provider's example payload of event `KIND`")
	fl.StringVar(&opts.Encoding, "encoding", "", "signature encoding for HMAC providers: hex or base64 (default: profile's encoding, else the provider's)")
	fl.StringVar(&opts.URL, "url", "", "`URL` the request goes to (curl, http, json output); Twilio, Plivo and MessageBird sign it too")
	fl.StringVarP(&opts.Method, "method", "X", "", "HTTP method (default: the event kind's, POST)")
	fl.BoolVar(&opts.ShowSecrets, "show-secrets", false, "print Basic and Bearer credentials instead of <redacted>")

	cmdutil.SetOutputFormats(cmd, outputFormats...)
	cmdutil.CompleteCredentialFlags(cmd)
	cmdutil.RegisterFlagCompletions(cmd, map[string]cobra.CompletionFunc{
		"event":    f.CompleteEventKinds,
		"encoding": cmdutil.CompleteEncodings,
		"url":      cobra.NoFileCompletions,
		"method":   cmdutil.CompleteMethods,
	})
	return cmd
}

func signRun(opts *SignOptions) error {
	t, err := opts.ResolveTarget(opts.ProviderArg, opts.Credentials)
	if err != nil {
		return err
	}
	p := t.Provider
	if err := cmdutil.CheckCredentialFlags(p.Name, p.Auth, opts.Credentials); err != nil {
		return err
	}
	if opts.Encoding != "" && p.Auth.Scheme != signing.SchemeHMAC {
		return cmdutil.UsageErrorf("--encoding applies to HMAC signatures, and %s uses %s auth: drop --encoding", p.Name, p.Auth.Scheme)
	}
	if err := t.RequireCredentials(); err != nil {
		return err
	}
	scheme, err := t.Scheme(opts.Encoding)
	if err != nil {
		if opts.Encoding == "" && t.Profile != nil {
			return cmdutil.UsageErrorf("profile %q: encoding: %v", t.Profile.Name, err)
		}
		return err
	}

	body, kind, bodyFile, err := payload(opts, p)
	if err != nil {
		return err
	}
	req := signing.Request{
		Method: opts.Method,
		URL:    opts.URL,
		Header: http.Header{},
		Body:   body,
	}
	if req.Method == "" {
		req.Method = "POST"
		if kind != nil {
			req.Method = kind.Method
		}
	}
	if req.URL == "" {
		req.URL = cmdutil.DefaultLocalURL(p.Name)
		if t.Profile != nil && t.Profile.URL != "" {
			req.URL = t.Profile.URL
			if err := cmdutil.CheckHTTPURL(req.URL); err != nil {
				return cmdutil.UsageErrorf("profile %q: url %v", t.Profile.Name, err)
			}
		} else if p.Auth.SignsURL() {
			// The signature holds only for this URL: say which, so that a
			// header pasted elsewhere does not fail without a clue.
			fmt.Fprintf(opts.IO.ErrOut, "note: %s signs the URL; signed for %s, where 'smshook listen' serves it: pass --url with the URL your handler is given\n", p.Name, req.URL)
		}
	}
	contentKind := kind
	if contentKind == nil {
		contentKind = p.Kinds[0]
	}
	if len(req.Body) > 0 || req.Method != "GET" {
		req.Header.Set("Content-Type", contentKind.ContentType())
	}

	if err := scheme.Sign(&req, t.Credentials); err != nil {
		return cmdutil.UsageError(fmt.Errorf("cannot sign for %s: %v", p.Name, err))
	}
	if !bytes.Equal(req.Body, body) {
		bodyFile = "" // the scheme signs inside the body: curl must send the new bytes
	}
	// Basic and Bearer headers are the credentials themselves: they print
	// only when asked, so that a log of this command keeps no password.
	if !opts.ShowSecrets {
		var redacted bool
		req.Header, redacted = redact.NewHeaders(scheme).Redact(req.Header, scheme)
		if shown := redact.URL(req.URL); shown != req.URL {
			req.URL, redacted = shown, true
		}
		if redacted {
			defer fmt.Fprintln(opts.IO.ErrOut, cmdutil.RedactedNote)
		}
	}
	return write(opts, p, kind, scheme.AuthHeaders(), req, bodyFile)
}

// payload returns the body to sign, its kind when known, and the file it
// came from (empty for stdin and fixtures).
func payload(opts *SignOptions, p *provider.Provider) ([]byte, *provider.Kind, string, error) {
	if opts.Event != "" {
		kind, err := p.Kind(opts.Event)
		if err != nil {
			return nil, nil, "", cmdutil.UsageError(err)
		}
		return kind.Fixture, kind, "", nil
	}
	body, err := cmdutil.ReadBodyArg(opts.File, opts.IO,
		fmt.Sprintf("give the body as FILE or '-' for stdin, or sign an example with --event %s", strings.Join(p.KindNames(), "|")))
	if err != nil {
		return nil, nil, "", err
	}
	bodyFile := ""
	if opts.File != "-" {
		bodyFile = opts.File
	}
	return body, p.DetectKind(body), bodyFile, nil
}

// signedJSON is what `sign --output json` prints.
type signedJSON struct {
	Provider string `json:"provider"`
	Event    string `json:"event,omitempty"`
	cmdutil.RequestJSON
}

func write(opts *SignOptions, p *provider.Provider, kind *provider.Kind, authHeaders []string, req signing.Request, bodyFile string) error {
	out := opts.IO.Out
	switch opts.Output {
	case "json":
		v := signedJSON{Provider: p.Name, RequestJSON: cmdutil.NewRequestJSON(req)}
		if kind != nil {
			v.Event = kind.Name
		}
		return iostreams.WriteJSON(out, v, opts.IO.JSONColorEnabled())
	case "curl":
		_, err := fmt.Fprintln(out, cmdutil.FormatCurl(req.Method, req.URL, req.Header, req.Body, bodyFile))
		return err
	case "http":
		return writeHTTP(out, req)
	}
	if len(authHeaders) == 0 {
		// The signature is inside the URL or body, so no header line can
		// carry it: print the whole request instead.
		fmt.Fprintf(opts.IO.ErrOut, "%s signs inside the request, not in a header: printing the whole request (see --output curl, http or json)\n", p.Name)
		return writeHTTP(out, req)
	}
	_, err := fmt.Fprint(out, cmdutil.FormatHeaderLines(req.Header, authHeaders))
	return err
}

func writeHTTP(out io.Writer, req signing.Request) error {
	raw, err := cmdutil.FormatHTTP(req.Method, req.URL, req.Header, req.Body)
	if err != nil {
		return cmdutil.UsageError(err)
	}
	_, err = out.Write(raw)
	return err
}
