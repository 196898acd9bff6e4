package signing

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	svix "github.com/svix/svix-webhooks/go"
	twilio "github.com/twilio/twilio-go/client"
)

// Oracle tests: the providers' official Go libraries check our signatures,
// and we check theirs. Inputs are generated (seeded, so a failure repeats).

// oracleBodies returns form and JSON bodies with awkward bytes: spaces,
// '+', '&' and '=' inside values, non-ASCII text, repeated keys.
func oracleBodies(seed uint64) (forms []url.Values, jsons []string) {
	rng := rand.New(rand.NewPCG(seed, 1))
	words := []string{"hello world", "a+b", "x&y=z", "naïve café", "+14155550100", "", "100%", "emoji 😀", "line\nbreak"}
	pick := func() string { return words[rng.IntN(len(words))] }
	for i := 0; i < 20; i++ {
		v := url.Values{}
		for j := 0; j < 1+rng.IntN(6); j++ {
			v.Add(fmt.Sprintf("Param%c", 'A'+rng.IntN(8)), pick())
		}
		forms = append(forms, v)
		jsons = append(jsons, fmt.Sprintf(`{"n":%d,"text":%q,"nested":{"k":[1,2,%q]}}`, i, pick(), pick()))
	}
	return forms, jsons
}

var oracleURLs = []string{
	"https://hooks.example.com/sms/status",
	"https://hooks.example.com:443/sms/status?account=acme&x=1",
	"http://127.0.0.1:8787/twilio",
	"https://hooks.example.com/path%20with%20space?q=a%2Bb",
}

func TestTwilioOracle(t *testing.T) {
	const token = "oracle-auth-token"
	validator := twilio.NewRequestValidator(token)
	s := mustNew(t, Spec{Scheme: SchemeTwilio})
	forms, jsons := oracleBodies(6)

	for i, form := range forms {
		for _, u := range oracleURLs {
			body := form.Encode()
			req := beyondReq("POST", u, formType, body, 0)
			if err := s.Sign(req, secrets(token)); err != nil {
				t.Fatal(err)
			}
			// ValidateBody reads the first value of a repeated key only, so
			// compare against it on bodies without repeats.
			repeated := false
			for _, v := range form {
				repeated = repeated || len(v) > 1
			}
			if !repeated && !validator.ValidateBody(req.URL, req.Body, req.Header.Get("X-Twilio-Signature")) {
				t.Errorf("form #%d at %s: twilio-go rejects our signature", i, u)
			}
		}
	}
	for i, body := range jsons {
		for _, u := range oracleURLs {
			req := beyondReq("POST", u, jsonType, body, 0)
			if err := s.Sign(req, secrets(token)); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(req.URL, "bodySHA256=") {
				t.Fatalf("JSON signing left the URL without bodySHA256: %s", req.URL)
			}
			if !validator.ValidateBody(req.URL, req.Body, req.Header.Get("X-Twilio-Signature")) {
				t.Errorf("json #%d at %s: twilio-go rejects our signature (URL %s)", i, u, req.URL)
			}
			// And the library rejects what we reject: a changed body.
			if validator.ValidateBody(req.URL, append(req.Body, ' '), req.Header.Get("X-Twilio-Signature")) {
				t.Errorf("json #%d: twilio-go accepts a changed body", i)
			}
		}
	}

	// Their signatures, ours to verify: twilio-go has no public signer, so
	// these are the signatures its own tests hold
	// (client/request_validator_test.go), each of which its Validate accepts.
	params := map[string]string{"Digits": "1234", "CallSid": "CA1234567890ABCDE", "To": "+18005551212",
		"Caller": "+14158675309", "From": "+14158675309", "ReasonConferenceEnded": "test", "Reason": "Participant"}
	theirs := []struct{ url, body, contentType, sig string }{
		{twilioURL, twilioForm, formType, "vOEb5UThFn24KEfnOFLQY2AE5FY="},
		{strings.Replace(twilioURL, ".com", ".com:1234", 1), twilioForm, formType, "vOEb5UThFn24KEfnOFLQY2AE5FY="},
		{"http://mycompany.com/myapp.php?foo=1&bar=2", twilioForm, formType, "n2xBNyzSW7rfYStDtOFiFMv7qNo="},
		{twilioURL + "&bodySHA256=" + twilioBodyHash, twilioJSON, jsonType, "a9nBmqA0ju/hNViExpshrM61xv4="},
		{"https://mycompany.com/myapp.php?bodySHA256=" + twilioBodyHash, twilioJSON, jsonType, "y77kIzt2vzLz71DgmJGsen2scGs="},
		{twilioURL, "property=value&boolean=true", formType, "NBdBDr/T/lgjI+tlgpXjKZQZs/k="},
	}
	validator = twilio.NewRequestValidator("12345")
	for _, th := range theirs {
		if th.body == twilioForm && !validator.Validate(th.url, params, th.sig) {
			t.Fatalf("twilio-go itself rejects %s at %s", th.sig, th.url)
		}
		if th.body != twilioForm && !validator.ValidateBody(th.url, []byte(th.body), th.sig) {
			t.Fatalf("twilio-go itself rejects %s at %s", th.sig, th.url)
		}
		req := beyondReq("POST", th.url, th.contentType, th.body, 0, "X-Twilio-Signature", th.sig)
		if r := s.Verify(req, secrets("12345")); !r.Valid {
			t.Errorf("%s at %s: %s", th.sig, th.url, r.Message)
		}
	}
}

func TestStandardWebhooksOracle(t *testing.T) {
	wh, err := standardwebhooks.NewWebhook(swSecret)
	if err != nil {
		t.Fatal(err)
	}
	s := mustNew(t, Spec{Scheme: SchemeStandardWebhooks})
	_, jsons := oracleBodies(7)
	for i, body := range jsons {
		// Theirs → ours.
		id := fmt.Sprintf("msg_oracle%d", i)
		now := time.Now()
		sig, err := wh.Sign(id, now, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		req := beyondReq("POST", "", jsonType, body, 0,
			"webhook-id", id, "webhook-timestamp", fmt.Sprint(now.Unix()), "webhook-signature", sig)
		if r := s.Verify(req, secrets(swSecret)); !r.Valid {
			t.Errorf("#%d: we reject the library's signature: %s", i, r.Message)
		}
		// Ours → theirs.
		req = beyondReq("POST", "", jsonType, body, 0)
		if err := s.Sign(req, secrets(swSecret)); err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(req.Body, req.Header); err != nil {
			t.Errorf("#%d: the library rejects our signature: %v", i, err)
		}
	}
	// The library's known answer, signed by the library.
	sig, _ := wh.Sign(swID, time.Unix(swTime, 0), []byte(swBody))
	if sig != swSig {
		t.Errorf("library signs the known answer as %s", sig)
	}
	// Both refuse a stale request, for the same reason.
	req := beyondReq("POST", "", jsonType, swBody, 0, "webhook-id", swID, "webhook-timestamp", "1614265330", "webhook-signature", swSig)
	if err := wh.Verify(req.Body, req.Header); err == nil || !strings.Contains(err.Error(), "too old") {
		t.Errorf("library on a stale request: %v", err)
	}
	if r := s.Verify(req, secrets(swSecret)); r.Reason != ReasonTimestampTooOld {
		t.Errorf("we say %s on a stale request", r.Reason)
	}
}

func TestSvixOracle(t *testing.T) {
	wh, err := svix.NewWebhook(swSecret)
	if err != nil {
		t.Fatal(err)
	}
	s := mustNew(t, Spec{Scheme: SchemeStandardWebhooks})
	svixFlavour := mustNew(t, Spec{Scheme: SchemeStandardWebhooks, Header: "svix-signature"})
	_, jsons := oracleBodies(8)
	for i, body := range jsons {
		id := fmt.Sprintf("msg_svix%d", i)
		now := time.Now()
		sig, err := wh.Sign(id, now, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		// Svix sends svix- headers: the webhook- flavoured scheme reads them as aliases.
		req := beyondReq("POST", "", jsonType, body, 0,
			"svix-id", id, "svix-timestamp", fmt.Sprint(now.Unix()), "svix-signature", sig)
		for _, scheme := range []Scheme{s, svixFlavour} {
			if r := scheme.Verify(req, secrets(swSecret)); !r.Valid {
				t.Errorf("#%d: we reject svix's signature: %s", i, r.Message)
			}
		}
		for _, scheme := range []Scheme{s, svixFlavour} {
			req := beyondReq("POST", "", jsonType, body, 0)
			if err := scheme.Sign(req, secrets(swSecret)); err != nil {
				t.Fatal(err)
			}
			if err := wh.Verify(req.Body, http.Header(req.Header)); err != nil {
				t.Errorf("#%d (%s): svix rejects our signature: %v", i, scheme.Spec().Header, err)
			}
		}
	}
}
