package signing

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/internal/nodesdk"
)

// The Node oracle: the providers' official Node SDKs (scripts/oracle,
// versions pinned in its package.json and package-lock.json) check what
// smshook signs, and sign what smshook checks, over awkward requests. A
// tampered request must fail on both sides. Locally the test skips when
// node or scripts/oracle/node_modules is missing (make oracle-deps installs
// them); in CI (CI=true) it fails instead.

// nodeOracle is one running scripts/oracle/oracle.js, answering a JSON
// line for each JSON line.
type nodeOracle struct {
	in  io.WriteCloser
	out *bufio.Reader
}

type oracleRequest struct {
	Op       string            `json:"op"`
	Provider string            `json:"provider"`
	Secret   string            `json:"secret"`
	Method   string            `json:"method"`
	URL      string            `json:"url"`
	Headers  map[string]string `json:"headers"`
	Body     []byte            `json:"body"` // base64, as oracle.js reads it
	Now      int64             `json:"now,omitempty"`
}

type oracleResponse struct {
	Valid   bool              `json:"valid"`
	Error   string            `json:"error"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
	Body    []byte            `json:"body"`
}

func startNodeOracle(t *testing.T) *nodeOracle {
	t.Helper()
	node, dir := nodesdk.Require(t, "../..")
	in, out := nodesdk.Start(t, node, dir, "oracle.js", os.Stderr)
	return &nodeOracle{in: in, out: bufio.NewReaderSize(out, 1<<20)}
}

func (o *nodeOracle) call(t *testing.T, req oracleRequest) oracleResponse {
	t.Helper()
	line, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.in.Write(append(line, '\n')); err != nil {
		t.Fatalf("node oracle: %v", err)
	}
	answer, err := o.out.ReadBytes('\n')
	if err != nil {
		t.Fatalf("node oracle stopped: %v", err)
	}
	var resp oracleResponse
	if err := json.Unmarshal(answer, &resp); err != nil {
		t.Fatalf("node oracle answered %q: %v", answer, err)
	}
	if req.Op == "sign" && resp.Error != "" {
		t.Fatalf("node oracle could not sign: %s", resp.Error)
	}
	return resp
}

// oracleCase is one request to sign both ways.
type oracleCase struct {
	name        string
	method, url string
	contentType string
	body        string
}

// oracleProvider is a provider's scheme, its secrets (telnyx signs with a
// private key and verifies with the public one) and its cases.
type oracleProvider struct {
	provider             string // oracle.js's name
	spec                 Spec
	signSecret, checkKey string
	cases                []oracleCase
}

func formCases(base string) []oracleCase {
	awkward := url.Values{
		"Body":       {"naïve café & a+b=c, 100% sûr 😀"},
		"From":       {"+15550001"},
		"To":         {"+15550002"},
		"MessageSid": {"SM1"},
		"Empty":      {""},
	}.Encode()
	large := url.Values{"MessageSid": {"SM2"}, "Body": {strings.Repeat("é a+b=c & ", 6000)}}.Encode()
	return []oracleCase{
		{"form with non-ASCII, &, +, = and spaces", "POST", base, formType, awkward},
		{"query string in the URL", "POST", base + "?account=acme&x=a%2Bb&y=sp%20ace&q=%C3%A9", formType, "MessageSid=SM3&Status=delivered"},
		{"GET, the parameters in the query, no body", "GET", base + "?MessageSid=SM4&Status=delivered&Text=a%2Bb+c%26d%3De&To=%2B15550002", "", ""},
		{"POST with an empty body", "POST", base, formType, ""},
		{"large body (60 KiB)", "POST", base, formType, large},
		{"port in the URL", "POST", "http://127.0.0.1:8787/hooks?x=1", formType, "MessageSid=SM5&Body=%E2%82%AC+5"},
	}
}

func jsonCases(base string) []oracleCase {
	return []oracleCase{
		{"JSON with non-ASCII, &, +, = and spaces", "POST", base, jsonType, `{"text":"naïve café 😀","amp":"a&b=c+d e","n":1.0}`},
		{"query string in the URL", "POST", base + "?account=acme&x=a%2Bb&y=sp%20ace", jsonType, `{"id":"m1","status":"delivered"}`},
		{"empty body", "POST", base, jsonType, ""},
		{"large body (64 KiB)", "POST", base, jsonType, `{"text":"` + strings.Repeat("é+&= ", 64<<10/7) + `"}`},
		{"trailing newline and indentation", "POST", base, jsonType, "{\n  \"id\": \"m2\"\n}\n"},
	}
}

func oracleProviders(t *testing.T) []oracleProvider {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	const whsec = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	twilioCases := append(formCases("https://hooks.example.com/twilio/status"),
		oracleCase{"repeated identical values", "POST", "https://mycompany.com/myapp.php?foo=1&bar=2", formType, "Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234&Digits=1234"},
		oracleCase{"JSON body (bodySHA256)", "POST", "https://hooks.example.com/twilio/json?x=1", jsonType, `{"text":"naïve & a+b=c"}`},
	)
	mbCases := append(jsonCases("https://hooks.example.com/messagebird"),
		oracleCase{"GET, the parameters in the query, no body", "GET", "https://hooks.example.com/messagebird?id=m1&status=delivered&recipient=%2B31612345678", "", ""})
	return []oracleProvider{
		{"twilio", Spec{Scheme: SchemeTwilio}, "oracle-twilio-token", "oracle-twilio-token", twilioCases},
		{"vonage", Spec{Scheme: SchemeVonage}, "oracle-vonage-secret", "oracle-vonage-secret", formCases("https://hooks.example.com/vonage/dlr")},
		{"plivo", Spec{Scheme: SchemePlivo}, "oracle-plivo-token", "oracle-plivo-token", formCases("https://hooks.example.com/plivo/status")},
		{"standard-webhooks", Spec{Scheme: SchemeStandardWebhooks}, whsec, whsec, jsonCases("https://hooks.example.com/sw")},
		{"svix", Spec{Scheme: SchemeStandardWebhooks}, whsec, whsec, jsonCases("https://hooks.example.com/svix")},
		{"telnyx", Spec{Scheme: SchemeTelnyx}, base64.StdEncoding.EncodeToString(priv), base64.StdEncoding.EncodeToString(pub), jsonCases("https://hooks.example.com/telnyx")},
		{"sinch", Spec{Scheme: SchemeSinch}, "oracle-sinch-secret", "oracle-sinch-secret", jsonCases("https://hooks.example.com/sinch")},
		{"messagebird", Spec{Scheme: SchemeMessageBird}, "oracle-messagebird-key", "oracle-messagebird-key", mbCases},
	}
}

// tampered is req changed after signing: a body byte more, or, for a
// request without a body, a query parameter more.
func tampered(req *Request) *Request {
	out := &Request{Method: req.Method, URL: req.URL, Header: req.Header.Clone(), Body: bytes.Clone(req.Body), Now: req.Now}
	switch {
	case len(out.Body) > 0 && strings.Contains(out.Header.Get("Content-Type"), "form"):
		out.Body = append(out.Body, "&Tampered=1"...)
	case len(out.Body) > 0:
		out.Body[len(out.Body)/2] ^= 0x01
	case out.Method == "GET":
		out.URL += "&tampered=1"
	case strings.Contains(out.Header.Get("Content-Type"), "form"):
		out.Body = []byte("Tampered=1")
	default:
		out.Body = []byte("{}")
	}
	return out
}

func flatHeaders(h http.Header) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		out[k] = strings.Join(v, ",")
	}
	return out
}

func (o *nodeOracle) verify(t *testing.T, p oracleProvider, req *Request) oracleResponse {
	t.Helper()
	return o.call(t, oracleRequest{Op: "verify", Provider: p.provider, Secret: p.checkKey,
		Method: req.Method, URL: req.URL, Headers: flatHeaders(req.Header), Body: req.Body})
}

func TestNodeOracle(t *testing.T) {
	oracle := startNodeOracle(t)
	for _, p := range oracleProviders(t) {
		scheme := mustNew(t, p.spec)
		signWith, checkWith := secrets(p.signSecret), secrets(p.checkKey)
		for _, c := range p.cases {
			newReq := func() *Request {
				h := http.Header{}
				if c.contentType != "" {
					h.Set("Content-Type", c.contentType)
				}
				return &Request{Method: c.method, URL: c.url, Header: h, Body: []byte(c.body), Now: time.Now()}
			}
			t.Run(p.provider+"/"+c.name, func(t *testing.T) {
				// smshook signs, the SDK verifies.
				req := newReq()
				if err := scheme.Sign(req, signWith); err != nil {
					t.Fatalf("smshook sign: %v", err)
				}
				if r := oracle.verify(t, p, req); !r.Valid {
					t.Errorf("the SDK rejects smshook's signature: %s\n%s %s\n%v", r.Error, req.Method, req.URL, req.Header)
				}
				bad := tampered(req)
				if r := oracle.verify(t, p, bad); r.Valid {
					t.Errorf("the SDK accepts smshook's signature on a tampered request")
				}
				if r := scheme.Verify(bad, checkWith); r.Valid {
					t.Errorf("smshook accepts its own signature on a tampered request")
				}
				// The same request signed with another secret: the SDK must
				// say no, or it is not checking anything.
				wrong := newReq()
				if err := scheme.Sign(wrong, secrets(wrongSecret(p))); err != nil {
					t.Fatal(err)
				}
				if r := oracle.verify(t, p, wrong); r.Valid {
					t.Errorf("the SDK accepts a signature made with another secret")
				}

				// The SDK signs, smshook verifies.
				req = newReq()
				signed := oracle.call(t, oracleRequest{Op: "sign", Provider: p.provider, Secret: p.signSecret,
					Method: req.Method, URL: req.URL, Headers: flatHeaders(req.Header), Body: req.Body, Now: req.Now.Unix()})
				req.URL, req.Body = signed.URL, signed.Body
				for k, v := range signed.Headers {
					req.Header.Set(k, v)
				}
				if r := scheme.Verify(req, checkWith); !r.Valid {
					t.Errorf("smshook rejects the SDK's signature: %s\n%s %s\n%v", r.Message, req.Method, req.URL, req.Header)
				}
				if r := oracle.verify(t, p, req); !r.Valid {
					t.Errorf("the SDK rejects its own signature (the oracle is broken): %s", r.Error)
				}
				bad = tampered(req)
				if r := scheme.Verify(bad, checkWith); r.Valid {
					t.Errorf("smshook accepts the SDK's signature on a tampered request")
				}
				if r := oracle.verify(t, p, bad); r.Valid {
					t.Errorf("the SDK accepts its own signature on a tampered request")
				}
			})
		}
	}
}

// wrongSecret is a secret of the right shape that is not the provider's.
func wrongSecret(p oracleProvider) string {
	switch p.spec.Scheme {
	case SchemeTelnyx:
		_, priv, _ := ed25519.GenerateKey(nil)
		return base64.StdEncoding.EncodeToString(priv)
	case SchemeStandardWebhooks:
		return "whsec_" + base64.StdEncoding.EncodeToString([]byte("another key of 24 bytes!"))
	}
	return p.signSecret + "-wrong"
}

// Twilio signs the URL it was given, and a handler sees it re-encoded by a
// proxy or framework: twilio-node tries the URL with and without the port,
// as new URL() writes it, and with its query re-encoded. smshook must
// accept exactly what the SDK accepts.
func TestNodeOracleTwilioURLFallbacks(t *testing.T) {
	oracle := startNodeOracle(t)
	p := oracleProvider{provider: "twilio", spec: Spec{Scheme: SchemeTwilio}, signSecret: "12345", checkKey: "12345"}
	scheme := mustNew(t, p.spec)
	const body = "Digits=1234&To=%2B18005551212"
	tests := []struct {
		signed, given string
		valid         bool // what twilio-node 6.3.1 says
	}{
		{"https://example.com/path?test=param'WithQuote", "https://example.com/path?test=param%27WithQuote", true},
		{"https://example.com/path?test=param%27WithQuote", "https://example.com/path?test=param'WithQuote", true},
		{"https://example.com/path?test=param%27WithQuote", "https://EXAMPLE.com:8443/path?test=param'WithQuote", true},
		{"https://example.com:443/a?b=1", "https://example.com/a?b=1", true},
		{"https://example.com/a?c=d%20e", "https://example.com/a?c=d+e", true},
		{"https://example.com/a?q=%C3%A9", "https://example.com/a?q=é", true},
		{"http://example.com/a b?c=d e", "http://example.com/a%20b?c=d%20e", false},
		{"https://example.com/a?z=1&a=2", "https://example.com/a?a=2&z=1", false},
		{"https://example.com/x/../a?b=1", "https://example.com/a?b=1", false},
		{"https://example.com/a?b=1", "https://example.com/a?b=2", false},
		{"https://example.com/a?b='", "https://example.com/a?b=%22", false},
	}
	for _, tt := range tests {
		signed := oracle.call(t, oracleRequest{Op: "sign", Provider: "twilio", Secret: p.signSecret, Method: "POST", URL: tt.signed,
			Headers: map[string]string{"Content-Type": formType}, Body: []byte(body)})
		req := &Request{Method: "POST", URL: tt.given, Header: http.Header{"Content-Type": {formType}}, Body: []byte(body)}
		req.Header.Set("X-Twilio-Signature", signed.Headers["X-Twilio-Signature"])
		sdk := oracle.verify(t, p, req).Valid
		if sdk != tt.valid {
			t.Errorf("signed over %s, checked at %s: twilio-node says %v, want %v", tt.signed, tt.given, sdk, tt.valid)
		}
		if ours := scheme.Verify(req, secrets(p.checkKey)).Valid; ours != sdk {
			t.Errorf("signed over %s, checked at %s: twilio-node says %v, smshook %v", tt.signed, tt.given, sdk, ours)
		}
	}
}
