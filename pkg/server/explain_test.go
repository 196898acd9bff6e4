package server

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/signing"
)

const twilioToken = "twilio-listen-token"

// twilioSig is Twilio's signature, computed here as twilio-go's
// RequestValidator computes it: HMAC-SHA1 of the URL and the sorted params.
func twilioSig(token, rawURL string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	m := hmac.New(sha1.New, []byte(token))
	m.Write([]byte(rawURL))
	for _, k := range keys {
		m.Write([]byte(k + form.Get(k)))
	}
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func twilioFixture(t *testing.T, known ...signing.NamedCredentials) *fixture {
	tw, err := provider.Builtin().Lookup("twilio")
	if err != nil {
		t.Fatal(err)
	}
	return newFixture(t, func(o *Options) {
		o.Endpoints = append(o.Endpoints, &Endpoint{Name: "twilio-dev", Provider: tw,
			Credentials: signing.Credentials{Secrets: []string{twilioToken}}, Known: known})
	})
}

var twilioStatus = url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"delivered"}, "From": {"+14155550100"}, "To": {"+14155550199"}}

// A request that verifies only under the URL its own forwarded headers
// give (a tunnel that ended TLS) is accepted and marked so.
func TestForwardedURLIsAcceptedAndMarked(t *testing.T) {
	fx := twilioFixture(t)
	public := "https://abc.example-tunnel.app/twilio-dev"
	body := []byte(twilioStatus.Encode())
	resp := fx.do("POST", "/twilio-dev", body, "Content-Type", "application/x-www-form-urlencoded",
		"X-Twilio-Signature", twilioSig(twilioToken, public, twilioStatus),
		"X-Forwarded-Proto", "https", "X-Forwarded-Host", "abc.example-tunnel.app")
	if resp.status != 200 {
		t.Fatalf("status %d %s, want 200", resp.status, resp.body)
	}
	recs := fx.records()
	v := recs[0].Verification
	if !v.Valid || v.Cause() != signing.CauseForwardedURL || v.Diagnosis.URL != public ||
		!strings.Contains(v.Message, "(from X-Forwarded-Proto and X-Forwarded-Host)") || !strings.Contains(v.Message, "--public-url") {
		t.Fatalf("verification %+v", v)
	}
}

// Other variants are explained, never accepted: a scheme flip without
// forwarded headers, a trailing slash, another profile's token.
func TestOtherVariantsAreExplainedNotAccepted(t *testing.T) {
	fx := twilioFixture(t, signing.NamedCredentials{Name: "profile twilio-prod's secret", Credentials: signing.Credentials{Secrets: []string{"prod-token"}}})
	local := strings.Replace(fx.srv.URL, "http://", "https://", 1) + "/twilio-dev"
	body := []byte(twilioStatus.Encode())
	tests := []struct {
		name, sig, cause, want string
	}{
		{"scheme flip", twilioSig(twilioToken, local, twilioStatus), signing.CauseURLVariant, "http and https swapped"},
		{"trailing slash", twilioSig(twilioToken, fx.srv.URL+"/twilio-dev/", twilioStatus), signing.CauseURLVariant, "trailing slash"},
		{"another profile", twilioSig("prod-token", fx.srv.URL+"/twilio-dev", twilioStatus), signing.CauseOtherSecret, "matches profile twilio-prod's secret, not twilio-dev's"},
		{"forged", base64.StdEncoding.EncodeToString([]byte("01234567890123456789")), "", "does not match"},
	}
	for _, tt := range tests {
		resp := fx.do("POST", "/twilio-dev", body, "Content-Type", "application/x-www-form-urlencoded", "X-Twilio-Signature", tt.sig)
		var p problem
		if err := json.Unmarshal(resp.body, &p); err != nil || resp.status != 401 {
			t.Fatalf("%s: %d %s", tt.name, resp.status, resp.body)
		}
		if p.Cause != tt.cause || !strings.Contains(p.Message, tt.want) {
			t.Errorf("%s: 401 body cause %q %q, want %q %q", tt.name, p.Cause, p.Message, tt.cause, tt.want)
		}
	}
	recs := fx.records()
	for i, tt := range tests {
		v := recs[i].Verification
		if v.Valid || v.Cause() != tt.cause || !strings.Contains(v.Message, tt.want) {
			t.Errorf("%s: record %+v", tt.name, v)
		}
		if tt.cause == "" && (v.Diagnosis == nil || len(v.Diagnosis.Checks) == 0) {
			t.Errorf("%s: the record lists no checks", tt.name)
		}
	}
}

// Diagnosis costs a verify per candidate, so the listener runs one at a
// time and none over maxDiagnosedBody: a forged request meanwhile gets the
// plain verdict, while a genuine request behind a tunnel is still accepted.
func TestDiagnosisIsBoundedButForwardedURLIsNot(t *testing.T) {
	fx := twilioFixture(t)
	body := []byte(twilioStatus.Encode())
	slash := twilioSig(twilioToken, fx.srv.URL+"/twilio-dev/", twilioStatus)
	form := "application/x-www-form-urlencoded"

	fx.h.diagnosing <- struct{}{} // another diagnosis is running
	resp := fx.do("POST", "/twilio-dev", body, "Content-Type", form, "X-Twilio-Signature", slash)
	if resp.status != 401 || strings.Contains(string(resp.body), "trailing slash") {
		t.Errorf("while busy: %d %s, want a plain 401", resp.status, resp.body)
	}
	public := "https://abc.example-tunnel.app/twilio-dev"
	resp = fx.do("POST", "/twilio-dev", body, "Content-Type", form,
		"X-Twilio-Signature", twilioSig(twilioToken, public, twilioStatus),
		"X-Forwarded-Proto", "https", "X-Forwarded-Host", "abc.example-tunnel.app")
	if resp.status != 200 {
		t.Errorf("behind a tunnel while busy: %d %s, want 200", resp.status, resp.body)
	}
	<-fx.h.diagnosing

	resp = fx.do("POST", "/twilio-dev", body, "Content-Type", form, "X-Twilio-Signature", slash)
	if resp.status != 401 || !strings.Contains(string(resp.body), "trailing slash") {
		t.Errorf("when free: %d %s, want the trailing slash named", resp.status, resp.body)
	}
	big := url.Values{"MessageSid": {"SM1"}, "Body": {strings.Repeat("a", maxDiagnosedBody)}}
	resp = fx.do("POST", "/twilio-dev", []byte(big.Encode()), "Content-Type", form,
		"X-Twilio-Signature", twilioSig(twilioToken, fx.srv.URL+"/twilio-dev/", big))
	if resp.status != 401 || strings.Contains(string(resp.body), "trailing slash") {
		t.Errorf("a body over %d bytes: %d %s, want a plain 401", maxDiagnosedBody, resp.status, resp.body)
	}
}
