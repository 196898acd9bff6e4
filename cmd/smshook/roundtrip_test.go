package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/cmd/root"
	"github.com/smshook/smshook/pkg/iostreams"
	"github.com/smshook/smshook/pkg/provider"
)

// roundTripConfig defines two providers of the user's own, as README shows
// them (GitHub-style and Stripe-style), and a profile for each.
const roundTripConfig = `
profiles:
  hub:
    provider: acme-hub
    secret: "It's a Secret to Everybody"
  stripe:
    provider: stripe-like
    secret: whsec-stripe-style
providers:
  acme-hub:
    auth: {scheme: hmac, algorithm: sha256, encoding: hex, header: X-Hub-Signature-256, prefix: "sha256="}
    kinds:
      - name: delivery
        kind: delivery
        match: {path: event, values: [delivery]}
        fields: {message_id: id, to: to, status: status}
        statuses: {delivrd: delivered}
        fixture: '{"event":"delivery","id":"m-1","to":"+15550100","status":"DELIVRD"}'
      - name: inbound
        kind: inbound
        format: form
        match: {path: event, values: [inbound]}
        fields: {message_id: id, from: from, text: text}
        fixture: 'event=inbound&id=m-2&from=%2B15550101&text=STOP'
  stripe-like:
    auth: {scheme: hmac, header: Stripe-Signature, template: "{timestamp}.{body}", header_format: "t={timestamp},v1={signature}"}
    kinds:
      - {name: event, kind: delivery, fields: {message_id: id, status: type}, statuses: {message.delivered: delivered}, fixture: '{"id":"evt_1","type":"message.delivered"}'}
`

// invocation runs smshook in this process and returns its outputs and exit code.
func invoke(t *testing.T, stdin []byte, args ...string) (string, string, int) {
	t.Helper()
	io, in, out, errOut := iostreams.Test()
	in.Write(stdin)
	code := root.Run(args, io, func(k string) string {
		if k == "HOME" || k == "XDG_CONFIG_HOME" {
			return t.TempDir() // no user config leaks in
		}
		return ""
	})
	return out.String(), errOut.String(), code
}

// listener runs `smshook listen` in the background until it has seen n
// events, and returns its base URL and a function that waits for its exit.
func listener(t *testing.T, cfg, capturePath string, n int) (string, func() (int, string)) {
	t.Helper()
	addrFile := filepath.Join(t.TempDir(), "addr")
	type result struct {
		code   int
		stderr string
	}
	done := make(chan result, 1)
	go func() {
		io, _, _, errOut := iostreams.Test()
		code := root.Run([]string{"listen", "--config", cfg, "--demo", "--port", "0", "--addr-file", addrFile,
			"--capture", capturePath, "--max-events", fmt.Sprint(n), "--timeout", "60s", "-o", "json"},
			io, func(string) string { return "" })
		done <- result{code, errOut.String()}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, err := os.ReadFile(addrFile); err == nil && bytes.HasSuffix(b, []byte("\n")) {
			return "http://" + strings.TrimSpace(string(b)), func() (int, string) {
				select {
				case r := <-done:
					return r.code, r.stderr
				case <-time.After(60 * time.Second):
					t.Fatal("listen did not exit after its events")
					return 0, ""
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("listen did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// target is one provider kind and how to reach it.
type target struct {
	provider, kind, route string
	creds                 []string // credential flags
	bodySigned            bool     // the scheme signs inside the body (its bytes change when re-signed)
}

func roundTripTargets(t *testing.T) []target {
	var targets []target
	for _, p := range provider.Builtin().All() {
		creds := []string{"--secret", ""}
		if p.Demo.Username != "" {
			creds = []string{"--username", p.Demo.Username, "--password", p.Demo.Password}
		} else {
			creds[1] = p.Demo.Secrets[0]
		}
		for _, k := range p.Kinds {
			targets = append(targets, target{p.Name, k.Name, p.Name + "/" + k.Name, creds, len(p.Scheme().AuthHeaders()) == 0})
		}
	}
	targets = append(targets,
		target{"acme-hub", "delivery", "hub/delivery", []string{"--secret", "It's a Secret to Everybody"}, false},
		target{"acme-hub", "inbound", "hub/inbound", []string{"--secret", "It's a Secret to Everybody"}, false},
		target{"stripe-like", "event", "stripe/event", []string{"--secret", "whsec-stripe-style"}, false},
	)
	return targets
}

// TestEveryProviderRoundTrip takes every provider, built in or defined in
// the config file, through sign → verify, and through send → listen →
// capture → replay → a second listener, which must verify every request
// and receive the captured bytes.
func TestEveryProviderRoundTrip(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte(roundTripConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	targets := roundTripTargets(t)

	t.Run("sign then verify", func(t *testing.T) {
		for _, tg := range targets {
			url := "https://hooks.example.com/" + tg.route
			args := append([]string{"sign", tg.provider, "--config", cfg, "--event", tg.kind, "--url", url, "-o", "http", "--show-secrets"}, tg.creds...)
			raw, stderr, code := invoke(t, nil, args...)
			if code != 0 {
				t.Errorf("%s/%s: sign exit %d: %s", tg.provider, tg.kind, code, stderr)
				continue
			}
			args = append([]string{"verify", tg.provider, "--config", cfg, "--request", "-", "--url", url}, tg.creds...)
			if _, stderr, code := invoke(t, []byte(raw), args...); code != 0 {
				t.Errorf("%s/%s: verify exit %d: %s", tg.provider, tg.kind, code, stderr)
			}
		}
	})

	first := filepath.Join(dir, "first.jsonl")
	base, wait := listener(t, cfg, first, len(targets))
	for _, tg := range targets {
		args := append([]string{"send", tg.provider, "--config", cfg, "--event", tg.kind, "--to", base + "/" + tg.route}, tg.creds...)
		if _, stderr, code := invoke(t, nil, args...); code != 0 {
			t.Errorf("%s/%s: send exit %d: %s", tg.provider, tg.kind, code, stderr)
		}
	}
	if code, stderr := wait(); code != 0 {
		t.Fatalf("the first listener exits %d (0 means every event verified): %s", code, stderr)
	}
	captured := readCapture(t, first, len(targets))

	// Replay to a second listener: each record to its own route, re-signed
	// with the demo credentials or with the profile it was captured under.
	second := filepath.Join(dir, "second.jsonl")
	base2, wait2 := listener(t, cfg, second, len(targets))
	if _, stderr, code := invoke(t, nil, "replay", first, "--config", cfg, "--demo", "--to", base2); code != 0 {
		t.Errorf("replay exit %d: %s", code, stderr)
	}
	if code, stderr := wait2(); code != 0 {
		t.Fatalf("the second listener exits %d: %s", code, stderr)
	}
	replayed := readCapture(t, second, len(targets))

	for i, tg := range targets {
		a, b := captured[i], replayed[i]
		if a.Provider != tg.provider || a.Kind != tg.kind || !a.Verification.Valid {
			t.Errorf("capture %d: %s/%s valid=%v, want %s/%s valid (%s)", i, a.Provider, a.Kind, a.Verification.Valid, tg.provider, tg.kind, a.Verification.Message)
		}
		if b.Provider != tg.provider || !b.Verification.Valid {
			t.Errorf("replay %d: %s valid=%v: %s", i, b.Provider, b.Verification.Valid, b.Verification.Message)
		}
		if !tg.bodySigned && !bytes.Equal(a.Body(), b.Body()) {
			t.Errorf("%s/%s: replay changed the body:\n%q\n%q", tg.provider, tg.kind, a.Body(), b.Body())
		}
	}

	// An independent check of one capture: Dexatel's signature recomputed
	// with crypto/hmac over the captured bytes.
	for _, r := range captured {
		if r.Provider == "dexatel" {
			m := hmac.New(sha256.New, []byte("smshook-demo-dexatel-secret"))
			m.Write(r.Body())
			if got, want := r.Headers.Get("X-Dexatel-Signature"), base64.StdEncoding.EncodeToString(m.Sum(nil)); got != want {
				t.Errorf("captured dexatel signature %s, want %s over the captured bytes", got, want)
			}
		}
	}
}

func readCapture(t *testing.T, path string, want int) []*capture.Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd := capture.NewReader(f)
	var records []*capture.Record
	for {
		r, err := rd.Next()
		if err != nil {
			break
		}
		records = append(records, r)
	}
	if len(records) != want {
		t.Fatalf("%s holds %d records, want %d", path, len(records), want)
	}
	return records
}
