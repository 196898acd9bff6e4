package signing_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/signing"
)

// fuzzClock is the time every seed is signed at and every input verified at.
var fuzzClock = time.Unix(1700000000, 0)

const fuzzURL = "http://127.0.0.1:8787/hook?x=1"

// FuzzVerifyProviders verifies arbitrary requests with every built-in
// provider's scheme, as listen does: Verify, then Explain after a failure.
// The seeds are each provider's fixtures signed with its demo credentials;
// the fuzzer changes the body, the URL and the auth header values. No input
// may panic; a result is consistent (a pass has no reason, a failure has
// one, the message is one line); no message ever holds a demo secret,
// username or password; and a pass must fail with other credentials.
//
//	go test -run '^$' -fuzz FuzzVerifyProviders -fuzztime 30s ./pkg/signing
func FuzzVerifyProviders(f *testing.F) {
	providers := provider.Builtin().All()
	for i, p := range providers {
		for _, k := range p.Kinds {
			req := signedFixture(f, p, k)
			values := make([]string, 3)
			for j, h := range p.Scheme().AuthHeaders() {
				if j < len(values) {
					values[j] = req.Header.Get(h)
				}
			}
			f.Add(uint8(i), req.Body, req.URL, values[0], values[1], values[2])
		}
	}
	f.Add(uint8(0), []byte("{}"), "::", "Basic ", "", "")
	f.Add(uint8(1), []byte("a=1&sig=zz&timestamp=x"), "http://[::1", "Bearer \x00", "-1", "v1,")

	f.Fuzz(func(t *testing.T, which uint8, body []byte, rawURL, v0, v1, v2 string) {
		p := providers[int(which)%len(providers)]
		scheme := p.Scheme()
		req := &signing.Request{Method: p.Kinds[0].Method, URL: rawURL, Header: http.Header{}, Body: body, Now: fuzzClock}
		req.Header.Set("Content-Type", p.Kinds[0].ContentType())
		for j, h := range scheme.AuthHeaders() {
			if v := []string{v0, v1, v2}; j < len(v) && v[j] != "" {
				req.Header.Set(h, v[j])
			}
		}
		orig := bytes.Clone(body)
		r := scheme.Verify(req, p.Demo)
		if !r.Valid {
			r = signing.Explain(scheme, req, p.Demo, r)
		}
		if r.Valid != (r.Reason == "") || r.Message == "" || strings.ContainsAny(r.Message, "\r\n") {
			t.Fatalf("%s: inconsistent result %+v", p.Name, r)
		}
		given := strings.Join([]string{string(body), rawURL, v0, v1, v2}, "\n")
		for _, secret := range append(append([]string(nil), p.Demo.Secrets...), p.Demo.Username, p.Demo.Password) {
			// A message may quote the input; it must not add a credential.
			if len(secret) >= 6 && strings.Contains(r.Message, secret) && !strings.Contains(given, secret) {
				t.Fatalf("%s: the message holds a credential: %s", p.Name, r.Message)
			}
		}
		if !bytes.Equal(body, orig) {
			t.Fatalf("%s: verification changed the body", p.Name)
		}
		if !r.Valid {
			return
		}
		other := signing.Credentials{Secrets: []string{"not-the-secret"}, Username: "not-the-user", Password: "not-the-password"}
		if p.Name == "telnyx" {
			other.Secrets = []string{"MCowBQYDK2VwAyEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}
		}
		if w := scheme.Verify(req, other); w.Valid {
			t.Fatalf("%s: passes with other credentials too", p.Name)
		}
	})
}

// signedFixture is a kind's fixture signed with the provider's demo
// credentials at fuzzClock.
func signedFixture(tb testing.TB, p *provider.Provider, k *provider.Kind) *signing.Request {
	req := &signing.Request{Method: k.Method, URL: fuzzURL, Header: http.Header{}, Body: bytes.Clone(k.Fixture), Now: fuzzClock}
	req.Header.Set("Content-Type", k.ContentType())
	if err := p.Scheme().Sign(req, p.Demo); err != nil {
		tb.Fatalf("%s: %v", p.Name, err)
	}
	if r := p.Scheme().Verify(req, p.Demo); !r.Valid {
		tb.Fatalf("%s/%s: the signed fixture does not verify: %s", p.Name, k.Name, r.Message)
	}
	return req
}
