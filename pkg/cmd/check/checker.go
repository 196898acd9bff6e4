package check

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/smshook/smshook/pkg/client"
	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/signing"
)

// checker holds what every case needs: the target and how to reach it.
type checker struct {
	p      *provider.Provider
	scheme signing.Scheme // nil: no credentials, requests go unsigned
	creds  signing.Credentials
	url    string
	// accept is what a genuine request must get (2xx or the provider's
	// success statuses); refuse what a forged one must (4xx).
	accept, refuse client.Expect
	runner         *client.Runner
	now            func() time.Time
	requests       int
	maxP95         time.Duration

	templates map[*provider.Kind]*client.Template
	seq       int
}

// Verdicts.
const (
	VerdictPass = "pass"
	VerdictFail = "fail"
	VerdictNA   = "n/a"
)

// Result is what became of one case for one event kind. Its JSON form is
// what -o json prints; Reply holds the handler's bytes and is escaped when
// printed.
type Result struct {
	Case     string `json:"case"`
	Kind     string `json:"kind,omitempty"`
	Verdict  string `json:"verdict"`
	Security bool   `json:"security"`
	// NotApplicable says why the case was not run.
	NotApplicable string `json:"not_applicable,omitempty"`
	Sent          string `json:"sent,omitempty"`
	Expected      string `json:"expected,omitempty"`
	Got           string `json:"got,omitempty"`
	Status        int    `json:"status,omitempty"`
	// Latency is the last reply's, or the p95 of response-time.
	Latency   time.Duration `json:"-"`
	LatencyMS float64       `json:"latency_ms,omitempty"`
	Reply     string        `json:"reply,omitempty"`
	Problems  []string      `json:"problems,omitempty"`
	Warnings  []string      `json:"warnings,omitempty"`
	Why       string        `json:"why"`

	// errKind classifies a request that got no reply.
	errKind, errText, errURL string
	// Err is the run's context error when interrupted.
	Err error `json:"-"`
}

// SecurityFailure reports a forged or replayed request the handler accepted.
func (r *Result) SecurityFailure() bool { return r.Security && r.Verdict == VerdictFail }

func (r Result) failed(got string) Result {
	r.Verdict, r.Got = VerdictFail, got
	return r
}

// noteReply records what came back for a request.
func (r *Result) noteReply(res *client.Result) {
	r.Latency = res.Latency
	r.LatencyMS = float64(res.Latency.Microseconds()) / 1e3
	if res.Err != nil {
		r.Got = res.ErrKind + ": " + res.ErrText
		r.errKind, r.errText, r.errURL = res.ErrKind, res.ErrText, res.Request.URL
		return
	}
	r.Status = res.Status
	r.Got = client.StatusText(res.Status) + " in " + client.FormatDuration(res.Latency)
	r.Reply = oneLine(res.Body, 120)
}

// runCase runs one case for one kind (nil for a provider-wide case).
func (c *checker) runCase(ctx context.Context, tc *Case, k *provider.Kind) Result {
	res := Result{Case: tc.Name, Why: tc.Why, Security: tc.Security}
	if k != nil {
		res.Kind = k.Name
	}
	if tc.notApplicable != nil {
		if why := tc.notApplicable(c, k); why != "" {
			res.Verdict, res.NotApplicable, res.Security = VerdictNA, why, false
			return res
		}
	}
	if tc.run != nil {
		r := tc.run(ctx, c, k)
		r.Case, r.Kind, r.Why, r.Security = res.Case, res.Kind, res.Why, res.Security
		return r
	}
	reqs, err := tc.build(c, k)
	if err != nil {
		return res.failed("could not build the request: " + err.Error())
	}
	expect := c.accept
	if tc.refuse {
		expect = c.refuse
	}
	res.Sent = c.describeSent(tc, reqs)
	res.Expected = expect.String()
	if tc.refuse {
		res.Expected += " (refused)"
	}
	res.Verdict = VerdictPass
	var replies []string
	for _, req := range reqs {
		r, err := c.send(ctx, req, expect)
		if err != nil {
			res.Err = err
			return res.failed("interrupted")
		}
		res.noteReply(r)
		replies = append(replies, res.Got)
		if !r.OK {
			res.Verdict = VerdictFail
			break
		}
	}
	res.Got = strings.Join(replies, ", then ")
	return res
}

func (c *checker) describeSent(tc *Case, reqs []*client.Request) string {
	short := tc.Short
	if c.scheme != nil && isCredentialScheme(c.scheme.Spec()) {
		switch tc.Name {
		case "forged":
			short = "wrong credentials"
		case "missing":
			short = "no Authorization"
		}
	}
	if len(reqs) == 0 {
		return short
	}
	return reqs[0].Method + " " + short
}

// send sends one request through the Runner and returns its result.
func (c *checker) send(ctx context.Context, req *client.Request, expect client.Expect) (*client.Result, error) {
	var got client.Result
	c.runner.Expect = expect
	c.runner.OnResult = func(r *client.Result) { got = *r }
	defer func() { c.runner.OnResult = nil; c.runner.Expect = c.accept }()
	_, err := c.runner.Run(ctx, func(yield func(*client.Request, error) bool) { yield(req, nil) })
	if err != nil {
		return nil, err
	}
	return &got, nil
}

// body renders the kind's example with a fresh message id and timestamp.
func (c *checker) body(k *provider.Kind) []byte {
	c.seq++
	return c.templates[k].Render(&client.Fresh{Seq: c.seq, Now: c.now(), Rand: client.NewRand()})
}

// compile prepares each kind's example as a template of fresh values, as
// send does.
func (c *checker) compile(kinds []*provider.Kind) error {
	c.templates = map[*provider.Kind]*client.Template{}
	for _, k := range kinds {
		b := client.Body{
			Raw:        k.Fixture,
			Format:     k.Schema.Format,
			Fresh:      k.Schema.Fields,
			TimeLayout: client.KindTimeLayout(k),
		}
		if b.TimeLayout == "" {
			b.TimeLayout = client.ProviderTimeLayout(c.p)
		}
		t, err := b.Compile()
		if err != nil {
			return fmt.Errorf("%s %s example: %w", c.p.Name, k.Name, err)
		}
		c.templates[k] = t
	}
	return nil
}

func (c *checker) request(k *provider.Kind, body []byte) *client.Request {
	return &client.Request{
		Method: k.Method,
		URL:    c.url,
		Header: http.Header{"Content-Type": {k.ContentType()}},
		Body:   body,
	}
}

// signed is body in a request signed now with the target's credentials
// (unsigned when there are none).
func (c *checker) signed(k *provider.Kind, body []byte) (*client.Request, error) {
	return c.signedWith(k, body, c.creds, c.now())
}

func (c *checker) signedWith(k *provider.Kind, body []byte, creds signing.Credentials, now time.Time) (*client.Request, error) {
	r := c.request(k, body)
	if c.scheme == nil {
		return r, nil
	}
	if err := client.SignAt(r, c.scheme, creds, now); err != nil {
		return nil, err
	}
	return r, nil
}

// forged is a genuine request with a wrong signature of the right shape;
// for Basic and Bearer, wrong credentials.
func (c *checker) forged(k *provider.Kind) (*client.Request, error) {
	spec := c.scheme.Spec()
	if isCredentialScheme(spec) {
		wrong, _ := otherCredentials(spec)
		if strings.EqualFold(spec.Scheme, signing.SchemeBasic) {
			wrong.Username = c.creds.Username
		}
		return c.signedWith(k, c.body(k), wrong, c.now())
	}
	r, err := c.signed(k, c.body(k))
	if err != nil {
		return nil, err
	}
	if headers := c.scheme.AuthHeaders(); len(headers) > 0 {
		h := headers[0]
		r.Header.Set(h, corrupt(r.Header.Get(h)))
		return r, nil
	}
	// Vonage signs in a parameter.
	if sig, ok := formField(string(r.Body), "sig"); ok {
		r.Body = setFormRaw(r.Body, "sig", corrupt(sig))
		return r, nil
	}
	return nil, fmt.Errorf("%s sets no signature to change", c.scheme.Describe())
}

// missing is a genuine request without its signature (or Authorization).
func (c *checker) missing(k *provider.Kind) (*client.Request, error) {
	r, err := c.signed(k, c.body(k))
	if err != nil {
		return nil, err
	}
	if headers := c.scheme.AuthHeaders(); len(headers) > 0 {
		// Every one: Plivo sends a second signature (V3) beside the first.
		for _, h := range headers {
			r.Header.Del(h)
		}
		return r, nil
	}
	body, ok := removeFormField(string(r.Body), "sig")
	if !ok {
		return nil, fmt.Errorf("%s sets no signature to remove", c.scheme.Describe())
	}
	r.Body = []byte(body)
	return r, nil
}

// altered is a genuine request whose body changes after it is signed.
func (c *checker) altered(k *provider.Kind) (*client.Request, error) {
	r, err := c.signed(k, c.body(k))
	if err != nil {
		return nil, err
	}
	path, value := alteredField(k, r.Body)
	r.Body = setField(k, r.Body, path, value)
	return r, nil
}

// get sends a form kind's parameters as a GET query with no body.
func (c *checker) get(k *provider.Kind) (*client.Request, error) {
	sep := "?"
	if strings.Contains(c.url, "?") {
		sep = "&"
	}
	r := &client.Request{Method: http.MethodGet, URL: c.url + sep + string(c.body(k)), Header: http.Header{}}
	if c.scheme != nil {
		if err := client.SignAt(r, c.scheme, c.creds, c.now()); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// oneLine shows the start of a reply on one line: whitespace folded, cut
// at n characters. The caller escapes it for the terminal.
func oneLine(b []byte, n int) string {
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "\uFFFD")), " ")
	if r := []rune(s); len(r) > n {
		s = string(r[:n]) + "…"
	}
	return s
}

// kindsOf is the provider's kinds that have an example to send, limited to
// --kind when given.
func kindsOf(p *provider.Provider, only []string) ([]*provider.Kind, error) {
	var kinds []*provider.Kind
	if len(only) == 0 {
		for _, k := range p.Kinds {
			if len(k.Fixture) > 0 {
				kinds = append(kinds, k)
			}
		}
		return kinds, nil
	}
	for _, name := range only {
		k, err := p.Kind(name)
		if err != nil {
			return nil, err
		}
		if len(k.Fixture) == 0 {
			return nil, fmt.Errorf("%s %s has no example body to check with", p.Name, k.Name)
		}
		kinds = append(kinds, k)
	}
	return kinds, nil
}
