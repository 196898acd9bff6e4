package signing

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// twilioScheme is Twilio's X-Twilio-Signature: base64 HMAC-SHA1 with the
// auth token over the full URL followed by each POST parameter's name and
// value, sorted by name. A JSON body is not a parameter list: Twilio puts
// bodySHA256=<hex sha256 of the body> in the URL and signs the URL alone.
// Twilio may sign the URL with or without the port, or in another encoding,
// so Verify tries the URLs twilio-node tries (twilioURLCandidates).
type twilioScheme struct {
	spec         Spec
	validMessage string // built once: a valid request formats nothing
}

func newTwilio(spec Spec) (*twilioScheme, error) {
	if spec.Header == "" {
		spec.Header = "X-Twilio-Signature"
	}
	spec.Algorithm, spec.Encoding = "sha1", EncodingBase64
	s := &twilioScheme{spec: spec}
	s.validMessage = "valid " + s.Describe()
	return s, nil
}

func (s *twilioScheme) Spec() Spec            { return s.spec }
func (s *twilioScheme) AuthHeaders() []string { return []string{s.spec.Header} }
func (s *twilioScheme) Describe() string {
	return fmt.Sprintf("HMAC-SHA1 of the URL and the sorted POST parameters (JSON bodies: bodySHA256 in the URL), base64, in %s", s.spec.Header)
}

// twilioParams returns what Twilio signs after the URL: the form body's
// name=value pairs, sorted by name and then value in JavaScript's order
// (UTF-16 code units), a repeated name's identical values kept once, as
// twilio-node 6.3.1 does (lib/webhooks/webhooks.js, toFormUrlEncodedParam,
// lines 104-112: Array.from(new Set(values)).sort()). GET requests, JSON
// bodies and bodies that are not a form have none.
func twilioParams(req *Request) []formPair {
	if strings.EqualFold(req.Method, "GET") || len(req.Body) == 0 || isJSONBody(req) {
		return nil
	}
	pairs, err := appendFormPairs(nil, req.Body)
	if err != nil {
		return nil
	}
	slices.SortFunc(pairs, func(a, b formPair) int {
		if c := compareUTF16(a.name, b.name); c != 0 {
			return c
		}
		return compareUTF16(a.value, b.value)
	})
	return slices.CompactFunc(pairs, func(a, b formPair) bool {
		return bytes.Equal(a.name, b.name) && bytes.Equal(a.value, b.value)
	})
}

// isJSONBody tells a JSON body from a form: by Content-Type when there is
// one, else by its first byte.
func isJSONBody(req *Request) bool {
	if ct := req.Header.Get("Content-Type"); ct != "" {
		return strings.Contains(strings.ToLower(ct), "json")
	}
	b := bytes.TrimSpace(req.Body)
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

// twilioMAC is the HMAC-SHA1 of the URL followed by each parameter's name
// and value, written straight into the hash.
func twilioMAC(dst []byte, token, rawURL string, params []formPair) []byte {
	m := hmac.New(sha1.New, []byte(token))
	m.Write([]byte(rawURL))
	for _, p := range params {
		m.Write(p.name)
		m.Write(p.value)
	}
	return m.Sum(dst)
}

// withBodySHA256 returns rawURL carrying bodySHA256=<hex> for body, in
// place of any bodySHA256 it had; the rest of the query keeps its bytes.
func withBodySHA256(rawURL string, body []byte) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("twilio: %q is not a URL: %v", rawURL, err)
	}
	sum := sha256.Sum256(body)
	var kept []string
	if u.RawQuery != "" {
		for _, pair := range strings.Split(u.RawQuery, "&") {
			if name, _, _ := strings.Cut(pair, "="); name != "bodySHA256" {
				kept = append(kept, pair)
			}
		}
	}
	u.RawQuery = strings.Join(append(kept, "bodySHA256="+hex.EncodeToString(sum[:])), "&")
	return u.String(), nil
}

// Sign signs with the first secret (the auth token). For a JSON body it
// first adds bodySHA256 to req.URL: send the request to that URL.
func (s *twilioScheme) Sign(req *Request, c Credentials) error {
	if len(c.Secrets) == 0 || c.Secrets[0] == "" {
		return ErrNoCredentials
	}
	if err := requireURL("twilio", req); err != nil {
		return err
	}
	if isJSONBody(req) && !strings.EqualFold(req.Method, "GET") {
		u, err := withBodySHA256(req.URL, req.Body)
		if err != nil {
			return err
		}
		req.URL = u
	}
	sum := twilioMAC(nil, c.Secrets[0], req.URL, twilioParams(req))
	req.Header.Set(s.spec.Header, base64.StdEncoding.EncodeToString(sum))
	return nil
}

func (s *twilioScheme) Verify(req *Request, c Credentials) Result {
	h := s.spec.Header
	if len(c.Secrets) == 0 {
		return invalid(h, ReasonNoCredentials, "no auth token to verify with")
	}
	value, fail := singleHeader(req, h)
	if fail != nil {
		return *fail
	}
	if req.URL == "" {
		return missingURL(h, "twilio")
	}
	var decoded [64]byte
	n, err := 0, error(nil)
	if base64.StdEncoding.DecodedLen(len(value)) <= len(decoded) {
		n, err = base64.StdEncoding.Decode(decoded[:], []byte(value))
	}
	if err != nil || n != sha1.Size {
		return invalid(h, ReasonMalformed, "%s is not a base64 HMAC-SHA1 signature (%d characters): check you copied the whole header value", h, len(value))
	}
	got := decoded[:n]
	u, err := url.Parse(req.URL)
	if err != nil {
		return invalid(h, ReasonMalformed, "the URL %q cannot be parsed", req.URL)
	}
	bodySHA := queryValue(u.RawQuery, "bodySHA256")
	var params []formPair
	if bodySHA == "" {
		params = twilioParams(req)
	}
	i, ok := s.match(req.URL, params, got, c)
	if !ok {
		for _, other := range twilioURLCandidates(req.URL)[1:] {
			if i, ok = s.match(other, params, got, c); ok {
				break
			}
		}
	}
	if ok {
		if bodySHA != "" {
			sum := sha256.Sum256(req.Body)
			var hexSum [2 * sha256.Size]byte
			hex.Encode(hexSum[:], sum[:])
			if subtle.ConstantTimeCompare(hexSum[:], []byte(strings.ToLower(bodySHA))) != 1 {
				return invalid(h, ReasonMismatch,
					"%s matches the URL, but the body does not match its bodySHA256: the body changed after it was signed", h)
			}
		}
		r := valid(h, s.validMessage)
		r.Encoding, r.SecretIndex = EncodingBase64, i
		return r
	}
	hint := "the auth token is wrong, the body changed, or Twilio was given another URL (it signs the full public URL, query included)"
	if bodySHA == "" && isJSONBody(req) && !strings.EqualFold(req.Method, "GET") {
		hint = "the body is JSON and the URL has no bodySHA256 parameter, which Twilio adds for JSON bodies: the URL is not the one the request was sent to"
	}
	return invalid(h, ReasonMismatch, "%s does not match: %s", h, hint)
}

// match reports which token signed rawURL and params into got.
func (s *twilioScheme) match(rawURL string, params []formPair, got []byte, c Credentials) (int, bool) {
	var buf [sha1.Size]byte
	for i, token := range c.Secrets {
		if subtle.ConstantTimeCompare(twilioMAC(buf[:0], token, rawURL, params), got) == 1 {
			return i, true
		}
	}
	return 0, false
}

// queryValue is url.Values.Get on a raw query: the first value of name.
func queryValue(rawQuery, name string) string {
	if !strings.Contains(rawQuery, name) && !strings.Contains(rawQuery, "%") {
		return ""
	}
	pairs, _ := appendFormPairs(nil, []byte(rawQuery))
	for _, p := range pairs {
		if string(p.name) == name {
			return string(p.value)
		}
	}
	return ""
}
