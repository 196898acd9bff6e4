// Package signing signs and verifies webhook requests. A scheme is described
// as data (Spec) so that built-in providers and providers written in a config
// file share one implementation. Comparisons are constant-time, and nothing
// here prints, logs or returns a secret.
package signing

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Request is the part of an HTTP request that schemes sign: the exact body
// bytes as received or loaded, never a re-serialized form.
type Request struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
	// Now is the clock for schemes that sign or check a timestamp; the zero
	// time means time.Now.
	Now time.Time
}

// now is the request's clock.
func (r *Request) now() time.Time {
	if r.Now.IsZero() {
		return time.Now()
	}
	return r.Now
}

// Credentials are what a scheme signs with or checks against. Secrets holds
// every accepted secret for rotation: Sign uses the first, Verify accepts any.
type Credentials struct {
	Secrets  []string
	Username string
	Password string
}

// String keeps credentials out of logs and errors printed with %v.
func (Credentials) String() string { return "[credentials redacted]" }

// GoString keeps credentials out of %#v too.
func (c Credentials) GoString() string { return c.String() }

// IsZero reports whether no secret and no username/password are set.
func (c Credentials) IsZero() bool {
	return len(c.Secrets) == 0 && c.Username == "" && c.Password == ""
}

// Scheme names accepted in a Spec.
const (
	SchemeHMAC   = "hmac"
	SchemeBasic  = "basic"
	SchemeBearer = "bearer"

	// Provider schemes beyond a plain HMAC of the body (one file each).
	SchemeTwilio           = "twilio"
	SchemeStandardWebhooks = "standard-webhooks"
	SchemeTelnyx           = "telnyx"
	SchemePlivo            = "plivo"
	SchemeVonage           = "vonage"
	SchemeSinch            = "sinch"
	SchemeMessageBird      = "messagebird"
)

// schemeNames lists the schemes New accepts, for error messages.
const schemeNames = "hmac, basic, bearer, twilio, standard-webhooks, telnyx, plivo, vonage, sinch or messagebird"

// DefaultTolerance is how far a signed timestamp may be from now, either
// way, when a Spec sets no Tolerance.
const DefaultTolerance = 5 * time.Minute

// Spec describes a scheme and its parameters, as providers and config files
// write it.
type Spec struct {
	Scheme string `json:"scheme" mapstructure:"scheme"`
	// Header carries the signature or credentials.
	Header string `json:"header,omitempty" mapstructure:"header"`
	// Algorithm for hmac: sha1, sha256 or sha512.
	Algorithm string `json:"algorithm,omitempty" mapstructure:"algorithm"`
	// Encoding Sign writes for hmac: hex or base64.
	Encoding string `json:"encoding,omitempty" mapstructure:"encoding"`
	// AcceptEncodings Verify reads for hmac; empty means Encoding only.
	AcceptEncodings []string `json:"accept_encodings,omitempty" mapstructure:"accept_encodings"`
	// Prefix stands before the encoded signature, e.g. "sha256=".
	Prefix string `json:"prefix,omitempty" mapstructure:"prefix"`
	// Template is the signed content for hmac, over {body}, {method} and
	// {url}; empty means the raw body alone.
	Template string `json:"template,omitempty" mapstructure:"template"`
	// Optional says the provider may send requests with no auth at all when
	// the user configured none (MOBtexting's secret is optional).
	Optional bool `json:"optional,omitempty" mapstructure:"optional"`

	// TimestampHeader carries the unix-seconds timestamp that {timestamp}
	// stands for (hmac), or the scheme's own timestamp header.
	TimestampHeader string `json:"timestamp_header,omitempty" mapstructure:"timestamp_header"`
	// IDHeader carries the message id that {id} stands for (hmac), or the
	// scheme's own id header (standard-webhooks).
	IDHeader string `json:"id_header,omitempty" mapstructure:"id_header"`
	// HeaderFormat is a composite signature header for hmac, a comma list of
	// key={placeholder} items over {signature} and {timestamp}, e.g.
	// "t={timestamp},v1={signature}" (Stripe's form); empty means the header
	// holds Prefix and the signature alone.
	HeaderFormat string `json:"header_format,omitempty" mapstructure:"header_format"`
	// Tolerance is how far a signed timestamp may be from now, either way:
	// zero means DefaultTolerance, a negative value turns the check off (to
	// verify old captures).
	Tolerance time.Duration `json:"tolerance,omitempty" mapstructure:"tolerance"`
}

// SignsURL reports whether the scheme signs the request URL, so that sign
// and verify need the URL the provider was given (--url, the profile's url,
// or listen's public URL).
func (s Spec) SignsURL() bool {
	switch strings.ToLower(s.Scheme) {
	case SchemeTwilio, SchemePlivo, SchemeMessageBird:
		return true
	case SchemeHMAC:
		return strings.Contains(s.Template, "{url}")
	}
	return false
}

// WithURLHint adds hint (how the command is given the URL the provider was
// given, e.g. "pass the URL the provider was given with --url") to a failed
// result that a wrong URL may explain: a scheme that signs the URL, and a
// mismatch or no URL. Verify's own messages name no flag, since each
// command takes the URL its own way.
func WithURLHint(spec Spec, r Result, hint string) Result {
	if r.Valid || hint == "" || !spec.SignsURL() {
		return r
	}
	switch r.Reason {
	case ReasonMismatch, ReasonURLMismatch, ReasonMissingURL:
		r.Message += ": " + hint
	}
	return r
}

// UsesTimestamp reports whether Verify checks a signed timestamp against
// the tolerance (so --tolerance means something for it).
func (s Spec) UsesTimestamp() bool {
	switch strings.ToLower(s.Scheme) {
	case SchemeStandardWebhooks, SchemeTelnyx, SchemeVonage, SchemeSinch, SchemeMessageBird:
		return true
	case SchemeHMAC:
		return strings.Contains(s.Template, "{timestamp}") || strings.Contains(s.HeaderFormat, "{timestamp}")
	}
	return false
}

// tolerance is the Spec's Tolerance with the default applied.
func (s Spec) tolerance() time.Duration {
	if s.Tolerance == 0 {
		return DefaultTolerance
	}
	return s.Tolerance
}

// Scheme signs and verifies requests.
type Scheme interface {
	// Spec returns the parameters the scheme was built from.
	Spec() Spec
	// Describe is one line for people, e.g. "HMAC-SHA256 of the body, base64, in X-Dexatel-Signature".
	Describe() string
	// AuthHeaders names the headers Sign sets, the signature's first. It
	// is empty for vonage, which signs in a body or query parameter.
	AuthHeaders() []string
	// Sign sets the auth headers on req. Schemes that sign inside the URL
	// or the body also change them: twilio adds bodySHA256 to the URL of a
	// JSON body, vonage adds timestamp and sig parameters to the body (or
	// the query of a GET). Send what Sign leaves in req.
	Sign(req *Request, c Credentials) error
	// Verify checks req's auth. It never returns a secret in its result.
	Verify(req *Request, c Credentials) Result
}

// New builds the scheme a Spec describes.
func New(spec Spec) (Scheme, error) {
	switch strings.ToLower(spec.Scheme) {
	case SchemeHMAC:
		return newHMAC(spec)
	case SchemeBasic:
		return newBasic(spec), nil
	case SchemeBearer:
		return newBearer(spec), nil
	case SchemeTwilio:
		return newTwilio(spec)
	case SchemeStandardWebhooks:
		return newStandardWebhooks(spec)
	case SchemeTelnyx:
		return newTelnyx(spec)
	case SchemePlivo:
		return newPlivo(spec)
	case SchemeVonage:
		return newVonage(spec)
	case SchemeSinch:
		return newSinch(spec)
	case SchemeMessageBird:
		return newMessageBird(spec)
	case "":
		return nil, errors.New("auth scheme is empty: use " + schemeNames)
	}
	return nil, fmt.Errorf("unknown auth scheme %q: use %s", spec.Scheme, schemeNames)
}

// ErrNoCredentials is returned by Sign when the credentials it needs are missing.
var ErrNoCredentials = errors.New("no credentials")

// Reason says why verification failed; the empty Reason means it passed.
type Reason string

const (
	ReasonNone             Reason = ""
	ReasonNoCredentials    Reason = "no_credentials"
	ReasonMissing          Reason = "missing_header"
	ReasonDuplicate        Reason = "duplicate_header"
	ReasonMalformed        Reason = "malformed"
	ReasonWrongEncoding    Reason = "wrong_encoding"
	ReasonMismatch         Reason = "mismatch"
	ReasonWrongCredentials Reason = "wrong_credentials"
	ReasonBodyAltered      Reason = "body_altered"
	// The signature matches, but its timestamp is outside the tolerance.
	ReasonTimestampTooOld   Reason = "timestamp_too_old"
	ReasonTimestampInFuture Reason = "timestamp_in_future"
	// The scheme signs a timestamp and the request carries none.
	ReasonMissingTimestamp Reason = "missing_timestamp"
	// The scheme signs the URL and the request has none to check.
	ReasonMissingURL Reason = "missing_url"
	// The signature is right but was made for another URL (messagebird's url_hash).
	ReasonURLMismatch Reason = "url_mismatch"
	// A configured credential cannot be used by the scheme (a whsec_ secret
	// that is not base64, a string that is not an Ed25519 key).
	ReasonBadCredentials Reason = "bad_credentials"
)

// Result is the outcome of Verify.
type Result struct {
	Valid  bool   `json:"valid"`
	Reason Reason `json:"reason,omitempty"`
	// Message is one lowercase line for people, free of secrets.
	Message string `json:"message"`
	// Header is the header that was checked.
	Header string `json:"header,omitempty"`
	// Encoding is the encoding the signature was found in (hmac).
	Encoding string `json:"encoding,omitempty"`
	// SecretIndex is which of the accepted secrets matched (rotation).
	SecretIndex int `json:"secret_index"`
}

func valid(header, msg string) Result {
	return Result{Valid: true, Header: header, Message: msg}
}

func invalid(header string, reason Reason, format string, args ...any) Result {
	return Result{Reason: reason, Header: header, Message: fmt.Sprintf(format, args...)}
}

// Err returns nil for a valid result and an error carrying the message otherwise.
func (r Result) Err() error {
	if r.Valid {
		return nil
	}
	return &VerifyError{Result: r}
}

// VerifyError is a failed verification as an error.
type VerifyError struct{ Result Result }

func (e *VerifyError) Error() string { return e.Result.Message }

// singleHeader returns the one value of header h, or a failed Result when it
// is absent or repeated: two signatures are ambiguous, so neither is trusted.
func singleHeader(req *Request, h string) (string, *Result) {
	values := req.Header.Values(h)
	switch len(values) {
	case 0:
		r := invalid(h, ReasonMissing, "no %s header: the request is not signed, or the header was dropped on the way", h)
		return "", &r
	case 1:
		return strings.TrimSpace(values[0]), nil
	}
	r := invalid(h, ReasonDuplicate, "%d %s headers: send exactly one", len(values), h)
	return "", &r
}
