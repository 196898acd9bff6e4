package signing

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// messageBirdScheme is MessageBird's MessageBird-Signature-JWT: an HS256
// JWT signed with the signing key, whose claims are iss=MessageBird, nbf,
// exp, jti, url_hash (hex SHA-256 of the full URL) and payload_hash (hex
// SHA-256 of the body, absent for an empty body). Verify checks the
// signature, the issuer and jti, both hashes, and last the time window with
// a leeway: the Spec's Tolerance, or 1 s (MessageBird's own validator) when
// it is zero.
type messageBirdScheme struct {
	spec   Spec
	parser *jwt.Parser
}

const (
	messageBirdIssuer = "MessageBird"
	// messageBirdLifetime is the window Sign gives a token, as MessageBird's
	// reference tokens have it.
	messageBirdLifetime = time.Minute
	messageBirdLeeway   = time.Second
)

var messageBirdMethods = []string{"HS256", "HS384", "HS512"}

func newMessageBird(spec Spec) (*messageBirdScheme, error) {
	if spec.Header == "" {
		spec.Header = "MessageBird-Signature-JWT"
	}
	spec.Algorithm, spec.Encoding = "HS256", ""
	return &messageBirdScheme{spec: spec, parser: jwt.NewParser(
		jwt.WithValidMethods(messageBirdMethods), jwt.WithoutClaimsValidation())}, nil
}

func (s *messageBirdScheme) Spec() Spec            { return s.spec }
func (s *messageBirdScheme) AuthHeaders() []string { return []string{s.spec.Header} }
func (s *messageBirdScheme) Describe() string {
	return fmt.Sprintf("HS256 JWT in %s with the SHA-256 of the URL and of the body (url_hash, payload_hash)", s.spec.Header)
}

type messageBirdClaims struct {
	jwt.RegisteredClaims
	URLHash     string `json:"url_hash"`
	PayloadHash string `json:"payload_hash,omitempty"`
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Sign issues a token valid for a minute from the request's clock, signed
// with the first secret (the signing key).
func (s *messageBirdScheme) Sign(req *Request, c Credentials) error {
	if len(c.Secrets) == 0 || c.Secrets[0] == "" {
		return ErrNoCredentials
	}
	if err := requireURL("messagebird", req); err != nil {
		return err
	}
	now := req.now().Truncate(time.Second)
	claims := messageBirdClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    messageBirdIssuer,
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(messageBirdLifetime)),
			ID:        newUUID(),
		},
		URLHash: sha256Hex([]byte(req.URL)),
	}
	if len(req.Body) > 0 {
		claims.PayloadHash = sha256Hex(req.Body)
	}
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(c.Secrets[0]))
	if err != nil {
		return fmt.Errorf("messagebird: %v", err)
	}
	req.Header.Set(s.spec.Header, token)
	return nil
}

func (s *messageBirdScheme) leeway() time.Duration {
	if s.spec.Tolerance == 0 {
		return messageBirdLeeway
	}
	return s.spec.Tolerance
}

func (s *messageBirdScheme) Verify(req *Request, c Credentials) Result {
	h := s.spec.Header
	if len(c.Secrets) == 0 {
		return invalid(h, ReasonNoCredentials, "no signing key to verify with")
	}
	value, fail := singleHeader(req, h)
	if fail != nil {
		return *fail
	}
	unverified, _, err := jwt.NewParser().ParseUnverified(value, &messageBirdClaims{})
	if err != nil {
		return invalid(h, ReasonMalformed, "%s is not a JWT (header.claims.signature): check you copied the whole header value", h)
	}
	if alg := unverified.Method.Alg(); !containsString(messageBirdMethods, alg) {
		return invalid(h, ReasonMalformed, "%s is signed with %s, and MessageBird signs with HS256", h, alg)
	}

	var claims messageBirdClaims
	index := -1
	for i, secret := range c.Secrets {
		claims = messageBirdClaims{}
		key := []byte(secret)
		if _, err := s.parser.ParseWithClaims(value, &claims, func(*jwt.Token) (any, error) { return key, nil }); err == nil {
			index = i
			break
		}
	}
	if index < 0 {
		return invalid(h, ReasonMismatch,
			"%s is not signed with the signing key: the key is wrong, or the token was altered", h)
	}
	if claims.Issuer != messageBirdIssuer {
		return invalid(h, ReasonMalformed, "%s has iss %q, and MessageBird's tokens say %q", h, claims.Issuer, messageBirdIssuer)
	}
	if claims.ID == "" {
		return invalid(h, ReasonMalformed, "%s has no jti claim", h)
	}
	if req.URL == "" {
		return missingURL(h, "messagebird")
	}
	if subtle.ConstantTimeCompare([]byte(sha256Hex([]byte(req.URL))), []byte(claims.URLHash)) != 1 {
		return invalid(h, ReasonURLMismatch,
			"%s was signed for another URL (its url_hash is not the SHA-256 of %s)", h, req.URL)
	}
	switch {
	case len(req.Body) == 0 && claims.PayloadHash != "":
		return invalid(h, ReasonMismatch, "%s has a payload_hash, but the body is empty: the body was lost on the way", h)
	case len(req.Body) > 0 && claims.PayloadHash == "":
		return invalid(h, ReasonMismatch, "%s has no payload_hash, but there is a body: it was added after signing", h)
	case len(req.Body) > 0 && subtle.ConstantTimeCompare([]byte(sha256Hex(req.Body)), []byte(claims.PayloadHash)) != 1:
		return invalid(h, ReasonMismatch, "%s payload_hash does not match the body: the body changed after it was signed", h)
	}

	if leeway := s.leeway(); leeway >= 0 {
		if claims.NotBefore == nil || claims.ExpiresAt == nil {
			return invalid(h, ReasonMissingTimestamp, "%s lacks the nbf or exp claim", h)
		}
		now := req.now()
		if early := claims.NotBefore.Sub(now); early > leeway {
			return invalid(h, ReasonTimestampInFuture,
				"the signature matches, but %s is valid only from %s in the future (nbf), beyond the %s leeway: check the sender's clock",
				h, roundSeconds(early), roundSeconds(leeway))
		}
		if late := now.Sub(claims.ExpiresAt.Time); late > leeway {
			return invalid(h, ReasonTimestampTooOld,
				"the signature matches, but %s expired %s ago (exp), beyond the %s leeway: the request is stale or replayed; sign it again, or allow more with --tolerance",
				h, roundSeconds(late), roundSeconds(leeway))
		}
	}
	r := valid(h, "valid "+s.Describe())
	r.SecretIndex = index
	return r
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
