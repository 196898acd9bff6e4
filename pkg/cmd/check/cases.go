package check

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/smshook/smshook/pkg/client"
	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/signing"
)

// Case is one entry of the battery: what it sends, what passes, and why a
// handler should care. A new case is one more entry in Cases.
type Case struct {
	Name string `json:"name"`
	// Short is what the case sends in a few words, for its result line.
	Short  string `json:"-"`
	Sends  string `json:"sends"`
	Passes string `json:"passes"`
	Why    string `json:"why"`
	// Security marks a request the handler must refuse: accepting it lets
	// anyone forge or replay callbacks.
	Security bool `json:"security,omitempty"`
	// PerProvider runs the case once, not once per event kind.
	PerProvider bool `json:"per_provider,omitempty"`

	// notApplicable says why the case does not apply to the target, or "".
	notApplicable func(c *checker, k *provider.Kind) string
	// build makes the requests of a case that sends them in order and
	// wants every reply accepted (2xx, or the provider's success statuses)
	// or, with refuse, refused (4xx).
	build  func(c *checker, k *provider.Kind) ([]*client.Request, error)
	refuse bool
	// run replaces build for cases judged on more than reply statuses.
	run func(ctx context.Context, c *checker, k *provider.Kind) Result
}

// The why of each case, said once.
const (
	whyPretty   = "a handler that verifies a re-serialized body instead of the raw bytes rejects genuine callbacks once the provider changes whitespace"
	whyEscapes  = "JSON may spell a character escaped or not (é or \\u00e9, / or \\/): the signature is over the bytes sent, so parse after verifying, never re-encode before"
	whyForgery  = "a handler that accepts it lets anyone who knows the URL forge delivery reports and inbound messages"
	whyReplay   = "a handler that ignores the timestamp accepts a captured request replayed at any later time"
	whyRetries  = "providers retry and do not promise order: a handler that fails on a repeat or a late status gets the callback again and again, or loses it"
	whyEvolving = "providers add fields and statuses without notice: a strict handler starts failing on the day they do"
)

// Cases returns the battery, in the order it runs and prints: a fresh
// table on each call, as providers are.
func Cases() []*Case {
	return []*Case{
		{
			Name:   "genuine",
			Short:  "the example, signed",
			Sends:  "the kind's example with fresh ids, signed as the provider signs it",
			Passes: "accepted",
			Why:    "the baseline: a genuine callback must be accepted, or the provider retries it and then gives up",
			build:  one(func(c *checker, k *provider.Kind) (*client.Request, error) { return c.signed(k, c.body(k)) }),
		},
		{
			Name:          "pretty",
			Short:         "the example pretty-printed, signed",
			Sends:         "the same body pretty-printed (tab indents), signed over those bytes",
			Passes:        "accepted",
			Why:           whyPretty,
			notApplicable: needJSON,
			build: one(func(c *checker, k *provider.Kind) (*client.Request, error) {
				return c.signed(k, prettyJSON(c.body(k)))
			}),
		},
		{
			Name:   "non-ascii",
			Short:  "a non-ASCII text, signed",
			Sends:  "a text with non-ASCII characters (" + nonASCIIText + ") as raw UTF-8, signed",
			Passes: "accepted",
			Why:    "real messages carry accents, other scripts and emoji; a handler that mangles UTF-8 before verifying rejects them",
			build: one(func(c *checker, k *provider.Kind) (*client.Request, error) {
				return c.signed(k, setText(k, c.body(k), nonASCIIText, false))
			}),
		},
		{
			Name:   "escaped",
			Short:  "the text with escaped characters, signed",
			Sends:  "the same text with every character escaped (JSON \\u00e9 and \\/, form lowercase %xx), signed over those bytes",
			Passes: "accepted",
			Why:    whyEscapes,
			build: one(func(c *checker, k *provider.Kind) (*client.Request, error) {
				return c.signed(k, setText(k, c.body(k), nonASCIIText, true))
			}),
		},
		{
			Name:          "forged",
			Short:         "a forged signature",
			Sends:         "a genuine request whose signature is changed in one character (Basic and Bearer: wrong credentials)",
			Passes:        "refused (4xx)",
			Why:           whyForgery,
			Security:      true,
			refuse:        true,
			notApplicable: needAuth,
			build:         one(func(c *checker, k *provider.Kind) (*client.Request, error) { return c.forged(k) }),
		},
		{
			Name:          "missing",
			Short:         "no signature",
			Sends:         "a genuine request without its signature (Basic and Bearer: without Authorization)",
			Passes:        "refused (4xx)",
			Why:           whyForgery,
			Security:      true,
			refuse:        true,
			notApplicable: needAuth,
			build:         one(func(c *checker, k *provider.Kind) (*client.Request, error) { return c.missing(k) }),
		},
		{
			Name:          "altered",
			Short:         "a body altered after signing",
			Sends:         "a genuine request whose body is changed after signing (the status, else the text)",
			Passes:        "refused (4xx)",
			Why:           "a handler that checks a signature but not over these bytes accepts a tampered body",
			Security:      true,
			refuse:        true,
			notApplicable: needBodySignature,
			build:         one(func(c *checker, k *provider.Kind) (*client.Request, error) { return c.altered(k) }),
		},
		{
			Name:          "other-secret",
			Short:         "a signature with another secret",
			Sends:         "a request signed correctly with another secret (Telnyx: another key pair)",
			Passes:        "refused (4xx)",
			Why:           "a handler that accepts any well-formed signature checks nothing: anyone can sign with their own secret",
			Security:      true,
			refuse:        true,
			notApplicable: needSignature,
			build: one(func(c *checker, k *provider.Kind) (*client.Request, error) {
				other, err := otherCredentials(c.scheme.Spec())
				if err != nil {
					return nil, err
				}
				return c.signedWith(k, c.body(k), other, c.now())
			}),
		},
		{
			Name:          "stale",
			Short:         "a signature 2× the tolerance old",
			Sends:         "a genuine request signed with a timestamp twice the provider's tolerance in the past",
			Passes:        "refused (4xx)",
			Why:           whyReplay,
			Security:      true,
			refuse:        true,
			notApplicable: needTimestamp,
			build: one(func(c *checker, k *provider.Kind) (*client.Request, error) {
				return c.signedWith(k, c.body(k), c.creds, c.now().Add(-2*tolerance(c.scheme.Spec())))
			}),
		},
		{
			Name:          "fresh",
			Short:         "a signature a minute old",
			Sends:         "a genuine request signed a minute ago, within the provider's tolerance (MessageBird: 20 s, within the token's lifetime)",
			Passes:        "accepted",
			Why:           "callbacks are queued and retried: a tolerance tighter than the provider's rejects genuine ones",
			notApplicable: needTimestamp,
			build: one(func(c *checker, k *provider.Kind) (*client.Request, error) {
				return c.signedWith(k, c.body(k), c.creds, c.now().Add(-freshAge(c.scheme.Spec())))
			}),
		},
		{
			Name:   "duplicate",
			Short:  "the same request twice",
			Sends:  "the same genuine request twice, byte for byte",
			Passes: "both accepted",
			Why:    whyRetries,
			build: func(c *checker, k *provider.Kind) ([]*client.Request, error) {
				r, err := c.signed(k, c.body(k))
				if err != nil {
					return nil, err
				}
				return []*client.Request{r, r}, nil
			},
		},
		{
			Name:          "late-sent",
			Short:         "delivered, then sent",
			Sends:         "a `delivered` report, then a `sent` report for the same message",
			Passes:        "both accepted",
			Why:           whyRetries,
			notApplicable: needLateStatuses,
			build: func(c *checker, k *provider.Kind) ([]*client.Request, error) {
				delivered, sent, reason := lateStatuses(k, c.body(k))
				if reason != "" {
					return nil, fmt.Errorf("%s", reason)
				}
				body := c.body(k)
				first, err := c.signed(k, setField(k, body, k.Schema.Fields.Status, jsonOrFormString(k, delivered)))
				if err != nil {
					return nil, err
				}
				second, err := c.signed(k, setField(k, body, k.Schema.Fields.Status, jsonOrFormString(k, sent)))
				if err != nil {
					return nil, err
				}
				return []*client.Request{first, second}, nil
			},
		},
		{
			Name:   "unknown-fields",
			Short:  "unknown extra fields",
			Sends:  "the example with fields the handler has never seen, signed",
			Passes: "accepted",
			Why:    whyEvolving,
			build: one(func(c *checker, k *provider.Kind) (*client.Request, error) {
				return c.signed(k, addUnknownFields(k, c.body(k)))
			}),
		},
		{
			Name:          "unseen-status",
			Short:         "status " + unseenStatus + "",
			Sends:         "a status value the handler has never seen (" + unseenStatus + "), signed",
			Passes:        "accepted",
			Why:           whyEvolving,
			notApplicable: needStatus,
			build: one(func(c *checker, k *provider.Kind) (*client.Request, error) {
				return c.signed(k, setField(k, c.body(k), k.Schema.Fields.Status, jsonOrFormString(k, unseenStatus)))
			}),
		},
		{
			Name:          "largest",
			Short:         "a 2000-character text",
			Sends:         fmt.Sprintf("a %d-character text of multi-part SMS (Sinch's documented maximum for an inbound body, above Twilio's 1,600), signed", largestText),
			Passes:        "accepted",
			Why:           "long concatenated messages make the largest bodies: a small body limit or a slow parser drops them",
			notApplicable: needText,
			build: one(func(c *checker, k *provider.Kind) (*client.Request, error) {
				return c.signed(k, setText(k, c.body(k), longText(largestText), false))
			}),
		},
		{
			Name:          "get",
			Short:         "a GET with the query, no body",
			Sends:         "the callback as a GET: its parameters in the query, no body, signed",
			Passes:        "accepted",
			Why:           "the provider can be set to send GET callbacks: a handler that reads only POST bodies loses them",
			notApplicable: needGet,
			build:         one(func(c *checker, k *provider.Kind) (*client.Request, error) { return c.get(k) }),
		},
		{
			Name:   "response-time",
			Short:  "genuine requests",
			Sends:  "N genuine requests one after another (--requests)",
			Passes: "all accepted, p95 under the provider's documented timeout",
			Why:    "a handler slower than the provider's timeout has every callback retried, or lost",
			run:    runLatency,
		},
		{
			Name:          "handshake",
			Short:         "the validation handshake",
			Sends:         "the webhook validation request (POST URL?token=KEY with validation_key and challenge)",
			Passes:        "200 with JSON holding the key (and the challenge)",
			Why:           "the platform enables a webhook only after this answer: without it no callback ever comes",
			PerProvider:   true,
			notApplicable: needHandshake,
			run:           runHandshake,
		},
	}
}

// CaseNames lists the cases, for errors and completion.
func CaseNames() []string {
	cases := Cases()
	names := make([]string, len(cases))
	for i, c := range cases {
		names[i] = c.Name
	}
	return names
}

func one(f func(c *checker, k *provider.Kind) (*client.Request, error)) func(c *checker, k *provider.Kind) ([]*client.Request, error) {
	return func(c *checker, k *provider.Kind) ([]*client.Request, error) {
		r, err := f(c, k)
		if err != nil {
			return nil, err
		}
		return []*client.Request{r}, nil
	}
}

// Why a case does not apply: "" when it does.

func needJSON(c *checker, k *provider.Kind) string {
	if k.Schema.Format != codec.FormatJSON {
		return fmt.Sprintf("%s %s bodies are %s: no whitespace to change", c.p.Name, k.Name, k.ContentType())
	}
	return ""
}

func needAuth(c *checker, k *provider.Kind) string {
	if c.scheme == nil {
		return fmt.Sprintf("no credentials set: %s then sends no auth, so there is nothing to forge (set a secret to check it)", c.p.Name)
	}
	return ""
}

func isCredentialScheme(spec signing.Spec) bool {
	s := strings.ToLower(spec.Scheme)
	return s == signing.SchemeBasic || s == signing.SchemeBearer
}

func needSignature(c *checker, k *provider.Kind) string {
	if why := needAuth(c, k); why != "" {
		return why
	}
	if isCredentialScheme(c.scheme.Spec()) {
		return fmt.Sprintf("%s sends credentials (%s), not a signature: wrong credentials are the forged case", c.p.Name, c.scheme.Spec().Scheme)
	}
	return ""
}

func needBodySignature(c *checker, k *provider.Kind) string {
	if why := needSignature(c, k); why != "" {
		return why
	}
	if !signsBody(c.scheme.Spec()) {
		return fmt.Sprintf("%s's signature does not cover the body (%s), so a handler cannot detect a changed one", c.p.Name, c.scheme.Describe())
	}
	return ""
}

func needTimestamp(c *checker, k *provider.Kind) string {
	if why := needAuth(c, k); why != "" {
		return why
	}
	if !c.scheme.Spec().UsesTimestamp() {
		return fmt.Sprintf("%s signs no timestamp", c.p.Name)
	}
	return ""
}

func needStatus(c *checker, k *provider.Kind) string {
	if k.Schema.Kind != codec.KindDelivery || k.Schema.Fields.Status == "" {
		return fmt.Sprintf("%s %s events carry no delivery status", c.p.Name, k.Name)
	}
	return ""
}

func needLateStatuses(c *checker, k *provider.Kind) string {
	if why := needStatus(c, k); why != "" {
		return why
	}
	if _, _, why := lateStatuses(k, k.Fixture); why != "" {
		return why
	}
	return ""
}

func needText(c *checker, k *provider.Kind) string {
	if k.Schema.Fields.Text == "" {
		return fmt.Sprintf("%s %s events carry no message text, so their size does not grow", c.p.Name, k.Name)
	}
	return ""
}

func needGet(c *checker, k *provider.Kind) string {
	if !c.p.GetCallbacks || k.Schema.Format != codec.FormatForm {
		return fmt.Sprintf("%s sends %s callbacks as %s only", c.p.Name, k.Name, k.Method)
	}
	return ""
}

func needHandshake(c *checker, _ *provider.Kind) string {
	if c.p.Handshake == nil {
		return fmt.Sprintf("%s has no webhook validation handshake", c.p.Name)
	}
	return ""
}

// signsBody reports whether a scheme's signature covers the body bytes (or,
// for form parameters, their values).
func signsBody(spec signing.Spec) bool {
	switch strings.ToLower(spec.Scheme) {
	case signing.SchemeBasic, signing.SchemeBearer, signing.SchemePlivo:
		return false
	case signing.SchemeHMAC:
		return spec.Template == "" || strings.Contains(spec.Template, "{body}")
	}
	return true
}

func tolerance(spec signing.Spec) time.Duration {
	if spec.Tolerance > 0 {
		return spec.Tolerance
	}
	return signing.DefaultTolerance
}

// freshAge is a minute, or half the tolerance when that is shorter. A
// MessageBird token lives a minute from its nbf, so it is signed 20 s ago.
func freshAge(spec signing.Spec) time.Duration {
	if strings.EqualFold(spec.Scheme, signing.SchemeMessageBird) {
		return 20 * time.Second
	}
	return min(time.Minute, tolerance(spec)/2)
}

// runLatency sends --requests genuine requests through the Runner and
// judges their p95 against the provider's documented timeout.
func runLatency(ctx context.Context, c *checker, k *provider.Kind) Result {
	n := c.requests
	limit, limitText := c.latencyLimit()
	res := Result{Sent: fmt.Sprintf("%d genuine requests, one at a time", n)}
	res.Expected = fmt.Sprintf("%s, p95 under %s", c.accept, limitText)
	var buildErr error
	reqs := func(yield func(*client.Request, error) bool) {
		for range n {
			r, err := c.signed(k, c.body(k))
			if err != nil {
				buildErr = err
				yield(nil, err)
				return
			}
			if !yield(r, nil) {
				return
			}
		}
	}
	var first *client.Result
	c.runner.OnResult = func(r *client.Result) {
		if first == nil && !r.OK {
			cp := *r
			first = &cp
		}
	}
	defer func() { c.runner.OnResult = nil }()
	sum, err := c.runner.Run(ctx, reqs)
	if buildErr != nil {
		return res.failed("could not sign: " + buildErr.Error())
	}
	if err != nil {
		res.Err = err
		return res.failed("interrupted")
	}
	res.Latency = sum.Latency.P95
	got := fmt.Sprintf("p95 %s, max %s; %s", client.FormatDuration(sum.Latency.P95), client.FormatDuration(sum.Latency.Max), client.FormatCodeCounts(sum.Replies))
	if n := sum.ErrorCount(); n > 0 {
		got += fmt.Sprintf("; %d without reply (%s)", n, client.FormatErrorCounts(sum.Errors))
	}
	res.Got = got + "; limit " + limitText
	switch {
	case sum.Failed > 0:
		if first != nil {
			res.noteReply(first)
		}
		res.Verdict = VerdictFail
	case sum.Latency.P95 >= limit:
		res.Verdict = VerdictFail
	default:
		res.Verdict = VerdictPass
	}
	return res
}

// latencyLimit is --max-p95, else the provider's documented timeout, else
// five seconds, said as such.
func (c *checker) latencyLimit() (time.Duration, string) {
	switch {
	case c.maxP95 > 0:
		return c.maxP95, c.maxP95.String() + " (--max-p95)"
	case c.p.Delivery.Timeout > 0:
		return c.p.Delivery.Timeout, fmt.Sprintf("%s (%s's documented timeout)", c.p.Delivery.Timeout, c.p.Name)
	}
	return defaultLatencyLimit, fmt.Sprintf("%s (%s's timeout is %s; set --max-p95)", defaultLatencyLimit, c.p.Name, provider.NotDocumented)
}

// defaultLatencyLimit stands in for a provider's timeout nobody documents.
const defaultLatencyLimit = 5 * time.Second

// runHandshake performs the validation handshake and judges the reply as
// the platform does (client.CheckHandshake).
func runHandshake(ctx context.Context, c *checker, _ *provider.Kind) Result {
	h := c.p.Handshake
	key, challenge := client.RandomToken(12), client.RandomToken(16)
	res := Result{Sent: fmt.Sprintf("POST ?%s=%s with %s and %s", h.QueryParam, key, h.KeyField, h.ChallengeField), Expected: "200 with JSON holding " + h.KeyField}
	req, err := client.HandshakeRequest(h, c.url, key, challenge)
	if err != nil {
		return res.failed(err.Error())
	}
	if c.scheme != nil {
		if err := client.Sign(req, c.scheme, c.creds); err != nil {
			return res.failed("could not sign: " + err.Error())
		}
	}
	r, err := c.send(ctx, req, client.ExpectCodes([]int{200}))
	if err != nil {
		res.Err = err
		return res.failed("interrupted")
	}
	res.noteReply(r)
	if r.Err != nil {
		res.Verdict = VerdictFail
		return res
	}
	check := client.CheckHandshake(h, key, challenge, r.Status, r.Header, r.Body)
	res.Verdict = VerdictPass
	if !check.Passed {
		res.Verdict = VerdictFail
		res.Problems = check.Problems
	}
	res.Warnings = check.Warnings
	return res
}
