package signing

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// standardWebhooksScheme is Standard Webhooks (https://www.standardwebhooks.com),
// which Svix also sends with svix- header names: webhook-signature holds
// space-separated "v1,<base64 HMAC-SHA256>" entries (several while the
// sender rotates keys; any one matching passes) over "id.timestamp.body",
// with the id in webhook-id and unix seconds in webhook-timestamp.
//
// The secret is "whsec_<base64 key>". As in the official libraries, the
// whsec_ prefix is optional and what follows is always base64: the key is
// the decoded bytes.
type standardWebhooksScheme struct {
	spec Spec
	// aliases are the other flavour's headers (svix- for webhook-, and back),
	// read when the configured ones are absent.
	aliasSig, aliasID, aliasTS string
}

const whsecPrefix = "whsec_"

func newStandardWebhooks(spec Spec) (*standardWebhooksScheme, error) {
	prefix := "webhook-"
	if strings.HasPrefix(strings.ToLower(spec.Header), "svix-") {
		prefix = "svix-"
	}
	if spec.Header == "" {
		spec.Header = prefix + "signature"
	}
	if spec.IDHeader == "" {
		spec.IDHeader = prefix + "id"
	}
	if spec.TimestampHeader == "" {
		spec.TimestampHeader = prefix + "timestamp"
	}
	spec.Algorithm, spec.Encoding = "sha256", EncodingBase64
	other := "svix-"
	if prefix == "svix-" {
		other = "webhook-"
	}
	return &standardWebhooksScheme{spec: spec,
		aliasSig: other + "signature", aliasID: other + "id", aliasTS: other + "timestamp"}, nil
}

func (s *standardWebhooksScheme) Spec() Spec { return s.spec }
func (s *standardWebhooksScheme) AuthHeaders() []string {
	return []string{s.spec.Header, s.spec.IDHeader, s.spec.TimestampHeader}
}
func (s *standardWebhooksScheme) Describe() string {
	return fmt.Sprintf("Standard Webhooks: HMAC-SHA256 of \"{id}.{timestamp}.{body}\" with a whsec_ key, base64, in %s as \"v1,<signature>\" (id in %s, timestamp in %s)",
		s.spec.Header, s.spec.IDHeader, s.spec.TimestampHeader)
}

var errWhsec = errors.New("the secret is not a Standard Webhooks key: it should read whsec_ followed by base64, as the provider's dashboard shows it")

// standardWebhooksKey decodes a whsec_ secret.
func standardWebhooksKey(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(strings.TrimSpace(secret), whsecPrefix))
	if err != nil || len(key) == 0 {
		return nil, errWhsec
	}
	return key, nil
}

func standardWebhooksSignature(key []byte, id, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Sign signs with the first secret at the request's clock. It keeps the id
// header the request has (a replay keeps its id) or makes a msg_ id.
func (s *standardWebhooksScheme) Sign(req *Request, c Credentials) error {
	if len(c.Secrets) == 0 || c.Secrets[0] == "" {
		return ErrNoCredentials
	}
	key, err := standardWebhooksKey(c.Secrets[0])
	if err != nil {
		return err
	}
	id := strings.TrimSpace(req.Header.Get(s.spec.IDHeader))
	if id == "" {
		id = newMessageID()
	}
	timestamp := unixNow(req)
	req.Header.Set(s.spec.IDHeader, id)
	req.Header.Set(s.spec.TimestampHeader, timestamp)
	req.Header.Set(s.spec.Header, "v1,"+standardWebhooksSignature(key, id, timestamp, req.Body))
	return nil
}

func (s *standardWebhooksScheme) Verify(req *Request, c Credentials) Result {
	sigH, idH, tsH := s.spec.Header, s.spec.IDHeader, s.spec.TimestampHeader
	if len(req.Header.Values(sigH)) == 0 && len(req.Header.Values(s.aliasSig)) > 0 {
		sigH, idH, tsH = s.aliasSig, s.aliasID, s.aliasTS
	}
	if len(c.Secrets) == 0 {
		return invalid(sigH, ReasonNoCredentials, "no secret to verify with")
	}
	value, fail := singleHeader(req, sigH)
	if fail != nil {
		return *fail
	}
	id, fail := singleHeader(req, idH)
	if fail != nil {
		return *fail
	}
	timestamp, fail := singleHeader(req, tsH)
	if fail != nil {
		if fail.Reason == ReasonMissing {
			return missingTimestamp(tsH)
		}
		return *fail
	}
	if _, ok := parseUnix(timestamp); !ok {
		return invalid(tsH, ReasonMalformed, "%s %q is not a unix timestamp in seconds", tsH, timestamp)
	}

	var given []string
	for _, entry := range strings.Fields(value) {
		version, sig, ok := strings.Cut(entry, ",")
		if ok && version == "v1" {
			given = append(given, sig)
		}
	}
	if len(given) == 0 {
		return invalid(sigH, ReasonMalformed, "%s has no v1 signature: it should read \"v1,<base64>\" (space-separated when there are several)", sigH)
	}
	for i, secret := range c.Secrets {
		key, err := standardWebhooksKey(secret)
		if err != nil {
			return invalid(sigH, ReasonBadCredentials, "secret #%d: %v", i+1, err)
		}
		want := []byte(standardWebhooksSignature(key, id, timestamp, req.Body))
		for _, sig := range given {
			if subtle.ConstantTimeCompare([]byte(sig), want) != 1 {
				continue
			}
			if r := checkUnixHeader(tsH, timestamp, req.now(), s.spec.tolerance()); r != nil {
				r.Header = sigH
				return *r
			}
			r := valid(sigH, "valid "+s.Describe())
			r.Encoding, r.SecretIndex = EncodingBase64, i
			return r
		}
	}
	return invalid(sigH, ReasonMismatch,
		"%s does not match the body: the secret is wrong, or the body, %s or %s changed after it was signed", sigH, idH, tsH)
}
