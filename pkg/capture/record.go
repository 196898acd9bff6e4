// Package capture is the capture file of `smshook listen`: one JSON object
// per line (JSON Lines), append-only. A Writer appends records durably with
// a group commit, a Reader streams them back in constant memory and reports
// torn or invalid lines, and a Filter selects records for replay.
//
// A record keeps the request exactly as received: method, full URL, headers
// and the body byte for byte (as a JSON string when it is valid UTF-8 and
// escaping does not make it longer than base64, otherwise as base64), so
// that it can be verified and replayed unchanged.
package capture

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/smshook/smshook/pkg/codec"
)

// Record is one captured request and what the listener did with it. It is
// one line of the capture file.
type Record struct {
	// ID is unique per record and sorts by receive time.
	ID string `json:"id"`
	// ReceivedAt is when the request arrived (RFC 3339 with nanoseconds, UTC).
	ReceivedAt time.Time `json:"received_at"`
	// Profile is the profile the request was routed to; for built-in
	// routes it is the provider's name.
	Profile  string `json:"profile"`
	Provider string `json:"provider"`
	// Kind is the provider's name for the event kind (delivery, dlr,
	// receive…), "handshake" for a validation handshake, or empty when
	// unknown.
	Kind   string `json:"kind"`
	Method string `json:"method"`
	// URL is the full URL as received: scheme, host, path and query.
	URL string `json:"url"`
	// PublicURL is the URL the provider was given (listen --public-url),
	// with the request's path and query, when it differs from URL.
	PublicURL string `json:"public_url,omitempty"`
	// RemoteAddr is the sender's address.
	RemoteAddr string `json:"remote_addr,omitempty"`
	// Headers are the request headers as received (names canonicalized by
	// HTTP). The host is in URL.
	Headers http.Header `json:"headers"`
	// BodyText holds the body when it is valid UTF-8 and no longer as a
	// JSON string than as base64 (an empty body is ""); BodyBase64 holds it
	// otherwise. Exactly one is set: use SetBody and Body.
	BodyText   *string `json:"body,omitempty"`
	BodyBase64 string  `json:"body_base64,omitempty"`
	// Truncated says the body was larger than the listener's limit and only
	// its first bytes were kept.
	Truncated bool `json:"truncated,omitempty"`

	Verification Verification `json:"verification"`
	// Event is the body decoded to the normalized event; nil when the
	// request was not routed to a provider.
	Event *codec.Event `json:"event,omitempty"`
	// DecodeError says why the body did not decode, when it did not.
	DecodeError string `json:"decode_error,omitempty"`

	// Reply is what the listener answered.
	Reply Reply `json:"reply"`
	// Forward is set when the request was forwarded to an app.
	Forward *Forward `json:"forward,omitempty"`
}

// ReasonNotChecked marks a request of a provider whose auth is optional
// when no credentials were configured: it was accepted without a check.
const ReasonNotChecked = "not_checked"

// ReasonNoRoute marks a request whose path matched no route of the
// listener (a browser's /favicon.ico, a stray curl): it is recorded, but it
// is not an event of any provider.
const ReasonNoRoute = "no_route"

// Unrouted reports whether the request matched no route of the listener.
func (r *Record) Unrouted() bool {
	return r.Verification.Reason == ReasonNoRoute
}

// Verification is the outcome of checking the request's signature or
// credentials. Valid is true only when a check ran and passed.
type Verification struct {
	Valid bool `json:"valid"`
	// Reason is empty when valid; signing's reasons (mismatch,
	// missing_header, …), not_checked, or the listener's own (no_route,
	// method_not_allowed, body_too_large, busy, validation_key_mismatch).
	Reason string `json:"reason,omitempty"`
	// Message is one line for people; it never holds a secret.
	Message string `json:"message"`
	// Diagnosis is what was found about a failed signature, or how an
	// accepted one matched; nil when there is nothing to say (a pointer, so
	// that every other record stays as small as it was).
	Diagnosis *Diagnosis `json:"diagnosis,omitempty"`
}

// Diagnosis is what the diagnosis of a failed signature found.
type Diagnosis struct {
	// Cause is signing's cause (forwarded_url, url_variant, other_secret,
	// …); on a valid record, forwarded_url says the signature matched only
	// the URL rebuilt from the request's own forwarded headers.
	Cause string `json:"cause,omitempty"`
	// URL is the URL the signature matched, for the URL causes.
	URL string `json:"url,omitempty"`
	// Checks are what the diagnosis tried, in order.
	Checks []VerificationCheck `json:"checks,omitempty"`
}

// Cause is the diagnosis's cause, "" when there is none.
func (v Verification) Cause() string {
	if v.Diagnosis == nil {
		return ""
	}
	return v.Diagnosis.Cause
}

// VerificationCheck is one check a failed signature's diagnosis tried.
type VerificationCheck struct {
	Check string `json:"check"`
	Tried string `json:"tried"`
	Match bool   `json:"match"`
}

// Verdict is a verification outcome in one word.
type Verdict string

const (
	VerdictVerified  Verdict = "verified"  // checked and valid
	VerdictInvalid   Verdict = "invalid"   // checked and not valid, or refused before a check
	VerdictUnchecked Verdict = "unchecked" // accepted with nothing to check (optional auth, no credentials)
)

// Verdict classifies the verification.
func (v Verification) Verdict() Verdict {
	switch {
	case v.Valid:
		return VerdictVerified
	case v.Reason == ReasonNotChecked:
		return VerdictUnchecked
	}
	return VerdictInvalid
}

// Reply is the answer the listener sent.
type Reply struct {
	Status  int         `json:"status"`
	Headers http.Header `json:"headers,omitempty"`
	// BodyText / BodyBase64 follow the same rule as the record's body, but
	// both are absent for an empty reply body.
	BodyText   *string `json:"body,omitempty"`
	BodyBase64 string  `json:"body_base64,omitempty"`
}

// Forward is the listener's call to the developer's app.
type Forward struct {
	URL string `json:"url"`
	// Status is the app's reply status; 0 when it could not be reached.
	Status int `json:"status"`
	// Error says why the app could not be reached or answered badly.
	Error      string  `json:"error,omitempty"`
	DurationMS float64 `json:"duration_ms"`
}

// SetBody stores b: as text when it is valid UTF-8 and its JSON string is
// no longer than base64 would be, else as base64.
func (r *Record) SetBody(b []byte) {
	r.BodyText, r.BodyBase64 = encodeBody(b)
}

// Body returns the exact bytes received. It returns nil when the record has
// no body field or its base64 is broken (a Reader never returns such a
// record: see Validate).
func (r *Record) Body() []byte {
	b, _ := decodeBody(r.BodyText, r.BodyBase64)
	return b
}

// BodyLen is the body's length in bytes without copying it.
func (r *Record) BodyLen() int {
	if r.BodyText != nil {
		return len(*r.BodyText)
	}
	return base64.StdEncoding.DecodedLen(len(r.BodyBase64)) - strings.Count(r.BodyBase64, "=")
}

// SetBody stores a reply body; an empty body stores nothing.
func (r *Reply) SetBody(b []byte) {
	if len(b) == 0 {
		r.BodyText, r.BodyBase64 = nil, ""
		return
	}
	r.BodyText, r.BodyBase64 = encodeBody(b)
}

// Body returns the reply body's bytes (nil when empty).
func (r *Reply) Body() []byte {
	if r.BodyText == nil && r.BodyBase64 == "" {
		return nil
	}
	b, _ := decodeBody(r.BodyText, r.BodyBase64)
	return b
}

// encodeBody picks the shorter field for b. JSON escaping costs up to six
// bytes per byte (a control byte is \u0001), base64 a third more: a body of
// control bytes would take 6× its size on disk and in memory as text.
// Either field reads back to the same bytes.
func encodeBody(b []byte) (*string, string) {
	if utf8.Valid(b) && quotedLen(b) <= base64.StdEncoding.EncodedLen(len(b))+len(`_base64`) {
		s := string(b)
		return &s, ""
	}
	return nil, base64.StdEncoding.EncodeToString(b)
}

func decodeBody(text *string, b64 string) ([]byte, error) {
	if text != nil {
		return []byte(*text), nil
	}
	return base64.StdEncoding.DecodeString(b64)
}

// Validate checks what a reader of the file relies on: an id of the shape
// ids have, a request HTTP can carry, exactly one body field, and base64
// that decodes.
func (r *Record) Validate() error {
	if err := checkID(r.ID); err != nil {
		return err
	}
	if err := r.checkRequest(); err != nil {
		return err
	}
	switch {
	case r.BodyText != nil && r.BodyBase64 != "":
		return errors.New("record has both body and body_base64")
	case r.BodyText == nil && r.BodyBase64 == "":
		return errors.New("record has neither body nor body_base64")
	case r.BodyText == nil:
		if _, err := base64.StdEncoding.DecodeString(r.BodyBase64); err != nil {
			return errors.New("record's body_base64 is not valid base64")
		}
	}
	if r.Reply.BodyText != nil && r.Reply.BodyBase64 != "" {
		return errors.New("record's reply has both body and body_base64")
	}
	return nil
}
