package signing

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"hash"
	"net/url"
	"sort"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// vonageScheme is Vonage's (Nexmo's) signed SMS webhooks: the signature is
// a parameter, sig, beside timestamp (unix seconds) and nonce, in the query
// of a GET, the form body of a POST, or the fields of a JSON body. The
// signed string is "&name=value" for every parameter but sig, sorted by
// name, with '&' and '=' in names and values replaced by '_'; parameters
// with empty values are left out, as Vonage's Java library does. With
// md5hash (the default) the signature is the hex MD5 of the string followed
// by the secret; with md5, sha1, sha256 or sha512 it is the hex HMAC of the
// string keyed with the secret. Hex is compared case-insensitively.
type vonageScheme struct {
	spec    Spec
	newHash func() hash.Hash
	md5hash bool
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

// vonageParams returns the request's parameters, first value of each: the
// JSON body's top-level fields, or the form body's and the query's.
func vonageParams(req *Request) (map[string]string, error) {
	params := map[string]string{}
	if u, err := url.Parse(req.URL); err == nil {
		for k, v := range u.Query() {
			params[k] = v[0]
		}
	}
	if len(req.Body) == 0 || strings.EqualFold(req.Method, "GET") {
		return params, nil
	}
	if isJSONBody(req) {
		body := gjson.ParseBytes(req.Body)
		if !body.IsObject() {
			return nil, fmt.Errorf("the JSON body is not an object of parameters")
		}
		body.ForEach(func(k, v gjson.Result) bool {
			switch v.Type {
			case gjson.Null:
			case gjson.String:
				params[k.String()] = v.String()
			default:
				params[k.String()] = v.Raw
			}
			return true
		})
		return params, nil
	}
	form, err := url.ParseQuery(string(req.Body))
	if err != nil {
		return nil, fmt.Errorf("the body is not form-encoded: %v", err)
	}
	for k, v := range form {
		params[k] = v[0]
	}
	return params, nil
}

var vonageClean = strings.NewReplacer("&", "_", "=", "_")

// vonageString is the signed string over params, without sig.
func vonageString(params map[string]string) string {
	names := make([]string, 0, len(params))
	for k, v := range params {
		if k != vonageSig && strings.TrimSpace(v) != "" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		b.WriteString("&")
		b.WriteString(vonageClean.Replace(k))
		b.WriteString("=")
		b.WriteString(vonageClean.Replace(params[k]))
	}
	return b.String()
}

func (s *vonageScheme) digest(secret, signed string) string {
	if s.md5hash {
		sum := md5.Sum([]byte(signed + secret))
		return hex.EncodeToString(sum[:])
	}
	m := hmac.New(s.newHash, []byte(secret))
	m.Write([]byte(signed))
	return hex.EncodeToString(m.Sum(nil))
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
	if strings.TrimSpace(params[vonageNonce]) == "" {
		add = append(add, [2]string{vonageNonce, newUUID()})
	}
	for _, kv := range add {
		params[kv[0]] = kv[1]
	}
	delete(params, vonageSig)
	add = append(add, [2]string{vonageSig, s.digest(c.Secrets[0], vonageString(params))})

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
	given := strings.ToLower(strings.TrimSpace(params[vonageSig]))
	if given == "" {
		return invalid(h, ReasonMissing, "no sig parameter: the request is not signed (Vonage signs webhooks only when signing is enabled for the account)")
	}
	timestamp := strings.TrimSpace(params[vonageTimestamp])
	if timestamp == "" {
		return invalid(h, ReasonMissingTimestamp, "no timestamp parameter: Vonage signs one with every signed webhook")
	}
	signed := vonageString(params)
	for i, secret := range c.Secrets {
		if subtle.ConstantTimeCompare([]byte(s.digest(secret, signed)), []byte(given)) != 1 {
			continue
		}
		if r := checkUnixHeader("the timestamp parameter", timestamp, req.now(), s.spec.tolerance()); r != nil {
			r.Header = h
			return *r
		}
		r := valid(h, "valid "+s.Describe())
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
