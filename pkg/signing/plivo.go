package signing

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/url"
)

// plivoScheme is Plivo's V2 signature: X-Plivo-Signature-V2 is the base64
// HMAC-SHA256, keyed with the auth token, of the URL without its query
// followed by the nonce in X-Plivo-Signature-V2-Nonce.
type plivoScheme struct {
	spec        Spec
	nonceHeader string
}

func newPlivo(spec Spec) (*plivoScheme, error) {
	if spec.Header == "" {
		spec.Header = "X-Plivo-Signature-V2"
	}
	nonce := spec.IDHeader
	if nonce == "" {
		nonce = spec.Header + "-Nonce"
	}
	spec.Algorithm, spec.Encoding = "sha256", EncodingBase64
	return &plivoScheme{spec: spec, nonceHeader: nonce}, nil
}

func (s *plivoScheme) Spec() Spec            { return s.spec }
func (s *plivoScheme) AuthHeaders() []string { return []string{s.spec.Header, s.nonceHeader} }
func (s *plivoScheme) Describe() string {
	return fmt.Sprintf("HMAC-SHA256 of the URL without its query and the nonce, base64, in %s (nonce in %s)", s.spec.Header, s.nonceHeader)
}

// plivoBaseURL is scheme://host/path, the part of the URL Plivo signs.
func plivoBaseURL(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("%q is not an absolute URL", rawURL)
	}
	return u.Scheme + "://" + u.Host + u.EscapedPath(), nil
}

func plivoMAC(token, base, nonce string) []byte {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte(base))
	m.Write([]byte(nonce))
	return m.Sum(nil)
}

// Sign signs with the first secret (the auth token) and a fresh nonce.
func (s *plivoScheme) Sign(req *Request, c Credentials) error {
	if len(c.Secrets) == 0 || c.Secrets[0] == "" {
		return ErrNoCredentials
	}
	if err := requireURL("plivo", req); err != nil {
		return err
	}
	base, err := plivoBaseURL(req.URL)
	if err != nil {
		return fmt.Errorf("plivo: %v", err)
	}
	nonce := newNonce()
	req.Header.Set(s.nonceHeader, nonce)
	req.Header.Set(s.spec.Header, base64.StdEncoding.EncodeToString(plivoMAC(c.Secrets[0], base, nonce)))
	return nil
}

func (s *plivoScheme) Verify(req *Request, c Credentials) Result {
	h := s.spec.Header
	if len(c.Secrets) == 0 {
		return invalid(h, ReasonNoCredentials, "no auth token to verify with")
	}
	value, fail := singleHeader(req, h)
	if fail != nil {
		return *fail
	}
	nonce, fail := singleHeader(req, s.nonceHeader)
	if fail != nil {
		return *fail
	}
	if req.URL == "" {
		return missingURL(h, "plivo")
	}
	base, err := plivoBaseURL(req.URL)
	if err != nil {
		return invalid(h, ReasonMalformed, "plivo signs the URL, and %v", err)
	}
	got, err := base64.StdEncoding.DecodeString(value)
	if err != nil || len(got) != sha256.Size {
		return invalid(h, ReasonMalformed, "%s is not a base64 HMAC-SHA256 signature (%d characters): check you copied the whole header value", h, len(value))
	}
	for i, token := range c.Secrets {
		if subtle.ConstantTimeCompare(plivoMAC(token, base, nonce), got) == 1 {
			r := valid(h, "valid "+s.Describe())
			r.Encoding, r.SecretIndex = EncodingBase64, i
			return r
		}
	}
	return invalid(h, ReasonMismatch,
		"%s does not match: the auth token is wrong, or Plivo was given another URL (it signs %s)", h, base)
}
