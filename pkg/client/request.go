// Package client sends webhook requests the way a provider does, for
// `smshook send` and `smshook replay`. It keeps three things apart:
//
//   - building a request: a Builder renders a body Template (fresh ids and
//     timestamps per request), adds headers and signs it with a provider's
//     scheme; replay builds Requests from capture records instead, as
//     captured or re-signed with Sign;
//   - sending a stream of prepared requests: a Runner pulls them from an
//     iterator and sends them with concurrency, a rate limit, retries with
//     exponential backoff, and checks each reply against an Expect;
//   - reporting: a Summary (text or JSON) and a JUnit XML report.
//
// Nothing here prints or exits: callers get results through a callback and
// the summary.
package client

import (
	"bytes"
	"iter"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/redact"
	"github.com/smshook/smshook/pkg/signing"
)

// Request is one prepared HTTP request, sent exactly as it is: method, URL,
// headers and body bytes.
type Request struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
	// Name labels the request in reports (a message id, a capture record
	// id); empty is fine.
	Name string
}

// Sign signs r in place: it removes the auth headers the scheme sets (a
// captured request's old signature) and signs the body bytes as they are.
// Schemes that sign with parameters (Twilio's bodySHA256, Vonage's sig) may
// add them to the URL or a form body: r takes what the scheme signed.
func Sign(r *Request, scheme signing.Scheme, c signing.Credentials) error {
	for _, h := range scheme.AuthHeaders() {
		r.Header.Del(h)
	}
	return signInto(r, scheme, c, time.Time{})
}

// SignAt signs r as Sign does, with the clock at now: how a check sends a
// stale or a fresh timestamp to schemes that sign one.
func SignAt(r *Request, scheme signing.Scheme, c signing.Credentials, now time.Time) error {
	for _, h := range scheme.AuthHeaders() {
		r.Header.Del(h)
	}
	return signInto(r, scheme, c, now)
}

// signInto signs r with the clock now (zero: the time of signing) and
// keeps the scheme's changes to the method, URL and body.
func signInto(r *Request, scheme signing.Scheme, c signing.Credentials, now time.Time) error {
	sr := signing.Request{Method: r.Method, URL: r.URL, Header: r.Header, Body: r.Body, Now: now}
	if err := scheme.Sign(&sr, c); err != nil {
		return err
	}
	r.Method, r.URL, r.Body = sr.Method, sr.URL, sr.Body
	return nil
}

// Builder makes the requests of a `send` run: each one a fresh rendering
// of the body template, with the run's headers, signed. Set its fields,
// then build; it is not safe for concurrent use (the Runner pulls one
// request at a time).
type Builder struct {
	Method string
	URL    string
	// Header is sent with every request (Content-Type and --header values).
	// When it already holds one of the scheme's auth headers, that value is
	// sent as given and the request is not signed: a deliberately wrong
	// signature is how one tests that a handler rejects it.
	Header http.Header
	Body   *Template
	// Scheme signs each request with Credentials; nil sends it unsigned.
	Scheme      signing.Scheme
	Credentials signing.Credentials
	// Now is the clock for {{now}} and {{unix}}; nil means time.Now.
	Now func() time.Time
	// Name, when set, names each request in reports from its body (its
	// message id: see MessageID).
	Name func(body []byte) string
	// InQuery sends each rendered form body as the URL's query instead, with
	// no body and no Content-Type: a callback a provider sends as GET.
	InQuery bool

	rand *rand.Rand
	// sign is decided once, at the first Build: a scheme is set and the
	// user gave none of its headers.
	sign, decided bool
}

// Build renders request number seq (1-based).
func (b *Builder) Build(seq int) (*Request, error) {
	if !b.decided {
		b.rand = NewRand()
		b.sign = b.Scheme != nil && !b.userSignature()
		b.decided = true
	}
	now := time.Now()
	if b.Now != nil {
		now = b.Now()
	}
	body := b.Body.Render(&Fresh{Seq: seq, Now: now, Rand: b.rand})

	// One map per request: signing adds to it, and the transport reads it
	// while the next request is built. The value slices are shared, never
	// appended to.
	header := make(http.Header, len(b.Header)+1)
	for k, v := range b.Header {
		header[k] = v
	}
	r := &Request{Method: b.Method, URL: b.URL, Header: header, Body: body}
	if b.Name != nil {
		r.Name = b.Name(body)
	}
	if b.InQuery {
		r.URL, r.Body = WithQuery(r.URL, body), nil
		delete(r.Header, "Content-Type")
	}
	if b.sign {
		// The body's {{now}} and a timestamped signature share one clock.
		if err := signInto(r, b.Scheme, b.Credentials, now); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// WithQuery returns rawURL with the form params appended to its query,
// bytes as given (a trailing newline dropped).
func WithQuery(rawURL string, params []byte) string {
	params = bytes.TrimRight(params, "\r\n")
	if len(params) == 0 {
		return rawURL
	}
	base, fragment, hasFragment := strings.Cut(rawURL, "#")
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
		if strings.HasSuffix(base, "?") || strings.HasSuffix(base, "&") {
			sep = ""
		}
	}
	u := base + sep + string(params)
	if hasFragment {
		u += "#" + fragment
	}
	return u
}

func (b *Builder) userSignature() bool {
	for _, h := range b.Scheme.AuthHeaders() {
		if len(b.Header.Values(h)) > 0 {
			return true
		}
	}
	return false
}

// MessageID reads a body's message id the way the kind's schema does, JSON
// or form; "" when it has none.
func MessageID(k *provider.Kind) func(body []byte) string {
	return func(body []byte) string {
		ev, _ := k.Schema.Decode(body)
		return ev.MessageID
	}
}

// Requests yields count fresh requests, numbered from 1, stopping at the
// first error.
func (b *Builder) Requests(count int) iter.Seq2[*Request, error] {
	return func(yield func(*Request, error) bool) {
		for seq := 1; seq <= count; seq++ {
			r, err := b.Build(seq)
			if !yield(r, err) || err != nil {
				return
			}
		}
	}
}

// label is how a request is named in reports and messages.
func label(seq int, r *Request) string {
	s := "#" + strconv.Itoa(seq) + " " + r.Method + " " + redact.URL(r.URL)
	if r.Name != "" {
		s += " (" + r.Name + ")"
	}
	return s
}
