package signing

import (
	"crypto/subtle"
	"fmt"
	"strings"
)

// The generic hmac scheme for user-defined providers, beyond a signature of
// the body: a signed {timestamp} and {id} read from headers, and composite
// signature headers such as Stripe's "t=<timestamp>,v1=<signature>".

// formatItem is one key={placeholder} item of a composite header.
type formatItem struct {
	key   string
	field string // "signature" or "timestamp"
}

// parseHeaderFormat reads a composite header format such as
// "t={timestamp},v1={signature}".
func parseHeaderFormat(f string) ([]formatItem, error) {
	var items []formatItem
	seen := map[string]bool{}
	for _, raw := range strings.Split(f, ",") {
		key, placeholder, ok := strings.Cut(strings.TrimSpace(raw), "=")
		field := strings.TrimSuffix(strings.TrimPrefix(placeholder, "{"), "}")
		if !ok || key == "" || len(field)+2 != len(placeholder) {
			return nil, fmt.Errorf("header_format %q: %q is not key={placeholder}: write it like %q", f, raw, "t={timestamp},v1={signature}")
		}
		if field != "signature" && field != "timestamp" {
			return nil, fmt.Errorf("header_format %q: unknown placeholder {%s}: use {signature} and {timestamp}", f, field)
		}
		if seen[field] {
			return nil, fmt.Errorf("header_format %q: {%s} appears twice", f, field)
		}
		seen[field] = true
		items = append(items, formatItem{key: key, field: field})
	}
	if !seen["signature"] {
		return nil, fmt.Errorf("header_format %q has no {signature}", f)
	}
	return items, nil
}

func (s *hmacScheme) formatHas(field string) bool { return s.formatKey(field) != "" }

func (s *hmacScheme) formatKey(field string) string {
	for _, it := range s.format {
		if it.field == field {
			return it.key
		}
	}
	return ""
}

// formatHeader writes the composite header.
func (s *hmacScheme) formatHeader(sig, timestamp string) string {
	parts := make([]string, len(s.format))
	for i, it := range s.format {
		v := sig
		if it.field == "timestamp" {
			v = timestamp
		}
		parts[i] = it.key + "=" + v
	}
	return strings.Join(parts, ",")
}

// verifyExtended verifies a scheme with a timestamp, an id or a composite
// header. The timestamp is checked last, so "too old" means everything else
// was right.
func (s *hmacScheme) verifyExtended(req *Request, c Credentials) Result {
	h := s.spec.Header
	value, fail := singleHeader(req, h)
	if fail != nil {
		return *fail
	}

	var sigs []string
	var timestamp, timestampFrom string
	if s.format != nil {
		sigKey, tsKey := s.formatKey("signature"), s.formatKey("timestamp")
		for _, item := range strings.Split(value, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(item), "=")
			switch {
			case k == sigKey:
				sigs = append(sigs, strings.TrimSpace(v)) // several while the sender rotates
			case k == tsKey && timestamp == "":
				timestamp, timestampFrom = strings.TrimSpace(v), h+" "+tsKey+"="
			}
		}
		if len(sigs) == 0 {
			return invalid(h, ReasonMalformed, "%s has no %s= signature: it should read %q", h, sigKey, s.spec.HeaderFormat)
		}
		if tsKey != "" && timestamp == "" {
			return invalid(h, ReasonMissingTimestamp, "%s has no %s= timestamp: it should read %q", h, tsKey, s.spec.HeaderFormat)
		}
	} else {
		if s.spec.Prefix != "" {
			if len(value) < len(s.spec.Prefix) || !strings.EqualFold(value[:len(s.spec.Prefix)], s.spec.Prefix) {
				return invalid(h, ReasonMalformed, "%s does not start with %q", h, s.spec.Prefix)
			}
			value = value[len(s.spec.Prefix):]
		}
		sigs = []string{value}
	}
	if th := s.spec.TimestampHeader; th != "" && timestamp == "" {
		v, fail := singleHeader(req, th)
		if fail != nil {
			if fail.Reason == ReasonMissing {
				return missingTimestamp(th)
			}
			return *fail
		}
		timestamp, timestampFrom = v, th
	}
	var id string
	if ih := s.spec.IDHeader; ih != "" {
		v, fail := singleHeader(req, ih)
		if fail != nil {
			return *fail
		}
		id = v
	}

	var decoded, buf [64]byte
	anyDecoded := false
	for _, sig := range sigs {
		for _, enc := range s.accept {
			want, ok := decodeSignature(decoded[:], enc, sig, s.size)
			if !ok {
				continue
			}
			anyDecoded = true
			for i, secret := range c.Secrets {
				if subtle.ConstantTimeCompare(s.mac(buf[:0], secret, req, timestamp, id), want) != 1 {
					continue
				}
				if timestampFrom != "" {
					if r := checkUnixHeader(timestampFrom, timestamp, req.now(), s.spec.tolerance()); r != nil {
						r.Header = h
						return *r
					}
				}
				r := valid(h, s.validMessage)
				r.Encoding, r.SecretIndex = enc, i
				return r
			}
		}
	}
	if !anyDecoded {
		return s.diagnoseUndecodable(req, c, sigs[0], timestamp, id)
	}
	what := "the body"
	if timestampFrom != "" {
		what = "the body and timestamp"
	}
	if s.spec.SignsURL() {
		return invalid(h, ReasonMismatch,
			"%s does not match %s: the secret is wrong, the request changed after it was signed, or the provider was given another URL than %s (the signature covers it)", h, what, req.URL)
	}
	return invalid(h, ReasonMismatch,
		"%s does not match %s: the secret is wrong, or the request changed after it was signed", h, what)
}
