package signing

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
	"sync"
)

// Encodings of a binary signature in a header.
const (
	EncodingHex    = "hex"
	EncodingBase64 = "base64"
)

var knownEncodings = []string{EncodingHex, EncodingBase64}

// sumPool holds digest buffers for Verify: a digest written through
// hash.Hash's Sum escapes to the heap, and checking a signature should
// allocate nothing beyond the hash itself.
var sumPool = sync.Pool{New: func() any { return new([64]byte) }}

// maxEncoded bounds a signature we decode on the stack: base64 of SHA-512 is 88.
const maxEncoded = 128

type hmacScheme struct {
	spec    Spec
	newHash func() hash.Hash
	size    int
	accept  []string
	content []part
	// Built once: the verify path formats nothing when a signature is valid.
	description, validMessage string
	// extended is set when the scheme signs a timestamp or an id, or writes
	// a composite header: verification then takes verifyExtended's path, and
	// the plain path (Dexatel's) does no new work.
	extended bool
	format   []formatItem // parsed HeaderFormat; nil for a plain header
}

func newHMAC(spec Spec) (*hmacScheme, error) {
	s := &hmacScheme{spec: spec}
	switch strings.ToLower(spec.Algorithm) {
	case "sha1":
		s.newHash, s.size = sha1.New, sha1.Size
	case "sha256", "":
		s.newHash, s.size = sha256.New, sha256.Size
		s.spec.Algorithm = "sha256"
	case "sha512":
		s.newHash, s.size = sha512.New, sha512.Size
	default:
		return nil, fmt.Errorf("unknown hmac algorithm %q: use sha1, sha256 or sha512", spec.Algorithm)
	}
	if spec.Header == "" {
		return nil, fmt.Errorf("hmac scheme needs a header name")
	}
	if s.spec.Encoding == "" {
		s.spec.Encoding = EncodingHex
	}
	if err := checkEncoding(s.spec.Encoding); err != nil {
		return nil, err
	}
	s.accept = spec.AcceptEncodings
	if len(s.accept) == 0 {
		s.accept = []string{s.spec.Encoding}
	}
	for _, e := range s.accept {
		if err := checkEncoding(e); err != nil {
			return nil, err
		}
	}
	if spec.HeaderFormat != "" {
		if spec.Prefix != "" {
			return nil, fmt.Errorf("prefix and header_format do not combine: write the prefix into header_format, e.g. %q", "sha256={signature}")
		}
		format, err := parseHeaderFormat(spec.HeaderFormat)
		if err != nil {
			return nil, err
		}
		s.format = format
	}
	hasTimestamp := spec.TimestampHeader != "" || s.formatHas("timestamp")
	content, err := parseTemplateWith(spec.Template, hasTimestamp, spec.IDHeader != "")
	if err != nil {
		return nil, err
	}
	s.content = content
	s.extended = s.format != nil || spec.TimestampHeader != "" || spec.IDHeader != ""
	s.description = s.describe()
	s.validMessage = "valid " + s.description
	return s, nil
}

func checkEncoding(e string) error {
	if e == EncodingHex || e == EncodingBase64 {
		return nil
	}
	return fmt.Errorf("unknown signature encoding %q: use hex or base64", e)
}

func (s *hmacScheme) Spec() Spec { return s.spec }

func (s *hmacScheme) AuthHeaders() []string {
	headers := []string{s.spec.Header}
	if s.spec.TimestampHeader != "" {
		headers = append(headers, s.spec.TimestampHeader)
	}
	if s.spec.IDHeader != "" {
		headers = append(headers, s.spec.IDHeader)
	}
	return headers
}

func (s *hmacScheme) Describe() string { return s.description }

func (s *hmacScheme) describe() string {
	what := "the body"
	if s.spec.Template != "" && s.spec.Template != "{body}" {
		what = fmt.Sprintf("%q", s.spec.Template)
	}
	prefix := ""
	if s.spec.Prefix != "" {
		prefix = fmt.Sprintf(", prefixed %q", s.spec.Prefix)
	}
	where := s.spec.Header
	if s.spec.HeaderFormat != "" {
		where = fmt.Sprintf("%s as %q", s.spec.Header, s.spec.HeaderFormat)
	}
	var with []string
	if s.spec.TimestampHeader != "" {
		with = append(with, "timestamp in "+s.spec.TimestampHeader)
	}
	if s.spec.IDHeader != "" {
		with = append(with, "id in "+s.spec.IDHeader)
	}
	extra := ""
	if len(with) > 0 {
		extra = " (" + strings.Join(with, ", ") + ")"
	}
	return fmt.Sprintf("HMAC-%s of %s, %s%s, in %s%s",
		strings.ToUpper(s.spec.Algorithm), what, s.spec.Encoding, prefix, where, extra)
}

// mac computes the HMAC of the signed content into dst; timestamp and id
// fill {timestamp} and {id}.
func (s *hmacScheme) mac(dst []byte, secret string, req *Request, timestamp, id string) []byte {
	m := hmac.New(s.newHash, []byte(secret))
	writeContent(m, s.content, req, timestamp, id)
	return m.Sum(dst)
}

// Sign sets the signature header, signing with the first secret. A scheme
// with a timestamp signs the request's clock; one with an id keeps the id
// header the request has, or makes one.
func (s *hmacScheme) Sign(req *Request, c Credentials) error {
	if len(c.Secrets) == 0 || c.Secrets[0] == "" {
		return ErrNoCredentials
	}
	var timestamp, id string
	if s.extended {
		timestamp = unixNow(req)
		if s.spec.TimestampHeader != "" {
			req.Header.Set(s.spec.TimestampHeader, timestamp)
		}
		if s.spec.IDHeader != "" {
			if id = strings.TrimSpace(req.Header.Get(s.spec.IDHeader)); id == "" {
				id = newMessageID()
				req.Header.Set(s.spec.IDHeader, id)
			}
		}
	}
	var buf [64]byte
	sig := encode(s.spec.Encoding, s.mac(buf[:0], c.Secrets[0], req, timestamp, id))
	if s.format != nil {
		req.Header.Set(s.spec.Header, s.formatHeader(sig, timestamp))
		return nil
	}
	req.Header.Set(s.spec.Header, s.spec.Prefix+sig)
	return nil
}

func encode(encoding string, sum []byte) string {
	if encoding == EncodingBase64 {
		return base64.StdEncoding.EncodeToString(sum)
	}
	return hex.EncodeToString(sum)
}

// decodeSignature decodes value in encoding into dst when it has exactly the
// length a digest of size bytes has in that encoding.
func decodeSignature(dst []byte, encoding, value string, size int) ([]byte, bool) {
	var src [maxEncoded]byte
	if len(value) > len(src) {
		return nil, false
	}
	in := src[:copy(src[:], value)]
	switch encoding {
	case EncodingHex:
		if len(in) != hex.EncodedLen(size) {
			return nil, false
		}
		n, err := hex.Decode(dst, in)
		return dst[:n], err == nil
	case EncodingBase64:
		enc := base64.StdEncoding
		if len(in) == base64.RawStdEncoding.EncodedLen(size) {
			enc = base64.RawStdEncoding // some senders drop the padding
		} else if len(in) != enc.EncodedLen(size) {
			return nil, false
		}
		// Unpadded text of the padded length decodes to more than size
		// bytes: Decode writes that much, so not straight into dst.
		var out [maxEncoded]byte
		n, err := enc.Decode(out[:], in)
		if err != nil || n != size {
			return nil, false
		}
		return dst[:copy(dst, out[:n])], true
	}
	return nil, false
}

func (s *hmacScheme) Verify(req *Request, c Credentials) Result {
	h := s.spec.Header
	if len(c.Secrets) == 0 {
		return invalid(h, ReasonNoCredentials, "no secret to verify with")
	}
	if s.extended {
		return s.verifyExtended(req, c)
	}
	value, fail := singleHeader(req, h)
	if fail != nil {
		return *fail
	}
	if s.spec.Prefix != "" {
		if len(value) < len(s.spec.Prefix) || !strings.EqualFold(value[:len(s.spec.Prefix)], s.spec.Prefix) {
			return invalid(h, ReasonMalformed, "%s does not start with %q", h, s.spec.Prefix)
		}
		value = value[len(s.spec.Prefix):]
	}

	// Decode the signature in each accepted encoding whose length fits. Hex
	// text is also valid base64, so length, not alphabet, tells them apart.
	var decoded [2][64]byte
	var candidates [2][]byte
	var names [2]string
	n := 0
	for _, enc := range s.accept {
		if sig, ok := decodeSignature(decoded[n][:], enc, value, s.size); ok {
			candidates[n], names[n] = sig, enc
			n++
		}
	}
	if n == 0 {
		return s.diagnoseUndecodable(req, c, value, "", "")
	}

	buf := sumPool.Get().(*[64]byte)
	defer sumPool.Put(buf)
	for i, secret := range c.Secrets {
		sum := s.mac(buf[:0], secret, req, "", "")
		for j := 0; j < n; j++ {
			if subtle.ConstantTimeCompare(sum, candidates[j]) == 1 {
				r := valid(h, s.validMessage)
				r.Encoding, r.SecretIndex = names[j], i
				return r
			}
		}
	}
	if s.spec.SignsURL() {
		return invalid(h, ReasonMismatch,
			"%s does not match: the secret is wrong, the request changed after it was signed, or the provider was given another URL than %s (the signature covers it)", h, req.URL)
	}
	return invalid(h, ReasonMismatch,
		"%s does not match the body: the secret is wrong, or the body changed after it was signed", h)
}

// diagnoseUndecodable explains a signature that no accepted encoding reads:
// the right signature in an encoding the scheme does not take, a signature of
// another algorithm's length, or garbage.
func (s *hmacScheme) diagnoseUndecodable(req *Request, c Credentials, value, timestamp, id string) Result {
	h := s.spec.Header
	var dst, buf [64]byte
	for _, enc := range knownEncodings {
		sig, ok := decodeSignature(dst[:], enc, value, s.size)
		if !ok {
			continue
		}
		for _, secret := range c.Secrets {
			if subtle.ConstantTimeCompare(s.mac(buf[:0], secret, req, timestamp, id), sig) == 1 {
				return invalid(h, ReasonWrongEncoding,
					"%s is a correct signature in %s, but this provider sends %s: sign with --encoding %s",
					h, enc, strings.Join(s.accept, " or "), s.accept[0])
			}
		}
		return invalid(h, ReasonMismatch,
			"%s is %s, which this provider does not send (it sends %s), and it does not match the body either",
			h, enc, strings.Join(s.accept, " or "))
	}
	return invalid(h, ReasonMalformed,
		"%s is not a %s HMAC-%s signature (%d characters): check you copied the whole header value",
		h, strings.Join(s.accept, " or "), strings.ToUpper(s.spec.Algorithm), len(value))
}
