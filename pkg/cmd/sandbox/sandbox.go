// Package sandbox is `smshook sandbox`: a local stand-in for the SMS
// providers' send-message APIs that calls the app back, signed.
package sandbox

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/cmdutil/inspector"
	"github.com/smshook/smshook/pkg/config"
	"github.com/smshook/smshook/pkg/iostreams"
	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/sandbox"
)

// DefaultCapturePath is where the sandbox records its callbacks unless told
// otherwise: not listen's file, so that both can run at once.
const DefaultCapturePath = "smshook-sandbox.jsonl"

// DefaultUIPort is the inspector's port: listen's is 8788 and the
// sandbox's own 8789.
const DefaultUIPort = 8790

// Options are the inputs of `smshook sandbox`.
type Options struct {
	IO       *iostreams.IOStreams
	Config   func() (*config.Config, error)
	Registry func() (*provider.Registry, error)
	// SandboxConfig reads the config file's sandbox: key.
	SandboxConfig func() (config.SandboxConfig, error)
	Getenv        func(string) string
	Now           func() time.Time
	Context       context.Context
	// EnvProfile is --profile (global) or SMSHOOK_PROFILE, used when the
	// command's own --profile is not given.
	EnvProfile string
	Output     string

	Port        int
	AddrFile    string
	Providers   []string
	Profiles    []string
	InboundURL  string
	CallbackURL string
	Latency     time.Duration
	Chaos       sandbox.Chaos
	// AutoReply is every delivered message's answer (--auto-reply), after
	// the config's sandbox.replies.
	AutoReply   string
	Seed        uint64
	CapturePath string
	NoCapture   bool
	MaxMessages int
	Timeout     time.Duration
	ReportPath  string
	// UIPort is the inspector's loopback port (0 picks one); NoUI turns
	// it off; Open opens it in a browser.
	UIPort int
	NoUI   bool
	Open   bool

	// listening, when set (tests), is told the bound address.
	listening func(addr string)
	// inspecting, when set (tests), is told the inspector's URL.
	inspecting func(url string)
}

// NewCmdSandbox builds `smshook sandbox`.
func NewCmdSandbox(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{
		IO:       f.IOStreams,
		Config:   f.Config,
		Registry: f.Registry,
		Getenv:   f.Getenv,
		Now:      f.Now,
		SandboxConfig: func() (config.SandboxConfig, error) {
			cfg, err := f.Config()
			if err != nil {
				return config.SandboxConfig{}, err
			}
			return config.LoadSandbox(f.Viper, cfg.Path)
		},
	}
	var chaos string
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Play the providers' send-SMS APIs locally, and call your app back, signed",
		Long: `Run a local stand-in for the providers' send-message APIs: your app sends an
SMS through it as through the provider, and gets the provider's answer (its
request shape, authentication, errors and ids); the sandbox then plays the
message's life and sends your app the provider's status callbacks, signed as
the provider signs them, and lets your tests read what was sent.

The sandbox listens on http://127.0.0.1:8789 (--port 0 picks a free port,
--addr-file writes it for scripts) and plays each provider under /PROVIDER:
point the SDK's base URL or HTTP client there (the README shows how).

  twilio      POST …/2010-04-01/Accounts/{AccountSid}/Messages.json (form), GET
              …/Messages.json and …/Messages/{Sid}.json; Basic AccountSid:AuthToken;
              Twilio's error codes (21604 no To, 21603 no From, 21602 no Body,
              21211 bad To, 21212 bad From, 21617 too long, 21609 bad
              StatusCallback, 20003 credentials); SendAt with
              ScheduleType=fixed and a MessagingServiceSid: scheduled until
              then (35114 out of 5 min to 35 days); sent, then delivered |
              undelivered, or failed, to StatusCallback, X-Twilio-Signature by
              the auth token the app used.
  telnyx      POST /v2/messages, GET /v2/messages/{id}; Bearer; message.sent then
              message.finalized to webhook_url, Ed25519; 3 attempts, then
              webhook_failover_url.
  vonage      POST /sms/json (form or JSON, api_key and api_secret); errors as 200
              with status and error-text; one signed delivery receipt per part.
  plivo       POST /v1/Account/{auth_id}/Message/, GET …/Message/{uuid}/; Basic;
              queued, sent, delivered … to url (POST or GET), X-Plivo-Signature-V2.
  sinch       POST /xms/v1/{plan}/batches, GET …/batches/{id}; Bearer; reports as
              delivery_report asks (per_recipient, per_recipient_final, summary,
              full; none by default), x-sinch-webhook-signature.
  messagebird POST /messages, GET /messages/{id}; AccessKey; per-recipient GET
              reports to reportUrl, MessageBird-Signature-JWT.
  bandwidth   POST /api/v2/users/{accountId}/messages; Basic; one-event arrays
              (message-delivered, message-failed) with Basic credentials.
  dexatel     POST /v1/messages {"data": {…}}, GET /v1/messages/{id}; X-Dexatel-Key;
              the delivery webhook with the final status, X-Dexatel-Signature.
  cellcast    POST /api/v3/send-sms, GET /api/v3/get-sms; APPKEY; the Status URL's
              payload, Basic auth when configured.
  mobtexting  GET or POST /api/v2/sms/send (access_token, sender, to, message,
              service); the DLR, Bearer secret, retried 3 times unless 200 or 202.
Each under /PROVIDER (e.g. http://127.0.0.1:8789/telnyx/v2/messages).
'smshook providers show NAME' says where each shape comes from.

Credentials: any are accepted (a missing one gets the provider's error).
Twilio's and Plivo's callbacks are signed with the auth token the app used;
the others' with the webhook secret or key: the profile's, else the
provider's demo one, which 'smshook listen --demo' checks. With --profile P
(repeatable; the profile's provider), the provider accepts only the
profile's API credentials and answers wrong ones with its own error (Twilio
and Plivo: username and secret; the others: api_key, or api_key_env, and
for Vonage and Bandwidth api_secret or api_secret_env; a profile without
them accepts any); Vonage requests signed with sig are checked against the
profile's secret (the signature secret); the profile's url
receives the callbacks of messages that name none, and the recipients'
replies. --callback-url is that URL for every provider without a profile:
where Dexatel, Cellcast, MOBtexting and Bandwidth, whose webhooks are set
up in their portals, send their reports.

Outcomes: a message is delivered unless the recipient's number ends in
  0001  failed (Twilio: failed, 30008)
  0002  undelivered (Twilio: sent, then undelivered, 30003)
  0003  expired (Twilio: failed, 30036)
  0004  rejected (Twilio: sent, then undelivered, 30007)
  0005  no final report (Twilio: sent, and nothing more)
(each provider in its own statuses and error codes) or a rule in the
config file says otherwise (the first that matches wins):
  sandbox:
    rules:
      - to: "+44*"          # * matches any run of characters
        status: failed      # delivered, failed, undelivered, expired, rejected, no_final
        error: "30003"      # the provider's error code (optional)
        provider: twilio    # optional
Replies: a recipient answers a delivered message when a rule in the config
file matches it (the first that matches), or with --auto-reply TEXT:
  sandbox:
    replies:
      - text: "(?i)reply stop"  # a regular expression on the app's text (optional)
        to: "+1555*"            # optional; provider: too
        reply: STOP             # the recipient's answer
        after: 2s               # wait after the delivery (default: --latency)
The answer goes to your app's inbound URL as the provider's inbound
webhook, signed, like POST /api/messages/{id}/reply (not for MessageBird,
whose SMS inbound webhook is not played).

--latency is the typical wait between two statuses (jittered ±50%; 0 plays
a life at once). --chaos makes things go wrong as they do: fail (the
message fails), duplicate (the final callback twice), out-of-order (the
final callback first), late (10 × later), as probabilities, e.g.
--chaos fail=0.1,duplicate=0.05; --seed makes a run repeat exactly (ids
included).

Callbacks are retried as the provider documents it (Twilio: once;
Telnyx: 3 attempts, then the failover URL; MOBtexting and Bandwidth: on any
answer that is not a success; waits and counts bounded, paced by
--latency), and each
callback, with your app's answer, is appended to --capture (default
./` + DefaultCapturePath + `, mode 0600) in listen's capture format:
'smshook replay' sends them again.

Test API, on the same address:
  GET    /api/messages              ?to= &from= &provider= &text= &since=5m|RFC3339
  GET    /api/messages/{id}         the message, its callbacks and your app's answers
  GET    /api/messages/wait?to=NUMBER&timeout=10s
                                    the next message to NUMBER, as soon as it is sent
                                    (since=5m also takes one sent in the last 5m);
                                    408 at the timeout
  DELETE /api/messages              forget every message
  POST   /api/messages/{id}/reply   {"text": "YES"}: the recipient answers; your app's
                                    inbound URL gets the provider's inbound webhook
  POST   /api/inbound               {"provider", "from", "to", "text"}: a new message in
Write + in a query as %2B (a leading space is read as + too). Inbound
webhooks go to --inbound-url, or the profile's url.

Inspector: the web page of 'smshook inspect' on its own loopback port,
127.0.0.1:8790 (--ui-port N, 0 picks one, the default with --port 0;
--no-ui; --open): the callbacks as events, and a Messages tab with each
message's lifecycle and a phone view of the conversations, whose reply box
makes the recipient answer.

Output: one line per message, callback and reply on stdout; --output json
prints one JSON object per line instead. Credentials in URLs are hidden.

CI: --max-messages N exits once N messages were sent and their lives are
over: 0 when your app answered every callback 2xx, else 1; --timeout D exits
after D (1 when --max-messages was not reached); --report FILE writes a
JUnit report, one test case per callback. SIGINT or SIGTERM exits 130.

` + cmdutil.ExitStatusHelp + `

  sandbox exits 1 when your app did not answer a callback 2xx, or --timeout
  passed before --max-messages messages were over.`,
		Example: `  smshook sandbox
  smshook sandbox --port 0 --addr-file addr --latency 0
  smshook sandbox --profile twilio-dev --inbound-url http://127.0.0.1:3000/sms/inbound
  smshook sandbox --callback-url http://127.0.0.1:3000/webhooks/dexatel --provider dexatel
  smshook sandbox --chaos fail=0.1,duplicate=0.05,out-of-order=0.1 --seed 42
  smshook sandbox --latency 0 --max-messages 1 --timeout 60s --report sandbox.xml
  smshook sandbox --open`,
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Context = cmd.Context()
			opts.EnvProfile = f.ProfileName()
			f.OwnsProfile = func(name string) bool { return opts.serves(name) }
			if err := opts.parse(cmd, chaos); err != nil {
				return err
			}
			format, err := f.OutputFormat("text", "json")
			if err != nil {
				return err
			}
			opts.Output = format
			if runF != nil {
				return runF(opts)
			}
			return run(opts)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&opts.Port, "port", sandbox.DefaultPort, "port to listen on (127.0.0.1 only); 0 picks a free one")
	fl.StringVar(&opts.AddrFile, "addr-file", "", "write the bound host:port to `FILE` once listening (for scripts, with --port 0)")
	fl.StringSliceVar(&opts.Providers, "provider", nil, "serve only provider `NAME` (repeatable; default: every one the sandbox plays)")
	fl.StringSliceVarP(&opts.Profiles, "profile", "p", nil, "check credentials against profile `NAME` and send its url the callbacks and replies (repeatable)")
	fl.StringVar(&opts.InboundURL, "inbound-url", "", "your app's inbound-message webhook `URL`, for replies")
	fl.StringVar(&opts.CallbackURL, "callback-url", "", "your app's status webhook `URL`, for messages that name none (the account webhook of Dexatel, Cellcast, MOBtexting)")
	fl.DurationVar(&opts.Latency, "latency", time.Second, "typical wait between two statuses of a message (0: at once)")
	fl.StringVar(&chaos, "chaos", "", "`SPEC`: probabilities of fail, duplicate, out-of-order and late callbacks, e.g. fail=0.1,duplicate=0.05 (or one number for all)")
	fl.StringVar(&opts.AutoReply, "auto-reply", "", "the recipient of every delivered message answers `TEXT` (after the config's sandbox.replies), sent to --inbound-url")
	fl.Uint64Var(&opts.Seed, "seed", 0, "seed for ids, delays and chaos, so that a run repeats (0: random)")
	fl.StringVar(&opts.CapturePath, "capture", DefaultCapturePath, "append every callback and your app's answer to this JSON Lines `FILE`")
	fl.BoolVar(&opts.NoCapture, "no-capture", false, "do not write a capture file")
	fl.IntVar(&opts.MaxMessages, "max-messages", 0, "exit once N messages were sent and their lives are over: 0 when every callback was answered 2xx, else 1")
	fl.DurationVar(&opts.Timeout, "timeout", 0, "exit after this long (1 when --max-messages was not reached)")
	fl.IntVar(&opts.UIPort, "ui-port", DefaultUIPort, "serve the inspector page (messages, callbacks, phone view) on 127.0.0.1:`N` (0 picks a free one; with --port 0 the default is 0 too)")
	fl.BoolVar(&opts.NoUI, "no-ui", false, "do not serve the inspector page")
	fl.BoolVar(&opts.Open, "open", false, "open the inspector in a browser")
	fl.StringVar(&opts.ReportPath, "report", "", "write a JUnit XML report to `FILE`, one test case per callback")

	cmd.ValidArgsFunction = cobra.NoFileCompletions
	cmdutil.SetOutputFormats(cmd, "text", "json")
	cmdutil.MarkFileFlags(cmd, "capture", "addr-file", "report")
	cmdutil.RegisterFlagCompletions(cmd, map[string]cobra.CompletionFunc{
		"profile":      cmdutil.CompleteList(func(*cobra.Command) []string { return f.ProfileCandidates() }),
		"provider":     cmdutil.CompleteList(func(*cobra.Command) []string { return sandbox.Names() }),
		"port":         cobra.NoFileCompletions,
		"ui-port":      cobra.NoFileCompletions,
		"inbound-url":  cobra.NoFileCompletions,
		"callback-url": cobra.NoFileCompletions,
		"latency":      cmdutil.CompleteValues("0\tat once", "200ms", "1s", "5s"),
		"chaos":        cmdutil.CompleteValues("fail=0.1", "duplicate=0.1", "out-of-order=0.1", "late=0.1", "0.1\tevery kind"),
		"seed":         cobra.NoFileCompletions,
		"auto-reply":   cmdutil.CompleteValues("STOP", "YES"),
		"max-messages": cobra.NoFileCompletions,
		"timeout":      cobra.NoFileCompletions,
	})
	return cmd
}

// parse checks flag values and combinations before anything starts.
func (o *Options) parse(cmd *cobra.Command, chaos string) error {
	changed := cmd.Flags().Changed
	ports := inspector.Flags{Port: o.Port, UIPort: o.UIPort, UIPortGiven: changed("ui-port"), NoUI: o.NoUI, Open: o.Open}
	if err := inspector.CheckFlags(&ports, "the sandbox's port: the inspector has its own"); err != nil {
		return err
	}
	o.UIPort = ports.UIPort
	if err := cmdutil.CheckCaptureFlags(o.NoCapture, changed("capture"), o.CapturePath); err != nil {
		return err
	}
	switch {
	case o.Latency < 0:
		return cmdutil.UsageErrorf("--latency must be 0 or more")
	case o.MaxMessages < 0:
		return cmdutil.UsageErrorf("--max-messages must be 0 (no limit) or more")
	case o.Timeout < 0:
		return cmdutil.UsageErrorf("--timeout must be 0 (none) or more")
	}
	for _, u := range []struct{ flag, value string }{{"inbound-url", o.InboundURL}, {"callback-url", o.CallbackURL}} {
		if u.value != "" {
			if err := cmdutil.CheckHTTPURL(u.value); err != nil {
				return cmdutil.UsageErrorf("--%s: %v", u.flag, err)
			}
		}
	}
	c, err := sandbox.ParseChaos(chaos)
	if err != nil {
		return cmdutil.UsageError(err)
	}
	o.Chaos = c
	names := sandbox.Names()
	for _, p := range o.Providers {
		if !containsFold(names, p) {
			return cmdutil.UsageErrorf("--provider %s: the sandbox plays %s", p, strings.Join(names, ", "))
		}
	}
	for _, p := range o.Profiles {
		if p == "" {
			return cmdutil.UsageErrorf("--profile needs a name")
		}
	}
	return nil
}

// serves reports whether the sandbox uses the named profile.
func (o *Options) serves(name string) bool {
	if len(o.Profiles) > 0 {
		return containsFold(o.Profiles, name)
	}
	return name == o.EnvProfile
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// endpoints builds the per-provider endpoints from the profiles named.
func (o *Options) endpoints(reg *provider.Registry) (map[string]sandbox.Endpoint, error) {
	names := o.Profiles
	if len(names) == 0 && o.EnvProfile != "" {
		names = []string{o.EnvProfile}
	}
	eps := map[string]sandbox.Endpoint{}
	if len(names) == 0 {
		return eps, nil
	}
	cfg, err := o.Config()
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		p, err := cfg.Profile(n)
		if err != nil {
			return nil, cmdutil.UsageError(err)
		}
		prov, err := config.LookupProfileProvider(p, reg)
		if err != nil {
			return nil, cmdutil.UsageError(err)
		}
		if !containsFold(sandbox.Names(), prov.Name) {
			return nil, cmdutil.UsageErrorf("profile %s is for %s, which the sandbox does not play yet (it plays %s)", n, prov.Name, strings.Join(sandbox.Names(), ", "))
		}
		if _, dup := eps[prov.Name]; dup {
			return nil, cmdutil.UsageErrorf("two profiles for %s: the sandbox plays one account per provider; pass one of them", prov.Name)
		}
		creds, err := config.ResolveCredentials(p, config.CredentialFlags{}, o.Getenv)
		if err != nil {
			return nil, cmdutil.UsageError(err)
		}
		api, err := config.ResolveAPICredentials(p, o.Getenv)
		if err != nil {
			return nil, cmdutil.UsageError(err)
		}
		if p.URL != "" {
			if err := cmdutil.CheckHTTPURL(p.URL); err != nil {
				return nil, cmdutil.UsageErrorf("profile %s: url: %v", n, err)
			}
		}
		eps[prov.Name] = sandbox.Endpoint{Credentials: creds, CallbackURL: p.URL, InboundURL: p.URL, APIKey: api.Key, APISecret: api.Secret}
	}
	return eps, nil
}

// rules reads the config file's sandbox rules and auto-replies, and
// --auto-reply after them.
func (o *Options) rules() ([]sandbox.Rule, []sandbox.AutoReply, error) {
	var sc config.SandboxConfig
	if o.SandboxConfig != nil {
		var err error
		if sc, err = o.SandboxConfig(); err != nil {
			return nil, nil, cmdutil.UsageError(err)
		}
	}
	var rules []sandbox.Rule
	for i, r := range sc.Rules {
		out, err := sandbox.ParseOutcome(r.Status)
		if err != nil {
			return nil, nil, cmdutil.UsageErrorf("sandbox rule %d (to %q): %v", i+1, r.To, err)
		}
		rules = append(rules, sandbox.Rule{To: r.To, Provider: r.Provider, Outcome: out, Error: r.Error})
	}
	var replies []sandbox.AutoReply
	for _, r := range sc.Replies {
		text, _ := r.TextPattern() // LoadSandbox checked both
		after, _ := r.Delay()
		replies = append(replies, sandbox.AutoReply{To: r.To, Provider: r.Provider, Text: text, Reply: r.Reply, After: after})
	}
	if o.AutoReply != "" {
		replies = append(replies, sandbox.AutoReply{Reply: o.AutoReply})
	}
	return rules, replies, nil
}
