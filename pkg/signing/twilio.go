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
	"sort"
	"strings"
)

// twilioScheme is Twilio's X-Twilio-Signature: base64 HMAC-SHA1 with the
// auth token over the full URL followed by each POST parameter's name and
// value, sorted by name. A JSON body is not a parameter list: Twilio puts
// bodySHA256=<hex sha256 of the body> in the URL and signs the URL alone.
// Twilio may sign the URL with or without the default port, so Verify
// accepts both, as the official libraries do.
type twilioScheme struct{ spec Spec }

func newTwilio(spec Spec) (*twilioScheme, error) {
	if spec.Header == "" {
		spec.Header = "X-Twilio-Signature"
	}
	spec.Algorithm, spec.Encoding = "sha1", EncodingBase64
	return &twilioScheme{spec: spec}, nil
}

func (s *twilioScheme) Spec() Spec            { return s.spec }
func (s *twilioScheme) AuthHeaders() []string { return []string{s.spec.Header} }
func (s *twilioScheme) Describe() string {
	return fmt.Sprintf("HMAC-SHA1 of the URL and the sorted POST parameters (JSON bodies: bodySHA256 in the URL), base64, in %s", s.spec.Header)
}

// twilioParams returns what Twilio signs after the URL: the form body's
// names and values concatenated, sorted by name (a repeated name's values
// sorted too, as the official libraries do). GET requests and JSON bodies
// have none.
func twilioParams(req *Request) string {
	if strings.EqualFold(req.Method, "GET") || len(req.Body) == 0 || isJSONBody(req) {
		return ""
	}
	form, err := url.ParseQuery(string(req.Body))
	if err != nil {
		return ""
	}
	names := make([]string, 0, len(form))
	for name := range form {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		values := append([]string(nil), form[name]...)
		sort.Strings(values)
		for _, v := range values {
			b.WriteString(name)
			b.WriteString(v)
		}
	}
	return b.String()
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

func twilioMAC(token, rawURL, params string) []byte {
	m := hmac.New(sha1.New, []byte(token))
	m.Write([]byte(rawURL))
	m.Write([]byte(params))
	return m.Sum(nil)
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
	sum := twilioMAC(c.Secrets[0], req.URL, twilioParams(req))
	req.Header.Set(s.spec.Header, base64.StdEncoding.EncodeToString(sum))
	return nil
}

// portVariants returns rawURL as given, with its scheme's default port
// added when it has none, and without its port when it has one: the forms
// Twilio may have signed (the official libraries try the same two).
func portVariants(rawURL string) []string {
	out := []string{rawURL}
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return out
	}
	v := *u
	if u.Port() == "" {
		def := map[string]string{"https": "443", "http": "80"}[u.Scheme]
		if def == "" {
			return out
		}
		v.Host = u.Host + ":" + def
	} else {
		v.Host = u.Hostname()
		if strings.Contains(v.Host, ":") {
			v.Host = "[" + v.Host + "]"
		}
	}
	return append(out, v.String())
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
	got, err := base64.StdEncoding.DecodeString(value)
	if err != nil || len(got) != sha1.Size {
		return invalid(h, ReasonMalformed, "%s is not a base64 HMAC-SHA1 signature (%d characters): check you copied the whole header value", h, len(value))
	}
	u, err := url.Parse(req.URL)
	if err != nil {
		return invalid(h, ReasonMalformed, "the URL %q cannot be parsed", req.URL)
	}
	bodySHA := u.Query().Get("bodySHA256")
	params := ""
	if bodySHA == "" {
		params = twilioParams(req)
	}
	for i, token := range c.Secrets {
		for _, variant := range portVariants(req.URL) {
			if subtle.ConstantTimeCompare(twilioMAC(token, variant, params), got) != 1 {
				continue
			}
			if bodySHA != "" {
				sum := sha256.Sum256(req.Body)
				if subtle.ConstantTimeCompare([]byte(hex.EncodeToString(sum[:])), []byte(strings.ToLower(bodySHA))) != 1 {
					return invalid(h, ReasonMismatch,
						"%s matches the URL, but the body does not match its bodySHA256: the body changed after it was signed", h)
				}
			}
			r := valid(h, "valid "+s.Describe())
			r.Encoding, r.SecretIndex = EncodingBase64, i
			return r
		}
	}
	hint := "the auth token is wrong, the body changed, or Twilio was given another URL (it signs the full public URL, query included): pass that URL with --url"
	if bodySHA == "" && isJSONBody(req) && !strings.EqualFold(req.Method, "GET") {
		hint = "the body is JSON and the URL has no bodySHA256 parameter, which Twilio adds for JSON bodies: pass the URL the request was sent to"
	}
	return invalid(h, ReasonMismatch, "%s does not match: %s", h, hint)
}
