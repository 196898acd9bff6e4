package redact

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/signing"
)

func TestURL(t *testing.T) {
	tests := map[string]string{
		"http://app/hook":                      "http://app/hook",
		"http://user:PASS@app:3000/hook?a=b@c": "http://user:xxxxx@app:3000/hook?a=b@c",
		"https://TOKEN@app/hook":               "https://xxxxx@app/hook",
		"http://u:p%zz@app/":                   "http://u:xxxxx@app/", // does not parse
		"http://u:a@b@app/x":                   "http://u:xxxxx@app/x",
		"http://app/path@x":                    "http://app/path@x",
		"mailto:a@b":                           "mailto:a@b",
		"":                                     "",
		`cannot reach the app at http://u:S3cret@127.0.0.1:9/x: refused; tried "https://k@h"`: `cannot reach the app at http://u:xxxxx@127.0.0.1:9/x: refused; tried "https://xxxxx@h"`,
	}
	for in, want := range tests {
		if got := URL(in); got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
	}
}

func mustScheme(t *testing.T, spec signing.Spec) signing.Scheme {
	t.Helper()
	s, err := signing.New(spec)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestHeaders(t *testing.T) {
	apiToken := mustScheme(t, signing.Spec{Scheme: "bearer", Header: "X-Api-Token"})
	basicX := mustScheme(t, signing.Spec{Scheme: "basic", Header: "X-Basic"})
	hmacSig := mustScheme(t, signing.Spec{Scheme: "hmac", Header: "X-Sig", Algorithm: "sha256", Encoding: "hex"})
	// A provider that signs in the header another uses for a token.
	hmacInToken := mustScheme(t, signing.Spec{Scheme: "hmac", Header: "X-Api-Token", Algorithm: "sha256", Encoding: "hex"})
	hs := NewHeaders(apiToken, basicX, hmacSig, hmacInToken)

	h := http.Header{
		"Authorization":       {"Bearer tok"},
		"Proxy-Authorization": {"Basic cHJveHk="},
		"Cookie":              {"session=abc"},
		"X-Api-Token":         {"Bearer tok2"},
		"X-Basic":             {"Basic dTpw"},
		"X-Sig":               {"abcdef"},
		"Content-Type":        {"application/json"},
	}
	tests := []struct {
		name  string
		route signing.Scheme
		shown map[string]string
	}{
		{"unrouted: every scheme's", nil, map[string]string{"X-Sig": "abcdef", "X-Api-Token": "Bearer <redacted>", "X-Basic": "Basic <redacted>"}},
		{"hmac route: others' tokens too", hmacSig, map[string]string{"X-Sig": "abcdef", "X-Api-Token": "Bearer <redacted>"}},
		{"own signature header is no secret", hmacInToken, map[string]string{"X-Api-Token": "Bearer tok2", "X-Basic": "Basic <redacted>"}},
	}
	for _, tt := range tests {
		got, hidden := hs.Redact(h, tt.route)
		if !hidden {
			t.Errorf("%s: nothing hidden", tt.name)
		}
		for name, want := range map[string]string{"Authorization": "Bearer <redacted>", "Proxy-Authorization": "Basic <redacted>",
			"Cookie": "<redacted>", "Content-Type": "application/json"} {
			if got.Get(name) != want {
				t.Errorf("%s: %s = %q, want %q", tt.name, name, got.Get(name), want)
			}
		}
		for name, want := range tt.shown {
			if got.Get(name) != want {
				t.Errorf("%s: %s = %q, want %q", tt.name, name, got.Get(name), want)
			}
		}
	}
	if h.Get("Authorization") != "Bearer tok" {
		t.Error("Redact changed its input")
	}
	// The nil set still knows the headers that are always credentials.
	var none *Headers
	if got, _ := none.Redact(http.Header{"Authorization": {"Bearer x"}, "X-Api-Token": {"y"}}, nil); got.Get("Authorization") != "Bearer <redacted>" || got.Get("X-Api-Token") != "y" {
		t.Errorf("nil set: %v", got)
	}
}

func TestRecord(t *testing.T) {
	rec := &capture.Record{URL: "http://127.0.0.1/x", Headers: http.Header{"X-Api-Token": {"Bearer T0k"}},
		Forward: &capture.Forward{URL: "http://u:PASS@app/x", Error: "cannot reach the app at http://u:PASS@app/x: refused"}}
	rec.Reply.Headers = http.Header{"Set-Cookie": {"s=PASS2"}}
	hs := NewHeaders(mustScheme(t, signing.Spec{Scheme: "bearer", Header: "X-Api-Token"}))
	got, changed := Record(rec, hs, nil)
	if !changed {
		t.Fatal("nothing changed")
	}
	for _, s := range []string{got.Headers.Get("X-Api-Token"), got.Forward.URL, got.Forward.Error, got.Reply.Headers.Get("Set-Cookie")} {
		if strings.Contains(s, "T0k") || strings.Contains(s, "PASS") {
			t.Errorf("still shown: %q", s)
		}
	}
	if rec.Forward.URL != "http://u:PASS@app/x" || rec.Headers.Get("X-Api-Token") != "Bearer T0k" {
		t.Error("Record changed its input")
	}
}

// TestRedactRoute: with no set, the route's own credential headers and the
// ones that always are credentials are hidden, and nothing else.
func TestRedactRoute(t *testing.T) {
	tests := []struct {
		name   string
		scheme signing.Scheme
		header http.Header
		want   http.Header
	}{
		{"bearer token", mustScheme(t, signing.Spec{Scheme: signing.SchemeBearer}),
			http.Header{"Authorization": {"Bearer s3cr3t"}}, http.Header{"Authorization": {"Bearer <redacted>"}}},
		{"basic in a custom header", mustScheme(t, signing.Spec{Scheme: signing.SchemeBasic, Header: "X-Auth"}),
			http.Header{"X-Auth": {"Basic dTpw"}}, http.Header{"X-Auth": {"Basic <redacted>"}}},
		{"an hmac signature is not a secret", mustScheme(t, signing.Spec{Scheme: signing.SchemeHMAC, Header: "X-Sig"}),
			http.Header{"X-Sig": {"abc="}, "Proxy-Authorization": {"tok"}}, http.Header{"X-Sig": {"abc="}, "Proxy-Authorization": {"<redacted>"}}},
		{"no scheme: Authorization still hidden", nil,
			http.Header{"Authorization": {"Basic dTpw"}, "Webhook-Id": {"msg_1"}}, http.Header{"Authorization": {"Basic <redacted>"}, "Webhook-Id": {"msg_1"}}},
	}
	for _, tt := range tests {
		orig := tt.header.Clone()
		got, redacted := (*Headers)(nil).Redact(tt.header, tt.scheme)
		if !reflect.DeepEqual(got, tt.want) || !redacted {
			t.Errorf("%s: got %v (%v), want %v", tt.name, got, redacted, tt.want)
		}
		if !reflect.DeepEqual(tt.header, orig) {
			t.Errorf("%s: the input was changed", tt.name)
		}
	}
	if _, redacted := (*Headers)(nil).Redact(http.Header{"Content-Type": {"x"}}, nil); redacted {
		t.Error("nothing to redact, but redacted")
	}
}
