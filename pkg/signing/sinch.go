package signing

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"hash"
	"strings"
)

// sinchScheme is Sinch's callback signature: x-sinch-webhook-signature is
// the base64 HMAC of "body.nonce.timestamp" keyed with the webhook secret,
// with the nonce, the unix-seconds timestamp and the algorithm (HmacSHA256,
// or HmacSHA512) in x-sinch-webhook-signature-nonce, -timestamp and
// -algorithm. Verify follows the algorithm header when there is one, and
// the Spec's algorithm (sha256 by default) otherwise.
type sinchScheme struct {
	spec                             Spec
	nonceHeader, tsHeader, algHeader string
}

func newSinch(spec Spec) (*sinchScheme, error) {
	if spec.Header == "" {
		spec.Header = "x-sinch-webhook-signature"
	}
	switch strings.ToLower(spec.Algorithm) {
	case "", "sha256", "hmacsha256":
		spec.Algorithm = "sha256"
	case "sha512", "hmacsha512":
		spec.Algorithm = "sha512"
	default:
		return nil, fmt.Errorf("unknown sinch algorithm %q: use sha256 or sha512", spec.Algorithm)
	}
	spec.Encoding = EncodingBase64
	s := &sinchScheme{spec: spec, nonceHeader: spec.IDHeader, tsHeader: spec.TimestampHeader,
		algHeader: spec.Header + "-algorithm"}
	if s.nonceHeader == "" {
		s.nonceHeader = spec.Header + "-nonce"
	}
	if s.tsHeader == "" {
		s.tsHeader = spec.Header + "-timestamp"
	}
	return s, nil
}

func (s *sinchScheme) Spec() Spec { return s.spec }
func (s *sinchScheme) AuthHeaders() []string {
	return []string{s.spec.Header, s.nonceHeader, s.tsHeader, s.algHeader}
}
func (s *sinchScheme) Describe() string {
	return fmt.Sprintf("HMAC-%s of \"{body}.{nonce}.{timestamp}\", base64, in %s (nonce in %s, timestamp in %s)",
		strings.ToUpper(s.spec.Algorithm), s.spec.Header, s.nonceHeader, s.tsHeader)
}

// sinchHash maps the algorithm header's values to hashes.
func sinchHash(name string) (func() hash.Hash, bool) {
	switch strings.ToLower(name) {
	case "hmacsha256", "sha256":
		return sha256.New, true
	case "hmacsha512", "sha512":
		return sha512.New, true
	}
	return nil, false
}

func sinchMAC(newHash func() hash.Hash, secret string, body []byte, nonce, timestamp string) []byte {
	m := hmac.New(newHash, []byte(secret))
	m.Write(body)
	m.Write([]byte{'.'})
	m.Write([]byte(nonce))
	m.Write([]byte{'.'})
	m.Write([]byte(timestamp))
	return m.Sum(nil)
}

// Sign signs with the first secret, a fresh nonce and the request's clock.
func (s *sinchScheme) Sign(req *Request, c Credentials) error {
	if len(c.Secrets) == 0 || c.Secrets[0] == "" {
		return ErrNoCredentials
	}
	newHash, _ := sinchHash(s.spec.Algorithm)
	nonce, timestamp := newNonce(), unixNow(req)
	req.Header.Set(s.nonceHeader, nonce)
	req.Header.Set(s.tsHeader, timestamp)
	req.Header.Set(s.algHeader, "Hmac"+strings.ToUpper(s.spec.Algorithm))
	req.Header.Set(s.spec.Header, base64.StdEncoding.EncodeToString(sinchMAC(newHash, c.Secrets[0], req.Body, nonce, timestamp)))
	return nil
}

func (s *sinchScheme) Verify(req *Request, c Credentials) Result {
	h := s.spec.Header
	if len(c.Secrets) == 0 {
		return invalid(h, ReasonNoCredentials, "no secret to verify with")
	}
	value, fail := singleHeader(req, h)
	if fail != nil {
		return *fail
	}
	nonce, fail := singleHeader(req, s.nonceHeader)
	if fail != nil {
		return *fail
	}
	timestamp, fail := singleHeader(req, s.tsHeader)
	if fail != nil {
		if fail.Reason == ReasonMissing {
			return missingTimestamp(s.tsHeader)
		}
		return *fail
	}
	if _, ok := parseUnix(timestamp); !ok {
		return invalid(s.tsHeader, ReasonMalformed, "%s %q is not a unix timestamp in seconds", s.tsHeader, timestamp)
	}
	newHash, _ := sinchHash(s.spec.Algorithm)
	if alg := strings.TrimSpace(req.Header.Get(s.algHeader)); alg != "" {
		var ok bool
		if newHash, ok = sinchHash(alg); !ok {
			return invalid(s.algHeader, ReasonMalformed, "%s %q is not an algorithm smshook knows: HmacSHA256 or HmacSHA512", s.algHeader, alg)
		}
	}
	got, err := base64.StdEncoding.DecodeString(value)
	if err != nil || len(got) != newHash().Size() {
		return invalid(h, ReasonMalformed, "%s is not a base64 HMAC signature of the right length (%d characters): check you copied the whole header value", h, len(value))
	}
	for i, secret := range c.Secrets {
		if subtle.ConstantTimeCompare(sinchMAC(newHash, secret, req.Body, nonce, timestamp), got) != 1 {
			continue
		}
		if r := checkUnixHeader(s.tsHeader, timestamp, req.now(), s.spec.tolerance()); r != nil {
			r.Header = h
			return *r
		}
		r := valid(h, "valid "+s.Describe())
		r.Encoding, r.SecretIndex = EncodingBase64, i
		return r
	}
	return invalid(h, ReasonMismatch,
		"%s does not match the body: the secret is wrong, or the body, nonce or timestamp changed after it was signed", h)
}
