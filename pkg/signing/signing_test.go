package signing

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
)

// Known answers below were computed with openssl, an independent tool; the
// command stands beside each literal. Fixture files are the provider
// package's embedded examples, read from disk here byte for byte.

var dexatelSpec = Spec{Scheme: SchemeHMAC, Header: "X-Dexatel-Signature", Algorithm: "sha256",
	Encoding: EncodingBase64, AcceptEncodings: []string{EncodingBase64, EncodingHex}}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../provider/fixtures/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newReq(body []byte, header ...string) *Request {
	h := http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		h.Add(header[i], header[i+1])
	}
	return &Request{Method: "POST", URL: "https://example.com/hook", Header: h, Body: body}
}

func mustNew(t testing.TB, spec Spec) Scheme {
	t.Helper()
	s, err := New(spec)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func secrets(s ...string) Credentials { return Credentials{Secrets: s} }

func TestSignKnownAnswers(t *testing.T) {
	delivery := readFixture(t, "dexatel_delivery.json")
	message := readFixture(t, "dexatel_message.json")
	small := []byte(`{"a":1}`)
	tests := []struct {
		name string
		spec Spec
		body []byte
		cred Credentials
		want string
	}{
		// openssl dgst -sha256 -hmac 'whsec-test-secret' -binary dexatel_delivery.json | base64
		{"dexatel base64", dexatelSpec, delivery, secrets("whsec-test-secret"), "/dFMejHbgDOA2zgYp+Ovj/Q2Gpk28mrBFwrns7eL3SY="},
		// openssl dgst -sha256 -hmac 'whsec-test-secret' dexatel_message.json
		{"dexatel hex", withEncoding(dexatelSpec, EncodingHex), message, secrets("whsec-test-secret"),
			"483dccf6b737d910015b38afb175097a70d84b6e1b8f90d3c5b8e6bd80420c6e"},
		// printf '%s' '{"a":1}' | openssl dgst -sha1 -hmac k
		{"sha1 hex", Spec{Scheme: "hmac", Header: "X-Sig", Algorithm: "sha1"}, small, secrets("k"),
			"7b4ab6898ab862077e9caf504b39982f2bc41453"},
		// printf '%s' '{"a":1}' | openssl dgst -sha512 -hmac k -binary | base64 -w0
		{"sha512 base64 with prefix", Spec{Scheme: "hmac", Header: "X-Sig", Algorithm: "SHA512", Encoding: "base64", Prefix: "sha512="},
			small, secrets("k"), "sha512=9SdCJoZVW2Uoouf37IKy9UUrADA7sob4dOB1uneJdKbYGt//UjZC/HO2lg91m5KjutE4vhEL9ZIj55/RtcaCXQ=="},
		// printf '%s' 'POSThttps://example.com/hook.{"a":1}' | openssl dgst -sha256 -hmac k
		{"template over method, url and body", Spec{Scheme: "hmac", Header: "X-Sig", Template: "{method}{url}.{body}"},
			small, secrets("k"), "2a64da5b3530f0fbe6fc963f714fa0a3a91b6c2b17e0e313f3f6865e3c1a3472"},
		// rotation: Sign uses the first secret
		{"first secret signs", Spec{Scheme: "hmac", Header: "X-Sig", Algorithm: "sha1"}, small, secrets("k", "old"),
			"7b4ab6898ab862077e9caf504b39982f2bc41453"},
		// printf '%s' 'user:pa:ss' | base64
		{"basic, password with a colon", Spec{Scheme: "basic"}, small, Credentials{Username: "user", Password: "pa:ss"}, "Basic dXNlcjpwYTpzcw=="},
		{"bearer", Spec{Scheme: "bearer"}, small, secrets("tok"), "Bearer tok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustNew(t, tt.spec)
			req := newReq(tt.body)
			if err := s.Sign(req, tt.cred); err != nil {
				t.Fatal(err)
			}
			header := s.AuthHeaders()[0]
			if got := req.Header.Get(header); got != tt.want {
				t.Errorf("%s = %q, want %q", header, got, tt.want)
			}
			if r := s.Verify(req, tt.cred); !r.Valid {
				t.Errorf("own signature does not verify: %s", r.Message)
			}
		})
	}
}

func withEncoding(s Spec, enc string) Spec { s.Encoding = enc; return s }

func TestVerifyHMAC(t *testing.T) {
	body := readFixture(t, "dexatel_delivery.json")
	const (
		b64 = "/dFMejHbgDOA2zgYp+Ovj/Q2Gpk28mrBFwrns7eL3SY="
		hex = "fdd14c7a31db803380db3818a7e3af8ff4361a9936f26ac1170ae7b3b78bdd26"
	)
	altered := bytes.Replace(body, []byte("delivered"), []byte("delivereD"), 1)
	base64Only := withEncoding(dexatelSpec, EncodingBase64)
	base64Only.AcceptEncodings = nil
	tests := []struct {
		name     string
		spec     Spec
		body     []byte
		headers  []string
		cred     Credentials
		valid    bool
		reason   Reason
		encoding string
		index    int
		message  string
	}{
		{"base64", dexatelSpec, body, []string{"X-Dexatel-Signature", b64}, secrets("whsec-test-secret"), true, "", "base64", 0, "valid HMAC-SHA256"},
		{"hex", dexatelSpec, body, []string{"X-Dexatel-Signature", hex}, secrets("whsec-test-secret"), true, "", "hex", 0, ""},
		{"hex in capitals", dexatelSpec, body, []string{"X-Dexatel-Signature", strings.ToUpper(hex)}, secrets("whsec-test-secret"), true, "", "hex", 0, ""},
		{"base64 without padding", dexatelSpec, body, []string{"X-Dexatel-Signature", strings.TrimRight(b64, "=")}, secrets("whsec-test-secret"), true, "", "base64", 0, ""},
		{"surrounding spaces", dexatelSpec, body, []string{"X-Dexatel-Signature", "  " + b64 + " "}, secrets("whsec-test-secret"), true, "", "base64", 0, ""},
		{"header name in any case", dexatelSpec, body, []string{"x-dexatel-signature", b64}, secrets("whsec-test-secret"), true, "", "base64", 0, ""},
		{"rotation: second secret matches", dexatelSpec, body, []string{"X-Dexatel-Signature", b64}, secrets("new", "whsec-test-secret"), true, "", "base64", 1, ""},
		{"one byte of the body changed", dexatelSpec, altered, []string{"X-Dexatel-Signature", b64}, secrets("whsec-test-secret"), false, ReasonMismatch, "", 0, "does not match the body"},
		{"wrong secret", dexatelSpec, body, []string{"X-Dexatel-Signature", b64}, secrets("nope"), false, ReasonMismatch, "", 0, "the secret is wrong"},
		{"missing header", dexatelSpec, body, nil, secrets("whsec-test-secret"), false, ReasonMissing, "", 0, "no X-Dexatel-Signature header"},
		{"two headers", dexatelSpec, body, []string{"X-Dexatel-Signature", b64, "X-Dexatel-Signature", b64}, secrets("whsec-test-secret"), false, ReasonDuplicate, "", 0, "2 X-Dexatel-Signature headers"},
		{"garbage", dexatelSpec, body, []string{"X-Dexatel-Signature", "not a signature"}, secrets("whsec-test-secret"), false, ReasonMalformed, "", 0, "check you copied the whole header value"},
		{"truncated hex", dexatelSpec, body, []string{"X-Dexatel-Signature", hex[:63]}, secrets("whsec-test-secret"), false, ReasonMalformed, "", 0, "63 characters"},
		{"hex where only base64 is sent", base64Only, body, []string{"X-Dexatel-Signature", hex}, secrets("whsec-test-secret"), false, ReasonWrongEncoding, "", 0, "correct signature in hex, but this provider sends base64"},
		{"no secret", dexatelSpec, body, []string{"X-Dexatel-Signature", b64}, Credentials{}, false, ReasonNoCredentials, "", 0, "no secret"},
		{"prefix required", Spec{Scheme: "hmac", Header: "X-Hub-Signature-256", Prefix: "sha256="}, body,
			[]string{"X-Hub-Signature-256", hex}, secrets("whsec-test-secret"), false, ReasonMalformed, "", 0, `does not start with "sha256="`},
		{"prefix in any case", Spec{Scheme: "hmac", Header: "X-Hub-Signature-256", Prefix: "sha256="}, body,
			[]string{"X-Hub-Signature-256", "SHA256=" + hex}, secrets("whsec-test-secret"), true, "", "hex", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustNew(t, tt.spec).Verify(newReq(tt.body, tt.headers...), tt.cred)
			if r.Valid != tt.valid || r.Reason != tt.reason {
				t.Fatalf("Verify = valid %v reason %q (%s), want valid %v reason %q", r.Valid, r.Reason, r.Message, tt.valid, tt.reason)
			}
			if tt.valid && (r.Encoding != tt.encoding || r.SecretIndex != tt.index) {
				t.Errorf("matched encoding %q secret #%d, want %q #%d", r.Encoding, r.SecretIndex, tt.encoding, tt.index)
			}
			if !strings.Contains(r.Message, tt.message) {
				t.Errorf("message %q does not contain %q", r.Message, tt.message)
			}
			if (r.Err() == nil) != tt.valid {
				t.Errorf("Err() = %v for valid=%v", r.Err(), tt.valid)
			}
		})
	}
}

func TestVerifyBasicAndBearer(t *testing.T) {
	basic := Spec{Scheme: SchemeBasic}
	bearer := Spec{Scheme: SchemeBearer}
	user := Credentials{Username: "user", Password: "pa:ss"}
	tests := []struct {
		name   string
		spec   Spec
		value  string
		cred   Credentials
		reason Reason
	}{
		// printf '%s' 'user:pa:ss' | base64
		{"basic ok", basic, "Basic dXNlcjpwYTpzcw==", user, ""},
		{"basic scheme name in any case", basic, "basic dXNlcjpwYTpzcw==", user, ""},
		// printf '%s' 'user:wrong' | base64
		{"basic wrong password", basic, "Basic dXNlcjp3cm9uZw==", user, ReasonWrongCredentials},
		// printf '%s' 'other:pa:ss' | base64
		{"basic wrong user", basic, "Basic b3RoZXI6cGE6c3M=", user, ReasonWrongCredentials},
		{"basic not base64", basic, "Basic ***", user, ReasonMalformed},
		// printf '%s' 'nocolon' | base64
		{"basic without colon", basic, "Basic bm9jb2xvbg==", user, ReasonMalformed},
		{"bearer sent to basic", basic, "Bearer x", user, ReasonMalformed},
		{"basic without credentials", basic, "Basic dXNlcjpwYTpzcw==", Credentials{}, ReasonNoCredentials},
		{"bearer ok", bearer, "Bearer 1233XXX", secrets("1233XXX"), ""},
		{"bearer rotation", bearer, "Bearer old", secrets("new", "old"), ""},
		{"bearer wrong", bearer, "Bearer 1233XXY", secrets("1233XXX"), ReasonWrongCredentials},
		{"bearer prefix of the secret", bearer, "Bearer 1233", secrets("1233XXX"), ReasonWrongCredentials},
		{"bearer missing scheme word", bearer, "1233XXX", secrets("1233XXX"), ReasonMalformed},
		{"bearer empty token", bearer, "Bearer ", secrets("1233XXX"), ReasonMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustNew(t, tt.spec).Verify(newReq([]byte("{}"), "Authorization", tt.value), tt.cred)
			if r.Reason != tt.reason || r.Valid != (tt.reason == "") {
				t.Fatalf("Verify = valid %v reason %q (%s), want reason %q", r.Valid, r.Reason, r.Message, tt.reason)
			}
			for _, secret := range append(tt.cred.Secrets, tt.cred.Password) {
				if secret != "" && strings.Contains(r.Message, secret) {
					t.Errorf("message %q reveals a secret", r.Message)
				}
			}
		})
	}
}

func TestNewRejectsBadSpecs(t *testing.T) {
	tests := []struct {
		spec Spec
		want string
	}{
		{Spec{}, "auth scheme is empty"},
		{Spec{Scheme: "oauth"}, `unknown auth scheme "oauth"`},
		{Spec{Scheme: "hmac", Header: "X", Algorithm: "md4"}, `unknown hmac algorithm "md4"`},
		{Spec{Scheme: "hmac"}, "needs a header name"},
		{Spec{Scheme: "hmac", Header: "X", Encoding: "base32"}, `unknown signature encoding "base32"`},
		{Spec{Scheme: "hmac", Header: "X", AcceptEncodings: []string{"hex", "b64"}}, `unknown signature encoding "b64"`},
		{Spec{Scheme: "hmac", Header: "X", Template: "{timestamp}.{body}"}, "unknown field {timestamp}"},
		{Spec{Scheme: "hmac", Header: "X", Template: "{body"}, "unclosed '{'"},
	}
	for _, tt := range tests {
		if _, err := New(tt.spec); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%+v) = %v, want error containing %q", tt.spec, err, tt.want)
		}
	}
}

func TestSignWithoutCredentials(t *testing.T) {
	for _, spec := range []Spec{dexatelSpec, {Scheme: SchemeBasic}, {Scheme: SchemeBearer}} {
		if err := mustNew(t, spec).Sign(newReq([]byte("{}")), Credentials{}); err != ErrNoCredentials {
			t.Errorf("%s: Sign without credentials = %v, want ErrNoCredentials", spec.Scheme, err)
		}
	}
}

func TestExplainFindsReserializedBodies(t *testing.T) {
	signed := []byte("{\n    \"data\": {\n        \"b\": 2,\n        \"a\": \"x<y\"\n    }\n}")
	s := mustNew(t, dexatelSpec)
	cred := secrets("k")
	req := newReq(signed)
	if err := s.Sign(req, cred); err != nil {
		t.Fatal(err)
	}
	sig := req.Header.Get("X-Dexatel-Signature")

	tests := []struct {
		name     string
		received string
		want     string // "" means no explanation: a plain mismatch
	}{
		{"compacted", `{"data":{"b":2,"a":"x<y"}}`, "as JSON indented with four spaces"},
		{"newline added", string(signed) + "\n", "trailing newline removed"},
		{"CRLF", strings.ReplaceAll(string(signed), "\n", "\r\n"), "CRLF line endings turned into LF"},
		{"indented with tabs", "{\n\t\"data\": {\n\t\t\"b\": 2,\n\t\t\"a\": \"x<y\"\n\t}\n}", "as JSON indented with four spaces"},
		{"keys in another order", `{"data":{"a":"x<y","b":2}}`, ""},
		{"a value changed", strings.Replace(string(signed), "2", "3", 1), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := newReq([]byte(tt.received), "X-Dexatel-Signature", sig)
			r := Explain(s, got, cred, s.Verify(got, cred))
			if tt.want == "" {
				if r.Reason != ReasonMismatch {
					t.Fatalf("reason %q (%s), want a plain mismatch", r.Reason, r.Message)
				}
				return
			}
			if r.Reason != ReasonBodyAltered {
				t.Fatalf("reason %q (%s), want body_altered", r.Reason, r.Message)
			}
			if !strings.Contains(r.Message, tt.want) || !strings.Contains(r.Message, "something changed the body after signing") {
				t.Errorf("message %q lacks the advice", r.Message)
			}
			if string(got.Body) != tt.received {
				t.Error("Explain changed the request's body")
			}
		})
	}
}

// A sender that signs JSON with sorted keys, received with the keys in
// another order, is found by re-encoding; "keys in another order" above is
// not, since the signed order there was not sorted.
func TestExplainSortedKeysSender(t *testing.T) {
	for _, tt := range []struct{ signed, received, want string }{
		{`{"a":1,"b":{"c":0.10,"d":"<"}}`, `{"b":{"d":"<","c":0.10},"a":1}`, "keys in another order (compact)"},
		{"{\n  \"a\": 0.10,\n  \"b\": \"<\"\n}", `{"b":"<","a":0.10}`, "keys in another order (indented)"},
		{"{\n  \"a\": 1,\n  \"b\": 2\n}", `{"b":2,"a":1}`, "as Python's json.dumps(indent=2, sort_keys=True) or Go's json.MarshalIndent writes it"},
	} {
		s := mustNew(t, dexatelSpec)
		req := newReq([]byte(tt.signed))
		s.Sign(req, secrets("k"))
		got := newReq([]byte(tt.received), "X-Dexatel-Signature", req.Header.Get("X-Dexatel-Signature"))
		r := Explain(s, got, secrets("k"), s.Verify(got, secrets("k")))
		if r.Reason != ReasonBodyAltered || !strings.Contains(r.Message, tt.want) {
			t.Errorf("%s: got %q %s, want body_altered %q", tt.received, r.Reason, r.Message, tt.want)
		}
	}
}

func TestCredentialsNeverFormatted(t *testing.T) {
	c := Credentials{Secrets: []string{"s3cr3t"}, Username: "u", Password: "p4ss"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, c)
		if strings.Contains(out, "s3cr3t") || strings.Contains(out, "p4ss") {
			t.Errorf("%s prints a secret: %s", verb, out)
		}
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		spec Spec
		want string
	}{
		{dexatelSpec, "HMAC-SHA256 of the body, base64, in X-Dexatel-Signature"},
		{Spec{Scheme: "hmac", Header: "X-Hub-Signature-256", Prefix: "sha256="}, `HMAC-SHA256 of the body, hex, prefixed "sha256=", in X-Hub-Signature-256`},
		{Spec{Scheme: "basic"}, "HTTP Basic auth (username and password) in Authorization"},
		{Spec{Scheme: "bearer"}, "shared secret as a Bearer token in Authorization"},
	}
	for _, tt := range tests {
		if got := mustNew(t, tt.spec).Describe(); got != tt.want {
			t.Errorf("Describe = %q, want %q", got, tt.want)
		}
	}
}

// Verify names no flag for the URL (each command takes it its own way), and
// WithURLHint adds the command's hint to failures a wrong URL may explain.
func TestWithURLHint(t *testing.T) {
	const hint = "pass the URL with --the-flag"
	creds := Credentials{Secrets: []string{"s"}}
	body := []byte(`{"a":1}`)
	urlTemplate := Spec{Scheme: SchemeHMAC, Header: "X-Sig", Template: "{url}.{body}"}
	urlTemplateTimed := Spec{Scheme: SchemeHMAC, Header: "X-Sig", Template: "{timestamp}.{url}.{body}", TimestampHeader: "X-Ts"}
	form := []byte("To=%2B1555&Body=hi")
	tests := []struct {
		name     string
		spec     Spec
		body     []byte
		signed   string // the URL signed
		verified string // the URL verified against
		want     string // in the message; "" when no hint is due
	}{
		{"twilio, another URL", Spec{Scheme: SchemeTwilio}, form, "https://tunnel.example/t", "http://127.0.0.1/t", "or Twilio was given another URL"},
		{"twilio, no URL", Spec{Scheme: SchemeTwilio}, form, "https://tunnel.example/t", "", "twilio signs the URL it posts to, and no URL was given"},
		{"plivo, another URL", Spec{Scheme: SchemePlivo}, form, "https://tunnel.example/p", "http://127.0.0.1/p", "or Plivo was given another URL"},
		{"messagebird, another URL", Spec{Scheme: SchemeMessageBird}, body, "https://tunnel.example/m", "http://127.0.0.1/m", "was signed for another URL"},
		{"hmac {url} template, another URL", urlTemplate, body, "https://tunnel.example/h", "http://127.0.0.1/h", "or the provider was given another URL than http://127.0.0.1/h"},
		{"hmac {url} template with a timestamp", urlTemplateTimed, body, "https://tunnel.example/h", "http://127.0.0.1/h", "or the provider was given another URL than http://127.0.0.1/h"},
		{"hmac without {url}: no hint", dexatelSpec, body, "https://tunnel.example/d", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			req := &Request{Method: "POST", URL: tt.signed, Header: http.Header{}, Body: tt.body}
			if tt.spec.Scheme == SchemeTwilio || tt.spec.Scheme == SchemePlivo {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			if err := s.Sign(req, creds); err != nil {
				t.Fatal(err)
			}
			req.URL = tt.verified
			verifyWith := creds
			if !tt.spec.SignsURL() {
				verifyWith = Credentials{Secrets: []string{"another secret"}}
			}
			r := s.Verify(req, verifyWith)
			if r.Valid {
				t.Fatal("verified against another URL")
			}
			if strings.Contains(r.Message, "--") {
				t.Errorf("Verify names a flag: %s", r.Message)
			}
			hinted := WithURLHint(tt.spec, r, hint)
			if tt.want == "" {
				if hinted.Message != r.Message {
					t.Errorf("hint added to %s", hinted.Message)
				}
				return
			}
			if !strings.Contains(r.Message, tt.want) || hinted.Message != r.Message+": "+hint {
				t.Errorf("message %q\nhinted %q", r.Message, hinted.Message)
			}
		})
	}
	if r := WithURLHint(Spec{Scheme: SchemeTwilio}, Result{Valid: true, Message: "ok"}, hint); r.Message != "ok" {
		t.Errorf("a valid result got a hint: %s", r.Message)
	}
}
