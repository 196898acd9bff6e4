// Package replay is `smshook replay`: send captured requests again, to a
// handler or as a regression suite, re-signed or exactly as captured; and
// convert captures to HAR or curl scripts.
package replay

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/client"
	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/config"
	"github.com/smshook/smshook/pkg/iostreams"
	"github.com/smshook/smshook/pkg/signing"
)

// ReplayOptions are the inputs of `smshook replay`.
type ReplayOptions struct {
	IO         *iostreams.IOStreams
	Factory    *cmdutil.Factory
	HTTPClient func() *http.Client
	Now        func() time.Time
	Context    context.Context

	// Input is the capture file, "-" for stdin; ImportHAR reads a HAR file instead.
	Input     string
	ImportHAR string
	// Export writes the selected records as "har" or "curl" instead of sending.
	Export string
	Out    string

	To         string
	Demo       bool
	AsCaptured bool
	DryRun     bool
	Encoding   string
	Creds      config.CredentialFlags

	Filter      capture.Filter
	Limit       int
	SkipInvalid bool
	// IncludeUnrouted selects the requests that matched no route of the
	// listener too; by default they are passed over and counted.
	IncludeUnrouted bool

	Concurrency int
	Rate        float64
	Expect      string
	Retries     int
	Timeout     time.Duration
	Insecure    bool
	Report      string
	Verbose     bool
	ShowSecrets bool

	// Raw flag values checked in the run: times need the clock, and
	// statuses and verdicts parse with their own messages.
	since, until      string
	statuses          []string
	verified, invalid bool
}

// NewCmdReplay builds `smshook replay`.
func NewCmdReplay(f *cmdutil.Factory, runF func(*ReplayOptions) error) *cobra.Command {
	opts := &ReplayOptions{IO: f.IOStreams, Factory: f, HTTPClient: f.HTTPClient, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "replay [CAPTURE.jsonl|-]",
		Short: "Send captured webhook requests again",
		Long: `Send the requests in a capture file (written by 'smshook listen') to a
handler again, as many times as you like. The file is streamed: any size
replays in constant memory. With no file named, ./smshook-captures.jsonl is
read; '-' reads stdin. A file is read only up to the size it had when replay
started, so replaying to the listener that writes it ends. A run that
selects no record fails (exit 1).

By default each request is re-signed with the target's credentials (--profile,
--secret …), with fresh timestamps where the scheme has them; the body bytes
are sent unchanged. --as-captured sends the exact bytes and headers captured,
old signature included. Records the credentials given cannot re-sign
(another provider's, or with --encoding one that is not HMAC-signed) are
skipped, counted per reason on stderr, and the rest sent; the run then
exits 1.

Requests that matched no route of the listener (a browser's /favicon.ico,
a stray curl) are recorded but are not events: they are skipped, and
counted on stderr, without failing the run. --include-unrouted selects
them too, to export them or send them --as-captured. A request whose body
the listener kept only in part (over --max-body, or refused while busy) is
skipped and counted the same way: sending a part would be a request nobody
made.

Records are selected with filters; all given must match. --profile names the
target profile (its provider, credentials and url); --from-profile filters on
the profile a record was captured under.

--export har|curl writes the selected records as an HTTP Archive 1.2 file or a
shell script of curl commands instead of sending them; --import-har reads
requests from a HAR file (browser devtools can save one) instead of a capture.

Lines of the capture that are torn or not records are reported with their
line numbers and skipped; the run then exits 1 unless --skip-invalid.

` + cmdutil.ExitStatusHelp,
		Example: `  smshook replay smshook-captures.jsonl --to http://127.0.0.1:3000/webhooks/dexatel --secret S
  smshook replay --profile dexatel-dev --kind delivery --status failed --since 24h captures.jsonl
  smshook replay captures.jsonl --to http://127.0.0.1:3000/hook --as-captured --expect 2xx --report junit.xml
  smshook replay captures.jsonl --export har --out captures.har
  smshook replay --import-har session.har --profile dexatel-dev --dry-run -o curl`,
		Args:              cmdutil.Args(cobra.MaximumNArgs(1)),
		ValidArgsFunction: completeCapture,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Input = args[0]
			}
			opts.Context = cmd.Context()
			if err := opts.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return replayRun(opts)
		},
	}

	fl := cmd.Flags()
	fl.StringVar(&opts.To, "to", "", "the handler's `URL`; a URL with no path keeps each record's path and query (default: the profile's url)")
	fl.BoolVar(&opts.AsCaptured, "as-captured", false, "send the exact headers and bytes captured, without re-signing")
	fl.BoolVar(&opts.Demo, "demo", false, "re-sign with the providers' demo credentials and, without --to, replay to the local listener")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the requests instead of sending them (--output http|curl|json)")
	fl.StringVar(&opts.Encoding, "encoding", "", "signature encoding when re-signing: hex or base64 (HMAC providers)")
	cmdutil.AddCredentialFlags(fl, &opts.Creds)

	fl.StringSliceVar(&opts.Filter.IDs, "id", nil, "only records with these record or message `IDs`")
	fl.StringSliceVar(&opts.Filter.Providers, "provider", nil, "only records of these `providers`")
	fl.StringSliceVar(&opts.Filter.Profiles, "from-profile", nil, "only records captured under these `profiles`")
	fl.StringSliceVar(&opts.Filter.Kinds, "kind", nil, "only these `kinds` (delivery, inbound, handshake, or a provider's kind name)")
	fl.StringSliceVar(&opts.statuses, "status", nil, "only these normalized `statuses` ("+strings.Join(cmdutil.StatusNames(), ", ")+")")
	fl.StringVar(&opts.since, "since", "", "only records received at or after `TIME` (RFC 3339, 2024-05-01, 2024-05-01 10:00, or a duration ago: 2h)")
	fl.StringVar(&opts.until, "until", "", "only records received before `TIME`")
	fl.BoolVar(&opts.verified, "verified", false, "only records whose signature was valid")
	fl.BoolVar(&opts.invalid, "invalid", false, "only records whose signature was invalid")
	fl.StringVar(&opts.Filter.BodyContains, "grep", "", "only records whose body contains `TEXT`")
	fl.IntVar(&opts.Limit, "limit", 0, "stop after `N` selected records (0: all)")
	fl.BoolVar(&opts.SkipInvalid, "skip-invalid", false, "do not fail the run for torn or invalid lines of the capture")
	fl.BoolVar(&opts.IncludeUnrouted, "include-unrouted", false, "also select requests that matched no route of the listener (skipped by default)")

	fl.StringVar(&opts.Export, "export", "", "write the selected records in `FORMAT` har or curl instead of sending")
	fl.StringVar(&opts.Out, "out", "", "with --export: write to `FILE` instead of stdout")
	fl.StringVar(&opts.ImportHAR, "import-har", "", "read requests from a HAR `FILE` instead of a capture")

	fl.IntVar(&opts.Concurrency, "concurrency", 1, "requests in flight at once")
	fl.Float64Var(&opts.Rate, "rate", 0, "at most `R` requests per second (0: no limit)")
	fl.StringVar(&opts.Expect, "expect", "", "reply statuses that pass: 2xx, 200, 4xx, 200,202 … (default 2xx, or the provider's own)")
	fl.IntVar(&opts.Retries, "retries", 0, "retries on connection errors and 5xx, with exponential backoff (never on 4xx)")
	fl.DurationVar(&opts.Timeout, "timeout", client.DefaultTimeout, "time limit for each request")
	fl.BoolVar(&opts.Insecure, "insecure", false, "skip TLS certificate verification")
	fl.StringVar(&opts.Report, "report", "", "write a JUnit XML report to `FILE`")
	fl.BoolVarP(&opts.Verbose, "verbose", "v", false, "print a line per request")
	fl.BoolVar(&opts.ShowSecrets, "show-secrets", false, "print credential header values in dry runs and exports")

	cmdutil.SetOutputFormats(cmd, outputFormats...)
	cmdutil.SetDryRunOutputFormats(cmd, dryRunOutputFormats...)
	cmdutil.CompleteCredentialFlags(cmd)
	cmdutil.MarkFileFlags(cmd, "out", "report")
	if err := cmd.MarkFlagFilename("import-har", "har"); err != nil {
		panic(err) // the flag is defined just above
	}
	cmdutil.RegisterFlagCompletions(cmd, map[string]cobra.CompletionFunc{
		"provider":     cmdutil.CompleteList(func(*cobra.Command) []string { return f.ProviderCandidates() }),
		"from-profile": cmdutil.CompleteList(func(*cobra.Command) []string { return f.ProfileCandidates() }),
		"kind":         cmdutil.CompleteList(kindCandidates(f)),
		"status":       cmdutil.CompleteList(func(*cobra.Command) []string { return cmdutil.StatusNames() }),
		"export":       cmdutil.CompleteValues("har\tHTTP Archive 1.2", "curl\ta shell script of curl commands"),
		"encoding":     cmdutil.CompleteEncodings,
		"expect":       cmdutil.CompleteValues("2xx", "200", "200,202", "4xx"),
		"to":           cobra.NoFileCompletions,
		"id":           cobra.NoFileCompletions,
		"since":        cobra.NoFileCompletions,
		"until":        cobra.NoFileCompletions,
		"grep":         cobra.NoFileCompletions,
		"limit":        cobra.NoFileCompletions,
		"concurrency":  cobra.NoFileCompletions,
		"rate":         cobra.NoFileCompletions,
		"retries":      cobra.NoFileCompletions,
		"timeout":      cobra.NoFileCompletions,
	})
	return cmd
}

// What replay prints: a summary of the replies, or with --dry-run the
// requests. The first of each is the default.
var (
	outputFormats       = []string{"text", "json"}
	dryRunOutputFormats = []string{"http", "curl", "json"}
)

// completeCapture completes the CAPTURE argument with file names.
func completeCapture(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return nil, cobra.ShellCompDirectiveDefault
}

// kindCandidates are what --kind matches: the normalized kinds, and the
// kind names of the providers --provider selects (else of every provider).
func kindCandidates(f *cmdutil.Factory) func(cmd *cobra.Command) []string {
	return func(cmd *cobra.Command) []string {
		out := []string{
			string(codec.KindDelivery) + "\tdelivery reports, any provider",
			string(codec.KindInbound) + "\tinbound messages, any provider",
			string(codec.KindHandshake) + "\tvalidation handshakes",
		}
		reg, err := f.Registry()
		if err != nil {
			return out
		}
		selected, _ := cmd.Flags().GetStringSlice("provider")
		seen := map[string]bool{}
		for _, p := range reg.All() {
			if len(selected) > 0 && !slices.ContainsFunc(selected, func(s string) bool { return strings.EqualFold(s, p.Name) }) {
				continue
			}
			for _, name := range p.KindNames() {
				if !seen[name] && codec.Kind(name) != codec.KindDelivery && codec.Kind(name) != codec.KindInbound {
					seen[name] = true
					out = append(out, name+"\t"+p.Name+"'s kind")
				}
			}
		}
		return out
	}
}

// check refuses bad flag combinations before anything is read.
func (o *ReplayOptions) check() error {
	switch {
	case o.ImportHAR != "" && o.Input != "":
		return cmdutil.UsageErrorf("give a capture file or --import-har, not both")
	case o.Export != "" && o.Export != "har" && o.Export != "curl":
		return cmdutil.UsageErrorf("--export %s: use har or curl", o.Export)
	case o.Out != "" && o.Export == "":
		return cmdutil.UsageErrorf("--out goes with --export")
	case o.Export != "" && o.DryRun:
		return cmdutil.UsageErrorf("--export writes the records; --dry-run prints requests: use one")
	case o.AsCaptured && (o.Creds != config.CredentialFlags{} || o.Encoding != "" || o.Demo):
		return cmdutil.UsageErrorf("--as-captured sends the captured signature: drop --secret, --username, --password, --encoding and --demo, or drop --as-captured")
	case o.Creds.Secret != "" && o.Creds.SecretFile != "":
		return cmdutil.UsageErrorf("--secret and --secret-file both give the secret: keep one")
	case o.verified && o.invalid:
		return cmdutil.UsageErrorf("--verified and --invalid exclude each other: give one")
	case o.Encoding != "" && o.Encoding != signing.EncodingHex && o.Encoding != signing.EncodingBase64:
		return cmdutil.UsageErrorf("--encoding %s: use %s or %s", o.Encoding, signing.EncodingHex, signing.EncodingBase64)
	case o.Concurrency < 1:
		return cmdutil.UsageErrorf("--concurrency must be at least 1")
	case o.Limit < 0 || o.Retries < 0 || o.Rate < 0:
		return cmdutil.UsageErrorf("--limit, --retries and --rate cannot be negative")
	case o.Timeout <= 0:
		return cmdutil.UsageErrorf("--timeout must be positive")
	}
	if o.To != "" {
		if err := cmdutil.CheckHTTPURL(o.To); err != nil {
			return cmdutil.UsageErrorf("--to %v", err)
		}
	}
	for _, s := range o.statuses {
		st, err := capture.ParseStatus(s)
		if err != nil {
			return cmdutil.UsageError(err)
		}
		o.Filter.Statuses = append(o.Filter.Statuses, st)
	}
	now := o.Now()
	for _, t := range []struct {
		flag, value string
		dst         *time.Time
	}{{"--since", o.since, &o.Filter.Since}, {"--until", o.until, &o.Filter.Until}} {
		if t.value == "" {
			continue
		}
		parsed, err := capture.ParseTime(t.value, now, time.Local)
		if err != nil {
			return cmdutil.UsageErrorf("%s: %v", t.flag, err)
		}
		*t.dst = parsed
	}
	if o.verified {
		o.Filter.Verdicts = []capture.Verdict{capture.VerdictVerified}
	}
	if o.invalid {
		o.Filter.Verdicts = []capture.Verdict{capture.VerdictInvalid}
	}
	if o.Expect != "" {
		if _, err := client.ParseExpect(o.Expect); err != nil {
			return cmdutil.UsageError(err)
		}
	}
	return nil
}
