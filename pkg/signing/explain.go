package signing

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Why a right signature fails to verify: see Diagnose.

// Causes a Diagnosis names.
const (
	// CauseForwardedURL: the signature matches the URL rebuilt from the
	// request's own forwarded headers (a proxy or tunnel ended TLS).
	CauseForwardedURL = "forwarded_url"
	// CauseURLVariant: the signature matches another form of the URL
	// (scheme, port, trailing slash, query, percent-encoding).
	CauseURLVariant = "url_variant"
	// CauseOtherSecret: the signature matches another known credential.
	CauseOtherSecret = "other_secret"
	// CauseWrongValidator: the signature matches once the body, key or
	// signature is read the way another validator reads it.
	CauseWrongValidator = "wrong_validator"
	// CauseClockSkew: the signature matches, its timestamp is minutes off.
	CauseClockSkew = "clock_skew"
	// CauseReplayed: the signature matches, its timestamp is hours old.
	CauseReplayed = "replayed"
	// CauseBodyTruncated: the body is shorter than its Content-Length.
	CauseBodyTruncated = "body_truncated"
	// CauseBodyPadded: the signature matches once bytes are removed.
	CauseBodyPadded = "body_padded"
	// CauseBodyAltered: the signature matches a re-serialized body (Explain).
	CauseBodyAltered = "body_altered"
)

// NamedCredentials is another credential smshook knows for a provider,
// named for people ("profile dexatel-prod's secret"). Only the name is ever
// shown.
type NamedCredentials struct {
	Name        string
	Credentials Credentials
}

// String keeps the credentials out of anything printed with %v.
func (n NamedCredentials) String() string { return n.Name }

// DiagnoseOptions say what else Diagnose may try and how the command takes
// a URL.
type DiagnoseOptions struct {
	// Self names the credentials verified with (a profile name), for "not
	// dexatel-dev's"; empty means the secret given.
	Self string
	// Others are the other credentials known for the provider.
	Others []NamedCredentials
	// URLFlag is how the command is given the URL the provider signed, e.g.
	// "--url" or "--public-url".
	URLFlag string
}

// Check is one thing Diagnose tried.
type Check struct {
	// Check is the family: body, validator, url, secret or time.
	Check string `json:"check"`
	// Tried says what was tried, for people.
	Tried string `json:"tried"`
	Match bool   `json:"match"`
}

// Diagnosis is what Diagnose found.
type Diagnosis struct {
	// Cause is one of the Cause constants, empty when no check matched.
	Cause string `json:"cause,omitempty"`
	// URL is the URL the signature matches, for the URL causes, and How
	// says how it differs from the one given ("from X-Forwarded-Proto and
	// X-Forwarded-Host", "with or without a trailing slash").
	URL string `json:"url,omitempty"`
	How string `json:"how,omitempty"`
	// Verified is the result of verifying under the matching variant: with
	// CauseForwardedURL and a valid Verified, the request is genuine for the
	// URL its proxy says it came to.
	Verified Result `json:"-"`
	// Checks are every check tried, in order, the last one the match.
	Checks []Check `json:"checks,omitempty"`
}

// Limits on the work one diagnosis does: each is a verify.
const (
	maxURLVariants  = 48
	maxOtherSecrets = 32
	// A large body (forged requests cost what genuine ones do) gets fewer
	// URL variants.
	largeBody               = 64 << 10
	maxURLVariantsLargeBody = 12
	maxTimeProbes           = 80
	clockVersusReply        = time.Hour
)

// diagnosable are the failures that a right signature under another
// reading can explain.
func diagnosable(r Result) bool {
	switch r.Reason {
	case ReasonMismatch, ReasonURLMismatch, ReasonWrongCredentials, ReasonBadCredentials, ReasonMalformed, ReasonWrongEncoding:
		return true
	}
	return false
}

// timeReason reports a failure whose signature matched but whose time did not.
func timeReason(r Reason) bool {
	return r == ReasonTimestampTooOld || r == ReasonTimestampInFuture
}

// matched reports whether a verify under a variant found the signature
// right: valid, or right but for its time.
func matched(r Result) bool { return r.Valid || timeReason(r.Reason) }

// Diagnose looks for why a genuine request fails to verify, r being the
// failed result of s.Verify(req, c): it tries the causes known to make a
// right signature look wrong (the body cut or padded, the wrong validator,
// another URL than the one the provider signed, another environment's
// secret, a clock that is off) and refines r to say which one matched. It
// names a cause only when a check matches: a forged request keeps its plain
// "does not match", and r comes back as it was. Each check is a verify
// through the Scheme interface, so it works whatever a scheme does inside,
// and costs as much: call it after a failure only. It never changes req.
func Diagnose(s Scheme, req *Request, c Credentials, r Result, opts DiagnoseOptions) (Result, Diagnosis) {
	var d Diagnosis
	if r.Valid {
		return r, d
	}
	if timeReason(r.Reason) {
		return diagnoseTime(s, req, c, r, &d), d
	}
	if !diagnosable(r) {
		return r, d
	}
	dg := &diagnoser{s: s, req: req, c: c, r: r, opts: opts, d: &d}
	steps := []func() (Result, bool){dg.bodyLength, dg.bodyPadding, dg.bodySerialized, dg.validator, dg.urls, dg.otherSecrets}
	if r.Reason == ReasonMalformed || r.Reason == ReasonWrongEncoding {
		// The signature does not read as one: only another reading of it can match.
		steps = []func() (Result, bool){dg.validator}
	}
	for _, step := range steps {
		if res, ok := step(); ok {
			return res, d
		}
	}
	return r, d
}

type diagnoser struct {
	s    Scheme
	req  *Request
	c    Credentials
	r    Result
	opts DiagnoseOptions
	d    *Diagnosis
	// forwarded are the URLs rebuilt from the request's forwarded headers.
	forwarded []urlVariant
}

// try verifies req under a variant and records the check.
func (dg *diagnoser) try(family, tried string, req *Request, c Credentials) (Result, bool) {
	res := dg.s.Verify(req, c)
	ok := matched(res)
	dg.d.Checks = append(dg.d.Checks, Check{Check: family, Tried: tried, Match: ok})
	if ok {
		dg.d.Verified = res
	}
	return res, ok
}

// found is the refined result for a cause; a match whose time is off says
// that too.
func (dg *diagnoser) found(cause, msg string) (Result, bool) {
	dg.d.Cause = cause
	r := dg.r
	if cause == CauseBodyAltered {
		r.Reason = ReasonBodyAltered
	}
	if v := dg.d.Verified; !v.Valid && timeReason(v.Reason) {
		msg += "; and then: " + v.Message
	}
	r.Message = msg
	return r, true
}

func (dg *diagnoser) header() string {
	if dg.r.Header != "" {
		return dg.r.Header
	}
	return "the signature"
}

// bodyLength compares the body with its Content-Length: a shorter body was
// cut on the way, and a longer one may match once cut back.
func (dg *diagnoser) bodyLength() (Result, bool) {
	cl := dg.req.Header.Get("Content-Length")
	if cl == "" {
		return Result{}, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(cl))
	if err != nil || n < 0 || n == len(dg.req.Body) {
		return Result{}, false
	}
	if n > len(dg.req.Body) {
		dg.d.Checks = append(dg.d.Checks, Check{Check: "body", Tried: fmt.Sprintf("body length against Content-Length %d", n), Match: true})
		dg.d.Cause = CauseBodyTruncated
		r := dg.r
		r.Message = fmt.Sprintf("%s does not match, and the body is %d bytes where its Content-Length says %d: "+
			"it was cut on the way (a copy, a proxy or a size limit); verify the whole body as received", dg.header(), len(dg.req.Body), n)
		return r, true
	}
	try := *dg.req
	try.Body = dg.req.Body[:n]
	if _, ok := dg.try("body", fmt.Sprintf("the first %d bytes (its Content-Length)", n), &try, dg.c); ok {
		return dg.found(CauseBodyPadded, fmt.Sprintf("%s matches the first %d bytes of the body (its Content-Length), not the %d given: "+
			"%d bytes were added after it; verify the body as received, without them", dg.header(), n, len(dg.req.Body), len(dg.req.Body)-n))
	}
	return Result{}, false
}

// bodySerialized runs Explain, the re-serialization diagnosis.
func (dg *diagnoser) bodySerialized() (Result, bool) {
	if len(dg.req.Body) == 0 || dg.r.Reason != ReasonMismatch {
		return Result{}, false
	}
	res := Explain(dg.s, dg.req, dg.c, dg.r)
	ok := res.Reason == ReasonBodyAltered
	dg.d.Checks = append(dg.d.Checks, Check{Check: "body", Tried: "re-serialized and re-terminated forms of the body (JSON whitespace, key order, line endings)", Match: ok})
	if ok {
		dg.d.Cause = CauseBodyAltered
		return res, true
	}
	return Result{}, false
}

var utf8BOM = []byte("\xef\xbb\xbf")

// bodyPadding tries the body without bytes that tools add: trailing NULs
// (a fixed-size buffer), a byte order mark (an editor).
func (dg *diagnoser) bodyPadding() (Result, bool) {
	b := dg.req.Body
	if len(b) == 0 {
		return Result{}, false
	}
	variants := []struct {
		what string
		body []byte
	}{
		{"with its trailing NUL bytes removed", bytes.TrimRight(b, "\x00")},
		{"with its leading byte order mark (BOM) removed", bytes.TrimPrefix(b, utf8BOM)},
		{"with its trailing byte order mark (BOM) removed", bytes.TrimSuffix(b, utf8BOM)},
		{"with its trailing NUL bytes and newlines removed", bytes.TrimRight(b, "\x00\r\n")},
	}
	if !bytes.Contains(b, []byte{0}) {
		variants = variants[:3] // a newline alone is Explain's to find
	}
	seen := map[int]bool{len(b): true}
	for _, v := range variants {
		if seen[len(v.body)] {
			continue
		}
		seen[len(v.body)] = true
		try := *dg.req
		try.Body = v.body
		if _, ok := dg.try("body", "the body "+v.what, &try, dg.c); ok {
			return dg.found(CauseBodyPadded, fmt.Sprintf("%s matches the body %s, not the bytes given: "+
				"something padded the body after signing; verify the raw bytes as received", dg.header(), v.what))
		}
	}
	return Result{}, false
}

// validator tries the readings another validator makes: Twilio's JSON
// bodies against form bodies, Standard Webhooks keys used as text, HMAC
// signatures and secrets in another encoding.
func (dg *diagnoser) validator() (Result, bool) {
	switch strings.ToLower(dg.s.Spec().Scheme) {
	case SchemeTwilio:
		return dg.twilioValidator()
	case SchemeStandardWebhooks:
		return dg.standardWebhooksValidator()
	case SchemeHMAC:
		return dg.hmacValidator()
	}
	return Result{}, false
}

func (dg *diagnoser) twilioValidator() (Result, bool) {
	req := dg.req
	if strings.EqualFold(req.Method, "GET") || req.URL == "" {
		return Result{}, false
	}
	h := dg.header()
	body := bytes.TrimSpace(req.Body)
	looksJSON := len(body) > 0 && (body[0] == '{' || body[0] == '[')
	if looksJSON && queryValue(rawQueryOf(req.URL), "bodySHA256") == "" {
		if u, err := withBodySHA256(req.URL, req.Body); err == nil {
			try := *req
			try.URL = u
			try.Header = withContentType(req.Header, "application/json")
			if _, ok := dg.try("validator", "the JSON body's URL with bodySHA256 added, as Twilio signs JSON bodies", &try, dg.c); ok {
				dg.d.URL = u
				return dg.found(CauseWrongValidator, fmt.Sprintf("%s matches %s: the body is JSON, and Twilio signs a JSON body's URL with "+
					"bodySHA256 (the SHA-256 of the body) added and no form parameters; the URL checked lacks it, as a form validator reads it: "+
					"verify against the full URL the request came to, query included", h, u))
			}
		}
	}
	// The Content-Type decides whether the body's parameters are signed:
	// try the other reading.
	asJSON := isJSONBody(req)
	other := "application/json"
	tried := "the body as JSON (the URL alone signed)"
	if asJSON {
		other, tried = "application/x-www-form-urlencoded", "the body as form parameters (signed after the URL)"
	}
	try := *req
	try.Header = withContentType(req.Header, other)
	if _, ok := dg.try("validator", tried, &try, dg.c); ok {
		if asJSON {
			return dg.found(CauseWrongValidator, fmt.Sprintf("%s matches the body read as form parameters, but it was checked as JSON "+
				"(Content-Type %q): Twilio signs a form body's parameters after the URL; check it as a form", h, req.Header.Get("Content-Type")))
		}
		return dg.found(CauseWrongValidator, fmt.Sprintf("%s matches the URL alone, as Twilio signs JSON bodies, but the body was checked as form parameters: "+
			"check a JSON body with its bodySHA256, not as a form", h))
	}
	return Result{}, false
}

func withContentType(h http.Header, ct string) http.Header {
	out := h.Clone()
	if out == nil {
		out = http.Header{}
	}
	out.Set("Content-Type", ct)
	return out
}

func rawQueryOf(rawURL string) string {
	_, q, _ := strings.Cut(rawURL, "?")
	q, _, _ = strings.Cut(q, "#")
	return q
}

// standardWebhooksValidator tries the whsec_ secret's text as the key: a
// signer that skips the base64 decoding makes that signature.
func (dg *diagnoser) standardWebhooksValidator() (Result, bool) {
	for _, secret := range dg.c.Secrets {
		secret = strings.TrimSpace(secret)
		for _, text := range uniqueStrings(secret, strings.TrimPrefix(secret, whsecPrefix)) {
			asKey := Credentials{Secrets: []string{whsecPrefix + base64.StdEncoding.EncodeToString([]byte(text))}}
			what := "the secret's text as the key, whsec_ prefix included"
			if text != secret {
				what = "the secret's text after whsec_ as the key, not decoded"
			}
			if _, ok := dg.try("validator", what, dg.req, asKey); ok {
				return dg.found(CauseWrongValidator, fmt.Sprintf("%s matches an HMAC keyed with %s, not with its base64-decoded bytes: "+
					"the signer used the raw secret; Standard Webhooks keys are the base64 bytes after whsec_, and every validator decodes them",
					dg.header(), strings.TrimPrefix(what, "the ")))
			}
		}
	}
	return Result{}, false
}

// hmacValidator tries the signature and the secret in other encodings.
func (dg *diagnoser) hmacValidator() (Result, bool) {
	spec := dg.s.Spec()
	h := dg.header()
	if spec.HeaderFormat == "" && spec.Header != "" {
		value := strings.TrimSpace(dg.req.Header.Get(spec.Header))
		if len(value) >= len(spec.Prefix) && strings.EqualFold(value[:len(spec.Prefix)], spec.Prefix) {
			value = value[len(spec.Prefix):]
		}
		for _, reading := range signatureReadings(value) {
			for _, enc := range acceptedEncodings(spec) {
				try := *dg.req
				try.Header = dg.req.Header.Clone()
				try.Header.Set(spec.Header, spec.Prefix+encode(enc, reading.digest))
				if _, ok := dg.try("validator", "the signature read as "+reading.what, &try, dg.c); ok {
					return dg.found(CauseWrongValidator, fmt.Sprintf("%s is the right digest written as %s: the sender encodes it another way than %s; "+
						"decode it as the sender wrote it, or make the sender write %s", h, reading.what, strings.Join(acceptedEncodings(spec), " or "), spec.Encoding))
				}
			}
		}
	}
	for _, secret := range dg.c.Secrets {
		for _, key := range secretReadings(secret) {
			if _, ok := dg.try("validator", "the secret "+key.what+" as the key", dg.req, Credentials{Secrets: []string{key.key}}); ok {
				return dg.found(CauseWrongValidator, fmt.Sprintf("%s matches an HMAC keyed with the secret %s, not with its text: "+
					"the sender decodes the secret before signing; do the same in your validator", h, key.what))
			}
		}
	}
	return Result{}, false
}

func acceptedEncodings(spec Spec) []string {
	if len(spec.AcceptEncodings) > 0 {
		return spec.AcceptEncodings
	}
	return []string{spec.Encoding}
}

type signatureReading struct {
	what   string
	digest []byte
}

// signatureReadings are the digests a signature value may hold when its
// writer encoded it another way: URL-safe base64, the base64 of the hex
// text, the hex of the base64 text.
func signatureReadings(value string) []signatureReading {
	var out []signatureReading
	add := func(what string, b []byte, err error) {
		if err == nil && len(b) > 0 && len(b) <= 64 {
			out = append(out, signatureReading{what, b})
		}
	}
	if strings.ContainsAny(value, "-_") {
		b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(value, "="))
		add("URL-safe base64", b, err)
	}
	if text, err := base64.StdEncoding.DecodeString(value); err == nil {
		if b, err := hex.DecodeString(string(text)); err == nil {
			add("the base64 of the hex digest's text", b, nil)
		}
	}
	if text, err := hex.DecodeString(value); err == nil {
		if b, err := base64.StdEncoding.DecodeString(string(text)); err == nil {
			add("the hex of the base64 digest's text", b, nil)
		}
	}
	return out
}

type secretReading struct{ what, key string }

// secretReadings are the keys a secret written as hex or base64 stands
// for, when its sender decodes it first.
func secretReadings(secret string) []secretReading {
	var out []secretReading
	s := strings.TrimSpace(secret)
	if b, err := hex.DecodeString(s); err == nil && len(b) > 0 {
		out = append(out, secretReading{"hex-decoded", string(b)})
	}
	if b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, whsecPrefix)); err == nil && len(b) > 0 && len(s)%4 == 0 {
		out = append(out, secretReading{"base64-decoded", string(b)})
	}
	return out
}

// otherSecrets tries every other known credential, at the URL given and at
// the URL the forwarded headers say.
func (dg *diagnoser) otherSecrets() (Result, bool) {
	urls := []urlVariant{{url: dg.req.URL}}
	if dg.s.Spec().SignsURL() {
		urls = append(urls, dg.forwarded...)
	}
	n := 0
	for _, other := range dg.opts.Others {
		if sameCredentials(other.Credentials, dg.c) {
			continue
		}
		for _, u := range urls {
			if n++; n > maxOtherSecrets {
				return Result{}, false
			}
			try := *dg.req
			try.URL = u.url
			tried := other.Name
			if u.what != "" {
				tried += " at " + u.url + " (" + u.what + ")"
			}
			if _, ok := dg.try("secret", tried, &try, other.Credentials); ok {
				self := "the secret given"
				if dg.opts.Self != "" {
					self = dg.opts.Self + "'s"
				}
				msg := fmt.Sprintf("%s matches %s, not %s: the request was signed for another environment; "+
					"verify it with that profile, or give the provider (or sender) the secret of this one", dg.header(), other.Name, self)
				if u.what != "" {
					dg.d.URL, dg.d.How = u.url, u.what
					msg += fmt.Sprintf(", and it signed %s (%s), not %s", u.url, u.what, dg.req.URL)
				}
				return dg.found(CauseOtherSecret, msg)
			}
		}
	}
	return Result{}, false
}

// sameCredentials reports whether other holds nothing that c does not
// (it would have matched already); compared in constant time.
func sameCredentials(other, c Credentials) bool {
	if len(other.Secrets) == 0 {
		return eq(other.Username, c.Username) && eq(other.Password, c.Password)
	}
	for _, o := range other.Secrets {
		found := false
		for _, s := range c.Secrets {
			if eq(o, s) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func eq(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

func uniqueStrings(list ...string) []string {
	var out []string
	for _, s := range list {
		if s != "" && !containsString(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// diagnoseTime measures how far a matching signature's time is off by
// moving the request's clock until it verifies, and says whether that looks
// like a clock problem or a replay.
func diagnoseTime(s Scheme, req *Request, c Credentials, r Result, d *Diagnosis) Result {
	spec := s.Spec()
	spec.Tolerance = time.Second
	probe, err := New(spec)
	if err != nil {
		return r
	}
	now := req.now()
	past := r.Reason == ReasonTimestampTooOld
	// at reports whether, with the clock moved back (past) or forward by
	// off, the failure is still the same.
	probes := 0
	at := func(off time.Duration) bool {
		probes++
		try := *req
		if past {
			try.Now = now.Add(-off)
		} else {
			try.Now = now.Add(off)
		}
		return probe.Verify(&try, c).Reason == r.Reason
	}
	lo, hi := time.Duration(0), time.Second
	for at(hi) {
		if probes > maxTimeProbes/2 || hi > 200*365*24*time.Hour {
			return r
		}
		lo, hi = hi, hi*2
	}
	for hi-lo > time.Second && probes < maxTimeProbes {
		mid := lo + (hi-lo)/2
		if at(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	off := (hi + time.Second).Round(time.Second) // the probe's own second of tolerance
	d.Checks = append(d.Checks, Check{Check: "time", Tried: "the signature with the clock moved until its timestamp fits", Match: true})
	switch {
	case !past:
		d.Cause = CauseClockSkew
		r.Message += fmt.Sprintf(" (its timestamp is %s ahead of this clock: the sender's clock, or this machine's, is off%s)", off, timeZoneHint(off))
	case off < clockVersusReply:
		d.Cause = CauseClockSkew
		r.Message += fmt.Sprintf(" (its timestamp is %s behind this clock: minutes look like a clock problem; sync the sender's clock and this machine's with NTP)", off)
	default:
		d.Cause = CauseReplayed
		r.Message += fmt.Sprintf(" (it was signed %s ago: hours look like a replayed or re-sent request, not a clock problem%s)", off, timeZoneHint(off))
	}
	return r
}

// timeZoneHint notes an offset within two minutes of whole hours: a local
// time written as UTC.
func timeZoneHint(off time.Duration) string {
	if off < 50*time.Minute {
		return ""
	}
	rem := off % time.Hour
	if rem <= 2*time.Minute || rem >= 58*time.Minute {
		return "; a whole number of hours may also be a time zone mistake in the sender's timestamp"
	}
	return ""
}
