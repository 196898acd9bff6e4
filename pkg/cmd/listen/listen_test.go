package listen

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/config"
	"github.com/smshook/smshook/pkg/iostreams"
	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/server"
	"github.com/smshook/smshook/pkg/signing"
)

func testFactory(t testing.TB, env map[string]string, configYAML string) (*cmdutil.Factory, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	getenv := func(k string) string { return env[k] }
	f := cmdutil.New(ios, getenv)
	if configYAML != "" {
		path := filepath.Join(t.TempDir(), "config.yaml")
		if err := os.WriteFile(path, []byte(configYAML), 0o600); err != nil {
			t.Fatal(err)
		}
		f.Viper.Set(cmdutil.KeyConfig, path)
	}
	return f, out, errOut
}

// parse runs the command's flag parsing and returns the options it built.
func parse(t *testing.T, args ...string) (*ListenOptions, error) {
	t.Helper()
	f, _, _ := testFactory(t, nil, "")
	var got *ListenOptions
	cmd := NewCmdListen(f, func(o *ListenOptions) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	err := cmd.Execute()
	return got, err
}

func TestFlags(t *testing.T) {
	o, err := parse(t)
	if err != nil {
		t.Fatal(err)
	}
	if o.Host != "127.0.0.1" || o.Port != 8787 || o.CapturePath != DefaultCapturePath || o.MaxBody != 1<<20 || o.Output != "text" {
		t.Errorf("defaults = %+v", o)
	}
	o, err = parse(t, "--profile", "a", "--profile", "b", "-p", "c,d", "--max-body", "512KiB", "--respond-body", `{"x":1}`,
		"--delay", "2s", "--max-events", "3", "--timeout", "1m", "--print", "all", "--port", "0")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(o.Profiles, " ") != "a b c d" || o.MaxBody != 512<<10 || o.Respond != 200 || string(o.RespondBody) != `{"x":1}` ||
		o.Delay != 2*time.Second || o.MaxEvents != 3 || o.Timeout != time.Minute || o.Print != "all" || o.Port != 0 {
		t.Errorf("parsed = %+v", o)
	}
}

func TestFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--port", "70000"}, "is not a port"},
		{[]string{"--capture", "x.jsonl", "--no-capture"}, "contradict"},
		{[]string{"--max-body", "lots"}, "is not a size"},
		{[]string{"--max-body", "1GiB"}, "use 1 byte to 32 MiB"},
		{[]string{"--respond", "99"}, "is not an HTTP status"},
		{[]string{"--respond", "500", "--forward-to", "http://127.0.0.1:3000/"}, "drop one"},
		{[]string{"--forward-to", "ftp://x"}, "is not an http or https URL"},
		{[]string{"--public-url", "example.com"}, "is not an http or https URL"},
		{[]string{"--print", "everything"}, "use body, headers or all"},
		{[]string{"--delay", "-1s"}, "--delay must be"},
		{[]string{"--max-events", "-1"}, "--max-events must be"},
		{[]string{"--ui-port", "-1"}, "--ui-port -1 is not a port"},
		{[]string{"--port", "9000", "--ui-port", "9000"}, "never shares it"},
		{[]string{"--no-ui", "--open"}, "--no-ui turns the inspector off"},
		{[]string{"extra"}, "unknown command"},
	}
	for _, tt := range tests {
		_, err := parse(t, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want %q", tt.args, err, tt.want)
			continue
		}
		if code := cmdutil.ExitCode(err); code != cmdutil.ExitUsage && tt.args[0] != "extra" {
			t.Errorf("%v: exit %d, want 2", tt.args, code)
		}
	}
}

func TestParseSize(t *testing.T) {
	tests := map[string]int64{"1048576": 1 << 20, "1MiB": 1 << 20, "512KiB": 512 << 10, "2MB": 2000000, "64k": 64 << 10, "1.5MiB": 3 << 19, "10 b": 10}
	for in, want := range tests {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "MiB", "-1", "1XB"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) succeeded", bad)
		}
	}
}

const twoProfiles = `profiles:
  dex:
    provider: dexatel
    secret: dex-secret
    forward_to: http://127.0.0.1:1/hook
  mob:
    provider: mobtexting
    validation_key: K1
`

func endpointsFor(t *testing.T, env map[string]string, cfg string, mutate func(*ListenOptions)) ([]string, []string, error) {
	t.Helper()
	f, _, _ := testFactory(t, env, cfg)
	o := &ListenOptions{Config: f.Config, Registry: f.Registry, Getenv: f.Getenv, EnvProfile: f.ProfileName()}
	if mutate != nil {
		mutate(o)
	}
	eps, warnings, err := o.endpoints()
	var names []string
	for _, e := range eps {
		desc := e.Name + ":" + e.Provider.Name
		if e.Demo {
			desc += ":demo"
		}
		if e.Unchecked() {
			desc += ":unchecked"
		}
		names = append(names, desc)
	}
	return names, warnings, err
}

func TestEndpoints(t *testing.T) {
	const builtins = "bandwidth:bandwidth:demo cellcast:cellcast:demo dexatel:dexatel:demo messagebird:messagebird:demo " +
		"mobtexting:mobtexting:demo plivo:plivo:demo sinch:sinch:demo standard-webhooks:standard-webhooks:demo " +
		"telnyx:telnyx:demo twilio:twilio:demo vonage:vonage:demo"
	missing := "profiles:\n  d:\n    provider: dexatel\n"
	// What `smshook config init` writes, with none of its env vars set.
	sample := config.Sample
	tests := []struct {
		name     string
		env      map[string]string
		cfg      string
		mutate   func(*ListenOptions)
		want     string   // endpoints, space-separated
		warnings []string // one each, in order
		err      string   // when it fails (exit 2)
	}{
		{name: "no config: every built-in with demo credentials", want: builtins},
		{name: "every profile", cfg: twoProfiles, want: "dex:dexatel mob:mobtexting:unchecked"},
		{name: "--profile mob --demo", cfg: twoProfiles, mutate: func(o *ListenOptions) { o.Profiles = []string{"mob"}; o.Demo = true },
			want: "mob:mobtexting:unchecked " + builtins},
		{name: "unknown profile", cfg: twoProfiles, mutate: func(o *ListenOptions) { o.Profiles = []string{"nope"} },
			err: `unknown profile "nope"`},
		{name: "a profile without a secret, alone", cfg: missing,
			warnings: []string{"profile d not served: no secret for dexatel: set secret, secret_env or secret_file in it; fix it or remove the profile"},
			err:      "no profile in the config file can be served (see the warnings above): fix one, or pass --demo"},
		{name: "a profile asked for by name must be served", cfg: missing + "  e:\n    provider: dexatel\n    secret: x\n",
			mutate: func(o *ListenOptions) { o.Profiles = []string{"d", "e"} }, err: `profile "d": no secret for dexatel`},
		{name: "SMSHOOK_SECRET gives the one profile served its secret", env: map[string]string{"SMSHOOK_SECRET": "s"}, cfg: missing,
			want: "d:dexatel"},
		{name: "...but is not spread over several", env: map[string]string{"SMSHOOK_SECRET": "s"},
			cfg: missing + "  e:\n    provider: dexatel\n    secret: x\n", want: "e:dexatel",
			warnings: []string{"profile d not served: no secret for dexatel"}},
		{name: "SMSHOOK_PROFILE picks one", cfg: twoProfiles, mutate: func(o *ListenOptions) { o.EnvProfile = "dex" }, want: "dex:dexatel"},
		{name: "after config init: the profiles that can be served are", cfg: sample,
			want:     "dexatel-dev:dexatel mobtexting-dev:mobtexting",
			env:      map[string]string{"DEXATEL_WEBHOOK_SECRET": "s", "MOBTEXTING_WEBHOOK_SECRET": "m"},
			warnings: []string{"profile cellcast-dev not served: $CELLCAST_WEBHOOK_PASSWORD (its password_env) is unset; export it or remove the profile"}},
		{name: "after config init, no env at all", cfg: sample,
			warnings: []string{
				"profile cellcast-dev not served: $CELLCAST_WEBHOOK_PASSWORD (its password_env) is unset",
				"profile dexatel-dev not served: $DEXATEL_WEBHOOK_SECRET (its secret_env) is unset",
				"profile mobtexting-dev not served: $MOBTEXTING_WEBHOOK_SECRET (its secret_env) is unset",
			},
			err: "no profile in the config file can be served"},
		{name: "after config init, --demo", cfg: sample, mutate: func(o *ListenOptions) { o.Demo = true },
			env: map[string]string{"DEXATEL_WEBHOOK_SECRET": "s"}, want: "dexatel-dev:dexatel " + builtins,
			warnings: []string{"profile cellcast-dev not served", "profile mobtexting-dev not served"}},
		{name: "nothing served but --demo", cfg: missing, mutate: func(o *ListenOptions) { o.Demo = true },
			want: builtins, warnings: []string{"profile d not served"}},
		{name: "a misspelt provider", cfg: "profiles:\n  d:\n    provider: dexatl\n    secret: s\n  m:\n    provider: mobtexting\n",
			want:     "m:mobtexting:unchecked",
			warnings: []string{`profile d not served: unknown provider "dexatl": did you mean dexatel? (known: `}},
		{name: "Basic auth without a password", cfg: "providers:\n  acme:\n    auth: {scheme: basic, header: Authorization}\n    kinds:\n      - {name: delivery, kind: delivery, fixture: '{\"id\":\"1\"}'}\n" +
			"profiles:\n  b:\n    provider: acme\n  m:\n    provider: mobtexting\n",
			want: "m:mobtexting:unchecked", warnings: []string{"profile b not served: no username and password for acme: set username and password (or password_env) in it; fix it or remove the profile"}},
		{name: "no provider", cfg: "profiles:\n  d:\n    secret: s\n  m:\n    provider: mobtexting\n",
			want: "m:mobtexting:unchecked", warnings: []string{"profile d not served: it has no provider: add provider: <"}},
		{name: "a bad forward_to", cfg: "profiles:\n  d:\n    provider: dexatel\n    secret: s\n    forward_to: ftp://x\n  m:\n    provider: mobtexting\n",
			want: "m:mobtexting:unchecked", warnings: []string{"profile d not served: forward_to: "}},
		{name: "a broken providers: section fails", cfg: "providers:\n  acme: {}\n", err: "provider acme: auth has no scheme"},
		{name: "...but --demo serves the built-ins", cfg: "providers:\n  acme: {}\n", mutate: func(o *ListenOptions) { o.Demo = true },
			want: builtins, warnings: []string{"config file "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, warnings, err := endpointsFor(t, tt.env, tt.cfg, tt.mutate)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
					t.Errorf("err = %v, want exit 2 with %q", err, tt.err)
				}
			} else if err != nil {
				t.Fatalf("err = %v", err)
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("endpoints:\n got %s\nwant %s", g, tt.want)
			}
			if len(warnings) != len(tt.warnings) {
				t.Fatalf("warnings = %q, want %d", warnings, len(tt.warnings))
			}
			for i, w := range tt.warnings {
				if !strings.HasPrefix(warnings[i], w) {
					t.Errorf("warning %d = %q, want it to start %q", i, warnings[i], w)
				}
			}
		})
	}
}

func sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// running starts listenRun on a free port and returns its address and result.
func running(t testing.TB, f *cmdutil.Factory, ctx context.Context, mutate func(*ListenOptions)) (string, <-chan error) {
	t.Helper()
	o := &ListenOptions{
		IO: f.IOStreams, Config: f.Config, Registry: f.Registry, Getenv: f.Getenv, Now: time.Now,
		Context: ctx, Host: "127.0.0.1", Port: 0, MaxBody: 1 << 20, Output: "text",
		CapturePath: filepath.Join(t.TempDir(), "c.jsonl"),
	}
	if mutate != nil {
		mutate(o)
	}
	addr := make(chan string, 1)
	o.listening = func(a string) { addr <- a }
	done := make(chan error, 1)
	go func() { done <- listenRun(o) }()
	select {
	case a := <-addr:
		return "http://" + a, done
	case err := <-done:
		t.Fatalf("listen stopped before listening: %v", err)
	}
	return "", nil
}

func post(t *testing.T, url string, body []byte, headers ...string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

var body = []byte(`{"data":{"event":"delivery","message_id":"m-9","to":"15550002","status":"FAILED"}}`)

func countRecords(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, n := capture.NewReader(f), 0
	for {
		if _, err := r.Next(); errors.Is(err, io.EOF) {
			return n
		} else if err != nil {
			t.Fatal(err)
		}
		n++
	}
}

func TestRunInterruptFlushesAndSummarizes(t *testing.T) {
	f, out, errOut := testFactory(t, nil, "")
	ctx, cancel := context.WithCancel(context.Background())
	var path string
	base, done := running(t, f, ctx, func(o *ListenOptions) { path = o.CapturePath; o.Print = printBody })
	if got := post(t, base+"/dexatel", body, "X-Dexatel-Signature", sign("smshook-demo-dexatel-secret", body)); got != 200 {
		t.Fatalf("valid demo request: %d", got)
	}
	if got := post(t, base+"/dexatel", body, "X-Dexatel-Signature", sign("wrong", body)); got != 401 {
		t.Fatalf("invalid request: %d", got)
	}
	cancel() // as SIGINT does through the root's context
	err := <-done
	if cmdutil.ExitCode(err) != cmdutil.ExitInterrupted || !cmdutil.IsSilent(err) {
		t.Fatalf("interrupted run = %v (exit %d), want a silent 130", err, cmdutil.ExitCode(err))
	}
	if n := countRecords(t, path); n != 2 {
		t.Errorf("capture holds %d records, want 2", n)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if !strings.Contains(lines[0], "dexatel") || !strings.Contains(lines[0], "m-9") || !strings.Contains(lines[0], "→ 15550002") ||
		!strings.Contains(lines[0], "failed") || !strings.Contains(lines[0], "✓") || !strings.Contains(lines[0], "200") {
		t.Errorf("first line = %q", lines[0])
	}
	if !strings.Contains(out.String(), `"message_id": "m-9"`) {
		t.Errorf("--print body did not print the pretty body:\n%s", out)
	}
	if !strings.Contains(out.String(), "✗ mismatch  401") {
		t.Errorf("invalid line missing:\n%s", out)
	}
	stderr := errOut.String()
	for _, want := range []string{"smshook listening on " + base, "/dexatel[/delivery|/message]", "smshook-demo-dexatel-secret",
		"smshook send dexatel --demo --to " + base + "/dexatel", "--output curl | sh",
		"2 events: 1 ✓ verified, 1 ✗ invalid", "capture: 2 records appended to " + path} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

func TestRunMaxEvents(t *testing.T) {
	tests := []struct {
		name     string
		secret   string
		wantExit int
		wantErr  string
	}{
		{"all verified", "smshook-demo-dexatel-secret", 0, ""},
		{"one invalid", "wrong", 1, "1 of 2 events were invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, out, _ := testFactory(t, nil, "")
			f.Viper.Set(cmdutil.KeyOutput, "json")
			base, done := running(t, f, context.Background(), func(o *ListenOptions) { o.MaxEvents = 2; o.Output = "json"; o.NoCapture = true })
			post(t, base+"/dexatel", body, "X-Dexatel-Signature", sign("smshook-demo-dexatel-secret", body))
			post(t, base+"/dexatel", body, "X-Dexatel-Signature", sign(tt.secret, body))
			err := <-done
			if cmdutil.ExitCode(err) != tt.wantExit || (tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("run = %v, want exit %d %q", err, tt.wantExit, tt.wantErr)
			}
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if len(lines) != 2 || !strings.HasPrefix(lines[0], `{"id":`) || !strings.Contains(lines[0], `"latency_ms":`) {
				t.Errorf("--output json lines = %q", lines)
			}
		})
	}
}

// Requests that matched no route (a browser's /favicon.ico, a stray curl)
// are recorded but are not events: they neither count toward --max-events
// nor fail the run as invalid, and the summary counts them apart.
func TestRunUnroutedAreNotEvents(t *testing.T) {
	f, out, errOut := testFactory(t, nil, "")
	var path string
	base, done := running(t, f, context.Background(), func(o *ListenOptions) { path = o.CapturePath; o.MaxEvents = 1 })
	resp, err := http.Get(base + "/favicon.ico")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := post(t, base+"/", nil); got != 404 {
		t.Fatalf("POST /: %d, want 404", got)
	}
	if got := post(t, base+"/dexatel", body, "X-Dexatel-Signature", sign("smshook-demo-dexatel-secret", body)); got != 200 {
		t.Fatalf("the event after two unrouted requests: %d, want 200 (did --max-events 1 stop the listener?)", got)
	}
	if err := <-done; err != nil {
		t.Fatalf("run = %v, want exit 0: unrouted requests are not invalid events", err)
	}
	if n := countRecords(t, path); n != 3 {
		t.Errorf("capture holds %d records, want all 3 requests", n)
	}
	if !strings.Contains(out.String(), "GET /favicon.ico") {
		t.Errorf("the unrouted request is not printed:\n%s", out)
	}
	for _, want := range []string{"listen: 1 event: 1 ✓ verified, 0 ✗ invalid", "2 requests matched no route (not events)"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

func TestRunTimeout(t *testing.T) {
	f, _, _ := testFactory(t, nil, "")
	_, done := running(t, f, context.Background(), func(o *ListenOptions) { o.MaxEvents = 5; o.Timeout = 50 * time.Millisecond; o.NoCapture = true })
	err := <-done
	if cmdutil.ExitCode(err) != 1 || !strings.Contains(err.Error(), "timed out after 50ms with 0 of 5 events") {
		t.Fatalf("run = %v, want exit 1 on timeout", err)
	}
	// --timeout alone is a time limit, not a failure.
	_, done = running(t, f, context.Background(), func(o *ListenOptions) { o.Timeout = 10 * time.Millisecond; o.NoCapture = true })
	if err := <-done; err != nil {
		t.Fatalf("--timeout alone = %v, want exit 0", err)
	}
}

func TestRunRedactsAuthorization(t *testing.T) {
	f, out, _ := testFactory(t, nil, "")
	base, done := running(t, f, context.Background(), func(o *ListenOptions) { o.MaxEvents = 1; o.Print = printHeaders; o.NoCapture = true })
	post(t, base+"/mobtexting", []byte(`{"id":"x:1","status":"DELIVRD"}`), "Authorization", "Bearer smshook-demo-mobtexting-secret")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "smshook-demo-mobtexting-secret") || !strings.Contains(out.String(), "Authorization: Bearer <redacted>") {
		t.Errorf("headers printed:\n%s", out)
	}
}

func TestRunErrors(t *testing.T) {
	f, _, _ := testFactory(t, nil, "")
	o := &ListenOptions{IO: f.IOStreams, Config: f.Config, Registry: f.Registry, Getenv: f.Getenv, Now: time.Now,
		Host: "127.0.0.1", MaxBody: 1 << 20, CapturePath: filepath.Join(t.TempDir(), "no", "such", "dir.jsonl")}
	err := listenRun(o)
	if cmdutil.ExitCode(err) != 2 || !strings.Contains(err.Error(), "cannot open capture file") || !strings.Contains(err.Error(), "--no-capture") {
		t.Errorf("bad capture path: %v", err)
	}
	// A port in use.
	base, done := running(t, f, context.Background(), func(o *ListenOptions) { o.MaxEvents = 1; o.NoCapture = true })
	_, port, _ := strings.Cut(strings.TrimPrefix(base, "http://"), ":")
	o.NoCapture = true
	o.Port = atoi(port)
	err = listenRun(o)
	if cmdutil.ExitCode(err) != 2 || !strings.Contains(err.Error(), "address already in use") || !strings.Contains(err.Error(), "--port") {
		t.Errorf("port in use: %v", err)
	}
	post(t, base+"/dexatel", body, "X-Dexatel-Signature", sign("smshook-demo-dexatel-secret", body))
	<-done
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func TestCopyPasteLines(t *testing.T) {
	f, _, _ := testFactory(t, nil, "")
	o := &ListenOptions{Config: f.Config, Registry: f.Registry, Getenv: f.Getenv}
	eps, _, err := o.endpoints()
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]string{}
	for _, e := range eps {
		for _, r := range e.Routes() {
			lines[r.Path] = sendLine(r, "http://127.0.0.1:8787")
			if r.Kind == nil {
				lines["curl "+r.Path] = curlLine(r, "http://127.0.0.1:8787")
			}
		}
	}
	want := map[string]string{
		// At the default address, send --demo needs no --to.
		"/dexatel":         "smshook send dexatel --demo",
		"/cellcast/status": "smshook send cellcast --demo --event status",
		"curl /dexatel":    "smshook sign dexatel --secret smshook-demo-dexatel-secret --event delivery --url http://127.0.0.1:8787/dexatel --output curl | sh",
		"curl /cellcast":   "smshook sign cellcast --username smshook-demo --password smshook-demo-cellcast-password --event receive --url http://127.0.0.1:8787/cellcast --output curl --show-secrets | sh",
	}
	for path, w := range want {
		if lines[path] != w {
			t.Errorf("%s: %q, want %q", path, lines[path], w)
		}
	}
	r := eps[0].Routes()[0]
	if got := sendLine(r, "http://127.0.0.1:9999"); !strings.HasSuffix(got, " --to http://127.0.0.1:9999"+r.Path) {
		t.Errorf("another port needs --to: %q", got)
	}
}

func TestBodyText(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	p := &printer{o: &ListenOptions{IO: ios}, cs: ios.ColorScheme()}
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	tests := []struct {
		name   string
		header http.Header
		body   []byte
		want   string
	}{
		{"json sent as a form by curl -d", form, []byte(`{"a":1}`), "{\n  \"a\": 1\n}\n"},
		{"form fields, sorted", form, []byte("To=%2B1555&Body=hi+there&MessageStatus=delivered"), "Body: hi there\nMessageStatus: delivered\nTo: +1555\n"},
		{"text", http.Header{}, []byte("plain"), "plain"},
		{"binary", http.Header{}, []byte{0xff, 0}, "(2 bytes, not UTF-8)"},
		{"empty", http.Header{}, nil, "(empty body)"},
	}
	for _, tt := range tests {
		rec := &capture.Record{Headers: tt.header}
		rec.SetBody(tt.body)
		if got := p.bodyText(rec); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestTuneRuntimeRestores(t *testing.T) {
	procs := runtime.GOMAXPROCS(0)
	gc := debug.SetGCPercent(100)
	defer debug.SetGCPercent(gc)
	noEnv := func(string) string { return "" }

	restore := tuneRuntime(noEnv, true)
	if got := runtime.GOMAXPROCS(0); got != 2*procs {
		t.Errorf("GOMAXPROCS while capturing = %d, want %d", got, 2*procs)
	}
	if got := debug.SetGCPercent(listenGCPercent); got != listenGCPercent {
		t.Errorf("GC percent while listening = %d, want %d", got, listenGCPercent)
	}
	// A second listener in the same process leaves the tuned runtime as it is.
	tuneRuntime(noEnv, true)()
	if got := runtime.GOMAXPROCS(0); got != 2*procs {
		t.Errorf("a second listener changed GOMAXPROCS to %d", got)
	}
	restore()
	if got := runtime.GOMAXPROCS(0); got != procs {
		t.Errorf("GOMAXPROCS after = %d, want %d", got, procs)
	}
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GC percent after = %d, want 100", got)
	}

	// GOGC and GOMAXPROCS in the environment decide; without capture there
	// is no committer to make room for.
	tuneRuntime(func(k string) string { return map[string]string{"GOGC": "50", "GOMAXPROCS": "1"}[k] }, true)()
	tuneRuntime(noEnv, false)()
	if got := runtime.GOMAXPROCS(0); got != procs {
		t.Errorf("GOMAXPROCS = %d, want %d", got, procs)
	}
}

// TestLineColoredIsPlainPainted: the colored line is the plain one with
// color codes added, field for field.
func TestLineColoredIsPlainPainted(t *testing.T) {
	reg := provider.Builtin()
	dexatel, err := reg.Lookup("dexatel")
	if err != nil {
		t.Fatal(err)
	}
	route := &server.Route{Path: "/dexatel", Endpoint: &server.Endpoint{Name: "dexatel", Provider: dexatel}}
	base := capture.Record{ID: "r1", ReceivedAt: time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC), Profile: "dexatel",
		Provider: "dexatel", Kind: "delivery", Method: "POST", URL: "http://127.0.0.1:8787/dexatel",
		Event:        &codec.Event{MessageID: "m-1", From: "sender", To: "15550002", Status: codec.StatusFailed},
		Verification: capture.Verification{Valid: true}, Reply: capture.Reply{Status: 200}}
	invalid := base
	invalid.Verification = capture.Verification{Reason: "mismatch"}
	invalid.Reply.Status = 401
	forwarded := base
	forwarded.Forward = &capture.Forward{Status: 502, DurationMS: 12.5}
	noRoute := base
	noRoute.URL, noRoute.Event, noRoute.Reply.Status = "http://127.0.0.1:8787/nowhere?x=1", nil, 404
	events := []*server.Event{
		{Record: &base, Route: route, Latency: 850 * time.Microsecond},
		{Record: &invalid, Route: route, Latency: 1200 * time.Microsecond},
		{Record: &forwarded, Route: route, Latency: 2 * time.Second, CaptureErr: errors.New("disk full")},
		{Record: &noRoute, Latency: 3 * time.Millisecond},
	}
	ansi := regexp.MustCompile("\x1b\\[[0-9;]*m")
	for _, ev := range events {
		lines := map[iostreams.ColorMode]string{}
		for _, mode := range []iostreams.ColorMode{iostreams.ColorNever, iostreams.ColorAlways} {
			ios, _, _, _ := iostreams.Test()
			ios.SetColorMode(mode)
			p := &printer{o: &ListenOptions{IO: ios}, cs: ios.ColorScheme(), colors: ios.ColorEnabled(), nameWidth: 10}
			lines[mode] = string(p.appendLine(nil, ev))
		}
		plain, colored := lines[iostreams.ColorNever], lines[iostreams.ColorAlways]
		if colored == plain || ansi.ReplaceAllString(colored, "") != plain {
			t.Errorf("colored line %q is not the plain line %q painted", colored, plain)
		}
	}
	ios, _, _, _ := iostreams.Test()
	p := &printer{o: &ListenOptions{IO: ios}, cs: ios.ColorScheme(), nameWidth: 10}
	want := base.ReceivedAt.Local().Format("15:04:05.000") + "  dexatel     delivery   m-1  sender → 15550002  failed  ✓  200  850µs"
	if got := string(p.appendLine(nil, events[0])); got != want {
		t.Errorf("line\n got %q\nwant %q", got, want)
	}
}

// TestRunTolerance: an event sent again as captured an hour later is too old
// by default and accepted with --tolerance; providers without timestamps
// are served as before.
func TestRunTolerance(t *testing.T) {
	sw, err := provider.Builtin().Lookup("standard-webhooks")
	if err != nil {
		t.Fatal(err)
	}
	kind := sw.Kinds[0]
	signed := func(base string) *http.Request {
		t.Helper()
		req := &signing.Request{Method: "POST", URL: base + "/standard-webhooks", Body: kind.Fixture,
			Header: http.Header{"Content-Type": {kind.ContentType()}}, Now: time.Now().Add(-time.Hour)}
		if err := sw.Scheme().Sign(req, sw.Demo); err != nil {
			t.Fatal(err)
		}
		r, _ := http.NewRequest("POST", req.URL, bytes.NewReader(req.Body))
		r.Header = req.Header
		return r
	}
	for _, tt := range []struct {
		tolerance time.Duration
		want      int
	}{{0, 401}, {2 * time.Hour, 200}, {-time.Second, 200}} {
		f, _, _ := testFactory(t, nil, "")
		ctx, cancel := context.WithCancel(context.Background())
		base, done := running(t, f, ctx, func(o *ListenOptions) { o.Tolerance = tt.tolerance; o.NoCapture = true })
		resp, err := http.DefaultClient.Do(signed(base))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("--tolerance %v: an hour-old signature got %d, want %d", tt.tolerance, resp.StatusCode, tt.want)
		}
		if got := post(t, base+"/dexatel", body, "X-Dexatel-Signature", sign("smshook-demo-dexatel-secret", body)); got != 200 {
			t.Errorf("--tolerance %v: dexatel (no timestamp) got %d", tt.tolerance, got)
		}
		cancel()
		<-done
	}

	// Only providers without timestamps: the flag has nothing to apply to.
	f, _, _ := testFactory(t, nil, "profiles:\n  dx:\n    provider: dexatel\n    secret: s\n")
	o := &ListenOptions{IO: f.IOStreams, Config: f.Config, Registry: f.Registry, Getenv: f.Getenv, Tolerance: time.Minute}
	if _, _, err := o.endpoints(); cmdutil.ExitCode(err) != 2 || !strings.Contains(err.Error(), "drop --tolerance") {
		t.Errorf("--tolerance with no timestamped provider: %v", err)
	}
}
