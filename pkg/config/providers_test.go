package config

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/viper"

	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/signing"
)

// A config file with the two providers the README shows: a GitHub-style
// X-Hub-Signature-256 and a Stripe-style composite header.
const providersConfig = `
profiles:
  hub-dev:
    provider: acme-hub
    secret: "It's a Secret to Everybody"
providers:
  acme-hub:
    title: Acme (GitHub-style signature)
    docs_url: https://acme.example.com/docs/webhooks
    auth:
      scheme: hmac
      algorithm: sha256
      encoding: hex
      header: X-Hub-Signature-256
      prefix: "sha256="
    kinds:
      - name: delivery
        description: delivery report
        kind: delivery
        match: {path: event, values: [delivery]}
        fields: {message_id: id, to: to, status: status}
        statuses: {delivrd: delivered, undeliv: failed}
        fixture: '{"event":"delivery","id":"m-1","to":"+15550100","status":"DELIVRD"}'
      - name: inbound
        kind: inbound
        format: form
        match: {path: event, values: [inbound]}
        fields: {message_id: id, from: from, text: text}
        fixture_file: fixtures/inbound.form
  stripe-like:
    auth:
      scheme: hmac
      header: Stripe-Signature
      template: "{timestamp}.{body}"
      header_format: "t={timestamp},v1={signature}"
      tolerance: 10m
    kinds:
      - name: event
        kind: delivery
        fields: {message_id: id, status: type}
        statuses: {message.delivered: delivered}
        fixture: '{"id":"evt_1","type":"message.delivered"}'
`

// loadConfig writes content (and extra files) into a temporary directory
// and loads it as smshook does.
func loadConfig(t *testing.T, content string, files map[string]string) (*viper.Viper, *Config) {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600)
	}
	path := filepath.Join(dir, "config.yaml")
	os.WriteFile(path, []byte(content), 0o600)
	v := viper.New()
	cfg, err := Load(v, path, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return v, cfg
}

func TestConfigProviders(t *testing.T) {
	v, cfg := loadConfig(t, providersConfig, map[string]string{"fixtures/inbound.form": "event=inbound&id=mo-1&from=%2B15550123&text=hi+there"})
	reg, err := Registry(v, cfg.Path)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"acme-hub", "stripe-like", "dexatel"} {
		if _, err := reg.Lookup(name); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}

	hub, _ := reg.Lookup("acme-hub")
	if hub.Title != "Acme (GitHub-style signature)" || hub.DocsURL == "" || len(hub.Kinds) != 2 {
		t.Errorf("acme-hub = %+v", hub)
	}
	ev, err := hub.Decode(hub.Kinds[0].Fixture, "")
	if err != nil || ev.MessageID != "m-1" || ev.Status != codec.StatusDelivered || ev.RawStatus != "DELIVRD" {
		t.Errorf("delivery decodes as %+v (%v)", ev, err)
	}
	ev, err = hub.Decode([]byte("event=inbound&id=mo-1&from=%2B15550123&text=hi+there"), "")
	if err != nil || ev.EventName != "inbound" || ev.From != "+15550123" || ev.Text != "hi there" || ev.Status != codec.StatusReceived {
		t.Errorf("form inbound decodes as %+v (%v)", ev, err)
	}
	if hub.Kinds[1].ContentType() != "application/x-www-form-urlencoded" || hub.Kinds[0].Method != "POST" {
		t.Errorf("kind defaults: %s %s", hub.Kinds[1].ContentType(), hub.Kinds[0].Method)
	}

	// GitHub's documented example:
	// printf '%s' 'Hello, World!' | openssl dgst -sha256 -hmac "It's a Secret to Everybody"
	req := &signing.Request{Method: "POST", Header: http.Header{}, Body: []byte("Hello, World!")}
	cred, err := ResolveCredentials(cfg.Profiles["hub-dev"], CredentialFlags{}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if err := hub.Scheme().Sign(req, cred); err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get("X-Hub-Signature-256"); got != "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17" {
		t.Errorf("X-Hub-Signature-256 = %s", got)
	}

	// printf '%s' '1700000000.{"id":"evt_1","type":"message.delivered"}' | openssl dgst -sha256 -hmac stripe-style-secret
	stripe, _ := reg.Lookup("stripe-like")
	if stripe.Auth.Tolerance != 10*time.Minute {
		t.Errorf("tolerance = %s", stripe.Auth.Tolerance)
	}
	req = &signing.Request{Method: "POST", Header: http.Header{}, Body: stripe.Kinds[0].Fixture, Now: time.Unix(1700000000, 0)}
	stripeCred := signing.Credentials{Secrets: []string{"stripe-style-secret"}}
	if err := stripe.Scheme().Sign(req, stripeCred); err != nil {
		t.Fatal(err)
	}
	want := "t=1700000000,v1=19bacb6571d8750c9084b7b5cb2c29ac94224ce0b8e34e4c11f862fcb08c1cec"
	if got := req.Header.Get("Stripe-Signature"); got != want {
		t.Errorf("Stripe-Signature = %s, want %s", got, want)
	}
	req.Now = time.Unix(1700000000+9*60, 0)
	if r := stripe.Scheme().Verify(req, stripeCred); !r.Valid {
		t.Errorf("9 minutes later, within the 10m tolerance: %s", r.Message)
	}
	req.Now = time.Unix(1700000000+11*60, 0)
	if r := stripe.Scheme().Verify(req, stripeCred); r.Reason != signing.ReasonTimestampTooOld {
		t.Errorf("11 minutes later: %s %s", r.Reason, r.Message)
	}
}

func TestConfigProvidersErrors(t *testing.T) {
	hub := func(kind string) string {
		return "providers:\n  acme:\n    auth: {scheme: hmac, header: X-Sig}\n    kinds:\n" + kind
	}
	tests := []struct {
		name, config, want string
	}{
		{"a built-in's name", "providers:\n  dexatel:\n    auth: {scheme: bearer}\n    kinds: [{name: k, kind: delivery}]\n",
			"provider dexatel is built in: give yours another name under providers:"},
		{"a typo in a key", "providers:\n  acme:\n    auth: {scheme: hmac, heder: X-Sig}\n    kinds: [{name: k, kind: delivery}]\n", "heder"},
		{"no scheme", "providers:\n  acme:\n    kinds: [{name: k, kind: delivery}]\n", "provider acme: auth has no scheme"},
		{"no kinds", "providers:\n  acme:\n    auth: {scheme: bearer}\n", "provider acme: it has no kinds"},
		{"bad name", "providers:\n  Acme Co:\n    auth: {scheme: bearer}\n    kinds: [{name: k, kind: delivery}]\n", "may hold only lowercase letters"},
		{"bad scheme parameter", "providers:\n  acme:\n    auth: {scheme: hmac, header: X, algorithm: md4}\n    kinds: [{name: k, kind: delivery}]\n", `unknown hmac algorithm "md4"`},
		{"bad normalized kind", hub("      - {name: k, kind: dlr}\n"), `kind k: kind "dlr" is not delivery or inbound`},
		{"bad format", hub("      - {name: k, kind: delivery, format: xml}\n"), `format "xml" is not json or form`},
		{"bad status", hub("      - {name: k, kind: delivery, statuses: {ok: fine}}\n"), `statuses: ok: "fine" is not a normalized status`},
		{"fixture twice", hub("      - {name: k, kind: delivery, fixture: '{}', fixture_file: x.json}\n"), "give fixture or fixture_file, not both"},
		{"missing fixture file", hub("      - {name: k, kind: delivery, fixture_file: nope.json}\n"), "fixture_file: cannot read"},
		{"fixture of the other kind", hub("      - {name: a, kind: delivery, match: {path: t, values: [a]}, fixture: '{\"t\":\"b\"}'}\n      - {name: b, kind: delivery, match: {path: t, values: [b]}}\n"),
			"the a fixture is not detected as a"},
		{"kind without a name", hub("      - {kind: delivery}\n"), "kind #1: it has no name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, cfg := loadConfig(t, tt.config, nil)
			_, err := Registry(v, cfg.Path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Registry = %v, want an error containing %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), cfg.Path) {
				t.Errorf("error %q does not name the config file", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q is not one line", err)
			}
		})
	}
}

func TestConfigWithoutProviders(t *testing.T) {
	v, cfg := loadConfig(t, "profiles:\n  p:\n    provider: dexatel\n", nil)
	reg, err := Registry(v, cfg.Path)
	if err != nil || len(reg.Names()) == 0 {
		t.Fatalf("%v %v", reg, err)
	}
	// No config file at all.
	reg, err = Registry(viper.New(), "")
	if err != nil || len(reg.Names()) == 0 {
		t.Fatalf("%v %v", reg, err)
	}
}
