package signing

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
)

// telnyxScheme is Telnyx's Ed25519 signature: telnyx-signature-ed25519 is
// the base64 signature of "timestamp|body", telnyx-timestamp the unix
// seconds, checked against a tolerance (Telnyx's libraries use 300 s).
//
// The credentials are keys, not shared secrets. Verify takes the account's
// public key (base64 of 32 bytes, as the Telnyx portal shows it); Sign needs
// a private key: base64 of the 64-byte seed+public form Go and NaCl use, as
// `smshook keys generate telnyx` writes it. Both also read PEM (PKIX public,
// PKCS #8 private, as openssl writes them). Verify accepts a private key too,
// checking with its public half, so one demo key both signs and verifies.
type telnyxScheme struct {
	spec         Spec
	validMessage string // built once: a valid request formats nothing
	// keys caches each verify key's public half: checking that a private
	// key is whole costs as much as a verification, and a listener checks
	// every request against the same keys.
	keys     sync.Map // key text → verifyKey
	keyCount atomic.Int32
}

// maxCachedKeys bounds the cache: a caller passing ever new keys gets no
// memory growth, only the slower path.
const maxCachedKeys = 64

type verifyKey struct {
	pub ed25519.PublicKey
	err error
}

// verifyKey is the public key that checks signatures for key: the key
// itself, or a private key's public half.
func (s *telnyxScheme) verifyKey(key string) (ed25519.PublicKey, error) {
	if k, ok := s.keys.Load(key); ok {
		return k.(verifyKey).pub, k.(verifyKey).err
	}
	pub, priv, err := ParseEd25519Key(key)
	if priv != nil {
		pub = priv.Public().(ed25519.PublicKey)
	}
	if s.keyCount.Load() < maxCachedKeys {
		if _, loaded := s.keys.LoadOrStore(key, verifyKey{pub, err}); !loaded {
			s.keyCount.Add(1)
		}
	}
	return pub, err
}

func newTelnyx(spec Spec) (*telnyxScheme, error) {
	if spec.Header == "" {
		spec.Header = "telnyx-signature-ed25519"
	}
	if spec.TimestampHeader == "" {
		spec.TimestampHeader = "telnyx-timestamp"
	}
	spec.Algorithm, spec.Encoding = "ed25519", EncodingBase64
	s := &telnyxScheme{spec: spec}
	s.validMessage = "valid " + s.Describe()
	return s, nil
}

func (s *telnyxScheme) Spec() Spec            { return s.spec }
func (s *telnyxScheme) AuthHeaders() []string { return []string{s.spec.Header, s.spec.TimestampHeader} }
func (s *telnyxScheme) Describe() string {
	return fmt.Sprintf("Ed25519 signature of \"{timestamp}|{body}\", base64, in %s (timestamp in %s); verify with the public key, sign with the private key",
		s.spec.Header, s.spec.TimestampHeader)
}

var errNotEd25519 = errors.New("the key is not an Ed25519 key: give the base64 public key (verify) or private key (sign), e.g. from 'smshook keys generate telnyx'")

// ParseEd25519Key reads an Ed25519 key as base64 (32 bytes: a public key;
// 64 bytes: a private key) or PEM. Exactly one of the results is set.
func ParseEd25519Key(s string) (ed25519.PublicKey, ed25519.PrivateKey, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "-----BEGIN") {
		block, _ := pem.Decode([]byte(s))
		if block == nil {
			return nil, nil, errNotEd25519
		}
		if k, err := x509.ParsePKIXPublicKey(block.Bytes); err == nil {
			if pub, ok := k.(ed25519.PublicKey); ok {
				return pub, nil, nil
			}
		}
		if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
			if priv, ok := k.(ed25519.PrivateKey); ok {
				return nil, priv, nil
			}
		}
		return nil, nil, errNotEd25519
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, nil, errNotEd25519
	}
	switch len(raw) {
	case ed25519.PublicKeySize:
		return ed25519.PublicKey(raw), nil, nil
	case ed25519.PrivateKeySize:
		priv := ed25519.PrivateKey(raw)
		// The second half must be the first half's public key, or the key was damaged.
		if !bytes.Equal(ed25519.NewKeyFromSeed(priv.Seed()), priv) {
			return nil, nil, errNotEd25519
		}
		return nil, priv, nil
	}
	return nil, nil, errNotEd25519
}

// Sign signs "timestamp|body" at the request's clock with the first secret,
// which must be a private key.
func (s *telnyxScheme) Sign(req *Request, c Credentials) error {
	if len(c.Secrets) == 0 || c.Secrets[0] == "" {
		return ErrNoCredentials
	}
	pub, priv, err := ParseEd25519Key(c.Secrets[0])
	if err != nil {
		return err
	}
	if pub != nil {
		return errors.New("the key given is a public key, which only verifies: sign with the private key ('smshook keys generate telnyx' makes a pair)")
	}
	timestamp := unixNow(req)
	sig := ed25519.Sign(priv, telnyxMessage(timestamp, req.Body))
	req.Header.Set(s.spec.TimestampHeader, timestamp)
	req.Header.Set(s.spec.Header, base64.StdEncoding.EncodeToString(sig))
	return nil
}

func telnyxMessage(timestamp string, body []byte) []byte {
	msg := make([]byte, 0, len(timestamp)+1+len(body))
	msg = append(msg, timestamp...)
	msg = append(msg, '|')
	return append(msg, body...)
}

func (s *telnyxScheme) Verify(req *Request, c Credentials) Result {
	h, th := s.spec.Header, s.spec.TimestampHeader
	if len(c.Secrets) == 0 {
		return invalid(h, ReasonNoCredentials, "no public key to verify with")
	}
	value, fail := singleHeader(req, h)
	if fail != nil {
		return *fail
	}
	timestamp, fail := singleHeader(req, th)
	if fail != nil {
		if fail.Reason == ReasonMissing {
			return missingTimestamp(th)
		}
		return *fail
	}
	if _, ok := parseUnix(timestamp); !ok {
		return invalid(th, ReasonMalformed, "%s %q is not a unix timestamp in seconds", th, timestamp)
	}
	var decoded [ed25519.SignatureSize + 3]byte
	n, err := 0, error(nil)
	if base64.StdEncoding.DecodedLen(len(value)) <= len(decoded) {
		n, err = base64.StdEncoding.Decode(decoded[:], []byte(value))
	}
	if err != nil || n != ed25519.SignatureSize {
		return invalid(h, ReasonMalformed, "%s is not a base64 Ed25519 signature (%d characters): check you copied the whole header value", h, len(value))
	}
	sig := decoded[:n]
	msg := telnyxMessage(timestamp, req.Body)
	for i, key := range c.Secrets {
		pub, err := s.verifyKey(key)
		if err != nil {
			return invalid(h, ReasonBadCredentials, "key #%d: %v", i+1, err)
		}
		if !ed25519.Verify(pub, msg, sig) {
			continue
		}
		if r := checkUnixHeader(th, timestamp, req.now(), s.spec.tolerance()); r != nil {
			r.Header = h
			return *r
		}
		r := valid(h, s.validMessage)
		r.Encoding, r.SecretIndex = EncodingBase64, i
		return r
	}
	return invalid(h, ReasonMismatch,
		"%s does not match the body: the public key is not the sender's, or the body or %s changed after it was signed", h, th)
}
