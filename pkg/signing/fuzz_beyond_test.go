package signing

import (
	"strings"
	"testing"
)

// FuzzVerifyBeyond feeds arbitrary bodies, signature values, timestamps and
// URLs to every scheme beyond plain HMAC: no input may panic, results must
// be consistent (a pass has no reason, a failure has one, messages are one
// line), and a pass with the right secret must fail with a wrong one.
// Run: go test -run '^$' -fuzz FuzzVerifyBeyond -fuzztime 30s ./pkg/signing
func FuzzVerifyBeyond(f *testing.F) {
	f.Add([]byte(twilioForm), "vOEb5UThFn24KEfnOFLQY2AE5FY=", "1614265330", twilioURL)
	f.Add([]byte(twilioJSON), "a9nBmqA0ju/hNViExpshrM61xv4=", "", twilioURL+"&bodySHA256="+twilioBodyHash)
	f.Add([]byte(swBody), swSig, "1614265330", "")
	f.Add([]byte(telnyxBody), telnyxSig, "1700000000", "")
	f.Add([]byte("a=1&b=2&timestamp=1461605396&sig=6af838ef94998832dbfc29020b564830"), "", "1461605396", "https://e.com/?sig=1")
	f.Add([]byte(sinchBody), sinchSig, "1634579353", "")
	f.Add([]byte("Hello, World!"), mbValidPayload, "", "https://example.com/path?bar=1&foo=2")
	f.Add([]byte(`{"a":1}`), "t=1700000000,v1=zz,v1=", "1700000000", "")
	f.Add([]byte(""), "v1, v1,,", "-1", "::")

	specs := []Spec{{Scheme: SchemeTwilio}, {Scheme: SchemeStandardWebhooks}, {Scheme: SchemeTelnyx},
		{Scheme: SchemePlivo}, {Scheme: SchemeVonage}, {Scheme: SchemeVonage, Algorithm: "sha256"},
		{Scheme: SchemeSinch}, {Scheme: SchemeMessageBird, Tolerance: -1}, stripeSpec,
		{Scheme: SchemeHMAC, Header: "X-Sig", Template: "{id}.{timestamp}.{body}", TimestampHeader: "X-Ts", IDHeader: "X-Id", Tolerance: -1}}
	right := map[string]Credentials{
		SchemeTwilio: secrets("12345"), SchemeStandardWebhooks: secrets(swSecret), SchemeTelnyx: secrets(telnyxPub),
		SchemePlivo: secrets("my_auth_token"), SchemeVonage: secrets("secret"), SchemeSinch: secrets("foo_secret1234"),
		SchemeMessageBird: secrets(mbKey), SchemeHMAC: secrets("stripe-style-secret"),
	}
	wrong := map[string]Credentials{SchemeStandardWebhooks: secrets("whsec_d3Jvbmc="), SchemeTelnyx: secrets("MCowBQYDK2VwAyEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")}

	f.Fuzz(func(t *testing.T, body []byte, value, timestamp, rawURL string) {
		for _, spec := range specs {
			s, err := New(spec)
			if err != nil {
				t.Fatal(err)
			}
			req := beyondReq("POST", rawURL, "", string(body), 0)
			for i, h := range s.AuthHeaders() {
				switch {
				case i == 0:
					req.Header.Set(h, value)
				case strings.Contains(strings.ToLower(h), "timestamp") || h == "X-Ts":
					req.Header.Set(h, timestamp)
				default:
					req.Header.Set(h, "msg_1")
				}
			}
			if spec.Scheme == SchemeStandardWebhooks || spec.Scheme == SchemeSinch || spec.Scheme == SchemeTelnyx {
				if ts, ok := parseUnix(timestamp); ok {
					req.Now = ts
				}
			}
			cred := right[spec.Scheme]
			r := s.Verify(req, cred)
			if r.Valid != (r.Reason == "") || strings.Contains(r.Message, "\n") || r.Message == "" {
				t.Fatalf("%s: inconsistent result %+v", spec.Scheme, r)
			}
			if !r.Valid {
				continue
			}
			bad, ok := wrong[spec.Scheme]
			if !ok {
				bad = secrets("not-the-secret")
			}
			if w := s.Verify(req, bad); w.Valid {
				t.Fatalf("%s: passes with a wrong secret too", spec.Scheme)
			}
		}
	})
}
