// Package sandbox is `smshook sandbox`: a local stand-in for the SMS
// providers' send-message APIs. An app sends through it as through the
// provider (same request shape, auth, errors and response); the sandbox
// then plays the message's life, sending the app the provider's status
// callbacks signed as the provider signs them, and lets a test read what
// was sent (the test API under /api/) and make a recipient answer.
//
// Callbacks go out through package client (its Runner: timeouts, retries,
// the reply read), signed by the provider's scheme from package provider,
// and are recorded through a capture Appender. Nothing here prints or
// exits: the command hears of everything through Options.OnEvent.
package sandbox

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/client"
	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/signing"
)

// DefaultPort is where the sandbox listens unless told otherwise.
const DefaultPort = 8789

// DefaultMaxStored bounds the messages kept for the test API.
const DefaultMaxStored = 10000

// maxDeliveries bounds the callbacks in flight at once: a burst of
// messages must not open a connection per callback.
const maxDeliveries = 64

// maxAPIBody bounds a send request's body: providers refuse far less.
const maxAPIBody = 1 << 20

// Endpoint is how the sandbox plays one provider for this app.
type Endpoint struct {
	// Credentials, when set, are the only ones the provider's API accepts
	// (the profile's); when zero, any credentials are accepted.
	Credentials signing.Credentials
	// CallbackURL receives status callbacks of messages whose request named
	// no callback URL (the profile's url).
	CallbackURL string
	// InboundURL receives recipients' replies (the profile's url, or
	// --inbound-url).
	InboundURL string
	// APIKey and APISecret, when set, are the only send-API credentials
	// accepted by providers whose API key is not their webhook secret
	// (the profile's api_key and api_secret): Telnyx's Bearer key,
	// Vonage's api_key and api_secret, Bandwidth's API user and password,
	// Sinch's token, MessageBird's access key, Dexatel's X-Dexatel-Key,
	// Cellcast's APPKEY, MOBtexting's access_token. Empty accepts any.
	APIKey, APISecret string
}

// Appender records a callback (a *capture.Writer).
type Appender interface {
	Append(*capture.Record) error
}

// TimedAppender is an Appender that also hears how long the app took to
// answer the callback (the inspector shows it).
type TimedAppender interface {
	Appender
	AppendTimed(rec *capture.Record, answeredIn time.Duration) error
}

// Options configure a Sandbox.
type Options struct {
	// Registry gives each provider's signing scheme and callback policy.
	Registry *provider.Registry
	// Providers are those served; empty serves every one the sandbox knows.
	Providers []string
	// Endpoints are per provider; a missing one accepts any credentials.
	Endpoints map[string]Endpoint
	// InboundURL is where replies go for providers whose endpoint has none.
	InboundURL string
	// CallbackURL receives the status callbacks of messages that name no
	// callback URL, for providers whose endpoint has none (the account's
	// webhook of Dexatel, Cellcast and MOBtexting).
	CallbackURL string
	// Latency is the typical wait between two steps of a message's life
	// (jittered ±50%); 0 plays the whole life at once.
	Latency time.Duration
	Rules   []Rule
	// Replies make recipients answer delivered messages they match; the
	// first that matches wins.
	Replies []AutoReply
	Chaos   Chaos
	// Seed makes ids, delays and chaos repeat; 0 picks one at random.
	Seed uint64
	// HTTPClient sends callbacks; nil uses a default one.
	HTTPClient *http.Client
	// Capture records each callback and the app's answer; nil records nothing.
	Capture Appender
	// MaxStored bounds the messages kept; 0 means DefaultMaxStored.
	MaxStored int
	Now       func() time.Time
	// OnEvent hears of every accepted message, callback and finished life,
	// one call at a time; it must not block long.
	OnEvent func(Event)
}

// Event types.
const (
	EventMessage  = "message"  // the app sent a message
	EventCallback = "callback" // a callback was sent and answered (or not)
	EventInbound  = "inbound"  // a recipient's reply was sent to the app
	EventFinished = "finished" // a message's life is over: no more callbacks
)

// Event is one thing the sandbox did, for the command's output.
type Event struct {
	Type     string    `json:"type"`
	Time     time.Time `json:"time"`
	Message  Message   `json:"message"`
	Callback *Callback `json:"callback,omitempty"`
}

// Sandbox is the HTTP handler of the providers' APIs and the test API, and
// the players of the messages' lives.
type Sandbox struct {
	opts    Options
	apis    []providerAPI
	byName  map[string]providerAPI
	mux     *http.ServeMux
	store   *store
	planner planner
	client  *http.Client
	now     func() time.Time

	ctx    context.Context
	cancel context.CancelFunc
	lives  sync.WaitGroup
	// deliveries holds a token per callback in flight.
	deliveries chan struct{}

	emitMu  sync.Mutex // one OnEvent call at a time
	mu      sync.Mutex // guards rng, seq and lastCrd
	rng     *rand.Rand
	seq     uint64
	lastCrd map[string]signing.Credentials
	// accounts are per-provider account ids, fixed per run.
	accounts map[string]string
}

// allAPIs are the providers the sandbox plays, each complete.
func allAPIs() []providerAPI {
	return []providerAPI{&twilioAPI{}, &dexatelAPI{}, &cellcastAPI{}, &mobtextingAPI{}, &telnyxAPI{}, &vonageAPI{}, &plivoAPI{}, &sinchAPI{}, &bandwidthAPI{}, &messagebirdAPI{}}
}

// Names lists the providers the sandbox plays.
func Names() []string {
	var names []string
	for _, a := range allAPIs() {
		names = append(names, a.name())
	}
	sort.Strings(names)
	return names
}

// New builds a sandbox; Close stops the lives it plays.
func New(opts Options) (*Sandbox, error) {
	if opts.Registry == nil {
		opts.Registry = provider.Builtin()
	}
	if opts.MaxStored <= 0 {
		opts.MaxStored = DefaultMaxStored
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	seed := opts.Seed
	if seed == 0 {
		seed = rand.Uint64() | 1
	}
	s := &Sandbox{
		opts:       opts,
		byName:     map[string]providerAPI{},
		mux:        http.NewServeMux(),
		store:      newStore(opts.MaxStored),
		planner:    planner{rules: opts.Rules, replies: opts.Replies, chaos: opts.Chaos, seed: seed, latency: opts.Latency},
		client:     opts.HTTPClient,
		now:        now,
		deliveries: make(chan struct{}, maxDeliveries),
		rng:        rand.New(rand.NewPCG(seed, 0)),
		lastCrd:    map[string]signing.Credentials{},
		accounts:   map[string]string{},
	}
	if s.client == nil {
		s.client = client.NewHTTPClient(nil, client.HTTPOptions{Concurrency: maxDeliveries})
	}
	known := map[string]providerAPI{}
	for _, a := range allAPIs() {
		known[a.name()] = a
	}
	names := opts.Providers
	if len(names) == 0 {
		names = Names()
	}
	for _, n := range names {
		a, ok := known[strings.ToLower(n)]
		if !ok {
			return nil, fmt.Errorf("the sandbox does not play %q yet (it plays: %s)", n, strings.Join(Names(), ", "))
		}
		if _, err := opts.Registry.Lookup(a.name()); err != nil {
			return nil, err
		}
		if _, dup := s.byName[a.name()]; dup {
			continue
		}
		s.byName[a.name()] = a
		s.apis = append(s.apis, a)
		a.register(s, s.mux, "/"+a.name())
	}
	s.registerAPI()
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// ServeHTTP serves the providers' APIs under /PROVIDER/ and the test API
// under /api/.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Providers lists the providers served, sorted.
func (s *Sandbox) Providers() []string {
	names := make([]string, len(s.apis))
	for i, a := range s.apis {
		names[i] = a.name()
	}
	sort.Strings(names)
	return names
}

// Close stops every life being played (callbacks in flight are canceled)
// and waits for them.
func (s *Sandbox) Close() {
	s.cancel()
	s.lives.Wait()
}

// Drain waits until every life started has ended, or ctx ends.
func (s *Sandbox) Drain(ctx context.Context) error {
	done := make(chan struct{})
	go func() { s.lives.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Sandbox) emit(ev Event) {
	if s.opts.OnEvent == nil {
		return
	}
	s.emitMu.Lock()
	defer s.emitMu.Unlock()
	s.opts.OnEvent(ev)
}

// accountID is a per-run id (a UUID) for the key: a provider's account,
// organization or profile.
func (s *Sandbox) accountID(key string) string {
	s.mu.Lock()
	id, ok := s.accounts[key]
	s.mu.Unlock()
	if ok {
		return id
	}
	id = s.uuid()
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.accounts[key]; ok {
		return old
	}
	s.accounts[key] = id
	return id
}

// randomHex returns n random bytes in hex from the sandbox's seeded source.
func (s *Sandbox) randomHex(n int) string {
	const digits = "0123456789abcdef"
	s.mu.Lock()
	defer s.mu.Unlock()
	b := make([]byte, 2*n)
	for i := 0; i < n; i++ {
		v := byte(s.rng.Uint32())
		b[2*i], b[2*i+1] = digits[v>>4], digits[v&15]
	}
	return string(b)
}

// endpoint is the provider's endpoint, or the zero one.
func (s *Sandbox) endpoint(name string) Endpoint { return s.opts.Endpoints[name] }

// callbackURL is where a provider's status callbacks go when the request
// named none: the profile's url, else --callback-url.
func (s *Sandbox) callbackURL(name string) string {
	if u := s.endpoint(name).CallbackURL; u != "" {
		return u
	}
	return s.opts.CallbackURL
}

// webhookCredentials sign callbacks of providers whose webhook secret is
// not the API credential: the profile's, else the provider's demo ones
// (which `smshook listen --demo` checks).
func (s *Sandbox) webhookCredentials(name string) signing.Credentials {
	demoOnly := strings.HasSuffix(name, "-demo")
	name = strings.TrimSuffix(name, "-demo")
	if c := s.endpoint(name).Credentials; !c.IsZero() && !demoOnly {
		return c
	}
	if p, err := s.opts.Registry.Lookup(name); err == nil {
		return p.Demo
	}
	return signing.Credentials{}
}

// ChecksCredentials says the provider's API accepts only the endpoint's
// credentials: Twilio's and Plivo's auth token (the profile's secret), the
// others' api_key and api_secret.
func (e Endpoint) ChecksCredentials(provider string) bool {
	if provider == "twilio" || provider == "plivo" {
		return !e.Credentials.IsZero()
	}
	return e.APIKey != "" || e.APISecret != ""
}

// apiKeyOK says key is the profile's api_key, or that none is set.
func (s *Sandbox) apiKeyOK(name, key string) bool {
	want := s.endpoint(name).APIKey
	return want == "" || checkSecret(key, want)
}

// apiSecretOK says secret is the profile's api_secret, or that none is set.
func (s *Sandbox) apiSecretOK(name, secret string) bool {
	want := s.endpoint(name).APISecret
	return want == "" || checkSecret(secret, want)
}

// checkSecret compares a credential with the configured one in constant time.
func checkSecret(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// accept stores a new outbound message, plans its life and starts playing
// it. m.view must hold its id, provider, from, to and text.
func (s *Sandbox) accept(m *message) Message {
	now := s.now().UTC()
	m.view.Direction = DirectionOutbound
	m.view.CreatedAt, m.view.UpdatedAt = now, now
	m.view.Segments, m.view.Encoding = Segments(m.view.Text)
	m.view.Callbacks = []Callback{}
	s.mu.Lock()
	s.seq++
	seq := s.seq
	s.lastCrd[m.api.name()] = m.creds
	s.mu.Unlock()
	plan := s.planner.plan(seq, m.api, m.view.To, m.view.Text)
	m.view.Outcome, m.view.Reason, m.view.Chaos = plan.Outcome, plan.Reason, plan.Chaos
	s.store.add(m)
	view := m.view.clone()
	s.emit(Event{Type: EventMessage, Time: now, Message: view})
	s.lives.Add(1)
	go s.live(m, plan)
	return view
}

// live plays a message's planned steps: each updates the message and,
// when it has a callback URL, is sent to the app and recorded.
func (s *Sandbox) live(m *message, plan Plan) {
	defer s.lives.Done()
	if !m.sendAt.IsZero() {
		if !s.waitUntil(m.sendAt) {
			return
		}
		now := s.now().UTC()
		s.store.update(m, func(v *Message) { v.Status, v.UpdatedAt = m.startStatus, now })
	}
	for _, st := range plan.Steps {
		if st.After > 0 {
			t := time.NewTimer(st.After)
			select {
			case <-s.ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		if s.ctx.Err() != nil {
			return
		}
		now := s.now().UTC()
		s.store.update(m, func(v *Message) {
			if st.Duplicate {
				return
			}
			// An out-of-order earlier status does not undo the final one.
			if !v.Final || st.Final {
				v.Status = st.Status
			}
			v.Final = v.Final || st.Final
			if st.Error != "" {
				v.Error = st.Error
			}
			if v.SentAt == nil && m.api.sentStatus(st.Status) {
				v.SentAt = &now
			}
			v.UpdatedAt = now
		})
		url := m.view.CallbackURL
		if url == "" || st.Silent {
			continue
		}
		req, err := m.api.statusCallback(m, st, url, now)
		if err == nil && req == nil {
			continue // this step sends nothing (Sinch's batch reports wait for the batch)
		}
		kind, _ := m.api.kinds()
		cb := Callback{Kind: kind, Status: st.Status, Final: st.Final, Error: st.Error, Duplicate: st.Duplicate, URL: url, SentAt: now}
		if err == nil {
			s.deliver(m.api, req, m.creds, &cb)
		} else {
			cb.ReplyError = err.Error()
		}
		view := s.store.update(m, func(v *Message) { v.Callbacks = append(v.Callbacks, cb) })
		s.emit(Event{Type: EventCallback, Time: now, Message: view, Callback: &cb})
		// A provider with a failover URL (Telnyx) sends there once the
		// primary has had all its attempts.
		if failover := m.extra["failover"]; !cb.OK && failover != "" && s.ctx.Err() == nil {
			req, err := m.api.statusCallback(m, st, failover, now)
			fcb := Callback{Kind: kind, Status: st.Status, Final: st.Final, Error: st.Error, Duplicate: st.Duplicate, URL: failover, SentAt: s.now().UTC()}
			if err == nil {
				s.deliver(m.api, req, m.creds, &fcb)
			} else {
				fcb.ReplyError = err.Error()
			}
			view := s.store.update(m, func(v *Message) { v.Callbacks = append(v.Callbacks, fcb) })
			s.emit(Event{Type: EventCallback, Time: fcb.SentAt, Message: view, Callback: &fcb})
		}
	}
	if plan.Reply != nil {
		if plan.Reply.After > 0 && !s.pause(plan.Reply.After) {
			return
		}
		s.autoReply(m, plan.Reply.Text)
	}
	view := s.store.update(m, func(v *Message) {
		v.Final = true // no_final: the life is over, though no final report came
	})
	s.emit(Event{Type: EventFinished, Time: s.now().UTC(), Message: view})
}

// autoReply sends the recipient's planned answer to m. When it cannot be
// sent (no inbound URL, a provider with no inbound webhook) the failure is
// an inbound event whose callback says why, so that CI mode counts it.
func (s *Sandbox) autoReply(m *message, text string) {
	_, err := s.inbound(m.api, m.account, m.view.To, m.view.From, text, m.creds, m.view.ID, m.extra)
	if err == nil {
		return
	}
	_, kind := m.api.kinds()
	now := s.now().UTC()
	cb := Callback{Kind: kind, Status: m.api.inboundStatus(), SentAt: now, ReplyError: "auto-reply " + strconv.Quote(text) + ": " + err.Error()}
	view := Message{
		Provider: m.api.name(), Direction: DirectionInbound, From: m.view.To, To: m.view.From, Text: text,
		Status: cb.Status, Final: true, InReplyTo: m.view.ID, CreatedAt: now, UpdatedAt: now, Callbacks: []Callback{cb},
	}
	s.emit(Event{Type: EventInbound, Time: now, Message: view, Callback: &cb})
}

// retryPolicy is how the sandbox retries one provider's callbacks: the
// provider's documented count, with waits scaled to the latency so that
// `--latency 0` runs stay fast.
func (s *Sandbox) runner(a providerAPI) *client.Runner {
	p, _ := s.opts.Registry.Lookup(a.name())
	timeout := client.DefaultTimeout
	var expect client.Expect
	if p != nil {
		if p.Delivery.Timeout > 0 {
			timeout = p.Delivery.Timeout
		}
		expect = client.ExpectCodes(p.SuccessStatuses)
	}
	backoff := max(s.opts.Latency, 10*time.Millisecond)
	return &client.Runner{
		Client:       s.client,
		Timeout:      timeout,
		Retries:      a.retries(),
		Backoff:      backoff,
		MaxBackoff:   4 * backoff,
		Expect:       expect,
		KeepReply:    true,
		MaxReplyBody: 64 << 10,
	}
}

// deliver signs req with the provider's scheme and the credentials the
// app used, sends it through a client.Runner (retries as the provider
// does), fills cb with the outcome and records it.
func (s *Sandbox) deliver(a providerAPI, req *client.Request, creds signing.Credentials, cb *Callback) {
	p, err := s.opts.Registry.Lookup(a.name())
	if err != nil {
		cb.ReplyError = err.Error()
		return
	}
	// Providers whose auth is optional (Cellcast, MOBtexting) send
	// nothing to check when no credentials are set.
	sign := func(req *client.Request) error {
		if creds.IsZero() && p.Auth.Optional {
			return nil
		}
		return client.Sign(req, p.Scheme(), creds)
	}
	if err := sign(req); err != nil {
		cb.ReplyError = "signing: " + err.Error()
		return
	}
	cb.URL = req.URL
	select {
	case s.deliveries <- struct{}{}:
		defer func() { <-s.deliveries }()
	case <-s.ctx.Done():
		cb.ReplyError = "canceled: the sandbox stopped"
		return
	}
	r := s.runner(a)
	var res client.Result
	r.OnResult = func(got *client.Result) {
		res = *got
		res.Body = append([]byte(nil), got.Body...)
	}
	one := func(yield func(*client.Request, error) bool) { yield(req, nil) }
	// client.Runner retries connection errors and 5xx replies; a provider
	// that sends again whatever the answer (MOBtexting, unless 200 or 202)
	// gets its retries here, each a run of its own.
	runs, attempts := 1, 0
	if a.retriesAnyFailure() {
		runs, r.Retries = 1+a.retries(), 0
	}
	numberer, numbered := a.(attemptNumberer)
	for run := 1; run <= runs; run++ {
		// A provider that numbers its attempts in the payload (Telnyx's
		// meta.attempt) sends each one re-numbered and signed anew.
		if numbered && run > 1 {
			if body, err := numberer.numberAttempt(req.Body, attempts+1); err == nil {
				next := &client.Request{Method: req.Method, URL: req.URL, Header: req.Header.Clone(), Body: body, Name: req.Name}
				if sign(next) == nil {
					req = next
				}
			}
		}
		if _, err := r.Run(s.ctx, one); err != nil && !errors.Is(err, context.Canceled) {
			cb.ReplyError = err.Error()
		}
		attempts += res.Attempts
		if res.OK || run == runs || !s.pause(r.Backoff) {
			break
		}
	}
	cb.Attempts, cb.ReplyStatus, cb.OK = attempts, res.Status, res.OK
	cb.LatencyMS = float64(res.Latency.Microseconds()) / 1000
	cb.ReplyBody = string(res.Body)
	if res.Err != nil {
		cb.ReplyError = res.ErrText
	}
	if s.opts.Capture != nil {
		cb.CaptureID = s.record(p, cb.Kind, req, &res)
	}
}

// waitUntil waits until the sandbox's clock reaches t, looking at it
// often, so that a clock set forward (tests) is seen at once; false when
// the sandbox stops first.
func (s *Sandbox) waitUntil(t time.Time) bool {
	for {
		left := t.Sub(s.now())
		if left <= 0 {
			return true
		}
		if !s.pause(min(left, 250*time.Millisecond)) {
			return false
		}
	}
}

// pause waits d, or returns false when the sandbox stops first.
func (s *Sandbox) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-s.ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// record appends the callback and the app's answer to the capture.
func (s *Sandbox) record(p *provider.Provider, kind string, req *client.Request, res *client.Result) string {
	rec := &capture.Record{
		ID:         capture.NewID(s.now()),
		ReceivedAt: s.now().UTC(),
		Profile:    "sandbox",
		Provider:   p.Name,
		Kind:       kind,
		Method:     req.Method,
		URL:        req.URL,
		Headers:    req.Header.Clone(),
		Verification: capture.Verification{
			Valid:   true,
			Message: "signed by smshook sandbox as " + p.Title + " signs",
		},
		Reply: capture.Reply{Status: res.Status, Headers: res.Header},
	}
	rec.SetBody(req.Body)
	rec.Reply.SetBody(res.Body)
	// A GET callback (MessageBird's reports, Plivo's and Vonage's when
	// asked) carries its fields in the query, as listen reads them.
	decode := func() (codec.Event, error) { return p.Decode(req.Body, kind) }
	if req.Method == http.MethodGet && len(req.Body) == 0 && p.QueryCallbacks {
		decode = func() (codec.Event, error) {
			u, err := url.Parse(req.URL)
			if err != nil {
				return codec.Event{}, err
			}
			return p.DecodeQuery(u.RawQuery, req.Body, kind)
		}
	}
	if ev, err := decode(); err == nil {
		rec.Event = &ev
	} else {
		rec.DecodeError = err.Error()
	}
	if res.Status == 0 {
		rec.Forward = &capture.Forward{URL: req.URL, Error: res.ErrText}
	}
	var err error
	if a, ok := s.opts.Capture.(TimedAppender); ok {
		err = a.AppendTimed(rec, res.Latency)
	} else {
		err = s.opts.Capture.Append(rec)
	}
	if err != nil {
		return ""
	}
	return rec.ID
}

// Reply makes the recipient of message id answer text: an inbound message
// from its recipient to its sender, sent to the app's inbound URL signed
// as the provider signs it.
func (s *Sandbox) Reply(id, text string) (Message, error) {
	orig, view, ok := s.store.get(id)
	if !ok {
		return Message{}, ErrNotFound
	}
	if view.Direction != DirectionOutbound {
		return Message{}, fmt.Errorf("message %s is a reply itself: answer an outbound message", id)
	}
	return s.inbound(orig.api, orig.account, view.To, view.From, text, orig.creds, id, orig.extra)
}

// Inbound sends the app a message from `from` to `to` through provider.
func (s *Sandbox) Inbound(providerName, from, to, text string) (Message, error) {
	a, ok := s.byName[strings.ToLower(providerName)]
	if !ok {
		return Message{}, fmt.Errorf("provider %q is not served here (served: %s)", providerName, strings.Join(s.Providers(), ", "))
	}
	s.mu.Lock()
	creds := s.lastCrd[a.name()]
	s.mu.Unlock()
	if ep := s.endpoint(a.name()); !ep.Credentials.IsZero() {
		creds = ep.Credentials
	}
	if creds.IsZero() {
		p, _ := s.opts.Registry.Lookup(a.name())
		creds = p.Demo
	}
	return s.inbound(a, "", from, to, text, creds, "", nil)
}

// ErrNotFound is a message id the store does not hold.
var ErrNotFound = errors.New("no such message")

// ErrNoInboundURL says where to give the inbound URL.
var ErrNoInboundURL = errors.New("no inbound URL: pass --inbound-url URL, or set the profile's url")

func (s *Sandbox) inbound(a providerAPI, account, from, to, text string, creds signing.Credentials, inReplyTo string, extra map[string]string) (Message, error) {
	url := s.endpoint(a.name()).InboundURL
	if url == "" {
		url = s.opts.InboundURL
	}
	if _, kind := a.kinds(); kind == "" {
		return Message{}, fmt.Errorf("%s: smshook knows no inbound-message webhook of this provider, so the sandbox cannot send a reply", a.name())
	}
	if url == "" {
		return Message{}, ErrNoInboundURL
	}
	now := s.now().UTC()
	m := &message{api: a, creds: creds, account: account, extra: map[string]string{}}
	for k, v := range extra { // the conversation's (Telnyx's messaging profile …)
		if k != "failover" && k != "webhook_url" {
			m.extra[k] = v
		}
	}
	m.view = Message{
		ID: a.newID(s), Provider: a.name(), Direction: DirectionInbound,
		From: from, To: to, Text: text, Status: a.inboundStatus(), Final: true,
		CreatedAt: now, UpdatedAt: now, InReplyTo: inReplyTo, Callbacks: []Callback{},
	}
	m.view.Segments, m.view.Encoding = Segments(text)
	if m.account == "" {
		m.account = a.defaultAccount(s, creds)
	}
	s.store.add(m)
	_, kind := a.kinds()
	req, err := a.inboundCallback(m, url, now)
	cb := Callback{Kind: kind, Status: m.view.Status, URL: url, SentAt: now}
	if err != nil {
		return Message{}, err
	}
	s.deliver(a, req, creds, &cb)
	view := s.store.update(m, func(v *Message) { v.Callbacks = append(v.Callbacks, cb) })
	s.emit(Event{Type: EventInbound, Time: now, Message: view, Callback: &cb})
	return view, nil
}

// attemptNumberer is a provider whose callbacks say which attempt they
// are (Telnyx's meta.attempt); it retries on any failure, one run per
// attempt.
type attemptNumberer interface {
	// numberAttempt returns the callback body with attempt n written in it.
	numberAttempt(body []byte, n int) ([]byte, error)
}

// providerAPI is one provider played by the sandbox: its send API, the
// life of its messages and its callbacks.
type providerAPI interface {
	name() string
	sendAPI() SendAPI
	// register adds the provider's API routes under prefix.
	register(s *Sandbox, mux *http.ServeMux, prefix string)
	// lifecycle is the provider's steps for an outcome, in order.
	lifecycle(o Outcome) []Step
	// sentStatus says a status means the message has left the provider.
	sentStatus(status string) bool
	// retries is how many more times the provider sends a callback that
	// failed (as its documents say).
	retries() int
	// retriesAnyFailure says the provider sends again on any answer that
	// is not a success, not only on 5xx and connection errors.
	retriesAnyFailure() bool
	newID(s *Sandbox) string
	inboundStatus() string
	// kinds are the provider's event kinds of its status callback and its
	// inbound webhook ("" when smshook knows no inbound webhook of it).
	kinds() (status, inbound string)
	defaultAccount(s *Sandbox, creds signing.Credentials) string
	// statusCallback builds the unsigned status callback of step st; nil
	// when the step sends none.
	statusCallback(m *message, st Step, url string, now time.Time) (*client.Request, error)
	// inboundCallback builds the unsigned webhook of an inbound message.
	inboundCallback(m *message, url string, now time.Time) (*client.Request, error)
}
