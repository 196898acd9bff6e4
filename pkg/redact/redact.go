// Package redact is where smshook knows its credentials: the headers that
// carry one (every header a scheme, built-in or config-defined, treats as a
// credential, plus Authorization, Proxy-Authorization and cookies) and the
// userinfo of a URL. Everything shown, stored for sharing or sent back to a
// sender goes through it; only the outgoing request keeps the secret.
package redact

import (
	"net/http"
	"strings"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/signing"
)

// Mask stands for a hidden header value, after the auth scheme word when
// there is one ("Bearer <redacted>").
const Mask = "<redacted>"

// URLMask stands for a hidden URL password, as url.URL.Redacted writes it.
const URLMask = "xxxxx"

// alwaysSecret are credential headers whatever the provider.
var alwaysSecret = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie"}

// CredentialHeaders lists the headers in which a scheme sends the secret
// itself (Basic and Bearer). Signature headers are not listed: a signature
// does not give away the key.
func CredentialHeaders(s signing.Scheme) []string {
	if s == nil {
		return nil
	}
	switch strings.ToLower(s.Spec().Scheme) {
	case signing.SchemeBasic, signing.SchemeBearer:
		return s.AuthHeaders()
	}
	return nil
}

// Headers is the set of credential header names. The zero or nil set holds
// the headers that are credentials whatever the provider.
type Headers struct {
	names map[string]bool // canonical names
}

// NewHeaders is the set for the given schemes: every provider's, so that a
// request no route claims is redacted with all of them.
func NewHeaders(schemes ...signing.Scheme) *Headers {
	hs := &Headers{names: map[string]bool{}}
	for _, name := range alwaysSecret {
		hs.names[name] = true
	}
	for _, s := range schemes {
		for _, name := range CredentialHeaders(s) {
			hs.names[http.CanonicalHeaderKey(name)] = true
		}
	}
	return hs
}

// Has reports whether name is a credential header for a request of the
// scheme route (nil when no route is known: then every scheme counts).
func (hs *Headers) Has(name string, route signing.Scheme) bool {
	name = http.CanonicalHeaderKey(name)
	for _, c := range CredentialHeaders(route) {
		if http.CanonicalHeaderKey(c) == name {
			return true
		}
	}
	for _, always := range alwaysSecret {
		if always == name {
			return true
		}
	}
	if hs == nil || !hs.names[name] {
		return false
	}
	// Another provider's credential header that this route signs in is a
	// signature here, not a secret.
	if route != nil {
		for _, own := range route.AuthHeaders() {
			if http.CanonicalHeaderKey(own) == name {
				return false
			}
		}
	}
	return true
}

// Redact returns h with the values of credential headers hidden (a copy
// when anything is hidden), and whether anything was. The auth scheme word
// stays, so "Bearer <redacted>" still says what was sent.
func (hs *Headers) Redact(h http.Header, route signing.Scheme) (http.Header, bool) {
	out := h
	redacted := false
	for name, values := range h {
		if len(values) == 0 || !hs.Has(name, route) {
			continue
		}
		if !redacted {
			out = h.Clone()
			redacted = true
		}
		hidden := make([]string, len(values))
		for i, v := range values {
			hidden[i] = Mask
			if word, _, ok := strings.Cut(v, " "); ok && isSchemeWord(word) {
				hidden[i] = word + " " + Mask
			}
		}
		out[name] = hidden
	}
	return out, redacted
}

// isSchemeWord reports whether word reads as an auth scheme name ("Basic",
// "Bearer", "Digest"), which is safe to keep.
func isSchemeWord(word string) bool {
	if word == "" || len(word) > 20 {
		return false
	}
	for _, r := range word {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-') {
			return false
		}
	}
	return true
}

// URL returns s with the userinfo of its URL hidden, or of every URL when
// s is a message that names some: a password becomes xxxxx
// ("http://user:xxxxx@app/"), and so does a lone username, which is then
// the credential itself ("http://xxxxx@app/"). It reads the text as it is,
// without parsing, so that a URL that does not parse is hidden too.
func URL(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "//")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		start := i + 2
		end := start + strings.IndexFunc(s[start:]+" ", func(r rune) bool {
			return r == '/' || r == '?' || r == '#' || r == '"' || r == '\'' || r <= ' '
		})
		authority := s[start:end]
		b.WriteString(s[:start])
		if at := strings.LastIndex(authority, "@"); at >= 0 {
			if user, _, hasPassword := strings.Cut(authority[:at], ":"); hasPassword {
				b.WriteString(user + ":")
			}
			b.WriteString(URLMask)
			b.WriteString(authority[at:])
		} else {
			b.WriteString(authority)
		}
		s = s[end:]
	}
}

// HasUserinfo reports whether URL would hide anything in raw.
func HasUserinfo(raw string) bool { return URL(raw) != raw }

// Record returns rec as it may be shown or shared: credential headers of
// the request and the reply hidden, and userinfo hidden in its URLs. It
// copies rec when anything changes and reports whether anything did.
func Record(rec *capture.Record, hs *Headers, route signing.Scheme) (*capture.Record, bool) {
	clone := *rec
	changed := false
	var hidden bool
	if clone.Headers, hidden = hs.Redact(rec.Headers, route); hidden {
		changed = true
	}
	if clone.Reply.Headers, hidden = hs.Redact(rec.Reply.Headers, nil); hidden {
		changed = true
	}
	if u := URL(rec.URL); u != rec.URL {
		clone.URL, changed = u, true
	}
	if u := URL(rec.PublicURL); u != rec.PublicURL {
		clone.PublicURL, changed = u, true
	}
	if f := rec.Forward; f != nil {
		if u, e := URL(f.URL), URL(f.Error); u != f.URL || e != f.Error {
			fwd := *f
			fwd.URL, fwd.Error, changed = u, e, true
			clone.Forward = &fwd
		}
	}
	if !changed {
		return rec, false
	}
	return &clone, true
}
