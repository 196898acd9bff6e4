package check_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/cmd/root"
	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/iostreams"
	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/signing"
)

type outcome struct {
	stdout, stderr string
	code           int
}

// smshook runs the command tree as a user does, with a fresh home.
func smshook(t *testing.T, args ...string) outcome {
	t.Helper()
	return smshookWithConfig(t, "", args...)
}

// smshookWithConfig runs smshook with config (YAML) as the config file.
func smshookWithConfig(t *testing.T, config string, args ...string) outcome {
	t.Helper()
	return smshookCtx(t, context.Background(), config, args...)
}

func smshookCtx(t *testing.T, ctx context.Context, config string, args ...string) outcome {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	home := t.TempDir()
	env := map[string]string{"HOME": home, "XDG_CONFIG_HOME": filepath.Join(home, ".config")}
	if config != "" {
		dir := filepath.Join(home, ".config", "smshook")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	f := cmdutil.New(ios, func(k string) string { return env[k] })
	cmd := root.NewCmdRoot(f)
	cmd.SetArgs(args)
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	err := cmd.ExecuteContext(ctx)
	if err != nil && !cmdutil.IsSilent(err) {
		fmt.Fprintf(errOut, "smshook: %s\n", err)
	}
	return outcome{out.String(), errOut.String(), cmdutil.ExitCode(err)}
}

// jsonReport is check's -o json, as far as the tests read it.
type jsonReport struct {
	Passed, Failed, NotApplicable int
	Security                      int `json:"security_failures"`
	Cases                         []struct {
		Case, Kind, Verdict, Got, Reply, Sent string
		NotApplicable                         string `json:"not_applicable"`
		Security                              bool
	}
}

func parseReport(t *testing.T, s string) jsonReport {
	t.Helper()
	var r jsonReport
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("-o json: %v\n%s", err, s)
	}
	return r
}

// target is a provider with the credentials check signs with and those a
// handler verifies with (a Telnyx public key for a private one).
type target struct {
	p           *provider.Provider
	args        []string
	verifyCreds signing.Credentials
}

func targets(t *testing.T) []target {
	var out []target
	for _, p := range provider.Builtin().All() {
		tg := target{p: p, verifyCreds: p.Demo}
		switch {
		case p.Name == "telnyx":
			pub, priv, err := ed25519.GenerateKey(rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			tg.args = []string{"--secret", base64.StdEncoding.EncodeToString(priv)}
			tg.verifyCreds = signing.Credentials{Secrets: []string{base64.StdEncoding.EncodeToString(pub)}}
		case p.Demo.Username != "":
			tg.args = []string{"--username", p.Demo.Username, "--password", p.Demo.Password}
		default:
			tg.args = []string{"--secret", p.Demo.Secrets[0]}
		}
		out = append(out, tg)
	}
	return out
}

// handler answers like a webhook handler built on smshook's own verifier
// (verify=true) or one that checks nothing; both answer the handshake.
func handler(tg target, verify bool, slow time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		time.Sleep(slow)
		if h := tg.p.Handshake; h != nil && r.URL.Query().Has(h.QueryParam) {
			key, _ := h.Key("http://"+r.Host+r.RequestURI, body)
			if verify && !tg.p.Scheme().Verify(&signing.Request{Method: r.Method, URL: "http://" + r.Host + r.RequestURI, Header: r.Header, Body: body}, tg.verifyCreds).Valid {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write(h.Reply(key, h.Challenge(body)))
			return
		}
		if verify {
			req := &signing.Request{Method: r.Method, URL: "http://" + r.Host + r.RequestURI, Header: r.Header, Body: body}
			if res := tg.p.Scheme().Verify(req, tg.verifyCreds); !res.Valid {
				http.Error(w, res.Message, http.StatusUnauthorized)
				return
			}
		}
		w.WriteHeader(http.StatusOK)
	})
}

// A handler that verifies every request with the provider's scheme over
// the raw bytes passes every case, for every built-in provider.
func TestVerifyingHandlerPassesEveryProvider(t *testing.T) {
	for _, tg := range targets(t) {
		t.Run(tg.p.Name, func(t *testing.T) {
			srv := httptest.NewServer(handler(tg, true, 0))
			defer srv.Close()
			args := append([]string{"check", srv.URL + "/hook?x=1", "--provider", tg.p.Name, "-n", "3", "-o", "json"}, tg.args...)
			o := smshook(t, args...)
			rep := parseReport(t, o.stdout)
			for _, c := range rep.Cases {
				if c.Verdict == "fail" {
					t.Errorf("%s %s failed: sent %s, got %s %s", c.Kind, c.Case, c.Sent, c.Got, c.Reply)
				}
			}
			if o.code != 0 || rep.Failed != 0 {
				t.Errorf("exit %d, %d failed; stderr: %s", o.code, rep.Failed, o.stderr)
			}
		})
	}
}

// A handler that checks nothing fails every forgery case that applies,
// each named a security failure, and check exits 1.
func TestNonVerifyingHandlerFailsSecurityCases(t *testing.T) {
	for _, tg := range targets(t) {
		t.Run(tg.p.Name, func(t *testing.T) {
			srv := httptest.NewServer(handler(tg, false, 0))
			defer srv.Close()
			args := append([]string{"check", srv.URL, "--provider", tg.p.Name, "--skip", "response-time", "-o", "json"}, tg.args...)
			o := smshook(t, args...)
			if o.code != 1 {
				t.Fatalf("exit %d, want 1; stderr: %s", o.code, o.stderr)
			}
			rep := parseReport(t, o.stdout)
			security := map[string]bool{"forged": true, "missing": true, "altered": true, "other-secret": true, "stale": true}
			failed := 0
			for _, c := range rep.Cases {
				switch {
				case security[c.Case] && c.Verdict == "n/a":
				case security[c.Case]:
					if c.Verdict != "fail" || !c.Security {
						t.Errorf("%s %s: verdict %s, security %v: a handler that checks nothing must fail it as a security failure", c.Kind, c.Case, c.Verdict, c.Security)
					}
					failed++
				case c.Verdict == "fail":
					t.Errorf("%s %s failed: %s", c.Kind, c.Case, c.Got)
				}
			}
			if failed == 0 || rep.Security != failed {
				t.Errorf("security failures: report says %d, cases %d", rep.Security, failed)
			}
			if !strings.Contains(o.stderr, "SECURITY failures") {
				t.Errorf("stderr does not name the security failures: %q", o.stderr)
			}
		})
	}
}

// A handler slower than the limit fails response-time; the p95 is of
// --requests genuine requests.
func TestResponseTimeAgainstLimit(t *testing.T) {
	tg := targets(t)[0]
	srv := httptest.NewServer(handler(tg, true, 30*time.Millisecond))
	defer srv.Close()
	o := smshook(t, append([]string{"check", srv.URL, "--provider", tg.p.Name, "--only", "response-time", "--kind", tg.p.Kinds[0].Name,
		"-n", "3", "--max-p95", "10ms", "--color", "never"}, tg.args...)...)
	if o.code != 1 || !strings.Contains(o.stdout, "✗ "+tg.p.Kinds[0].Name+" response-time: sent 3 genuine requests, one at a time; got p95 ") ||
		!strings.Contains(o.stdout, "limit 10ms (--max-p95)") {
		t.Errorf("exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	o = smshook(t, append([]string{"check", srv.URL, "--provider", tg.p.Name, "--only", "response-time", "--kind", tg.p.Kinds[0].Name,
		"-n", "3", "--max-p95", "5s", "--color", "never"}, tg.args...)...)
	if o.code != 0 {
		t.Errorf("exit %d under a 5s limit\n%s%s", o.code, o.stdout, o.stderr)
	}
}

// What the handler answers reaches the terminal escaped: a reply cannot
// paint the terminal or forge a ✓ line.
func TestReplyGoesThroughTheTerminalDoor(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, "no\x1b[2J\x1b]0;pwned\x07\r✓ delivery genuine: fine\u009b31m")
	}))
	defer srv.Close()
	o := smshook(t, "check", srv.URL, "--provider", "dexatel", "--secret", "s", "--only", "genuine", "--kind", "delivery")
	if o.code != 1 {
		t.Fatalf("exit %d", o.code)
	}
	for _, bad := range []string{"\x1b", "\x07", "\r", "\u009b"} {
		if strings.Contains(o.stdout, bad) {
			t.Errorf("stdout holds %q from the reply:\n%q", bad, o.stdout)
		}
	}
	if !strings.Contains(o.stdout, `reply: no\x1b[2J`) {
		t.Errorf("the reply is not shown escaped:\n%s", o.stdout)
	}
}

// Credentials never reach the output, even in what was sent.
func TestCredentialsAreNotPrinted(t *testing.T) {
	for _, tg := range targets(t) {
		srv := httptest.NewServer(handler(tg, false, 0))
		for _, format := range []string{"text", "json"} {
			o := smshook(t, append([]string{"check", srv.URL, "--provider", tg.p.Name, "-n", "1", "-o", format, "--report", filepath.Join(t.TempDir(), "r.xml")}, tg.args...)...)
			for i, a := range tg.args {
				if i%2 == 1 && strings.Contains(o.stdout+o.stderr, a) {
					t.Errorf("%s -o %s prints the credential %s", tg.p.Name, format, tg.args[i-1])
				}
			}
		}
		srv.Close()
	}
}

// MOBtexting's handshake: an endpoint that answers the wrong key fails
// the handshake case with the platform's reason.
func TestHandshakeWrongKey(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"validation_key":"nope"}`)
	}))
	defer srv.Close()
	o := smshook(t, "check", srv.URL, "--provider", "mobtexting", "--only", "handshake", "--color", "never")
	if o.code != 1 || !strings.Contains(o.stdout, "✗ handshake: sent POST ?token=") ||
		!strings.Contains(o.stdout, `the reply's validation_key is "nope", not the key sent`) {
		t.Errorf("exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	// With no secret, MOBtexting sends no auth: the forgery cases are n/a.
	o = smshook(t, "check", srv.URL, "--provider", "mobtexting", "--only", "forged", "--color", "never")
	if o.code != 0 || !strings.Contains(o.stdout, "- dlr forged: n/a: no credentials set") {
		t.Errorf("exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
}

// A provider of the user's own with {timestamp} in its signed content gets
// the stale and fresh cases, through a profile's url and secret.
func TestConfigProviderWithTimestamp(t *testing.T) {
	spec := signing.Spec{Scheme: "hmac", Header: "Stripe-Signature", Template: "{timestamp}.{body}",
		HeaderFormat: "t={timestamp},v1={signature}", Algorithm: "sha256", Encoding: "hex", Tolerance: 10 * time.Minute}
	scheme, err := signing.New(spec)
	if err != nil {
		t.Fatal(err)
	}
	creds := signing.Credentials{Secrets: []string{"whsec-of-my-own"}}
	for _, verify := range []bool{true, false} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if verify && !scheme.Verify(&signing.Request{Method: r.Method, URL: "http://" + r.Host + r.RequestURI, Header: r.Header, Body: body}, creds).Valid {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}))
		config := `providers:
  stripe-like:
    auth: {scheme: hmac, header: Stripe-Signature, template: "{timestamp}.{body}", algorithm: sha256, encoding: hex,
           header_format: "t={timestamp},v1={signature}", tolerance: 10m}
    kinds: [{name: event, kind: delivery, fields: {message_id: id, status: status},
             fixture: '{"id":"evt_1","status":"delivered","amount":5}'}]
profiles:
  mine: {provider: stripe-like, secret: whsec-of-my-own, url: "` + srv.URL + `/hooks"}
`
		o := smshookWithConfig(t, config, "check", "--profile", "mine", "-n", "2", "-o", "json")
		srv.Close()
		rep := parseReport(t, o.stdout)
		verdicts := map[string]string{}
		for _, c := range rep.Cases {
			verdicts[c.Case] = c.Verdict
		}
		if verify {
			if o.code != 0 || verdicts["stale"] != "pass" || verdicts["fresh"] != "pass" {
				t.Errorf("verifying handler: exit %d, stale %s, fresh %s\n%s%s", o.code, verdicts["stale"], verdicts["fresh"], o.stdout, o.stderr)
			}
			continue
		}
		if o.code != 1 || verdicts["stale"] != "fail" || verdicts["fresh"] != "pass" || rep.Security != 5 {
			t.Errorf("non-verifying handler: exit %d, stale %s, fresh %s, %d security failures\n%s", o.code, verdicts["stale"], verdicts["fresh"], rep.Security, o.stdout)
		}
	}
}

// Ctrl-C stops the battery with exit 130, and no half report.
func TestInterrupted(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	o := smshookCtx(t, ctx, "", "check", srv.URL, "--provider", "dexatel", "--secret", "s")
	if o.code != 130 || o.stdout != "" || time.Since(start) > 5*time.Second {
		t.Errorf("exit %d after %v, stdout %q, stderr %q", o.code, time.Since(start), o.stdout, o.stderr)
	}
}

// Each request gets the provider's documented timeout: Telnyx waits 2 s,
// so a 2.3 s reply fails even the genuine case.
func TestProviderTimeoutBoundsEachRequest(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for Telnyx's 2 s timeout")
	}
	var tg target
	for _, x := range targets(t) {
		if x.p.Name == "telnyx" {
			tg = x
		}
	}
	srv := httptest.NewServer(handler(tg, true, 2300*time.Millisecond))
	defer srv.Close()
	o := smshook(t, append([]string{"check", srv.URL, "--provider", "telnyx", "--only", "genuine", "--kind", "delivery", "--color", "never"}, tg.args...)...)
	if o.code != 1 || !strings.Contains(o.stdout, "✗ delivery genuine: sent POST the example, signed; got timeout: ") {
		t.Errorf("exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
}

// Usage errors exit 2; a handler that cannot be reached exits 1.
func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"check", "http://127.0.0.1:1/"}, 2},
		{[]string{"check", "http://127.0.0.1:1/", "--provider", "dexatel"}, 2},
		{[]string{"check", "http://127.0.0.1:1/", "--provider", "dexatel", "--secret", "s", "--only", "nope"}, 2},
		{[]string{"check", "http://127.0.0.1:1/", "--provider", "dexatel", "--secret", "s", "--kind", "nope"}, 2},
		{[]string{"check", "--list", "http://127.0.0.1:1/"}, 2},
		{[]string{"check", "--list"}, 0},
		{[]string{"check", "http://127.0.0.1:1/", "--provider", "dexatel", "--secret", "s"}, 1},
	} {
		if o := smshook(t, tc.args...); o.code != tc.code {
			t.Errorf("%v: exit %d, want %d (%s)", tc.args, o.code, tc.code, o.stderr)
		}
	}
}
