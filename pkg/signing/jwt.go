package signing

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/tidwall/gjson"
)

// messageBirdScheme is MessageBird's MessageBird-Signature-JWT: an HS256
// JWT signed with the signing key, whose claims are iss=MessageBird, nbf,
// exp, jti, url_hash (hex SHA-256 of the full URL) and payload_hash (hex
// SHA-256 of the body, absent for an empty body). Verify checks the
// signature, the issuer and jti, both hashes, and last the time window with
// a leeway: the Spec's Tolerance, or 5 s (the clockTolerance of
// MessageBird's Node validator) when it is zero.
type messageBirdScheme struct {
	spec         Spec
	validMessage string // built once: a valid request formats nothing
}

const (
	messageBirdIssuer = "MessageBird"
	// messageBirdLifetime is the window Sign gives a token, as MessageBird's
	// reference tokens have it.
	messageBirdLifetime = time.Minute
	messageBirdLeeway   = 5 * time.Second
)

func newMessageBird(spec Spec) (*messageBirdScheme, error) {
	if spec.Header == "" {
		spec.Header = "MessageBird-Signature-JWT"
	}
	spec.Algorithm, spec.Encoding = "HS256", ""
	s := &messageBirdScheme{spec: spec}
	s.validMessage = "valid " + s.Describe()
	return s, nil
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

// compactJWS is a JWT's three parts as received: signed is
// "header.claims", the part the MAC covers.
type compactJWS struct {
	signed, claims, sig string
	alg                 string
}

// parseCompactJWS splits a compact JWS and reads its header's alg. The
// claims are decoded only once the MAC matches.
func parseCompactJWS(value string) (compactJWS, bool) {
	head, rest, ok := strings.Cut(value, ".")
	claims, sig, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || strings.Contains(sig, ".") || head == "" || claims == "" {
		return compactJWS{}, false
	}
	var buf [256]byte
	header, ok := decodeSegment(buf[:0], head)
	if !ok || !gjson.ValidBytes(header) {
		return compactJWS{}, false
	}
	alg := gjson.GetBytes(header, "alg")
	if alg.Type != gjson.String {
		return compactJWS{}, false
	}
	return compactJWS{signed: value[:len(head)+1+len(claims)], claims: claims, sig: sig, alg: alg.Str}, true
}

// decodeSegment appends the base64url (unpadded) decoding of seg to dst.
func decodeSegment(dst []byte, seg string) ([]byte, bool) {
	n := base64.RawURLEncoding.DecodedLen(len(seg))
	if cap(dst)-len(dst) < n {
		dst = slices.Grow(dst, n)
	}
	m, err := base64.RawURLEncoding.Decode(dst[len(dst):len(dst)+n], []byte(seg))
	return dst[:len(dst)+m], err == nil
}

// jwsHash is the hash an HMAC alg names, or nil.
func jwsHash(alg string) func() hash.Hash {
	switch alg {
	case "HS256":
		return sha256.New
	case "HS384":
		return sha512.New384
	case "HS512":
		return sha512.New
	}
	return nil
}

// matchKey returns which secret's HMAC of the signed part is the
// signature, compared in constant time, or -1.
func (t compactJWS) matchKey(newHash func() hash.Hash, secrets []string) int {
	var sigBuf, sumBuf [sha512.Size]byte
	got, ok := decodeSegment(sigBuf[:0], t.sig)
	if !ok || len(got) != newHash().Size() {
		return -1
	}
	signed := []byte(t.signed)
	for i, secret := range secrets {
		m := hmac.New(newHash, []byte(secret))
		m.Write(signed)
		if subtle.ConstantTimeCompare(m.Sum(sumBuf[:0]), got) == 1 {
			return i
		}
	}
	return -1
}

// hexHashMatches reports whether claim is the hex SHA-256 of b, in either
// case (MessageBird's validator reads it with Buffer.from(claim, "hex")).
func hexHashMatches(claim string, b []byte) bool {
	var want [sha256.Size]byte
	if len(claim) != hex.EncodedLen(len(want)) {
		return false
	}
	if _, err := hex.Decode(want[:], []byte(claim)); err != nil {
		return false
	}
	sum := sha256.Sum256(b)
	return subtle.ConstantTimeCompare(sum[:], want[:]) == 1
}

// numericDate reads an nbf or exp claim: absent, or a JSON number of
// seconds since the epoch.
func numericDate(claims gjson.Result, name string) (time.Time, bool, bool) {
	v := claims.Get(name)
	switch v.Type {
	case gjson.Null:
		return time.Time{}, false, !v.Exists()
	case gjson.Number:
		sec, frac := math.Modf(v.Num)
		return time.Unix(int64(sec), int64(frac*1e9)), true, true
	}
	return time.Time{}, false, false
}

// Verify checks the token by hand (an HS256/384/512 compact JWS, the MAC
// compared in constant time before any claim is read), then the claims as
// MessageBird's own validator does (npm messagebird 4.0.1,
// lib/webhook-signature-jwt.js): iss, jti, url_hash, payload_hash, and nbf
// and exp with its 5 s clockTolerance. The hashes are hex in either case.
func (s *messageBirdScheme) Verify(req *Request, c Credentials) Result {
	h := s.spec.Header
	if len(c.Secrets) == 0 {
		return invalid(h, ReasonNoCredentials, "no signing key to verify with")
	}
	value, fail := singleHeader(req, h)
	if fail != nil {
		return *fail
	}
	token, ok := parseCompactJWS(value)
	if !ok {
		return invalid(h, ReasonMalformed, "%s is not a JWT (header.claims.signature): check you copied the whole header value", h)
	}
	newHash := jwsHash(token.alg)
	if newHash == nil {
		return invalid(h, ReasonMalformed, "%s is signed with %s, and MessageBird signs with HS256", h, token.alg)
	}
	index := token.matchKey(newHash, c.Secrets)
	if index < 0 {
		return invalid(h, ReasonMismatch,
			"%s is not signed with the signing key: the key is wrong, or the token was altered", h)
	}
	var buf [512]byte
	raw, ok := decodeSegment(buf[:0], token.claims)
	if !ok || !gjson.ValidBytes(raw) {
		return invalid(h, ReasonMalformed, "%s claims are not base64url JSON", h)
	}
	claims := gjson.ParseBytes(raw)
	if !claims.IsObject() {
		return invalid(h, ReasonMalformed, "%s claims are not a JSON object", h)
	}
	if iss := claims.Get("iss"); iss.Type != gjson.String || iss.Str != messageBirdIssuer {
		return invalid(h, ReasonMalformed, "%s has iss %q, and MessageBird's tokens say %q", h, iss.String(), messageBirdIssuer)
	}
	if jti := claims.Get("jti"); jti.Type != gjson.String || jti.Str == "" {
		return invalid(h, ReasonMalformed, "%s has no jti claim", h)
	}
	if req.URL == "" {
		return missingURL(h, "messagebird")
	}
	if !hexHashMatches(claims.Get("url_hash").String(), []byte(req.URL)) {
		return invalid(h, ReasonURLMismatch,
			"%s was signed for another URL (its url_hash is not the SHA-256 of %s)", h, req.URL)
	}
	payloadHash := claims.Get("payload_hash")
	switch {
	case !payloadHash.Exists() && len(req.Body) > 0:
		return invalid(h, ReasonMismatch, "%s has no payload_hash, but there is a body: it was added after signing", h)
	case payloadHash.Exists() && !hexHashMatches(payloadHash.String(), req.Body):
		if len(req.Body) == 0 {
			return invalid(h, ReasonMismatch, "%s has a payload_hash, but the body is empty: the body was lost on the way", h)
		}
		return invalid(h, ReasonMismatch, "%s payload_hash does not match the body: the body changed after it was signed", h)
	}

	nbf, hasNbf, okNbf := numericDate(claims, "nbf")
	exp, hasExp, okExp := numericDate(claims, "exp")
	if !okNbf || !okExp {
		return invalid(h, ReasonMalformed, "%s has an nbf or exp claim that is not a number of seconds", h)
	}
	if leeway := s.leeway(); leeway >= 0 {
		// MessageBird always sends nbf and exp: a token without exp would
		// be good for ever, so a captured request could be replayed.
		if !hasNbf || !hasExp {
			return invalid(h, ReasonMissingTimestamp, "%s lacks the nbf or exp claim", h)
		}
		now := req.now()
		if early := nbf.Sub(now); early > leeway {
			return invalid(h, ReasonTimestampInFuture,
				"the signature matches, but %s is valid only from %s in the future (nbf), beyond the %s leeway: check the sender's clock",
				h, roundSeconds(early), roundSeconds(leeway))
		}
		if late := now.Sub(exp); late > leeway {
			return invalid(h, ReasonTimestampTooOld,
				"the signature matches, but %s expired %s ago (exp), beyond the %s leeway: the request is stale or replayed; sign it again, or allow more with --tolerance",
				h, roundSeconds(late), roundSeconds(leeway))
		}
	}
	r := valid(h, s.validMessage)
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
