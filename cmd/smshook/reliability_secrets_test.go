package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/capture"
)

// Distinctive credentials, one per place a secret can come from. None may
// appear in anything sign, verify, send, listen or replay prints or writes
// (stdout, stderr, reports, exports) unless --show-secrets is passed.
const (
	secretFlag       = "FlagS3cret-q7Zr"
	secretEnv        = "EnvS3cret-Lw2x"
	secretProfile    = "Pr0fileS3cret-Vn8k"
	secretOld        = "0ldS3cret-Rk5f"
	secretFile       = "FileS3cret-Hb4m"
	secretProfileEnv = "Pr0fEnvS3cret-Tc9p"
	tokenProfile     = "MobT0ken-Pq1w"
	tokenFlag        = "FlagT0ken-Zx3c"
	passwordProfile  = "Passw0rd-Jd3s"
	passwordFlag     = "FlagPassw0rd-Mm2n"
	passwordEnv      = "EnvPassw0rd-Gg7h"
	tokenCaptured    = "CapturedT0ken-Yy6u"
	passwordCaptured = "CapturedPassw0rd-Ee4r"
	// A config-defined provider sends a Bearer token in X-Api-Token, and a
	// profile forwards to an app whose URL holds a password.
	apiTokenProfile  = "ApiT0ken-Kk8s"
	apiTokenCaptured = "CapturedApiT0ken-Ww5v"
	forwardPassword  = "FwdPassw0rd-Uu3i"
	cookieCaptured   = "CookieS3ssion-Oo1p"
)

// forbidden are the strings no output may hold: every credential, and the
// Basic header values that carry a password in base64.
func forbidden() []string {
	list := []string{secretFlag, secretEnv, secretProfile, secretOld, secretFile, secretProfileEnv,
		tokenProfile, tokenFlag, passwordProfile, passwordFlag, passwordEnv, tokenCaptured, passwordCaptured,
		apiTokenProfile, apiTokenCaptured, forwardPassword, cookieCaptured}
	for _, userPass := range []string{"hook:" + passwordProfile, "hook:" + passwordFlag, "hook:" + passwordEnv, "hook:" + passwordCaptured, "fwd:" + forwardPassword} {
		list = append(list, base64.StdEncoding.EncodeToString([]byte(userPass)))
	}
	return list
}

// secretsFixture is a directory with a config file of profiles whose
// credentials come from the file itself, a secret file and an env var, a
// config-defined provider with a token in X-Api-Token, a forward_to with a
// password, a body, and a capture holding requests with credential headers
// (one no route claimed, one forwarded to a URL with a password).
type secretsFixture struct {
	dir, body, capture string
	env                []string
	sink, failing      string // servers answering 200 and 500
	closed             string // nothing listens there
	forwardTo          string // closed, with a password in its userinfo
}

func newSecretsFixture(t *testing.T) *secretsFixture {
	t.Helper()
	f := &secretsFixture{dir: t.TempDir(), sink: okServer(t, 200), failing: okServer(t, 500), closed: closedURL(t)}
	f.forwardTo = strings.Replace(closedURL(t), "http://", "http://fwd:"+forwardPassword+"@", 1)
	f.env = cliEnv(f.dir, "DEX_SECRET="+secretProfileEnv)
	f.body = writeFile(t, f.dir, "body.json", dexatelBody)
	writeFile(t, f.dir, "secret.txt", secretFile+"\n")
	os.MkdirAll(filepath.Join(f.dir, ".config", "smshook"), 0o700)
	writeFile(t, f.dir, ".config/smshook/config.yaml", `profiles:
  dex:
    provider: dexatel
    secret: `+secretProfile+`
    previous_secrets: ["`+secretOld+`"]
    url: `+f.sink+`/dexatel
  dexfile:
    provider: dexatel
    secret_file: `+filepath.Join(f.dir, "secret.txt")+`
  dexenv:
    provider: dexatel
    secret_env: DEX_SECRET
  mob:
    provider: mobtexting
    secret: `+tokenProfile+`
    validation_key: "9012XX"
    url: `+f.sink+`/mobtexting
  cell:
    provider: cellcast
    username: hook
    password: `+passwordProfile+`
    url: `+f.sink+`/cellcast
  tok:
    provider: tokenapi
    secret: `+apiTokenProfile+`
    forward_to: `+f.forwardTo+`
providers:
  tokenapi:
    auth: {scheme: bearer, header: X-Api-Token}
    kinds:
      - name: delivery
        kind: delivery
        fields: {message_id: id, status: status}
        fixture: '{"id":"m-1","status":"delivered"}'
`)
	f.capture = filepath.Join(f.dir, "captures.jsonl")
	w, err := capture.Open(f.capture)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC()
	for i, r := range []struct{ provider, kind, header, value string }{
		{"dexatel", "delivery", "X-Dexatel-Signature", hmacBase64(secretProfile, dexatelBody)},
		{"mobtexting", "dlr", "Authorization", "Bearer " + tokenCaptured},
		{"cellcast", "status", "Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte("hook:"+passwordCaptured))},
		{"tokenapi", "delivery", "X-Api-Token", "Bearer " + apiTokenCaptured},
		{"", "", "X-Api-Token", "Bearer " + apiTokenCaptured}, // no route claimed it
		{"", "", "Cookie", "session=" + cookieCaptured},
	} {
		rec := &capture.Record{ID: capture.NewID(at.Add(time.Duration(i))), ReceivedAt: at, Profile: r.provider, Provider: r.provider,
			Kind: r.kind, Method: "POST", URL: "http://127.0.0.1:8787/" + r.provider,
			Headers:      http.Header{"Content-Type": {"application/json"}, r.header: {r.value}},
			Verification: capture.Verification{Valid: true, Message: "valid"}}
		rec.SetBody([]byte(dexatelBody))
		rec.Reply.Status = 200
		if r.provider == "tokenapi" { // as an older smshook stored it, password and all
			rec.Forward = &capture.Forward{URL: f.forwardTo, Status: 0, Error: "cannot reach the app at " + f.forwardTo + ": refused"}
			rec.Reply.Status = 502
		}
		if r.provider == "" {
			rec.Verification = capture.Verification{Reason: "no_route", Message: "no route"}
			rec.Reply.Status = 404
		}
		if err := w.Append(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return f
}

func hmacBase64(secret, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// secretCase is one run: its arguments, extra environment, the exit code
// that shows it took the path meant, and files it writes to check too.
type secretCase struct {
	name  string
	args  []string
	env   []string
	code  int
	files []string
}

func TestNoSecretInOutput(t *testing.T) {
	f := newSecretsFixture(t)
	basicWrong := "Basic " + base64.StdEncoding.EncodeToString([]byte("hook:wrong"))
	cases := []secretCase{
		// sign: every output format, every credential source, and failures.
		{name: "sign flag", args: []string{"sign", "dexatel", "--secret", secretFlag, f.body}},
		{name: "sign env json", args: []string{"sign", "dexatel", f.body, "-o", "json"}, env: []string{"SMSHOOK_SECRET=" + secretEnv}},
		{name: "sign profile curl", args: []string{"sign", "-p", "dex", f.body, "-o", "curl"}},
		{name: "sign secret_file http", args: []string{"sign", "-p", "dexfile", f.body, "-o", "http"}},
		{name: "sign secret_env", args: []string{"sign", "-p", "dexenv", f.body}},
		{name: "sign bearer curl", args: []string{"sign", "-p", "mob", "--event", "dlr", "-o", "curl"}},
		{name: "sign bearer http", args: []string{"sign", "mobtexting", "--secret", tokenFlag, "--event", "dlr", "-o", "http"}},
		{name: "sign bearer json", args: []string{"sign", "-p", "mob", "--event", "dlr", "-o", "json"}},
		{name: "sign bearer text", args: []string{"sign", "-p", "mob", "--event", "dlr"}},
		{name: "sign basic curl", args: []string{"sign", "-p", "cell", "--event", "status", "-o", "curl"}},
		{name: "sign basic flags json", args: []string{"sign", "cellcast", "--username", "hook", "--password", passwordFlag, "--event", "status", "-o", "json"}},
		{name: "sign basic env", args: []string{"sign", "cellcast", "--username", "hook", "--event", "status", "-o", "http"}, env: []string{"SMSHOOK_PASSWORD=" + passwordEnv}},
		{name: "sign to a URL with a password", args: []string{"sign", "-p", "dex", f.body, "--url", f.forwardTo, "-o", "curl"}},
		{name: "sign bad encoding", args: []string{"sign", "dexatel", "--secret", secretFlag, "--encoding", "bogus", f.body}, code: 2},
		{name: "sign missing file", args: []string{"sign", "-p", "dex", "missing.json"}, code: 2},
		{name: "sign unknown profile", args: []string{"sign", "-p", "nosuch", f.body}, code: 2},
		{name: "sign bad output", args: []string{"sign", "-p", "mob", "--event", "dlr", "-o", "yaml"}, code: 2},

		// verify: valid (current and previous secret), invalid, malformed, missing.
		{name: "verify valid", args: []string{"verify", "-p", "dex", "--signature", hmacBase64(secretProfile, dexatelBody), f.body}},
		{name: "verify previous secret json", args: []string{"verify", "-p", "dex", "--signature", hmacBase64(secretOld, dexatelBody), f.body, "-o", "json"}},
		{name: "verify wrong secret", args: []string{"verify", "dexatel", "--secret", secretFlag, "--signature", hmacBase64("other", dexatelBody), f.body}, code: 1},
		{name: "verify wrong secret json", args: []string{"verify", "-p", "dexenv", "--signature", hmacBase64("other", dexatelBody), f.body, "-o", "json"}, code: 1},
		{name: "verify malformed header", args: []string{"verify", "-p", "dexfile", "--header", "X-Dexatel-Signature: !!", f.body}, code: 1},
		{name: "verify missing header", args: []string{"verify", "dexatel", "--header", "X-Other: 1", f.body}, env: []string{"SMSHOOK_SECRET=" + secretEnv}, code: 1},
		{name: "verify bearer wrong", args: []string{"verify", "-p", "mob", "--signature", "Bearer wrong", f.body}, code: 1},
		{name: "verify bearer right", args: []string{"verify", "-p", "mob", "--signature", "Bearer " + tokenProfile, f.body, "-o", "json"}},
		{name: "verify basic wrong", args: []string{"verify", "-p", "cell", "--signature", basicWrong, f.body}, code: 1},
		{name: "verify no signature", args: []string{"verify", "-p", "dex", f.body}, code: 2},

		// send: success, verbose exchange, dry runs, a failing and an unreachable handler, bad flags.
		{name: "send profile", args: []string{"send", "-p", "dex"}},
		{name: "send bearer verbose", args: []string{"send", "-p", "mob", "-v"}},
		{name: "send basic verbose json", args: []string{"send", "-p", "cell", "-v", "-o", "json"}},
		{name: "send flag secret verbose", args: []string{"send", "mobtexting", "--secret", tokenFlag, "--to", f.sink, "-v"}},
		{name: "send dry-run curl", args: []string{"send", "-p", "mob", "--dry-run", "-o", "curl"}},
		{name: "send dry-run http", args: []string{"send", "-p", "cell", "--dry-run", "-o", "http"}},
		{name: "send dry-run json", args: []string{"send", "-p", "dexenv", "--to", f.sink, "--dry-run", "-o", "json"}},
		{name: "send 500 report", args: []string{"send", "-p", "mob", "--to", f.failing, "-v", "--report", "send.xml"}, code: 1, files: []string{"send.xml"}},
		{name: "send unreachable", args: []string{"send", "-p", "cell", "--to", f.closed, "-v", "--report", "send2.xml"}, code: 1, files: []string{"send2.xml"}},
		{name: "send handshake fails", args: []string{"send", "-p", "mob", "--handshake", "-v"}, code: 1},
		{name: "send to a URL with a password", args: []string{"send", "-p", "dex", "--to", strings.Replace(f.sink, "http://", "http://fwd:"+forwardPassword+"@", 1), "-v", "--report", "send3.xml"}, files: []string{"send3.xml"}},
		{name: "send to a URL with a password, failing", args: []string{"send", "-p", "dex", "--to", strings.Replace(f.failing, "http://", "http://fwd:"+forwardPassword+"@", 1), "--count", "2", "-o", "json"}, code: 1},
		{name: "send to a dead URL with a password", args: []string{"send", "-p", "dex", "--to", f.forwardTo}, code: 1},
		{name: "send dry-run to a URL with a password", args: []string{"send", "-p", "dex", "--to", f.forwardTo, "--dry-run", "-o", "json"}},
		{name: "replay to a URL with a password", args: []string{"replay", f.capture, "--as-captured", "--to", strings.Replace(f.sink, "http://", "http://fwd:"+forwardPassword+"@", 1), "-v", "--report", "replay2.xml", "-o", "json"}, files: []string{"replay2.xml"}},
		{name: "replay to a dead URL with a password", args: []string{"replay", f.capture, "--as-captured", "--to", f.forwardTo}, code: 1},
		{name: "send to a bad URL with a password", args: []string{"send", "-p", "dex", "--to", "ftp://fwd:" + forwardPassword + "@h/x"}, code: 2},
		{name: "send bad count", args: []string{"send", "-p", "mob", "--count", "-1"}, code: 2},

		// replay: re-signed, as captured (credential headers from the capture), dry runs, exports, failures.
		{name: "replay re-signed", args: []string{"replay", f.capture, "-p", "dex", "--provider", "dexatel", "-v"}},
		{name: "replay as captured", args: []string{"replay", f.capture, "--as-captured", "--to", f.sink, "-v", "-o", "json"}},
		{name: "replay as captured dry-run curl", args: []string{"replay", f.capture, "--as-captured", "--to", f.sink, "--dry-run", "-o", "curl"}},
		{name: "replay as captured dry-run http", args: []string{"replay", f.capture, "--as-captured", "--to", f.sink, "--dry-run", "-o", "http"}},
		{name: "replay as captured dry-run json", args: []string{"replay", f.capture, "--as-captured", "--to", f.sink, "--dry-run", "-o", "json"}},
		{name: "replay dry-run to a URL with a password", args: []string{"replay", f.capture, "--as-captured", "--to", f.forwardTo, "--dry-run", "-o", "curl"}},
		{name: "replay re-signed token dry-run http", args: []string{"replay", f.capture, "-p", "tok", "--provider", "tokenapi", "--dry-run", "-o", "http"}},
		{name: "replay re-signed dry-run http", args: []string{"replay", f.capture, "-p", "cell", "--provider", "cellcast", "--dry-run", "-o", "http"}},
		{name: "replay export har", args: []string{"replay", f.capture, "--export", "har", "--out", "out.har"}, files: []string{"out.har"}},
		{name: "replay export curl", args: []string{"replay", f.capture, "--export", "curl"}},
		{name: "replay export curl file", args: []string{"replay", f.capture, "--export", "curl", "--out", "out.sh"}, files: []string{"out.sh"}},
		{name: "replay export curl with unrouted", args: []string{"replay", f.capture, "--export", "curl", "--include-unrouted"}},
		{name: "replay export har stdout", args: []string{"replay", f.capture, "--export", "har"}},
		{name: "replay export har of a har", args: []string{"replay", "--import-har", "out.har", "--export", "har"}},

		// config: the profile with forward_to and a token, shown and listed.
		{name: "config show", args: []string{"config", "show", "tok"}},
		{name: "config show json", args: []string{"config", "show", "tok", "-o", "json"}},
		{name: "config list", args: []string{"config", "list"}},
		{name: "config list json", args: []string{"config", "list", "-o", "json"}},

		// send with the config-defined token provider.
		{name: "send token dry-run curl", args: []string{"send", "-p", "tok", "--to", f.sink, "--dry-run", "-o", "curl"}},
		{name: "send token verbose", args: []string{"send", "-p", "tok", "--to", f.sink, "-v"}},
		{name: "sign token curl", args: []string{"sign", "-p", "tok", "--event", "delivery", "-o", "curl"}},
		{name: "replay 500 report", args: []string{"replay", f.capture, "-p", "mob", "--provider", "mobtexting", "--to", f.failing, "-v", "--report", "replay.xml"}, code: 1, files: []string{"replay.xml"}},
		{name: "replay unreachable", args: []string{"replay", f.capture, "--as-captured", "--to", f.closed, "-v"}, code: 1},
		{name: "replay bad rate", args: []string{"replay", f.capture, "-p", "dex", "--rate", "-1"}, code: 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := runCLI(t, f.dir, append(append([]string(nil), f.env...), c.env...), c.args...)
			if res.code != c.code {
				t.Fatalf("exit %d, want %d: %s", res.code, c.code, res)
			}
			outputs := map[string]string{"stdout": res.stdout, "stderr": res.stderr}
			for _, name := range c.files {
				b, err := os.ReadFile(filepath.Join(f.dir, name))
				if err != nil {
					t.Fatalf("%s was not written: %v", name, err)
				}
				outputs[name] = string(b)
			}
			for where, out := range outputs {
				for _, secret := range forbidden() {
					if strings.Contains(out, secret) {
						t.Errorf("%s holds the credential %q:\n%s", where, secret, res)
					}
				}
			}
		})
	}
}

// TestShowSecretsShowsThem is the control for the test above: with
// --show-secrets the credentials do print, so their absence there is the
// redaction at work and not a check that cannot fail.
func TestShowSecretsShowsThem(t *testing.T) {
	f := newSecretsFixture(t)
	for _, c := range []struct {
		args []string
		want string
		file string
	}{
		{[]string{"sign", "-p", "mob", "--event", "dlr", "-o", "curl", "--show-secrets"}, tokenProfile, ""},
		{[]string{"sign", "-p", "cell", "--event", "status", "-o", "http", "--show-secrets"}, base64.StdEncoding.EncodeToString([]byte("hook:" + passwordProfile)), ""},
		{[]string{"send", "-p", "mob", "--dry-run", "-o", "curl", "--show-secrets"}, tokenProfile, ""},
		{[]string{"replay", f.capture, "--export", "har", "--out", "shown.har", "--show-secrets"}, tokenCaptured, "shown.har"},
		{[]string{"replay", f.capture, "--export", "curl", "--show-secrets"}, apiTokenCaptured, ""},
		{[]string{"replay", f.capture, "--export", "curl", "--include-unrouted", "--show-secrets"}, cookieCaptured, ""},
		{[]string{"replay", f.capture, "--as-captured", "--to", f.sink, "--dry-run", "-o", "http", "--show-secrets"}, apiTokenCaptured, ""},
	} {
		res := runCLI(t, f.dir, f.env, c.args...)
		out := res.stdout
		if c.file != "" {
			b, _ := os.ReadFile(filepath.Join(f.dir, c.file))
			out = string(b)
		}
		if res.code != 0 || !strings.Contains(out, c.want) {
			t.Errorf("--show-secrets did not show %q: %s", c.want, res)
		}
	}
}

// TestListenPrintsNoSecret serves every profile of the fixture's config
// (secrets from the file, a secret file and an env var; a Bearer token;
// Basic credentials) and sends each valid and invalid requests, a
// handshake and a forward to a dead app: listen's banner, request lines,
// --print all and --output json never show a credential, nor do its
// errors. (The capture file keeps the headers as received, by design:
// replay --as-captured sends them again.)
func TestListenPrintsNoSecret(t *testing.T) {
	f := newSecretsFixture(t)
	basic := func(pass string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte("hook:"+pass))
	}
	requests := []struct {
		path   string
		header [2]string
	}{
		{"/dex", [2]string{"X-Dexatel-Signature", hmacBase64(secretProfile, dexatelBody)}},
		{"/dex", [2]string{"X-Dexatel-Signature", hmacBase64(secretOld, dexatelBody)}},
		{"/dex", [2]string{"X-Dexatel-Signature", hmacBase64("wrong", dexatelBody)}},
		{"/dexfile", [2]string{"X-Dexatel-Signature", hmacBase64(secretFile, dexatelBody)}},
		{"/dexenv", [2]string{"X-Dexatel-Signature", hmacBase64(secretProfileEnv, dexatelBody)}},
		{"/dexenv", [2]string{"X-Other", "1"}},
		{"/mob", [2]string{"Authorization", "Bearer " + tokenProfile}},
		{"/mob", [2]string{"Authorization", "Bearer " + tokenFlag}},
		{"/mob?token=9012XX", [2]string{"Authorization", "Bearer " + tokenProfile}},
		{"/cell", [2]string{"Authorization", basic(passwordProfile)}},
		{"/cell", [2]string{"Authorization", basic(passwordFlag)}},
		// The config-defined provider's token, forwarded to a dead app
		// whose URL holds a password, and the same token where no route
		// claims it (so no scheme is known).
		{"/tok", [2]string{"X-Api-Token", "Bearer " + apiTokenProfile}},
		{"/tok", [2]string{"X-Api-Token", "Bearer " + apiTokenCaptured}},
		{"/nowhere", [2]string{"X-Api-Token", "Bearer " + apiTokenProfile}},
		{"/", [2]string{"Cookie", "session=" + cookieCaptured}},
	}
	for _, mode := range [][]string{{"--print", "all"}, {"-o", "json"}, {"--print", "headers", "--forward-to", f.closed}} {
		t.Run(strings.Join(mode, " "), func(t *testing.T) {
			capturePath := filepath.Join(f.dir, "listen.jsonl")
			os.Remove(capturePath)
			listen := startListen(t, f.dir, f.env, capturePath, mode...)
			forwarded502 := 0
			for _, r := range requests {
				req, _ := http.NewRequest("POST", listen.url+r.path, strings.NewReader(dexatelBody))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set(r.header[0], r.header[1])
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				// What the (untrusted) sender reads back.
				reply, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 502 {
					forwarded502++
				}
				for _, secret := range forbidden() {
					if strings.Contains(string(reply), secret) || strings.Contains(fmt.Sprint(resp.Header), secret) {
						t.Errorf("the reply to %s holds the credential %q: %d %s", r.path, secret, resp.StatusCode, reply)
					}
				}
			}
			if forwarded502 < 1 {
				t.Errorf("the requests to /tok were not forwarded to the dead app (%d answered 502)", forwarded502)
			}
			if code := listen.interrupt(t); code != 130 {
				t.Fatalf("listen exited %d after SIGINT:\n%s", code, listen.stderr)
			}
			for where, out := range map[string]string{"stdout": listen.stdout.String(), "stderr": listen.stderr.String()} {
				for _, secret := range forbidden() {
					if strings.Contains(out, secret) {
						t.Errorf("listen's %s holds the credential %q:\n%s", where, secret, out)
					}
				}
			}
			// The capture keeps request headers as received (replay
			// --as-captured sends them again), but not the forward target's
			// password.
			stored, err := os.ReadFile(capturePath)
			profileForward := !strings.Contains(strings.Join(mode, " "), "--forward-to")
			if err != nil || profileForward && !strings.Contains(string(stored), `"forward":{"url":"http://fwd:xxxxx@`) {
				t.Errorf("the capture does not hold the redacted forward URL (%v):\n%s", err, stored)
			}
			if strings.Contains(string(stored), forwardPassword) {
				t.Errorf("the capture holds the forward_to password:\n%s", stored)
			}
			if !strings.Contains(listen.stdout.String()+listen.stderr.String(), "dexfile") {
				t.Fatalf("the requests did not show up:\n%s\n%s", listen.stdout, listen.stderr)
			}
		})
	}

	// One profile takes SMSHOOK_SECRET; errors at start say nothing secret.
	env := append(append([]string(nil), f.env...), "SMSHOOK_SECRET="+secretEnv)
	listen := startListen(t, f.dir, env, filepath.Join(f.dir, "one.jsonl"), "-p", "dex", "--print", "all")
	if status, err := postWith(listen.url+"/dex", "X-Dexatel-Signature", hmacBase64(secretEnv, dexatelBody)); err != nil || status != 200 {
		t.Fatalf("SMSHOOK_SECRET was not used: %d %v", status, err)
	}
	listen.interrupt(t)
	for _, out := range []string{listen.stdout.String(), listen.stderr.String()} {
		for _, secret := range forbidden() {
			if strings.Contains(out, secret) {
				t.Errorf("listen -p dex with SMSHOOK_SECRET prints %q:\n%s", secret, out)
			}
		}
	}
	for _, args := range [][]string{
		{"listen", "-p", "nosuch", "--port", "0"},
		{"listen", "-p", "dex", "--port", "0", "--respond", "99"},
		{"listen", "-p", "dex", "--port", "0", "--capture", "/nonexistent/dir/c.jsonl"},
	} {
		res := runCLI(t, f.dir, env, args...)
		if res.code != 2 {
			t.Errorf("want exit 2: %s", res)
		}
		for _, secret := range forbidden() {
			if strings.Contains(res.stdout+res.stderr, secret) {
				t.Errorf("%s prints %q", res, secret)
			}
		}
	}
}

func postWith(url, name, value string) (int, error) {
	req, _ := http.NewRequest("POST", url, strings.NewReader(dexatelBody))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(name, value)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
