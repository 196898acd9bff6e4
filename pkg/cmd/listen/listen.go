// Package listen is `smshook listen`: a local webhook receiver that
// verifies, shows, captures and forwards providers' requests.
package listen

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/cmdutil/inspector"
	"github.com/smshook/smshook/pkg/config"
	"github.com/smshook/smshook/pkg/iostreams"
	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/server"
	"github.com/smshook/smshook/pkg/signing"
)

// DefaultCapturePath is where listen appends its records unless told otherwise.
const DefaultCapturePath = "smshook-captures.jsonl"

// maxMaxBody keeps a captured line well within what capture.Reader reads:
// the body and the app's reply as base64 are 2 × 43 MiB at most. (A line
// over the reader's limit is refused by the writer and answered 500.)
const maxMaxBody = 32 << 20

// ListenOptions are the inputs of `smshook listen`.
type ListenOptions struct {
	IO       *iostreams.IOStreams
	Config   func() (*config.Config, error)
	Registry func() (*provider.Registry, error)
	Getenv   func(string) string
	Now      func() time.Time
	// Context is the command's: canceled on SIGINT and SIGTERM.
	Context context.Context
	// EnvProfile is SMSHOOK_PROFILE, used when no --profile is given.
	EnvProfile string
	Output     string

	Host        string
	Port        int
	Profiles    []string
	Demo        bool
	CapturePath string
	NoCapture   bool
	MaxBody     int64
	// MaxInflight bounds the request body bytes held at once (0: the server's default).
	MaxInflight   int64
	AcceptInvalid bool
	// Tolerance overrides how old or new a signed timestamp may be, for
	// every served provider that signs one.
	Tolerance   time.Duration
	ForwardTo   string
	Respond     int
	RespondBody []byte
	Delay       time.Duration
	Print       string
	MaxEvents   int
	Timeout     time.Duration
	PublicURL   string
	AddrFile    string
	// UIPort is the inspector's loopback port (0 picks one); NoUI turns
	// it off; Open opens it in a browser.
	UIPort int
	NoUI   bool
	Open   bool

	// listening, when set (tests), is told the bound address; inspecting
	// the inspector's URL.
	listening  func(addr string)
	inspecting func(url string)
}

// Print modes.
const (
	printBody    = "body"
	printHeaders = "headers"
	printAll     = "all"
)

// NewCmdListen builds `smshook listen`.
func NewCmdListen(f *cmdutil.Factory, runF func(*ListenOptions) error) *cobra.Command {
	opts := &ListenOptions{
		IO:       f.IOStreams,
		Config:   f.Config,
		Registry: f.Registry,
		Getenv:   f.Getenv,
		Now:      f.Now,
	}
	var maxBody, maxInflight, respondBody string
	cmd := &cobra.Command{
		Use:   "listen",
		Short: "Receive webhooks locally: verify, show, capture and forward them",
		Long: `Run a local webhook receiver. Each request is routed to a provider, its
signature or credentials are verified, its body is decoded to the normalized
event, one line is printed, and the request is appended to the capture file
(on disk before it is answered), then forwarded to your app or answered here.

Routes: with no config file (or with --demo), every built-in provider is
served at /PROVIDER (the kind is read from the body) and /PROVIDER/KIND, with
the provider's public demo credentials, so that 'smshook send PROVIDER
--demo' works against it. With --profile P (repeatable, or a comma list;
it replaces the global --profile here) or, when none is given, every profile
in the config file, each profile is served at /P and /P/KIND with its own
credentials and forward_to. Of every profile, one that cannot be served (its
secret_env unset, say) is skipped with a warning, and listen stops only when
none can be; a profile named with --profile must be served. --demo serves the
built-ins whatever the config file holds. SMSHOOK_SECRET and friends apply
only when one profile is served. Providers whose auth is optional (MOBtexting, Cellcast)
and that have no credentials are accepted and marked "not checked".

Answers: 200 when valid; 401 with a JSON reason when not (--accept-invalid
answers as if valid, but the record and the line still say invalid;
--tolerance widens, or with a negative value drops, the 5-minute window
in which a signed timestamp is accepted, for events sent again as they
were captured); 404
with the list of routes; 405 for a method the provider does not use; 413
beyond --max-body (still captured, with the part read, marked truncated);
503 with Retry-After: 1 when bodies being handled already hold
--max-inflight bytes (default 64 MiB, or 4 × --max-body when more): the
body is not read, and the request is captured without it, marked
truncated; 500 when the capture file cannot be written (never a 2xx that
is not on disk; after a full disk, the next request tries again). MOBtexting's validation handshake (?token=KEY) is answered 200 with
{"validation_key": KEY, "challenge": …}; 400 when the profile has a
validation_key and the request's differs.
--forward-to URL (or a profile's forward_to) sends the exact bytes and
headers (less hop-by-hop ones) to your app and relays its answer; 502 when
it cannot be reached or its reply body is over --max-body (at least 1 MiB).
A URL with no path (http://127.0.0.1:3000) keeps each request's path and
query; with a path, every request goes there, with the request's query when
the URL has none. --respond, --respond-body and --delay play a failing
or slow endpoint instead, to exercise a provider's retries (--respond leaves
the handshake alone, and beats a profile's forward_to).

Behind a tunnel or proxy: Twilio, Plivo, MessageBird and config providers
whose template has {url} sign the public URL the provider was given. A
request that verifies only under the URL rebuilt from its own
X-Forwarded-Proto/Host/Port, Forwarded or X-Original-URL headers is accepted
and marked "via forwarded URL" (verification cause forwarded_url and url in
the record and --output json), with a one-time hint to pass --public-url.
listen binds loopback, so those headers come from your own tunnel; they are
trusted for that verdict only, never to route or forward. Any other failure
is diagnosed and explained, never accepted: another form of the URL (http
and https, the port, a trailing slash, the query), another profile's or the
demo secret (named, never shown), the wrong validator, a skewed clock or a
replay, a body cut or padded; the 401 body, a "why:" line under the request
and the record say which.

Capture: one JSON object per line (JSON Lines), appended to --capture
(default ./` + DefaultCapturePath + `, mode 0600: it holds auth headers; an
existing file others can read is made 0600, with a warning; a symbolic link
or anything but a regular file is refused): id, received_at, profile,
provider, kind, method, url, headers, body (or body_base64 when not UTF-8
or when base64 is shorter), verification, event, reply and forward.
'smshook replay' reads it.

Output: one line per request on stdout (time, profile, kind, message id,
from → to, status, ✓ verified / ✗ invalid / – not checked, reply status,
latency); --output json prints one JSON object per line instead (the
record, with credential values redacted). --print adds the body (pretty
JSON or form fields) and/or the headers under each line.

Inspector: a local web page of every event, live (search, detail, verdict,
lifecycle by message id, diff, copy as curl, replay, edit then send), on
its own address, never the webhook port: 127.0.0.1:8788 (--ui-port N; 0
picks a free one, as it does whenever --port is 0), or none with --no-ui;
--open opens it in a browser. It answers only on 127.0.0.1 and refuses
requests from other sites. 'smshook inspect FILE' serves it over a file.

Requests that match no route (a browser's /favicon.ico, a stray curl) are
answered 404 and recorded, but are not events: --max-events and the
counts of verified and invalid leave them out, and replay skips them.

CI: --max-events N exits after N events, 0 when none was invalid, else 1;
--timeout D exits after D, 1 when --max-events was not reached. SIGINT or
SIGTERM finishes the requests in flight, closes the capture file and exits
130. A summary goes to stderr at exit.

` + cmdutil.ExitStatusHelp + `

  listen exits 1 when an event was invalid or a request could not be captured, or
  --timeout passed before --max-events events came.`,
		Example: `  smshook listen
  smshook listen --port 0 --print body
  smshook listen --profile dexatel-dev --forward-to http://127.0.0.1:3000/webhooks/dexatel
  smshook listen --respond 503 --delay 2s
  smshook listen --max-events 3 --timeout 30s --output json --capture ci.jsonl`,
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Context = cmd.Context()
			opts.EnvProfile = f.ProfileName()
			// listen reports each profile it cannot serve itself.
			f.OwnsProfile = func(name string) bool { return opts.serves(name) }
			if err := opts.parse(cmd, maxBody, maxInflight, respondBody); err != nil {
				return err
			}
			format, err := f.OutputFormat("text", "json")
			if err != nil {
				return err
			}
			opts.Output = format
			if format == "json" && opts.Print != "" {
				return cmdutil.UsageErrorf("--print is for the text output: each --output json line already holds the body and headers")
			}
			if runF != nil {
				return runF(opts)
			}
			return listenRun(opts)
		},
	}

	fl := cmd.Flags()
	fl.StringVar(&opts.Host, "host", "127.0.0.1", "address to listen on (0.0.0.0 for every interface)")
	fl.IntVar(&opts.Port, "port", 8787, "port to listen on; 0 picks a free one (the address is printed)")
	// Shadows the global --profile (a single name) for this command only.
	fl.StringSliceVarP(&opts.Profiles, "profile", "p", nil, "serve this profile at /`NAME` (repeatable; default: every profile in the config file)")
	fl.BoolVar(&opts.Demo, "demo", false, "also serve the built-in providers with their demo credentials, whatever the config file holds")
	fl.StringVar(&opts.CapturePath, "capture", DefaultCapturePath, "append every request to this JSON Lines `FILE`")
	fl.BoolVar(&opts.NoCapture, "no-capture", false, "do not write a capture file")
	fl.StringVar(&maxBody, "max-body", "1MiB", "largest body read (e.g. 512KiB, 4MiB); larger requests get 413")
	fl.StringVar(&maxInflight, "max-inflight", "", "request body bytes handled at once; beyond, 503 with Retry-After (default 64MiB, or 4 × --max-body when more)")
	fl.BoolVar(&opts.AcceptInvalid, "accept-invalid", false, "answer requests that fail verification as if they passed (they are still marked invalid)")
	fl.DurationVar(&opts.Tolerance, "tolerance", 0, "how far a signed timestamp may be from now, either way, for providers that sign one (default 5m; negative: no age check)")
	fl.StringVar(&opts.ForwardTo, "forward-to", "", "forward each accepted request to your app at `URL` and relay its answer; a URL with no path keeps each request's path and query")
	fl.IntVar(&opts.Respond, "respond", 0, "answer accepted requests with this HTTP `STATUS` (e.g. 500, to test retries)")
	fl.StringVar(&respondBody, "respond-body", "", "answer with this body (@FILE reads a file); implies --respond 200 when not given")
	fl.DurationVar(&opts.Delay, "delay", 0, "wait this long before each answer (e.g. 2s, to play a slow endpoint)")
	fl.StringVar(&opts.Print, "print", "", "also print each request's body, headers or all (Authorization values redacted)")
	fl.IntVar(&opts.MaxEvents, "max-events", 0, "exit after N events (requests that matched no route do not count): 0 when none was invalid, else 1")
	fl.DurationVar(&opts.Timeout, "timeout", 0, "exit after this long (1 when --max-events was not reached)")
	fl.StringVar(&opts.PublicURL, "public-url", "", "the `URL` the provider was given (a tunnel), recorded and used for URL-signing schemes")
	fl.IntVar(&opts.UIPort, "ui-port", DefaultUIPort, "serve the inspector page on 127.0.0.1:`N` (0 picks a free one; with --port 0 the default is 0 too)")
	fl.BoolVar(&opts.NoUI, "no-ui", false, "do not serve the inspector page")
	fl.BoolVar(&opts.Open, "open", false, "open the inspector in a browser")
	fl.StringVar(&opts.AddrFile, "addr-file", "", "write the bound host:port to `FILE` once listening (for scripts, with --port 0)")

	cmd.ValidArgsFunction = cobra.NoFileCompletions
	cmdutil.SetOutputFormats(cmd, "text", "json")
	cmdutil.MarkFileFlags(cmd, "capture", "addr-file", "respond-body")
	cmdutil.RegisterFlagCompletions(cmd, map[string]cobra.CompletionFunc{
		"profile":      cmdutil.CompleteList(func(*cobra.Command) []string { return f.ProfileCandidates() }),
		"print":        cmdutil.CompleteValues("body\tthe pretty body", "headers\tthe headers, credentials redacted", "all\tboth"),
		"respond":      cmdutil.CompleteValues("200", "202", "400", "401", "404", "500", "502", "503"),
		"max-body":     cmdutil.CompleteValues("64KiB", "1MiB", "4MiB"),
		"max-inflight": cmdutil.CompleteValues("16MiB", "64MiB", "256MiB"),
		"host":         cmdutil.CompleteValues("127.0.0.1\tthis machine only", "0.0.0.0\tevery interface"),
		"port":         cobra.NoFileCompletions,
		"forward-to":   cobra.NoFileCompletions,
		"delay":        cobra.NoFileCompletions,
		"max-events":   cobra.NoFileCompletions,
		"timeout":      cobra.NoFileCompletions,
		"public-url":   cobra.NoFileCompletions,
		"ui-port":      cobra.NoFileCompletions,
		"tolerance":    cmdutil.CompleteValues("1m", "15m", "1h", "-1s\tno age check"),
	})
	return cmd
}

// parse checks flag values and combinations before anything starts.
func (o *ListenOptions) parse(cmd *cobra.Command, maxBody, maxInflight, respondBody string) error {
	changed := cmd.Flags().Changed
	ports := inspector.Flags{Port: o.Port, UIPort: o.UIPort, UIPortGiven: changed("ui-port"), NoUI: o.NoUI, Open: o.Open}
	if err := inspector.CheckFlags(&ports, "the webhook port: the inspector never shares it (a tunnel to the webhook port would expose it)"); err != nil {
		return err
	}
	o.UIPort = ports.UIPort
	if err := cmdutil.CheckCaptureFlags(o.NoCapture, changed("capture"), o.CapturePath); err != nil {
		return err
	}
	switch {
	case o.Delay < 0:
		return cmdutil.UsageErrorf("--delay must be 0 or more")
	case o.MaxEvents < 0:
		return cmdutil.UsageErrorf("--max-events must be 0 (no limit) or more")
	case o.Timeout < 0:
		return cmdutil.UsageErrorf("--timeout must be 0 (none) or more")
	case changed("respond") && (o.Respond < 100 || o.Respond > 599):
		return cmdutil.UsageErrorf("--respond %d is not an HTTP status: use 100-599", o.Respond)
	case o.ForwardTo != "" && (changed("respond") || changed("respond-body")):
		return cmdutil.UsageErrorf("--forward-to relays your app's answer, --respond answers here: drop one")
	}
	switch o.Print {
	case "", printBody, printHeaders, printAll:
	default:
		return cmdutil.UsageErrorf("--print %q: use body, headers or all", o.Print)
	}
	for _, u := range []struct{ flag, value string }{{"forward-to", o.ForwardTo}, {"public-url", o.PublicURL}} {
		if u.value != "" {
			if err := cmdutil.CheckHTTPURL(u.value); err != nil {
				return cmdutil.UsageErrorf("--%s: %v", u.flag, err)
			}
		}
	}
	n, err := ParseSize(maxBody)
	if err != nil {
		return cmdutil.UsageErrorf("--max-body: %v", err)
	}
	if n < 1 || n > maxMaxBody {
		return cmdutil.UsageErrorf("--max-body %s: use 1 byte to %s", maxBody, FormatSize(maxMaxBody))
	}
	o.MaxBody = n
	if changed("max-inflight") {
		n, err := ParseSize(maxInflight)
		if err != nil {
			return cmdutil.UsageErrorf("--max-inflight: %v", err)
		}
		if n < o.MaxBody {
			return cmdutil.UsageErrorf("--max-inflight %s is below --max-body %s: no body that large could be read; raise it", maxInflight, FormatSize(o.MaxBody))
		}
		o.MaxInflight = n
	}
	if changed("respond-body") {
		if strings.HasPrefix(respondBody, "@") {
			b, err := cmdutil.ReadPayload(respondBody[1:], o.IO.In)
			if err != nil {
				return err
			}
			o.RespondBody = b
		} else {
			o.RespondBody = []byte(respondBody)
		}
		if o.Respond == 0 {
			o.Respond = 200
		}
	}
	for _, p := range o.Profiles {
		if p == "" {
			return cmdutil.UsageErrorf("--profile needs a name")
		}
	}
	return nil
}

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30},
	{"kb", 1000}, {"mb", 1000 * 1000}, {"gb", 1000 * 1000 * 1000},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30},
	{"b", 1},
}

// ParseSize reads a byte count: 1048576, 512KiB, 1MiB, 2MB (SI), 64k.
func ParseSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a size such as 1MiB, 512KiB or 1048576", s)
	}
	return int64(n * float64(mult)), nil
}

// FormatSize prints a byte count for people: 512 B, 1.5 KiB, 32 MiB.
func FormatSize(n int64) string {
	unit := func(div float64, name string) string {
		return strings.TrimSuffix(strconv.FormatFloat(float64(n)/div, 'f', 1, 64), ".0") + " " + name
	}
	switch {
	case n >= 1<<20:
		return unit(1<<20, "MiB")
	case n >= 1<<10:
		return unit(1<<10, "KiB")
	}
	return strconv.FormatInt(n, 10) + " B"
}

// endpoints resolves what to serve: the profiles asked for, else every
// profile in the config file, else (and with --demo) the built-in providers
// with their demo credentials. A profile asked for by name that cannot be
// served is an error; of every profile in the file, those that can be are
// served and the others come back as warnings, one each, and it is an error
// only when nothing can be served. --demo serves the built-ins whatever the
// config file holds.
func (o *ListenOptions) endpoints() (eps []*server.Endpoint, warnings []string, err error) {
	reg, err := o.Registry()
	if err != nil {
		if !o.Demo {
			return nil, nil, err
		}
		warnings = append(warnings, fmt.Sprintf("%v: serving the built-in providers only", err))
		reg = provider.Builtin()
	}
	names := o.Profiles
	if len(names) == 0 && o.EnvProfile != "" {
		names = []string{o.EnvProfile}
	}
	var profiles []*config.Profile
	if len(names) > 0 {
		cfg, err := o.Config()
		if err != nil {
			return nil, nil, err
		}
		for _, n := range names {
			p, err := cfg.Profile(n)
			if err != nil {
				return nil, nil, cmdutil.UsageError(err)
			}
			profiles = append(profiles, p)
		}
	} else if cfg, err := o.Config(); err == nil {
		for _, n := range cfg.ProfileNames() {
			profiles = append(profiles, cfg.Profiles[n])
		}
	} else if !o.Demo {
		return nil, nil, err
	}

	// Env credentials are meant for one target: with several profiles they
	// would give every one the same secret.
	getenv := o.Getenv
	if len(profiles) > 1 {
		getenv = func(key string) string {
			switch key {
			case config.EnvSecret, config.EnvUsername, config.EnvPassword:
				return ""
			}
			return o.Getenv(key)
		}
	}
	for _, p := range profiles {
		ep, err := profileEndpoint(reg, p, getenv)
		if err != nil {
			if len(names) > 0 {
				return nil, nil, cmdutil.UsageError(err)
			}
			warnings = append(warnings, notServed(p.Name, err))
			continue
		}
		eps = append(eps, ep)
	}
	if len(profiles) > 0 && len(eps) == 0 && !o.Demo {
		return nil, warnings, cmdutil.UsageErrorf("no profile in the config file can be served (see the warnings above): fix one, or pass --demo to serve the built-in providers with their demo credentials")
	}
	if len(profiles) == 0 || o.Demo {
		for _, p := range reg.All() {
			eps = append(eps, &server.Endpoint{Name: p.Name, Provider: p, Credentials: p.Demo, Demo: true})
		}
	}
	// Other profiles' and the demo credentials only explain a failure.
	var cfg *config.Config
	if o.Config != nil {
		if c, err := o.Config(); err == nil {
			cfg = c
		}
	}
	for _, ep := range eps {
		self := ep.Name
		if ep.Demo {
			self = ""
		}
		ep.Known = config.KnownCredentials(cfg, ep.Provider, self, o.Getenv)
	}
	if o.Tolerance != 0 {
		if err := setTolerance(eps, o.Tolerance); err != nil {
			return nil, warnings, err
		}
	}
	return eps, warnings, nil
}

// serves reports whether listen tries to serve the named profile: those
// asked for, else every one.
func (o *ListenOptions) serves(name string) bool {
	switch {
	case len(o.Profiles) > 0:
		return slices.Contains(o.Profiles, name)
	case o.EnvProfile != "":
		return name == o.EnvProfile
	}
	return true
}

// notServed is the warning for a profile of the config file that listen
// skips: which, why, and what to do.
func notServed(name string, err error) string {
	var unset *config.UnsetEnvError
	if errors.As(err, &unset) {
		return fmt.Sprintf("profile %s not served: $%s (its %s) is unset; export it or remove the profile", name, unset.Var, unset.Key)
	}
	var pe *config.ProfileError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Sprintf("profile %s not served: %v; fix it or remove the profile", name, err)
}

// setTolerance gives every endpoint whose scheme signs a timestamp the
// tolerance d; the others have no age to check.
func setTolerance(eps []*server.Endpoint, d time.Duration) error {
	timed := 0
	for _, ep := range eps {
		scheme := ep.AuthScheme()
		if scheme == nil || !scheme.Spec().UsesTimestamp() {
			continue
		}
		s, err := cmdutil.WithTolerance(scheme, d)
		if err != nil {
			return err
		}
		ep.Scheme = s
		timed++
	}
	if timed == 0 {
		return cmdutil.UsageErrorf("--tolerance applies to signatures with a timestamp, and no provider served here signs one: drop --tolerance")
	}
	return nil
}

func profileEndpoint(reg *provider.Registry, p *config.Profile, getenv func(string) string) (*server.Endpoint, error) {
	prov, err := config.LookupProfileProvider(p, reg)
	if err != nil {
		return nil, err
	}
	creds, err := config.ResolveCredentials(p, config.CredentialFlags{}, getenv)
	if err != nil {
		return nil, err
	}
	if !prov.Auth.Optional && config.MissingCredentials(prov.Name, prov.Auth, creds) != nil {
		// MissingCredentials names sign's flags; listen takes credentials
		// from the profile only (or SMSHOOK_* when it serves one).
		missing := fmt.Errorf("no secret for %s: set secret, secret_env or secret_file in it", prov.Name)
		if prov.Auth.Scheme == signing.SchemeBasic {
			missing = fmt.Errorf("no username and password for %s: set username and password (or password_env) in it", prov.Name)
		}
		return nil, &config.ProfileError{Profile: p.Name, Err: missing}
	}
	if p.ForwardTo != "" {
		if err := cmdutil.CheckHTTPURL(p.ForwardTo); err != nil {
			return nil, &config.ProfileError{Profile: p.Name, Err: fmt.Errorf("forward_to: %v", err)}
		}
	}
	return &server.Endpoint{
		Name:          p.Name,
		Provider:      prov,
		Credentials:   creds,
		ValidationKey: p.ValidationKey,
		ForwardTo:     p.ForwardTo,
	}, nil
}
