package server

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/signing"
)

// DefaultMaxBody is the largest body read when Options.MaxBody is 0.
const DefaultMaxBody = 1 << 20

// DefaultForwardTimeout bounds a call to the app when Options.ForwardTimeout is 0.
const DefaultForwardTimeout = 30 * time.Second

// DefaultMaxInflight is the floor of the in-flight budget when
// Options.MaxInflight is 0; the default is this or InflightBodies bodies of
// MaxBody, whichever is more.
const DefaultMaxInflight = 64 << 20

// InflightBodies is how many bodies of the largest size the default budget holds.
const InflightBodies = 4

// RetryAfterBusy is the Retry-After, in seconds, of a 503 for a full budget.
const RetryAfterBusy = "1"

// Reasons the listener refuses a request before or instead of a signature
// check, in the record's verification.
const (
	ReasonNoRoute          = capture.ReasonNoRoute
	ReasonMethod           = "method_not_allowed"
	ReasonTooLarge         = "body_too_large"
	ReasonReadError        = "read_error"
	ReasonValidationKey    = "validation_key_mismatch"
	ReasonBusy             = "busy"
	kindHandshake          = "handshake"
	contentTypeJSON        = "application/json"
	headerContentType      = "Content-Type"
	handshakeNotCheckedMsg = "handshake without credentials: answered with the key it carries; set validation_key in a profile to check it"
)

// Appender stores records durably; *capture.Writer is one.
type Appender interface {
	Append(*capture.Record) error
}

// Options configure a Handler.
type Options struct {
	Endpoints []*Endpoint
	// MaxBody is the largest body read (DefaultMaxBody when 0); beyond it
	// the request gets 413 and is captured with the part read. It also
	// bounds the app's reply to a forward (but never below DefaultMaxBody).
	MaxBody int64
	// MaxInflight bounds the request body bytes held at once, so that many
	// large requests cannot exhaust memory: a request whose body does not
	// fit is answered 503 with Retry-After, read no further, and captured
	// with the part read (none when it sent a Content-Length), marked
	// truncated. 0 means DefaultMaxInflight or InflightBodies×MaxBody,
	// whichever is more; it cannot be below MaxBody.
	MaxInflight int64
	// AcceptInvalid answers requests that fail verification as if they
	// passed; their records still say invalid.
	AcceptInvalid bool
	// ForwardTo is the app every endpoint without its own ForwardTo
	// forwards to; empty means answer here.
	ForwardTo      string
	ForwardTimeout time.Duration
	// Respond, when not 0, is the status answered to accepted requests,
	// with RespondBody, to play a failing endpoint.
	Respond     int
	RespondBody []byte
	// Delay holds every answer back, to play a slow endpoint.
	Delay time.Duration
	// PublicURL is the base URL the provider was given (a tunnel), for
	// schemes that sign the URL; it is recorded with the request's path.
	PublicURL string
	// URLHint tells how to give the URL the provider was given (the
	// command's flag), added to failures that a wrong URL may explain.
	URLHint string
	// Capture stores every request before it is answered; nil stores nothing.
	Capture Appender
	// Transport carries forwarded requests; nil means one of the handler's
	// own that adds nothing to the request (no gzip, no redirects followed).
	Transport http.RoundTripper
	Now       func() time.Time
	// OnEvent, when set, is called once per request after the answer is
	// sent, from the request's goroutine: it must be safe for concurrent use.
	OnEvent func(*Event)
}

// Event reports one request to the command.
type Event struct {
	Record *capture.Record
	// Route is nil when no route matched.
	Route   *Route
	Latency time.Duration
	// CaptureErr is why the record could not be stored; the request was
	// then answered 500.
	CaptureErr error
}

// Handler is the listener's http.Handler.
type Handler struct {
	opts   Options
	routes *routeTable
	// okHeader is the header of the listener's own 200: shared by every
	// answer and record, so it is never written to.
	okHeader http.Header
	client   *http.Client
	inflight budget
	// diagnosing holds one token: explaining a mismatch costs up to a verify
	// per candidate body, so a sender who forges signatures on purpose
	// gets one diagnosis at a time and the plain verdict otherwise.
	diagnosing chan struct{}
	stopping   chan struct{}
	stopOnce   sync.Once
}

// maxDiagnosedBody bounds the bodies whose mismatch the listener explains:
// providers' callbacks are a few KiB, and diagnosis costs a verify per
// candidate body.
const maxDiagnosedBody = 64 << 10

// New checks the options and builds the handler.
func New(opts Options) (*Handler, error) {
	routes, err := newRouteTable(opts.Endpoints)
	if err != nil {
		return nil, err
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.MaxInflight <= 0 {
		opts.MaxInflight = max(DefaultMaxInflight, InflightBodies*opts.MaxBody)
	}
	if opts.MaxInflight < opts.MaxBody {
		return nil, fmt.Errorf("the in-flight budget (%d bytes) is below the largest body (%d bytes): no such body could be read", opts.MaxInflight, opts.MaxBody)
	}
	if opts.ForwardTimeout <= 0 {
		opts.ForwardTimeout = DefaultForwardTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Respond != 0 && (opts.Respond < 100 || opts.Respond > 599) {
		return nil, fmt.Errorf("reply status %d is not an HTTP status (100-599)", opts.Respond)
	}
	opts.PublicURL = strings.TrimSuffix(opts.PublicURL, "/")
	transport := opts.Transport
	if transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DisableCompression = true // gzip would add Accept-Encoding: the app must get the headers as sent
		t.MaxIdleConnsPerHost = 64
		t.MaxResponseHeaderBytes = MaxHeaderBytes // the default 10 MiB per reply is a lot to hold
		transport = t
	}
	return &Handler{
		opts:   opts,
		routes: routes,
		client: &http.Client{
			Transport: transport,
			// The sender gets the app's redirect as the app sent it.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		okHeader:   http.Header{headerContentType: {contentTypeJSON}},
		inflight:   budget{limit: opts.MaxInflight},
		diagnosing: make(chan struct{}, 1),
		stopping:   make(chan struct{}),
	}, nil
}

// Routes lists what the handler serves, in order.
func (h *Handler) Routes() []*Route {
	out := make([]*Route, len(h.routes.paths))
	for i, p := range h.routes.paths {
		out[i] = h.routes.byPath[p]
	}
	return out
}

// MaxInflight is the budget of request body bytes held at once.
func (h *Handler) MaxInflight() int64 { return h.opts.MaxInflight }

// Stop cuts --delay waits short so that a shutdown does not wait them out.
func (h *Handler) Stop() { h.stopOnce.Do(func() { close(h.stopping) }) }

// reply is an answer about to be sent.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func jsonReply(status int, v any) reply {
	b, _ := json.Marshal(v) // plain structs of strings: cannot fail
	return reply{status: status, header: http.Header{headerContentType: {contentTypeJSON}}, body: b}
}

// problem is the JSON body of a refusal.
type problem struct {
	Error   string `json:"error"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
	// Cause and URL are what the diagnosis of a failed signature found.
	Cause  string   `json:"cause,omitempty"`
	URL    string   `json:"url,omitempty"`
	ID     string   `json:"id,omitempty"`
	Routes []string `json:"routes,omitempty"`
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := h.opts.Now()
	rec := &capture.Record{
		ID:         capture.NewID(start),
		ReceivedAt: start.UTC(),
		Method:     r.Method,
		URL:        fullURL(r),
		RemoteAddr: r.RemoteAddr,
		Headers:    r.Header,
	}
	if h.opts.PublicURL != "" {
		rec.PublicURL = h.opts.PublicURL + requestURI(r)
	}
	body, truncated, busy, held, readErr := h.readBody(r)
	defer h.inflight.give(held) // once the record is stored and the answer sent
	rec.SetBody(body)
	rec.Truncated = truncated

	route := h.routes.lookup(r.URL.Path)
	var rep reply
	switch {
	case route == nil:
		msg := fmt.Sprintf("no route for %s %s", r.Method, r.URL.Path)
		rec.Verification = capture.Verification{Reason: ReasonNoRoute, Message: msg}
		rep = jsonReply(http.StatusNotFound, problem{Error: msg, Reason: ReasonNoRoute, Routes: h.routes.sortedPaths()})
	default:
		rec.Profile, rec.Provider = route.Endpoint.Name, route.Endpoint.Provider.Name
		rep = h.serveRoute(r, route, rec, body, truncated, busy, readErr)
	}
	h.finish(w, r, route, rec, rep, start)
}

// serveRoute decides the answer to a request on a route and fills the record.
func (h *Handler) serveRoute(r *http.Request, route *Route, rec *capture.Record, body []byte, truncated, busy bool, readErr error) reply {
	ep := route.Endpoint
	if methods := route.Methods(); !containsString(methods, r.Method) {
		msg := fmt.Sprintf("%s does not send %s requests: use %s", ep.Provider.Name, r.Method, strings.Join(methods, ", "))
		rec.Verification = capture.Verification{Reason: ReasonMethod, Message: msg}
		rep := jsonReply(http.StatusMethodNotAllowed, problem{Error: "method not allowed", Reason: ReasonMethod, Message: msg})
		rep.header.Set("Allow", strings.Join(methods, ", "))
		return rep
	}
	if busy {
		msg := fmt.Sprintf("the listener is holding its limit of %d bytes of request bodies (--max-inflight): not read; try again later", h.opts.MaxInflight)
		rec.Verification = capture.Verification{Reason: ReasonBusy, Message: msg}
		rec.Kind = kindOf(route)
		rep := jsonReply(http.StatusServiceUnavailable, problem{Error: "busy", Reason: ReasonBusy, Message: msg})
		rep.header.Set("Retry-After", RetryAfterBusy)
		rep.header.Set("Connection", "close") // the rest of the body is not read
		return rep
	}
	if truncated {
		msg := fmt.Sprintf("body is larger than the limit of %d bytes: not verified (raise --max-body)", h.opts.MaxBody)
		rec.Verification = capture.Verification{Reason: ReasonTooLarge, Message: msg}
		rec.Kind = kindOf(route)
		rep := jsonReply(http.StatusRequestEntityTooLarge, problem{Error: "body too large", Reason: ReasonTooLarge, Message: msg})
		rep.header.Set("Connection", "close")
		return rep
	}
	if readErr != nil {
		msg := "could not read the body: " + readErr.Error()
		rec.Verification = capture.Verification{Reason: ReasonReadError, Message: msg}
		rec.Kind = kindOf(route)
		return jsonReply(http.StatusBadRequest, problem{Error: "unreadable body", Reason: ReasonReadError, Message: msg})
	}

	if hs := ep.Provider.Handshake; hs != nil {
		if key, ok := hs.Key(rec.URL, body); ok {
			return h.serveHandshake(r, route, rec, body, key)
		}
	}

	rec.Verification = h.verify(r, ep, rec, body)
	var ev codec.Event
	var err error
	if r.Method == http.MethodGet && len(body) == 0 && ep.Provider.QueryCallbacks {
		ev, err = ep.Provider.DecodeQuery(r.URL.RawQuery, body, kindName(route))
	} else {
		ev, err = ep.Provider.Decode(body, kindName(route))
	}
	rec.Kind = ev.EventName
	rec.Event = &ev
	if err != nil {
		rec.DecodeError = err.Error()
	}
	if !rec.Verification.Valid && rec.Verification.Reason != capture.ReasonNotChecked && !h.opts.AcceptInvalid {
		v := rec.Verification
		p := problem{Error: "invalid signature", Reason: v.Reason, Message: v.Message, ID: rec.ID}
		if x := v.Diagnosis; x != nil {
			p.Cause, p.URL = x.Cause, x.URL
		}
		return jsonReply(http.StatusUnauthorized, p)
	}
	return h.answer(r, ep, rec, body)
}

// answer is the reply to an accepted request: --respond's (which beats a
// profile's forward_to), the app's, or 200.
func (h *Handler) answer(r *http.Request, ep *Endpoint, rec *capture.Record, body []byte) reply {
	if h.opts.Respond != 0 {
		rep := reply{status: h.opts.Respond, header: http.Header{}, body: h.opts.RespondBody}
		if len(h.opts.RespondBody) > 0 {
			ct := "text/plain; charset=utf-8"
			if json.Valid(h.opts.RespondBody) {
				ct = contentTypeJSON
			}
			rep.header.Set(headerContentType, ct)
		}
		return rep
	}
	if target := h.forwardTarget(ep); target != "" {
		return h.forward(r, target, rec, body)
	}
	return reply{
		status: http.StatusOK,
		header: h.okHeader,
		body:   append(append(make([]byte, 0, 48), `{"ok":true,"id":"`...), rec.ID+`"}`...),
	}
}

func (h *Handler) forwardTarget(ep *Endpoint) string {
	if ep.ForwardTo != "" {
		return ep.ForwardTo
	}
	return h.opts.ForwardTo
}

// verify checks the request's auth with the endpoint's credentials.
func (h *Handler) verify(r *http.Request, ep *Endpoint, rec *capture.Record, body []byte) capture.Verification {
	if ep.Unchecked() {
		return capture.Verification{Reason: capture.ReasonNotChecked,
			Message: fmt.Sprintf("not checked: %s sends no auth unless it is configured, and no credentials are set", ep.Provider.Name)}
	}
	signedURL := rec.URL
	if rec.PublicURL != "" {
		signedURL = rec.PublicURL
	}
	req := &signing.Request{Method: r.Method, URL: signedURL, Header: r.Header, Body: body, Now: rec.ReceivedAt}
	scheme := ep.AuthScheme()
	res := scheme.Verify(req, ep.Credentials)
	if res.Valid {
		return capture.Verification{Valid: true, Message: res.Message}
	}
	if v, ok := viaForwardedURL(scheme, req, ep); ok {
		return v
	}
	return h.diagnose(scheme, req, ep, res)
}

// viaForwardedURL accepts a request that verifies under the URL rebuilt
// from its own forwarded headers (a tunnel that ended TLS), marked so. The
// headers came with the request and are trusted for this verdict only. It is
// one verify, so unlike the full diagnosis it runs for every failed request
// of a URL-signing scheme: a genuine request behind a tunnel is never
// refused because another diagnosis was running.
func viaForwardedURL(scheme signing.Scheme, req *signing.Request, ep *Endpoint) (capture.Verification, bool) {
	if !scheme.Spec().SignsURL() {
		return capture.Verification{}, false
	}
	u, from, ok := signing.ForwardedURL(req.URL, req.Header)
	if !ok || u == req.URL {
		return capture.Verification{}, false
	}
	try := *req
	try.URL = u
	r := scheme.Verify(&try, ep.Credentials)
	if !r.Valid {
		return capture.Verification{}, false
	}
	return capture.Verification{Valid: true, Diagnosis: &capture.Diagnosis{Cause: signing.CauseForwardedURL, URL: u},
		Message: fmt.Sprintf("%s, for %s (%s), not %s: pass it with --public-url", r.Message, u, from, req.URL)}, true
}

// diagnose explains a failed verification, off the success path. A request
// that verifies under the URL rebuilt from its own forwarded headers (a
// tunnel that ended TLS) is accepted and marked so: the headers came with
// the request, and are trusted for this verdict only. Any other match is
// explained, not accepted.
func (h *Handler) diagnose(scheme signing.Scheme, req *signing.Request, ep *Endpoint, res signing.Result) capture.Verification {
	self := ep.Name
	if ep.Demo {
		self = ""
	}
	var d signing.Diagnosis
	if len(req.Body) <= maxDiagnosedBody {
		select {
		case h.diagnosing <- struct{}{}:
			res, d = signing.Diagnose(scheme, req, ep.Credentials, res, signing.DiagnoseOptions{Self: self, Others: ep.Known, URLFlag: "--public-url"})
			<-h.diagnosing
		default: // another diagnosis is running: the plain verdict
		}
	}
	if d.Cause == signing.CauseForwardedURL && d.Verified.Valid {
		return capture.Verification{Valid: true, Diagnosis: &capture.Diagnosis{Cause: d.Cause, URL: d.URL},
			Message: fmt.Sprintf("%s, for %s (%s), not %s: pass it with --public-url", d.Verified.Message, d.URL, d.How, req.URL)}
	}
	if d.Cause == "" {
		res = signing.WithURLHint(scheme.Spec(), res, h.opts.URLHint)
	}
	v := capture.Verification{Reason: string(res.Reason), Message: res.Message}
	if d.Cause != "" || len(d.Checks) > 0 {
		x := &capture.Diagnosis{Cause: d.Cause, URL: d.URL}
		for _, c := range d.Checks {
			x.Checks = append(x.Checks, capture.VerificationCheck{Check: c.Check, Tried: c.Tried, Match: c.Match})
		}
		v.Diagnosis = x
	}
	return v
}

// serveHandshake answers a provider's check of the endpoint: 200 with the
// key (and challenge) echoed, unless the key is not the configured one.
// With forwarding on, the app answers it instead, as it will have to.
func (h *Handler) serveHandshake(r *http.Request, route *Route, rec *capture.Record, body []byte, key string) reply {
	ep := route.Endpoint
	hs := ep.Provider.Handshake
	rec.Kind = kindHandshake
	rec.Event = &codec.Event{Provider: ep.Provider.Name, Kind: codec.KindHandshake, EventName: kindHandshake, Status: codec.StatusUnknown, Raw: body}

	// The platform may not send its secret with the check: only a request
	// that carries auth headers is held to them.
	if hasAny(r.Header, ep.AuthScheme().AuthHeaders()) && !ep.Unchecked() {
		rec.Verification = h.verify(r, ep, rec, body)
		if !rec.Verification.Valid && !h.opts.AcceptInvalid {
			return jsonReply(http.StatusUnauthorized, problem{Error: "invalid credentials", Reason: rec.Verification.Reason, Message: rec.Verification.Message, ID: rec.ID})
		}
	}
	if ep.ValidationKey != "" {
		if subtle.ConstantTimeCompare([]byte(key), []byte(ep.ValidationKey)) != 1 {
			msg := fmt.Sprintf("the handshake's validation key is not the one profile %q expects", ep.Name)
			rec.Verification = capture.Verification{Reason: ReasonValidationKey, Message: msg}
			return jsonReply(http.StatusBadRequest, problem{Error: "validation key mismatch", Reason: ReasonValidationKey, Message: msg, ID: rec.ID})
		}
		if rec.Verification.Reason == "" && !rec.Verification.Valid {
			rec.Verification = capture.Verification{Valid: true, Message: "handshake validation key matches"}
		}
	}
	if !rec.Verification.Valid && rec.Verification.Reason == "" {
		rec.Verification = capture.Verification{Reason: capture.ReasonNotChecked, Message: handshakeNotCheckedMsg}
	}
	if target := h.forwardTarget(ep); target != "" {
		return h.forward(r, target, rec, body)
	}
	return reply{
		status: http.StatusOK,
		header: http.Header{headerContentType: {contentTypeJSON}},
		body:   hs.Reply(key, hs.Challenge(body)),
	}
}

// finish waits out --delay, captures the record with the reply it is about
// to send, sends it, and reports the event.
func (h *Handler) finish(w http.ResponseWriter, r *http.Request, route *Route, rec *capture.Record, rep reply, start time.Time) {
	if h.opts.Delay > 0 {
		t := time.NewTimer(h.opts.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
		case <-h.stopping:
		}
		t.Stop()
	}
	if !bodyAllowed(rep.status) {
		rep.body = nil // HTTP sends no body with 1xx, 204 and 304
	}
	rec.Reply = capture.Reply{Status: rep.status, Headers: rep.header}
	rec.Reply.SetBody(rep.body)

	var captureErr error
	if h.opts.Capture != nil {
		// The record is on disk before the answer leaves, or the answer is 500.
		if captureErr = h.opts.Capture.Append(rec); captureErr != nil {
			rep = jsonReply(http.StatusInternalServerError, problem{Error: "capture failed", Message: "the request could not be stored: " + captureErr.Error()})
			rec.Reply = capture.Reply{Status: rep.status, Headers: rep.header}
			rec.Reply.SetBody(rep.body)
		}
	}

	out := w.Header()
	for name, values := range rep.header {
		out[name] = values
	}
	if bodyAllowed(rep.status) {
		// A known length lets net/http send the answer in one write, unchunked.
		out["Content-Length"] = []string{strconv.Itoa(len(rep.body))}
	}
	w.WriteHeader(rep.status)
	if len(rep.body) > 0 {
		w.Write(rep.body)
	}
	if h.opts.OnEvent != nil {
		if f, ok := w.(http.Flusher); ok {
			f.Flush() // the sender has its answer while the event is reported
		}
		h.opts.OnEvent(&Event{Record: rec, Route: route, Latency: h.opts.Now().Sub(start), CaptureErr: captureErr})
	}
}

func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// budget counts the request body bytes held by requests in flight.
type budget struct {
	limit int64
	used  atomic.Int64
}

// take reserves n bytes, or reports that they do not fit.
func (b *budget) take(n int64) bool {
	if b.used.Add(n) > b.limit {
		b.used.Add(-n)
		return false
	}
	return true
}

func (b *budget) give(n int64) {
	if n > 0 {
		b.used.Add(-n)
	}
}

// readBody reads at most MaxBody bytes, each reserved from the in-flight
// budget before it is read: held is what the caller gives back when done.
// truncated says there was more; busy says the budget ran out first.
func (h *Handler) readBody(r *http.Request) (body []byte, truncated, busy bool, held int64, err error) {
	limit := h.opts.MaxBody
	if r.ContentLength == 0 {
		return []byte{}, false, false, 0, nil
	}
	if r.ContentLength > 0 {
		// Known length: one reservation and one buffer, before reading a byte.
		size := min(r.ContentLength, limit)
		if !h.inflight.take(size) {
			return []byte{}, true, true, 0, nil
		}
		body = make([]byte, size)
		n, err := io.ReadFull(r.Body, body)
		return body[:n], r.ContentLength > limit, false, size, err
	}
	// Unknown length (chunked): reserve each step of the buffer's growth.
	body = []byte{}
	for {
		if len(body) == cap(body) {
			step := min(max(int64(cap(body)), 4096), limit+1-int64(cap(body)))
			if !h.inflight.take(step) {
				return body, true, true, held, nil
			}
			held += step
			grown := make([]byte, len(body), int64(cap(body))+step)
			copy(grown, body)
			body = grown
		}
		n, rerr := r.Body.Read(body[len(body):cap(body)])
		body = body[:len(body)+n]
		switch {
		case int64(len(body)) > limit:
			return body[:limit], true, false, held, nil
		case rerr == io.EOF:
			return body, false, false, held, nil
		case rerr != nil:
			return body, false, false, held, rerr
		}
	}
}

// fullURL is the URL as the sender wrote it: scheme, host, raw path and query.
func fullURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + requestURI(r)
}

func requestURI(r *http.Request) string {
	if strings.HasPrefix(r.RequestURI, "/") {
		return r.RequestURI // the bytes of the request line, escapes untouched
	}
	return r.URL.RequestURI()
}

func kindName(route *Route) string {
	if route.Kind == nil {
		return ""
	}
	return route.Kind.Name
}

// kindOf is the kind a route fixes, or the only one its provider has.
func kindOf(route *Route) string {
	if route.Kind != nil {
		return route.Kind.Name
	}
	if kinds := route.Endpoint.Provider.Kinds; len(kinds) == 1 {
		return kinds[0].Name
	}
	return ""
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func hasAny(h http.Header, names []string) bool {
	for _, n := range names {
		if len(h.Values(n)) > 0 {
			return true
		}
	}
	return false
}

// compile-time check: *capture.Writer stores records.
var _ Appender = (*capture.Writer)(nil)
