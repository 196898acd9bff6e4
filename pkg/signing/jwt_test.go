package signing

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// mbToken signs claims with golang-jwt, an implementation independent of
// Verify's hand-rolled parser.
func mbToken(t *testing.T, method jwt.SigningMethod, key string, claims jwt.MapClaims) string {
	t.Helper()
	token, err := jwt.NewWithClaims(method, claims).SignedString([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func hexSHA256(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestMessageBirdClaims(t *testing.T) {
	const (
		key  = "mb-signing-key"
		url  = "https://example.com/mb?x=1"
		body = `{"id":"m1"}`
		now  = int64(1700000000)
	)
	base := func() jwt.MapClaims {
		return jwt.MapClaims{"iss": "MessageBird", "nbf": now, "exp": now + 60, "jti": "j1",
			"url_hash": hexSHA256(url), "payload_hash": hexSHA256(body)}
	}
	with := func(edit func(jwt.MapClaims)) jwt.MapClaims { c := base(); edit(c); return c }
	tests := []struct {
		name      string
		method    jwt.SigningMethod
		claims    jwt.MapClaims
		body      string
		tolerance time.Duration
		want      Reason
	}{
		{"as MessageBird sends it", jwt.SigningMethodHS256, base(), body, 0, ReasonNone},
		{"HS512", jwt.SigningMethodHS512, base(), body, 0, ReasonNone},
		// npm messagebird 4.0.1 reads the hashes with Buffer.from(hash, "hex").
		{"uppercase url_hash", jwt.SigningMethodHS256, with(func(c jwt.MapClaims) { c["url_hash"] = strings.ToUpper(hexSHA256(url)) }), body, 0, ReasonNone},
		{"uppercase payload_hash", jwt.SigningMethodHS256, with(func(c jwt.MapClaims) { c["payload_hash"] = strings.ToUpper(hexSHA256(body)) }), body, 0, ReasonNone},
		{"url_hash of another URL", jwt.SigningMethodHS256, with(func(c jwt.MapClaims) { c["url_hash"] = hexSHA256(url + "&y") }), body, 0, ReasonURLMismatch},
		{"no url_hash", jwt.SigningMethodHS256, with(func(c jwt.MapClaims) { delete(c, "url_hash") }), body, 0, ReasonURLMismatch},
		// and its clockTolerance of 5 s on nbf and exp.
		{"nbf 4 s ahead", jwt.SigningMethodHS256, with(func(c jwt.MapClaims) { c["nbf"] = now + 4 }), body, 0, ReasonNone},
		{"nbf 6 s ahead", jwt.SigningMethodHS256, with(func(c jwt.MapClaims) { c["nbf"] = now + 6 }), body, 0, ReasonTimestampInFuture},
		{"exp 4 s ago", jwt.SigningMethodHS256, with(func(c jwt.MapClaims) { c["nbf"], c["exp"] = now-60, now-4 }), body, 0, ReasonNone},
		{"exp 6 s ago", jwt.SigningMethodHS256, with(func(c jwt.MapClaims) { c["nbf"], c["exp"] = now-60, now-6 }), body, 0, ReasonTimestampTooOld},
		// Without exp a token would be good for ever: refused unless the
		// time check is off.
		{"no exp", jwt.SigningMethodHS256, with(func(c jwt.MapClaims) { delete(c, "exp") }), body, 0, ReasonMissingTimestamp},
		{"no nbf", jwt.SigningMethodHS256, with(func(c jwt.MapClaims) { delete(c, "nbf") }), body, 0, ReasonMissingTimestamp},
		{"no nbf nor exp, time check off", jwt.SigningMethodHS256, with(func(c jwt.MapClaims) { delete(c, "nbf"); delete(c, "exp") }), body, -1, ReasonNone},
		{"exp not a number", jwt.SigningMethodHS256, with(func(c jwt.MapClaims) { c["exp"] = "soon" }), body, 0, ReasonMalformed},
		{"other issuer", jwt.SigningMethodHS256, with(func(c jwt.MapClaims) { c["iss"] = "Other" }), body, 0, ReasonMalformed},
		{"no jti", jwt.SigningMethodHS256, with(func(c jwt.MapClaims) { delete(c, "jti") }), body, 0, ReasonMalformed},
		{"empty body, payload_hash of nothing", jwt.SigningMethodHS256, with(func(c jwt.MapClaims) { c["payload_hash"] = hexSHA256("") }), "", 0, ReasonNone},
		{"empty body, no payload_hash", jwt.SigningMethodHS256, with(func(c jwt.MapClaims) { delete(c, "payload_hash") }), "", 0, ReasonNone},
		{"body lost", jwt.SigningMethodHS256, base(), "", 0, ReasonMismatch},
		{"body added", jwt.SigningMethodHS256, with(func(c jwt.MapClaims) { delete(c, "payload_hash") }), body, 0, ReasonMismatch},
		{"body changed", jwt.SigningMethodHS256, base(), body + " ", 0, ReasonMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustNew(t, Spec{Scheme: SchemeMessageBird, Tolerance: tt.tolerance})
			req := &Request{Method: "POST", URL: url, Body: []byte(tt.body), Now: time.Unix(now, 0),
				Header: http.Header{"Messagebird-Signature-Jwt": {mbToken(t, tt.method, key, tt.claims)}}}
			if r := s.Verify(req, secrets(key)); r.Reason != tt.want || r.Valid != (tt.want == ReasonNone) {
				t.Errorf("Verify = %v %q (%s), want %q", r.Valid, r.Reason, r.Message, tt.want)
			}
		})
	}
}

func TestMessageBirdTamperedToken(t *testing.T) {
	const key = "mb-signing-key"
	token := mbToken(t, jwt.SigningMethodHS256, key, jwt.MapClaims{"iss": "MessageBird", "jti": "j"})
	head, rest, _ := strings.Cut(token, ".")
	claims, sig, _ := strings.Cut(rest, ".")
	for name, bad := range map[string]string{
		"signature cut":       head + "." + claims + "." + sig[:len(sig)-2],
		"signature of other":  head + "." + claims + "x." + sig,
		"padded":              token + "=",
		"four parts":          token + ".x",
		"header not JSON":     "bm90IGpzb24." + claims + "." + sig,
		"signature not b64":   head + "." + claims + ".!!!",
		"HS256 header, empty": head + ".." + sig,
	} {
		req := &Request{Method: "POST", URL: "https://e.com/", Header: http.Header{"Messagebird-Signature-Jwt": {bad}}}
		if r := mustNew(t, Spec{Scheme: SchemeMessageBird, Tolerance: -1}).Verify(req, secrets(key)); r.Valid {
			t.Errorf("%s: accepted", name)
		}
	}
}
