package signing

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"hash"
	"slices"
	"strings"
)

// plivoScheme is Plivo's signatures. V2: X-Plivo-Signature-V2 is the base64
// HMAC-SHA256, keyed with the auth token, of the URL without its query
// followed by the nonce in X-Plivo-Signature-V2-Nonce. V3:
// X-Plivo-Signature-V3 is the same HMAC over the URL with its query sorted,
// the POST parameters, a "." and the nonce in X-Plivo-Signature-V3-Nonce
// (plivoV3String). Plivo sends both; Sign sets both, and Verify checks
// each that the request carries: V3, V2, or both.
type plivoScheme struct {
	spec        Spec
	nonceHeader string
}

const (
	plivoV3Header      = "X-Plivo-Signature-V3"
	plivoV3NonceHeader = "X-Plivo-Signature-V3-Nonce"
)

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

func (s *plivoScheme) Spec() Spec { return s.spec }
func (s *plivoScheme) AuthHeaders() []string {
	return []string{s.spec.Header, s.nonceHeader, plivoV3Header, plivoV3NonceHeader}
}
func (s *plivoScheme) Describe() string {
	return fmt.Sprintf("HMAC-SHA256 of the URL without its query and the nonce, base64, in %s (nonce in %s); V3 in %s also signs the query and POST parameters", s.spec.Header, s.nonceHeader, plivoV3Header)
}

// plivoBaseURL is scheme://host[:port]/path as written in the URL, without
// userinfo, query or fragment: the part of the URL Plivo signs (V2, and V3
// before its query).
func plivoBaseURL(rawURL string) (string, error) {
	p, ok := splitURL(rawURL)
	if !ok || p.host == "" {
		return "", fmt.Errorf("%q is not an absolute URL", rawURL)
	}
	path := p.rest
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	return p.scheme + p.host + p.port + path, nil
}

func plivoMAC(token, signed, nonce string) []byte {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte(signed))
	m.Write([]byte(nonce))
	return m.Sum(nil)
}

// plivoV3String is what V3 signs before ".nonce", as plivo-node 4.79.0
// builds it (dist/utils/v3Security.js, construct_get_url and
// construct_post_url, lines 79-100): the base URL; then "?" and the query's
// parameters unescaped, sorted by name and value and written name=value
// joined by "&"; for a POST, the form body's parameters sorted and written
// namevalue with nothing between, after a "." when there was a query, else
// after the "?". Bodies that are not a form carry no parameters.
func plivoV3String(req *Request) (string, error) {
	base, err := plivoBaseURL(req.URL)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(base)
	query := ""
	if _, q, ok := strings.Cut(req.URL, "?"); ok {
		query, _, _ = strings.Cut(q, "#")
	}
	var queryPairs []formPair
	for _, pair := range strings.Split(query, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		queryPairs = append(queryPairs, formPair{[]byte(nodeUnescape(k)), []byte(nodeUnescape(v))})
	}
	sortPairsJS(queryPairs)
	var params []formPair
	if !strings.EqualFold(req.Method, "GET") && len(req.Body) > 0 && !isJSONBody(req) {
		params, _ = appendFormPairs(nil, req.Body)
		sortPairsJS(params)
	}
	if len(queryPairs) > 0 || len(params) > 0 {
		b.WriteByte('?')
	}
	for i, p := range queryPairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.Write(p.name)
		b.WriteByte('=')
		b.Write(p.value)
	}
	if len(queryPairs) > 0 && len(params) > 0 {
		b.WriteByte('.')
	}
	for _, p := range params {
		b.Write(p.name)
		b.Write(p.value)
	}
	return b.String(), nil
}

// sortPairsJS sorts by name, then value, in JavaScript's string order.
func sortPairsJS(pairs []formPair) {
	slices.SortStableFunc(pairs, func(a, b formPair) int {
		if c := compareUTF16(a.name, b.name); c != 0 {
			return c
		}
		return compareUTF16(a.value, b.value)
	})
}

func plivoV3MAC(dst []byte, newHash func() hash.Hash, token, signed, nonce string) []byte {
	m := hmac.New(newHash, []byte(token))
	m.Write([]byte(signed))
	m.Write([]byte{'.'})
	m.Write([]byte(nonce))
	return m.Sum(dst)
}

// Sign signs with the first secret (the auth token), V2 and V3, each with
// a fresh nonce, as Plivo sends them.
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
	v3, err := plivoV3String(req)
	if err != nil {
		return fmt.Errorf("plivo: %v", err)
	}
	nonce, nonce3 := newNonce(), newNonce()
	req.Header.Set(s.nonceHeader, nonce)
	req.Header.Set(s.spec.Header, base64.StdEncoding.EncodeToString(plivoMAC(c.Secrets[0], base, nonce)))
	req.Header.Set(plivoV3NonceHeader, nonce3)
	req.Header.Set(plivoV3Header, base64.StdEncoding.EncodeToString(plivoV3MAC(nil, sha256.New, c.Secrets[0], v3, nonce3)))
	return nil
}

func (s *plivoScheme) Verify(req *Request, c Credentials) Result {
	h := s.spec.Header
	if len(c.Secrets) == 0 {
		return invalid(h, ReasonNoCredentials, "no auth token to verify with")
	}
	if len(req.Header.Values(plivoV3Header)) > 0 {
		r := s.verifyV3(req, c)
		if !r.Valid || len(req.Header.Values(h)) == 0 {
			return r
		}
		// Both came: a V2 that does not match is a forgery beside a good V3.
		if r2 := s.verifyV2(req, c); !r2.Valid {
			return r2
		}
		return r
	}
	return s.verifyV2(req, c)
}

// verifyV2 checks X-Plivo-Signature-V2 and its nonce.
func (s *plivoScheme) verifyV2(req *Request, c Credentials) Result {
	h := s.spec.Header
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

// verifyV3 checks X-Plivo-Signature-V3, a comma list of signatures of which
// one must match, as plivo-node's validateV3Signature reads it.
func (s *plivoScheme) verifyV3(req *Request, c Credentials) Result {
	const h = plivoV3Header
	value, fail := singleHeader(req, h)
	if fail != nil {
		return *fail
	}
	nonce, fail := singleHeader(req, plivoV3NonceHeader)
	if fail != nil {
		return *fail
	}
	if req.URL == "" {
		return missingURL(h, "plivo")
	}
	signed, err := plivoV3String(req)
	if err != nil {
		return invalid(h, ReasonMalformed, "plivo signs the URL, and %v", err)
	}
	var sigs [][]byte
	for _, v := range strings.Split(value, ",") {
		if got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v)); err == nil && len(got) == sha256.Size {
			sigs = append(sigs, got)
		}
	}
	if len(sigs) == 0 {
		return invalid(h, ReasonMalformed, "%s is not a base64 HMAC-SHA256 signature (%d characters): check you copied the whole header value", h, len(value))
	}
	var buf [sha256.Size]byte
	for i, token := range c.Secrets {
		sum := plivoV3MAC(buf[:0], sha256.New, token, signed, nonce)
		for _, got := range sigs {
			if subtle.ConstantTimeCompare(sum, got) == 1 {
				r := valid(h, "valid HMAC-SHA256 of the URL, its sorted query and the POST parameters, and the nonce, base64, in "+h+" (nonce in "+plivoV3NonceHeader+")")
				r.Encoding, r.SecretIndex = EncodingBase64, i
				return r
			}
		}
	}
	return invalid(h, ReasonMismatch,
		"%s does not match: the auth token is wrong, a POST parameter changed, or Plivo was given another URL (V3 signs the URL with its query and the method)", h)
}
