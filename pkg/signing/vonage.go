package signing

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/url"
	"slices"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// vonageScheme is Vonage's (Nexmo's) signed SMS webhooks: the signature is
// a parameter, sig, beside timestamp (unix seconds) and nonce, in the query
// of a GET, the form body of a POST, or the fields of a JSON body. The
// signed string is "&name=value" for every parameter but sig, sorted by
// name, with '&' and '=' in names and values replaced by '_'. Parameters
// with blank values are signed ("&client-ref="), as the Node, PHP and
// Python libraries do (npm @vonage/sms 1.24.1, dist/cjs/sms.js,
// verifySignature, lines 196-229); Verify also accepts them left out, as
// Vonage's Java library signs. With
// md5hash (the default) the signature is the hex MD5 of the string followed
// by the secret; with md5, sha1, sha256 or sha512 it is the hex HMAC of the
// string keyed with the secret. Hex is compared case-insensitively.
type vonageScheme struct {
	spec    Spec
	newHash func() hash.Hash
	md5hash bool
	// built once: a valid request formats nothing
	validMessage string
}

const (
	vonageSig       = "sig"
	vonageTimestamp = "timestamp"
	vonageNonce     = "nonce"
)

func newVonage(spec Spec) (*vonageScheme, error) {
	s := &vonageScheme{spec: spec}
	switch strings.ToLower(spec.Algorithm) {
	case "md5hash", "":
		s.newHash, s.md5hash = md5.New, true
		s.spec.Algorithm = "md5hash"
	case "md5":
		s.newHash = md5.New
	case "sha1":
		s.newHash = sha1.New
	case "sha256":
		s.newHash = sha256.New
	case "sha512":
		s.newHash = sha512.New
	default:
		return nil, fmt.Errorf("unknown vonage signature method %q: use md5hash, md5, sha1, sha256 or sha512", spec.Algorithm)
	}
	s.spec.Algorithm = strings.ToLower(s.spec.Algorithm)
	s.spec.Encoding = EncodingHex
	s.validMessage = "valid " + s.Describe()
	return s, nil
}

func (s *vonageScheme) Spec() Spec { return s.spec }

// AuthHeaders is empty: Vonage signs in a parameter, not a header.
func (s *vonageScheme) AuthHeaders() []string { return nil }

func (s *vonageScheme) Describe() string {
	what := "MD5 of the sorted parameters followed by the signature secret"
	if !s.md5hash {
		what = "HMAC-" + strings.ToUpper(s.spec.Algorithm) + " of the sorted parameters"
	}
	return what + ", hex, in the sig parameter (with timestamp and nonce)"
}

// vonageParams returns the request's parameters, one per name, sorted by
// name: the JSON body's top-level fields (the last of a repeated field; null
// ones left out), or the form body's (the first value of each), and the
// query's (the first value of each), where the body's beat the query's.
func vonageParams(req *Request) ([]formPair, error) {
	var params []formPair
	if len(req.Body) > 0 && !strings.EqualFold(req.Method, "GET") {
		if isJSONBody(req) {
			body := gjson.ParseBytes(req.Body)
			if !body.IsObject() {
				return nil, fmt.Errorf("the JSON body is not an object of parameters")
			}
			body.ForEach(func(k, v gjson.Result) bool {
				switch v.Type {
				case gjson.Null:
				case gjson.String:
					params = append(params, formPair{[]byte(k.String()), []byte(v.String())})
				default:
					params = append(params, formPair{[]byte(k.String()), []byte(v.Raw)})
				}
				return true
			})
			slices.Reverse(params) // so that the last of a repeated field comes first
		} else {
			var err error
			if params, err = appendFormPairs(params, req.Body); err != nil {
				return nil, fmt.Errorf("the body is not form-encoded: %v", err)
			}
		}
	}
	if u, err := url.Parse(req.URL); err == nil && u.RawQuery != "" {
		params, _ = appendFormPairs(params, []byte(u.RawQuery))
	}
	// Stable: of the pairs with one name, the first collected wins.
	slices.SortStableFunc(params, func(a, b formPair) int { return bytes.Compare(a.name, b.name) })
	return slices.CompactFunc(params, func(a, b formPair) bool { return bytes.Equal(a.name, b.name) }), nil
}

// paramValue is the value of the parameter called name, or "".
func paramValue(params []formPair, name string) string {
	for _, p := range params {
		if string(p.name) == name {
			return string(p.value)
		}
	}
	return ""
}

// writeVonageString writes the signed string over params (sorted by name,
// one per name) to w: "&name=value" for each but sig, '&' and '=' in names
// and values replaced by '_'. Parameters with blank values are written
// when keepBlank is set (the Node/PHP convention), else left out (Java's).
func writeVonageString(w io.Writer, params []formPair, keepBlank bool) {
	for _, p := range params {
		if string(p.name) == vonageSig || !keepBlank && len(bytes.TrimSpace(p.value)) == 0 {
			continue
		}
		w.Write(ampersand)
		writeVonageClean(w, p.name)
		w.Write(equals)
		writeVonageClean(w, p.value)
	}
}

var ampersand, equals = []byte("&"), []byte("=")

func writeVonageClean(w io.Writer, b []byte) {
	if bytes.IndexByte(b, '&') >= 0 || bytes.IndexByte(b, '=') >= 0 {
		b = bytes.Clone(b)
		for i, c := range b {
			if c == '&' || c == '=' {
				b[i] = '_'
			}
		}
	}
	w.Write(b)
}

// vonageString is the signed string over params, without sig.
func vonageString(params map[string]string) string {
	pairs := make([]formPair, 0, len(params))
	for k, v := range params {
		pairs = append(pairs, formPair{[]byte(k), []byte(v)})
	}
	sortFormPairs(pairs)
	var b strings.Builder
	writeVonageString(&b, pairs, true)
	return b.String()
}

// newDigest returns the hash the signed string is written into; finish
// completes it.
func (s *vonageScheme) newDigest(secret string) hash.Hash {
	if s.md5hash {
		return md5.New()
	}
	return hmac.New(s.newHash, []byte(secret))
}

// finish appends the digest to dst: md5hash appends the secret to the
// string first.
func (s *vonageScheme) finish(h hash.Hash, secret string, dst []byte) []byte {
	if s.md5hash {
		h.Write([]byte(secret))
	}
	return h.Sum(dst)
}

// digest is the hex signature of a signed string.
func (s *vonageScheme) digest(secret, signed string) string {
	h := s.newDigest(secret)
	h.Write([]byte(signed))
	return hex.EncodeToString(s.finish(h, secret, nil))
}

// digestParams appends the binary signature of params to dst.
func (s *vonageScheme) digestParams(dst []byte, secret string, params []formPair, keepBlank bool) []byte {
	h := s.newDigest(secret)
	writeVonageString(h, params, keepBlank)
	return s.finish(h, secret, dst)
}

// Sign sets timestamp (the request's clock), a nonce when there is none,
// and sig, where the request carries its parameters: the URL's query for a
// GET, the JSON body's fields, or the form body. Other parameters keep
// their bytes; an old sig and timestamp are replaced.
func (s *vonageScheme) Sign(req *Request, c Credentials) error {
	if len(c.Secrets) == 0 || c.Secrets[0] == "" {
		return ErrNoCredentials
	}
	params, err := vonageParams(req)
	if err != nil {
		return fmt.Errorf("vonage: %v", err)
	}
	add := [][2]string{{vonageTimestamp, unixNow(req)}}
	if strings.TrimSpace(paramValue(params, vonageNonce)) == "" {
		add = append(add, [2]string{vonageNonce, newUUID()})
	}
	// The parameters as sent: the old timestamp, nonce and sig replaced.
	signed := slices.DeleteFunc(params, func(p formPair) bool {
		return string(p.name) == vonageSig || slices.ContainsFunc(add, func(kv [2]string) bool { return kv[0] == string(p.name) })
	})
	for _, kv := range add {
		signed = append(signed, formPair{[]byte(kv[0]), []byte(kv[1])})
	}
	sortFormPairs(signed)
	add = append(add, [2]string{vonageSig, hex.EncodeToString(s.digestParams(nil, c.Secrets[0], signed, true))})

	switch {
	case strings.EqualFold(req.Method, "GET") || len(req.Body) == 0 && req.Method == "":
		u, err := url.Parse(req.URL)
		if err != nil {
			return fmt.Errorf("vonage: %q is not a URL: %v", req.URL, err)
		}
		u.RawQuery = replacePairs(u.RawQuery, add)
		req.URL = u.String()
	case isJSONBody(req):
		body := req.Body
		for _, kv := range add {
			if body, err = sjson.SetBytes(body, kv[0], kv[1]); err != nil {
				return fmt.Errorf("vonage: cannot set %s in the JSON body: %v", kv[0], err)
			}
		}
		req.Body = body
	default:
		req.Body = []byte(replacePairs(string(req.Body), add))
	}
	return nil
}

// replacePairs drops the form pairs named in add from query and appends
// add, keeping every other pair's bytes.
func replacePairs(query string, add [][2]string) string {
	var kept []string
	if query != "" {
		for _, pair := range strings.Split(query, "&") {
			name, _, _ := strings.Cut(pair, "=")
			if n, err := url.QueryUnescape(name); err == nil {
				name = n
			}
			drop := false
			for _, kv := range add {
				drop = drop || name == kv[0]
			}
			if !drop {
				kept = append(kept, pair)
			}
		}
	}
	for _, kv := range add {
		kept = append(kept, url.QueryEscape(kv[0])+"="+url.QueryEscape(kv[1]))
	}
	return strings.Join(kept, "&")
}

func (s *vonageScheme) Verify(req *Request, c Credentials) Result {
	const h = vonageSig
	if len(c.Secrets) == 0 {
		return invalid(h, ReasonNoCredentials, "no signature secret to verify with")
	}
	params, err := vonageParams(req)
	if err != nil {
		return invalid(h, ReasonMalformed, "cannot read the parameters: %v", err)
	}
	given := strings.ToLower(strings.TrimSpace(paramValue(params, vonageSig)))
	if given == "" {
		return invalid(h, ReasonMissing, "no sig parameter: the request is not signed (Vonage signs webhooks only when signing is enabled for the account)")
	}
	timestamp := strings.TrimSpace(paramValue(params, vonageTimestamp))
	if timestamp == "" {
		return invalid(h, ReasonMissingTimestamp, "no timestamp parameter: Vonage signs one with every signed webhook")
	}
	var sum [sha512.Size]byte
	var hexSum [2 * sha512.Size]byte
	matches := func(secret string, keepBlank bool) bool {
		n := hex.Encode(hexSum[:], s.digestParams(sum[:0], secret, params, keepBlank))
		return subtle.ConstantTimeCompare(hexSum[:n], []byte(given)) == 1
	}
	// Blank values signed (Node, PHP) or left out (Java): only a request
	// with a blank value tells the two apart.
	hasBlank := slices.ContainsFunc(params, func(p formPair) bool {
		return string(p.name) != vonageSig && len(bytes.TrimSpace(p.value)) == 0
	})
	for i, secret := range c.Secrets {
		if !matches(secret, true) && !(hasBlank && matches(secret, false)) {
			continue
		}
		if r := checkUnixHeader("the timestamp parameter", timestamp, req.now(), s.spec.tolerance()); r != nil {
			r.Header = h
			return *r
		}
		r := valid(h, s.validMessage)
		r.Encoding, r.SecretIndex = EncodingHex, i
		return r
	}
	if n := hex.DecodedLen(len(given)); n != s.newHash().Size() {
		return invalid(h, ReasonMismatch,
			"the sig parameter has %d hex digits, and %s gives %d: the account may sign with another method (md5hash, md5, sha1, sha256, sha512)",
			len(given), s.spec.Algorithm, 2*s.newHash().Size())
	}
	return invalid(h, ReasonMismatch,
		"the sig parameter does not match the parameters: the signature secret or method is wrong, or a parameter changed after signing")
}
