package signing

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	twilio "github.com/twilio/twilio-go/client"
)

// Diagnose's table tests: each request is signed for what the provider
// signed (the public URL, another profile's secret, a raw key, an hour ago)
// and verified as an app behind a proxy sees it. Twilio signatures are
// checked by twilio-go's RequestValidator for the public URL first, and
// Standard Webhooks ones are made by the standard-webhooks library.

const (
	publicTunnel  = "https://abc.example-tunnel.app/sms"
	internalLocal = "http://127.0.0.1:8787/sms"
	twilioToken   = "twilio-explain-token"
	twilioForm2   = "From=%2B14155550100&To=%2B14155550199&Body=hello+world&MessageStatus=delivered"
)

var dexSpec = Spec{Scheme: SchemeHMAC, Header: "X-Dexatel-Signature", Algorithm: "sha256",
	Encoding: EncodingBase64, AcceptEncodings: []string{EncodingBase64, EncodingHex}}

// signedFor signs a request for signURL with secret and returns it
// addressed to seenURL with the extra headers, as the app receives it.
func signedFor(t *testing.T, spec Spec, secret, signURL, seenURL, ct, body string, extra ...string) *Request {
	t.Helper()
	s := mustNew(t, spec)
	req := beyondReq("POST", signURL, ct, body, 0)
	req.Now = time.Unix(1_750_000_000, 0)
	if err := s.Sign(req, secrets(secret)); err != nil {
		t.Fatal(err)
	}
	if spec.Scheme == SchemeTwilio {
		// The signature is the one Twilio sends: its own library accepts it.
		v := twilio.NewRequestValidator(secret)
		sig := req.Header.Get("X-Twilio-Signature")
		ok := v.ValidateBody(req.URL, req.Body, sig)
		if !isJSONBody(req) {
			form, _ := url.ParseQuery(string(req.Body))
			params := map[string]string{}
			for k := range form {
				params[k] = form.Get(k)
			}
			ok = v.Validate(req.URL, params, sig)
		}
		if !ok {
			t.Fatalf("twilio-go rejects the signature for %s", req.URL)
		}
	}
	if seenURL != signURL {
		// A JSON body's bodySHA256 goes along to the URL the app sees.
		if q := rawQueryOf(req.URL); strings.Contains(q, "bodySHA256") && !strings.Contains(seenURL, "bodySHA256") {
			sep := "?"
			if strings.Contains(seenURL, "?") {
				sep = "&"
			}
			seenURL += sep + "bodySHA256=" + queryValue(q, "bodySHA256")
		}
		req.URL = seenURL
	}
	for i := 0; i+1 < len(extra); i += 2 {
		req.Header.Set(extra[i], extra[i+1])
	}
	return req
}

var (
	xfwd    = []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "abc.example-tunnel.app"}
	mbSpec  = Spec{Scheme: SchemeMessageBird}
	tplSpec = Spec{Scheme: SchemeHMAC, Header: "X-Acme-Signature", Template: "{method}{url}.{body}", Encoding: EncodingHex}
)

func TestDiagnoseURLVariants(t *testing.T) {
	twilioSpec := Spec{Scheme: SchemeTwilio}
	plivoSpec := Spec{Scheme: SchemePlivo}
	tests := []struct {
		name             string
		spec             Spec
		signURL, seenURL string
		ct, body         string
		extra            []string
		cause, url       string
		want             string
	}{
		{"twilio behind X-Forwarded-Proto/Host", twilioSpec, publicTunnel, internalLocal, formType, twilioForm2, xfwd,
			CauseForwardedURL, publicTunnel, "the signature matches https://abc.example-tunnel.app/sms (from X-Forwarded-Proto and X-Forwarded-Host), not http://127.0.0.1:8787/sms: the provider signed the public URL; pass it with --url, and in your app trust the proxy's forwarded headers"},
		{"twilio JSON behind X-Forwarded-Proto/Host", twilioSpec, publicTunnel, internalLocal, jsonType, `{"a":1}`, xfwd,
			CauseForwardedURL, "", "from X-Forwarded-Proto and X-Forwarded-Host"},
		{"twilio behind RFC 7239 Forwarded", twilioSpec, publicTunnel, internalLocal, formType, twilioForm2,
			[]string{"Forwarded", `for=192.0.2.60;proto=https;host="abc.example-tunnel.app", for=10.0.0.1;proto=http`},
			CauseForwardedURL, publicTunnel, "(from Forwarded)"},
		{"twilio with X-Original-URL", twilioSpec, publicTunnel + "?a=1", "http://127.0.0.1:8787/internal/rewritten", formType, twilioForm2,
			append([]string{"X-Original-URL", "/sms?a=1"}, xfwd...),
			CauseForwardedURL, publicTunnel + "?a=1", "from X-Forwarded-Proto, X-Forwarded-Host and X-Original-URL"},
		{"twilio with X-Forwarded-Port", twilioSpec, "https://abc.example-tunnel.app:8443/sms", internalLocal, formType, twilioForm2,
			append([]string{"X-Forwarded-Port", "8443"}, xfwd...),
			CauseForwardedURL, "https://abc.example-tunnel.app:8443/sms", "X-Forwarded-Port"},
		{"twilio http/https swapped", twilioSpec, "https://hooks.example.com/sms", "http://hooks.example.com/sms", formType, twilioForm2, nil,
			CauseURLVariant, "https://hooks.example.com/sms", "(http and https swapped)"},
		{"twilio trailing slash", twilioSpec, "https://hooks.example.com/sms/", "https://hooks.example.com/sms", formType, twilioForm2, nil,
			CauseURLVariant, "https://hooks.example.com/sms/", "with or without a trailing slash"},
		{"twilio query dropped by the app", twilioSpec, "https://hooks.example.com/sms", "https://hooks.example.com/sms?utm=1", formType, twilioForm2, nil,
			CauseURLVariant, "https://hooks.example.com/sms", "without the query"},
		{"twilio query reordered", twilioSpec, "https://hooks.example.com/sms?b=2&a=1", "https://hooks.example.com/sms?a=1&b=2", formType, twilioForm2, nil,
			CauseURLVariant, "https://hooks.example.com/sms?b=2&a=1", "query"},
		{"twilio percent-encoding", twilioSpec, "https://hooks.example.com/caf%C3%A9/a~b", "https://hooks.example.com/caf%c3%a9/a%7Eb", formType, twilioForm2, nil,
			CauseURLVariant, "https://hooks.example.com/caf%C3%A9/a~b", "percent-encoding normalized"},
		{"twilio scheme and port behind a proxy without headers", twilioSpec, "https://hooks.example.com/sms", "http://hooks.example.com:80/sms", formType, twilioForm2, nil,
			CauseURLVariant, "https://hooks.example.com/sms", "(http and https swapped)"},
		{"plivo behind X-Forwarded-Proto/Host", plivoSpec, publicTunnel, internalLocal, formType, "From=1&To=2", xfwd,
			CauseForwardedURL, publicTunnel, "from X-Forwarded-Proto and X-Forwarded-Host"},
		{"plivo trailing slash", plivoSpec, "https://answer.url/sms/", "https://answer.url/sms", formType, "From=1", nil,
			CauseURLVariant, "https://answer.url/sms/", "trailing slash"},
		{"plivo default port", plivoSpec, "https://answer.url:443/sms", "https://answer.url/sms", formType, "From=1", nil,
			CauseURLVariant, "https://answer.url:443/sms", "with or without the port"},
		{"messagebird url_hash behind X-Forwarded-Proto/Host", mbSpec, publicTunnel, internalLocal, jsonType, `{"id":"x"}`, xfwd,
			CauseForwardedURL, publicTunnel, "from X-Forwarded-Proto and X-Forwarded-Host"},
		{"messagebird http/https swapped", mbSpec, "https://hooks.example.com/mb", "http://hooks.example.com/mb", jsonType, `{"id":"x"}`, nil,
			CauseURLVariant, "https://hooks.example.com/mb", "http and https swapped"},
		{"config {url} template behind X-Forwarded-Proto/Host", tplSpec, publicTunnel, internalLocal, jsonType, `{"id":"x"}`, xfwd,
			CauseForwardedURL, publicTunnel, "from X-Forwarded-Proto and X-Forwarded-Host"},
		{"config {url} template without the query", tplSpec, "https://hooks.example.com/acme", "https://hooks.example.com/acme?x=1", jsonType, `{"id":"x"}`, nil,
			CauseURLVariant, "https://hooks.example.com/acme", "without the query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustNew(t, tt.spec)
			req := signedFor(t, tt.spec, twilioToken, tt.signURL, tt.seenURL, tt.ct, tt.body, tt.extra...)
			req.Now = time.Unix(1_750_000_000, 0)
			r := s.Verify(req, secrets(twilioToken))
			if r.Valid {
				t.Fatalf("valid at %s before any diagnosis", req.URL)
			}
			got, d := Diagnose(s, req, secrets(twilioToken), r, DiagnoseOptions{})
			if d.Cause != tt.cause {
				t.Fatalf("cause %q (%s), want %q; checks %+v", d.Cause, got.Message, tt.cause, d.Checks)
			}
			if tt.url != "" && d.URL != tt.url {
				t.Errorf("url %q, want %q", d.URL, tt.url)
			}
			if !strings.Contains(got.Message, tt.want) {
				t.Errorf("message %q\nwant it to hold %q", got.Message, tt.want)
			}
			if got.Valid || got.Reason != r.Reason {
				t.Errorf("result %v %q: a diagnosis keeps the failure's reason", got.Valid, got.Reason)
			}
			if !d.Verified.Valid {
				t.Errorf("the matching variant does not verify: %+v", d.Verified)
			}
			if last := d.Checks[len(d.Checks)-1]; !last.Match {
				t.Errorf("last check %+v, want the match", last)
			}
			if len(d.Checks) > maxURLVariants+8 {
				t.Errorf("%d checks, more than the bound", len(d.Checks))
			}
		})
	}
}

// A forged signature gets the plain answer whatever the request carries:
// no check matches, so no cause is named.
func TestDiagnoseForgedClaimsNothing(t *testing.T) {
	forged := base64.StdEncoding.EncodeToString([]byte("0123456789abcdefghij0123456789ab"))
	others := []NamedCredentials{{Name: "profile prod's secret", Credentials: secrets("prod")}, {Name: "the demo secret", Credentials: secrets("demo")}}
	swSecret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("a standard webhooks key"))
	tests := []struct {
		name string
		spec Spec
		req  *Request
		c    Credentials
	}{
		{"twilio", Spec{Scheme: SchemeTwilio}, beyondReq("POST", internalLocal, formType, twilioForm2, 0,
			append([]string{"X-Twilio-Signature", forged[:28], "Content-Length", "80"}, xfwd...)...), secrets("t")},
		{"twilio json", Spec{Scheme: SchemeTwilio}, beyondReq("POST", internalLocal, jsonType, `{"a":1}`, 0,
			append([]string{"X-Twilio-Signature", forged[:28]}, xfwd...)...), secrets("t")},
		{"plivo", Spec{Scheme: SchemePlivo}, beyondReq("POST", internalLocal, formType, "a=1", 0,
			append([]string{"X-Plivo-Signature-V2", forged, "X-Plivo-Signature-V2-Nonce", "1"}, xfwd...)...), secrets("t")},
		{"dexatel base64", dexSpec, beyondReq("POST", internalLocal, jsonType, "{\"a\":1}\x00\n", 0, "X-Dexatel-Signature", forged[:44]), secrets("dev")},
		{"dexatel hex", dexSpec, beyondReq("POST", internalLocal, jsonType, "\xef\xbb\xbf{}", 0, "X-Dexatel-Signature", strings.Repeat("ab", 32)), secrets("dev")},
		{"dexatel base64 of hex", dexSpec, beyondReq("POST", internalLocal, jsonType, "{}", 0, "X-Dexatel-Signature",
			base64.StdEncoding.EncodeToString([]byte(strings.Repeat("ab", 32)))), secrets("dev")},
		{"template", tplSpec, beyondReq("POST", internalLocal+"?b=1&a=2", jsonType, "{}", 0, append([]string{"X-Acme-Signature", strings.Repeat("cd", 32)}, xfwd...)...), secrets("k")},
		{"standard webhooks", Spec{Scheme: SchemeStandardWebhooks}, beyondReq("POST", "", jsonType, "{}", 1_750_000_000,
			"webhook-id", "msg_1", "webhook-timestamp", "1750000000", "webhook-signature", "v1,"+forged[:44]), secrets(swSecret)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustNew(t, tt.spec)
			r := s.Verify(tt.req, tt.c)
			if r.Valid {
				t.Fatal("a forged signature verifies")
			}
			got, d := Diagnose(s, tt.req, tt.c, r, DiagnoseOptions{Self: "dev", Others: others})
			if d.Cause != "" || got != r {
				t.Fatalf("forged request got cause %q: %q (was %q)", d.Cause, got.Message, r.Message)
			}
			for _, c := range d.Checks {
				if c.Match {
					t.Errorf("check %+v matched a forged signature", c)
				}
			}
		})
	}
}

func TestDiagnoseOtherSecrets(t *testing.T) {
	body := `{"data":{"message_id":"m1","status":"DELIVERED"}}`
	others := []NamedCredentials{
		{Name: "profile dexatel-staging's secret", Credentials: secrets("staging")},
		{Name: "profile dexatel-prod's previous secret 1", Credentials: secrets("prod-old")},
		{Name: "profile dexatel-prod's secret", Credentials: secrets("prod")},
		{Name: "the dexatel demo secret", Credentials: secrets("demo")},
	}
	tests := []struct {
		name, signer string
		want         string
	}{
		{"another profile", "prod", "X-Dexatel-Signature matches profile dexatel-prod's secret, not dexatel-dev's"},
		{"another profile's previous secret", "prod-old", "matches profile dexatel-prod's previous secret 1, not dexatel-dev's"},
		{"the demo credentials", "demo", "matches the dexatel demo secret, not dexatel-dev's"},
	}
	s := mustNew(t, dexSpec)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := signedFor(t, dexSpec, tt.signer, "", "", jsonType, body)
			r := s.Verify(req, secrets("dev"))
			got, d := Diagnose(s, req, secrets("dev"), r, DiagnoseOptions{Self: "dexatel-dev", Others: others})
			if d.Cause != CauseOtherSecret || !strings.Contains(got.Message, tt.want) {
				t.Fatalf("cause %q %q, want other_secret %q", d.Cause, got.Message, tt.want)
			}
			for _, secret := range []string{"prod", "staging", "demo", "dev"} {
				if strings.Contains(strings.ReplaceAll(got.Message, "dexatel-"+secret, ""), "\""+secret+"\"") {
					t.Errorf("message shows a secret: %q", got.Message)
				}
			}
		})
	}

	t.Run("another profile's token behind a proxy", func(t *testing.T) {
		spec := Spec{Scheme: SchemeTwilio}
		tw := mustNew(t, spec)
		req := signedFor(t, spec, "prod-token", publicTunnel, internalLocal, formType, twilioForm2, xfwd...)
		r := tw.Verify(req, secrets("dev-token"))
		got, d := Diagnose(tw, req, secrets("dev-token"), r, DiagnoseOptions{Self: "twilio-dev",
			Others: []NamedCredentials{{Name: "profile twilio-prod's secret", Credentials: secrets("prod-token")}}})
		if d.Cause != CauseOtherSecret || d.URL != publicTunnel ||
			!strings.Contains(got.Message, "matches profile twilio-prod's secret, not twilio-dev's") ||
			!strings.Contains(got.Message, "signed "+publicTunnel+" (from X-Forwarded-Proto and X-Forwarded-Host)") {
			t.Fatalf("cause %q url %q: %q", d.Cause, d.URL, got.Message)
		}
	})
}

func TestDiagnoseWrongValidator(t *testing.T) {
	tw := Spec{Scheme: SchemeTwilio}
	const twURL = "https://hooks.example.com/sms"
	// twilio: the provider's JSON request, checked as a form validator does
	// (no bodySHA256 in the URL).
	jsonReq := signedFor(t, tw, twilioToken, twURL, twURL, jsonType, `{"MessageSid":"SM1"}`)
	jsonReq.URL = twURL
	// twilio: a JSON body arriving with a form Content-Type, checked as a form.
	jsonAsForm := signedFor(t, tw, twilioToken, twURL, twURL, jsonType, `{"MessageSid":"SM1"}`)
	jsonAsForm.URL = twURL
	jsonAsForm.Header.Set("Content-Type", formType)
	// twilio: a form body whose Content-Type says JSON.
	formAsJSON := signedFor(t, tw, twilioToken, twURL, twURL, formType, twilioForm2)
	formAsJSON.Header.Set("Content-Type", jsonType)

	// standard webhooks: signed by the library with the whsec_ text as the key.
	swSecret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("sw explain key"))
	rawSigner, err := standardwebhooks.NewWebhookRaw([]byte(swSecret))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_750_000_000, 0)
	body := []byte(`{"type":"message.delivered"}`)
	sig, err := rawSigner.Sign("msg_1", now, body)
	if err != nil {
		t.Fatal(err)
	}
	swReq := beyondReq("POST", "", jsonType, string(body), now.Unix(), "webhook-id", "msg_1", "webhook-timestamp", "1750000000", "webhook-signature", sig)

	// dexatel: the hex digest's text, base64-encoded.
	mac := hmac.New(sha256.New, []byte("dex"))
	mac.Write(body)
	hexText := hex.EncodeToString(mac.Sum(nil))
	dexReq := beyondReq("POST", "", jsonType, string(body), 0, "X-Dexatel-Signature", base64.StdEncoding.EncodeToString([]byte(hexText)))
	// dexatel: signed with the base64-decoded secret as the key.
	key := []byte("raw key bytes \x00\x01")
	mac = hmac.New(sha256.New, key)
	mac.Write(body)
	keyReq := beyondReq("POST", "", jsonType, string(body), 0, "X-Dexatel-Signature", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	// a hex-only config provider given a base64 signature (hmac's own diagnosis).
	hexOnly := Spec{Scheme: SchemeHMAC, Header: "X-Dexatel-Signature", Encoding: EncodingHex}
	mac = hmac.New(sha256.New, []byte("dex"))
	mac.Write(body)
	b64Req := beyondReq("POST", "", jsonType, string(body), 0, "X-Dexatel-Signature", base64.StdEncoding.EncodeToString(mac.Sum(nil)))

	tests := []struct {
		name   string
		spec   Spec
		req    *Request
		secret string
		reason Reason
		want   string
	}{
		{"twilio JSON checked without bodySHA256", tw, jsonReq, twilioToken, ReasonMismatch, "the body is JSON, and Twilio signs a JSON body's URL with bodySHA256"},
		{"twilio JSON with a form Content-Type", tw, jsonAsForm, twilioToken, ReasonMismatch, "the body is JSON, and Twilio signs a JSON body's URL with bodySHA256"},
		{"twilio form checked as JSON", tw, formAsJSON, twilioToken, ReasonMismatch, "matches the body read as form parameters, but it was checked as JSON"},
		{"standard webhooks raw whsec_ key", Spec{Scheme: SchemeStandardWebhooks}, swReq, swSecret, ReasonMismatch,
			"matches an HMAC keyed with secret's text as the key, whsec_ prefix included, not with its base64-decoded bytes"},
		{"dexatel base64 of the hex text", dexSpec, dexReq, "dex", ReasonMalformed, "is the right digest written as the base64 of the hex digest's text"},
		{"dexatel base64-decoded secret", dexSpec, keyReq, base64.StdEncoding.EncodeToString(key), ReasonMismatch, "keyed with the secret base64-decoded, not with its text"},
		{"hex-only provider given base64", hexOnly, b64Req, "dex", ReasonWrongEncoding, "is a correct signature in base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustNew(t, tt.spec)
			r := s.Verify(tt.req, secrets(tt.secret))
			if r.Reason != tt.reason {
				t.Fatalf("verify says %q (%s), want %q", r.Reason, r.Message, tt.reason)
			}
			got, d := Diagnose(s, tt.req, secrets(tt.secret), r, DiagnoseOptions{})
			if tt.reason == ReasonWrongEncoding {
				// Verify already named it; Diagnose finds nothing more to say.
				if !strings.Contains(got.Message, tt.want) {
					t.Fatalf("%q", got.Message)
				}
				return
			}
			if d.Cause != CauseWrongValidator || !strings.Contains(got.Message, tt.want) {
				t.Fatalf("cause %q %q\nwant wrong_validator %q; checks %+v", d.Cause, got.Message, tt.want, d.Checks)
			}
		})
	}
}

func TestDiagnoseTime(t *testing.T) {
	secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("sw time key"))
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_750_000_000, 0)
	body := []byte(`{"a":1}`)
	tests := []struct {
		name   string
		signed time.Time
		cause  string
		want   string
	}{
		{"minutes behind: a clock", now.Add(-7 * time.Minute), CauseClockSkew, "its timestamp is 7m0s behind this clock: minutes look like a clock problem"},
		{"hours behind: a replay", now.Add(-3*time.Hour - 25*time.Minute), CauseReplayed, "it was signed 3h25m0s ago: hours look like a replayed or re-sent request"},
		{"whole hours behind: a replay or a time zone", now.Add(-2 * time.Hour), CauseReplayed, "time zone"},
		{"minutes ahead", now.Add(9 * time.Minute), CauseClockSkew, "its timestamp is 9m0s ahead of this clock"},
	}
	s := mustNew(t, Spec{Scheme: SchemeStandardWebhooks})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig, err := wh.Sign("msg_t", tt.signed, body)
			if err != nil {
				t.Fatal(err)
			}
			ts := tt.signed.Unix()
			req := beyondReq("POST", "", jsonType, string(body), now.Unix(), "webhook-id", "msg_t",
				"webhook-timestamp", strconv.FormatInt(ts, 10), "webhook-signature", sig)
			r := s.Verify(req, secrets(secret))
			if !timeReason(r.Reason) {
				t.Fatalf("verify says %q: %s", r.Reason, r.Message)
			}
			got, d := Diagnose(s, req, secrets(secret), r, DiagnoseOptions{})
			if d.Cause != tt.cause || !strings.Contains(got.Message, tt.want) {
				t.Fatalf("cause %q %q\nwant %q %q", d.Cause, got.Message, tt.cause, tt.want)
			}
			if !strings.HasPrefix(got.Message, r.Message) {
				t.Errorf("the diagnosis drops verify's message: %q", got.Message)
			}
		})
	}
}

func TestDiagnoseBody(t *testing.T) {
	body := `{"data":{"status":"DELIVERED"}}`
	s := mustNew(t, dexSpec)
	tests := []struct {
		name  string
		given string
		cl    string
		cause string
		want  string
	}{
		{"cut short of its Content-Length", body[:20], "32", CauseBodyTruncated, "the body is 20 bytes where its Content-Length says 32: it was cut on the way"},
		{"bytes after its Content-Length", body + "garbage", "31", CauseBodyPadded, "matches the first 31 bytes of the body (its Content-Length), not the 38 given"},
		{"trailing NULs", body + "\x00\x00\x00", "", CauseBodyPadded, "with its trailing NUL bytes removed"},
		{"a leading BOM", "\xef\xbb\xbf" + body, "", CauseBodyPadded, "with its leading byte order mark (BOM) removed"},
		{"NULs and a newline", body + "\n\x00", "", CauseBodyPadded, "trailing NUL bytes and newlines removed"},
		{"a trailing newline (the re-serialization diagnosis)", body + "\n", "", CauseBodyAltered, "trailing newline removed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := signedFor(t, dexSpec, "k", "", "", jsonType, body)
			req.Body = []byte(tt.given)
			if tt.cl != "" {
				req.Header.Set("Content-Length", tt.cl)
			}
			r := s.Verify(req, secrets("k"))
			got, d := Diagnose(s, req, secrets("k"), r, DiagnoseOptions{})
			if d.Cause != tt.cause || !strings.Contains(got.Message, tt.want) {
				t.Fatalf("cause %q %q\nwant %q %q", d.Cause, got.Message, tt.cause, tt.want)
			}
		})
	}
}

// Forwarded headers come from whoever sent the request: only http(s), a
// plain host and a path make a URL.
func TestForwardedURLRefusesHostileValues(t *testing.T) {
	tests := []struct {
		name   string
		header []string
		want   string
	}{
		{"plain", xfwd, publicTunnel},
		{"proto list takes the first", []string{"X-Forwarded-Proto", "https, http", "X-Forwarded-Host", "a.example"}, "https://a.example/sms"},
		{"proto only drops the local port", []string{"X-Forwarded-Proto", "https"}, "https://127.0.0.1/sms"},
		{"javascript proto", []string{"X-Forwarded-Proto", "javascript", "X-Forwarded-Host", "a.example"}, ""},
		{"host with a path", []string{"X-Forwarded-Host", "a.example/evil"}, ""},
		{"host with userinfo", []string{"X-Forwarded-Host", "user@a.example"}, ""},
		{"host with an escape", []string{"X-Forwarded-Host", "a.example\x1b[31m"}, ""},
		{"port not a number", []string{"X-Forwarded-Host", "a.example", "X-Forwarded-Port", "80x"}, ""},
		{"original URL not a path", []string{"X-Original-URL", "evil"}, ""},
		{"original URL with a newline", []string{"X-Original-URL", "/a\nb"}, ""},
		{"original URL with a bidi override", []string{"X-Original-URL", "/a\u202eb"}, ""},
		{"host with a bidi override", []string{"X-Forwarded-Host", "a.example\u202e"}, ""},
		{"host with a C1 control", []string{"X-Forwarded-Host", "a.example\u009b"}, ""},
		{"original URL kept", []string{"X-Original-URL", "/sms?a=%20"}, "http://127.0.0.1:8787/sms?a=%20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for i := 0; i+1 < len(tt.header); i += 2 {
				h.Set(tt.header[i], tt.header[i+1])
			}
			got, _, ok := ForwardedURL(internalLocal, h)
			if got != tt.want || ok != (tt.want != "") {
				t.Fatalf("ForwardedURL = %q, %v; want %q", got, ok, tt.want)
			}
		})
	}
}

func TestURLVariantsBounded(t *testing.T) {
	u, _ := url.Parse("http://h.example:8080/a%7e/b/?z=1&y=a+b&x=%2f")
	fwd := forwardedURLs(u, http.Header{"X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {"p.example"}, "Forwarded": {"proto=https;host=q.example"}})
	got := urlVariants(u, fwd, maxURLVariants)
	if len(got) != maxURLVariants {
		t.Fatalf("%d variants, want the bound %d", len(got), maxURLVariants)
	}
	seen := map[string]bool{u.String(): true}
	for _, v := range got {
		if seen[v.url] {
			t.Errorf("%s tried twice", v.url)
		}
		seen[v.url] = true
	}
}

// A forged request costs what a genuine one does: with a large body, whose
// hash every URL variant repeats, fewer variants are tried.
func TestDiagnoseLargeBodyTriesFewerURLs(t *testing.T) {
	s := mustNew(t, Spec{Scheme: SchemeTwilio})
	body := "Body=" + strings.Repeat("a", largeBody)
	req := beyondReq("POST", "https://h.example/sms?b=1&a=2", formType, body, 0,
		append([]string{"X-Twilio-Signature", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="}, xfwd...)...)
	r := s.Verify(req, secrets("t"))
	_, d := Diagnose(s, req, secrets("t"), r, DiagnoseOptions{})
	urls := 0
	for _, c := range d.Checks {
		if c.Check == "url" {
			urls++
		}
	}
	if urls == 0 || urls > maxURLVariantsLargeBody {
		t.Fatalf("%d URL variants tried for a %d-byte body, want 1 to %d", urls, len(body), maxURLVariantsLargeBody)
	}
}

// FuzzDiagnose: whatever a request carries in its forwarded headers, URL and
// body, Diagnose does not panic, stays within its bounds, and names no
// cause for a signature nobody made.
func FuzzDiagnose(f *testing.F) {
	f.Add("https", "abc.example-tunnel.app", "8443", "for=1;proto=https;host=h", "/sms?a=1", "http://127.0.0.1:8787/sms?b=2&a=1", "From=1&To=2")
	f.Add("javascript", "a/b", "x", "proto", "evil", "http://[::1]:80/", "\x00\xef\xbb\xbf{}")
	specs := []Spec{{Scheme: SchemeTwilio}, {Scheme: SchemePlivo}, mbSpec, tplSpec, dexSpec}
	f.Fuzz(func(t *testing.T, proto, host, port, fwd, orig, rawURL, body string) {
		h := http.Header{"X-Forwarded-Proto": {proto}, "X-Forwarded-Host": {host}, "X-Forwarded-Port": {port},
			"Forwarded": {fwd}, "X-Original-Url": {orig}, "Content-Length": {"7"},
			"X-Twilio-Signature":   {"AAAAAAAAAAAAAAAAAAAAAAAAAAA="},
			"X-Plivo-Signature-V2": {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}, "X-Plivo-Signature-V2-Nonce": {"1"},
			"X-Acme-Signature": {strings.Repeat("ab", 32)}, "X-Dexatel-Signature": {strings.Repeat("cd", 32)}}
		for _, spec := range specs {
			s := mustNew(t, spec)
			req := &Request{Method: "POST", URL: rawURL, Header: h, Body: []byte(body), Now: time.Unix(1_750_000_000, 0)}
			r := s.Verify(req, secrets("k"))
			if r.Valid {
				continue
			}
			got, d := Diagnose(s, req, secrets("k"), r, DiagnoseOptions{Others: []NamedCredentials{{Name: "other", Credentials: secrets("o")}}})
			if d.Cause != "" && d.Cause != CauseBodyTruncated {
				t.Fatalf("%s: cause %q for a forged signature: %s", spec.Scheme, d.Cause, got.Message)
			}
			if len(d.Checks) > maxURLVariants+maxOtherSecrets+16 {
				t.Fatalf("%s: %d checks", spec.Scheme, len(d.Checks))
			}
		}
	})
}

// The providers' own test vectors (twilio-go's, Plivo's, messagebird/go-rest-api's,
// see beyond_test.go), signed for their public URL and received behind a
// proxy or under another form of it.
func TestDiagnoseProviderSDKVectors(t *testing.T) {
	mbFwd := []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "example.com"}
	tests := []struct {
		name  string
		spec  Spec
		req   *Request
		c     Credentials
		cause string
		url   string
	}{
		{"twilio-go vector behind a tunnel", Spec{Scheme: SchemeTwilio},
			beyondReq("POST", "http://127.0.0.1:3000/myapp.php?foo=1&bar=2", formType, twilioForm, 0,
				"X-Twilio-Signature", "vOEb5UThFn24KEfnOFLQY2AE5FY=", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "mycompany.com"),
			secrets("12345"), CauseForwardedURL, twilioURL},
		{"twilio-go vector, query reordered by the app", Spec{Scheme: SchemeTwilio},
			beyondReq("POST", "https://mycompany.com/myapp.php?bar=2&foo=1", formType, twilioForm, 0, "X-Twilio-Signature", "vOEb5UThFn24KEfnOFLQY2AE5FY="),
			secrets("12345"), CauseURLVariant, twilioURL},
		{"plivo vector behind a tunnel", Spec{Scheme: SchemePlivo},
			beyondReq("POST", "http://127.0.0.1:3000", formType, "From=1&To=2", 0, "X-Plivo-Signature-V2", "ehV3IKhLysWBxC1sy8INm0qGoQYdYsHwuoKjsX7FsXc=",
				"X-Plivo-Signature-V2-Nonce", "12345", "Forwarded", "proto=https;host=answer.url"),
			secrets("my_auth_token"), CauseForwardedURL, "https://answer.url"},
		{"messagebird vector behind a tunnel", mbSpec,
			beyondReq("POST", "http://127.0.0.1:3000/path?bar=1&foo=2", "", "Hello, World!", mbTime, append([]string{"MessageBird-Signature-JWT", mbValidPayload}, mbFwd...)...),
			secrets(mbKey), CauseForwardedURL, "https://example.com/path?bar=1&foo=2"},
		{"messagebird vector, http and https swapped", mbSpec,
			beyondReq("POST", "http://example.com/path?bar=1&foo=2", "", "Hello, World!", mbTime, "MessageBird-Signature-JWT", mbValidPayload),
			secrets(mbKey), CauseURLVariant, "https://example.com/path?bar=1&foo=2"},
		{"messagebird vector, received on a URL with the query out of order", mbSpec,
			beyondReq("GET", "https://example.com/path?foo=1&bar=2", "", "", mbTime, "MessageBird-Signature-JWT", mbOtherURL),
			secrets(mbKey), CauseURLVariant, "https://example.com/path?bar=2&foo=1"},
		{"messagebird vector received early: a clock an hour off", mbSpec,
			beyondReq("GET", "https://example.com/", "", "", mbTime, "MessageBird-Signature-JWT", mbEarly),
			secrets(mbKey), CauseClockSkew, ""},
		{"messagebird vector, another key", mbSpec,
			beyondReq("POST", "https://example.com/path?bar=1&foo=2", "", "Hello, World!", mbTime, "MessageBird-Signature-JWT", mbValidPayload),
			secrets("hunter2"), CauseOtherSecret, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustNew(t, tt.spec)
			r := s.Verify(tt.req, tt.c)
			if r.Valid {
				t.Fatal("valid before any diagnosis")
			}
			got, d := Diagnose(s, tt.req, tt.c, r, DiagnoseOptions{Self: "dev",
				Others: []NamedCredentials{{Name: "profile prod's secret", Credentials: secrets(mbKey)}}})
			if d.Cause != tt.cause || d.URL != tt.url {
				t.Fatalf("cause %q url %q (%s), want %q %q", d.Cause, d.URL, got.Message, tt.cause, tt.url)
			}
		})
	}
}
