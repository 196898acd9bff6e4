package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/config"
	"github.com/smshook/smshook/pkg/iostreams"
	"github.com/smshook/smshook/pkg/sandbox"
)

func testFactory(t *testing.T, configYAML string) (*cmdutil.Factory, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := cmdutil.New(ios, func(string) string { return "" })
	if configYAML != "" {
		path := filepath.Join(t.TempDir(), "config.yaml")
		if err := os.WriteFile(path, []byte(configYAML), 0o600); err != nil {
			t.Fatal(err)
		}
		f.Viper.Set(cmdutil.KeyConfig, path)
	}
	return f, out, errOut
}

func parse(t *testing.T, args ...string) (*Options, error) {
	t.Helper()
	f, _, _ := testFactory(t, "")
	var got *Options
	cmd := NewCmdSandbox(f, func(o *Options) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	return got, cmd.Execute()
}

func TestFlags(t *testing.T) {
	o, err := parse(t)
	if err != nil {
		t.Fatal(err)
	}
	if o.Port != 8789 || o.Latency != time.Second || o.CapturePath != DefaultCapturePath || !o.Chaos.IsZero() {
		t.Fatalf("defaults: %+v", o)
	}
	o, err = parse(t, "--port", "0", "--chaos", "fail=0.5,late=0.1", "--seed", "42", "--latency", "0", "--max-messages", "3", "--provider", "twilio")
	if err != nil {
		t.Fatal(err)
	}
	if o.Chaos != (sandbox.Chaos{Fail: 0.5, Late: 0.1}) || o.Seed != 42 || o.MaxMessages != 3 {
		t.Fatalf("options %+v", o)
	}
}

func TestFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--port", "70000"}, "is not a port"},
		{[]string{"--capture", "x", "--no-capture"}, "contradict"},
		{[]string{"--chaos", "boom=1"}, "unknown"},
		{[]string{"--chaos", "fail=2"}, "between 0 and 1"},
		{[]string{"--latency", "-1s"}, "--latency"},
		{[]string{"--provider", "acme"}, "the sandbox plays"},
		{[]string{"--inbound-url", "ftp://x"}, "--inbound-url"},
		{[]string{"extra"}, ""},
	}
	for _, tt := range tests {
		_, err := parse(t, tt.args...)
		if err == nil || cmdutil.ExitCode(err) != 2 || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: got %v (exit %d), want a usage error with %q", tt.args, err, cmdutil.ExitCode(err), tt.want)
		}
	}
}

// start runs the command in the background and returns its address and
// the channel of its result.
func start(t *testing.T, configYAML string, args ...string) (string, <-chan error, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	f, out, errOut := testFactory(t, configYAML)
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "--output" { // a global flag, on root
			f.Viper.Set(cmdutil.KeyOutput, args[i+1])
			args = append(args[:i:i], args[i+2:]...)
		}
	}
	addr := make(chan string, 1)
	cmd := NewCmdSandbox(f, func(o *Options) error {
		o.listening = func(a string) { addr <- a }
		return run(o)
	})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	cmd.SetContext(ctx)
	cmd.SetArgs(append([]string{"--port", "0"}, args...))
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	done := make(chan error, 1)
	go func() { done <- cmd.Execute() }()
	select {
	case a := <-addr:
		return "http://" + a, done, out, errOut
	case err := <-done:
		t.Fatalf("sandbox stopped: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("sandbox did not start")
	}
	return "", nil, nil, nil
}

func sendTwilio(t *testing.T, base, to, callback string) {
	t.Helper()
	form := url.Values{"To": {to}, "From": {"+15017122661"}, "Body": {"Your code is 123456"}, "StatusCallback": {callback}}
	req, _ := http.NewRequest("POST", base+"/twilio/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("AC0123456789abcdef0123456789abcdef", "token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d", resp.StatusCode)
	}
}

func result(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("sandbox did not exit")
	}
	return nil
}

func appAnswering(t *testing.T, status int) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(status) }))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestRunCI: --max-messages exits 0 when the app answered every callback
// 2xx, writes the JUnit report and the capture.
func TestRunCI(t *testing.T) {
	dir := t.TempDir()
	report, capturePath := filepath.Join(dir, "report.xml"), filepath.Join(dir, "cap.jsonl")
	base, done, out, errOut := start(t, "", "--latency", "0", "--max-messages", "1", "--timeout", "10s", "--report", report, "--capture", capturePath)
	sendTwilio(t, base, "+15558675310", appAnswering(t, 204)+"/status")
	if err := result(t, done); err != nil {
		t.Fatalf("exit: %v\n%s", err, errOut)
	}
	for _, want := range []string{"+15017122661 → +15558675310  queued", "sent → http://127.0.0.1:", "delivered → http://127.0.0.1:", "✓ 204"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut.String(), "callbacks 2: 2 answered 2xx, 0 not") {
		t.Errorf("stderr: %s", errOut)
	}
	b, err := os.ReadFile(report)
	if err != nil || !strings.Contains(string(b), `tests="2" failures="0"`) {
		t.Fatalf("report: %v\n%s", err, b)
	}
	b, err = os.ReadFile(capturePath)
	if err != nil || bytes.Count(b, []byte("\n")) != 2 {
		t.Fatalf("capture: %v\n%s", err, b)
	}
}

// TestRunCIFails: a callback the app answers 500 makes the run exit 1,
// and -o json prints one object per event.
func TestRunCIFails(t *testing.T) {
	dir := t.TempDir()
	report := filepath.Join(dir, "report.xml")
	base, done, out, _ := start(t, "", "--latency", "0", "--max-messages", "1", "--no-capture", "--output", "json", "--report", report)
	sendTwilio(t, base, "+15558670001", appAnswering(t, 500)+"/status")
	err := result(t, done)
	if cmdutil.ExitCode(err) != 1 || !strings.Contains(err.Error(), "1 of 1 callbacks were not answered 2xx") {
		t.Fatalf("got %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d JSON lines:\n%s", len(lines), out)
	}
	var ev sandbox.Event
	if err := json.Unmarshal([]byte(lines[1]), &ev); err != nil || ev.Type != "callback" || ev.Callback.ReplyStatus != 500 || ev.Callback.Attempts != 2 || ev.Message.Status != "failed" {
		t.Fatalf("callback line: %v %+v", err, ev)
	}
	b, _ := os.ReadFile(report)
	if !strings.Contains(string(b), `failures="1"`) || !strings.Contains(string(b), "answered 500, expected 2xx") {
		t.Fatalf("report:\n%s", b)
	}
}

func TestRunTimeout(t *testing.T) {
	_, done, _, _ := start(t, "", "--max-messages", "2", "--timeout", "100ms", "--no-capture")
	err := result(t, done)
	if cmdutil.ExitCode(err) != 1 || !strings.Contains(err.Error(), "timed out after 100ms with 0 of 2 messages over") {
		t.Fatalf("got %v", err)
	}
}

// TestRunProfileAndRules: a profile's token is the only one accepted, its
// url gets the callbacks, and the config's rules decide outcomes.
func TestRunProfileAndRules(t *testing.T) {
	app := appAnswering(t, 200)
	cfg := `profiles:
  tw:
    provider: twilio
    secret: right-token
    url: ` + app + `/status
sandbox:
  rules:
    - to: "+44*"
      status: failed
      error: "30003"
`
	base, done, out, _ := start(t, cfg, "--profile", "tw", "--latency", "0", "--max-messages", "1", "--no-capture")
	form := url.Values{"To": {"+447700900123"}, "From": {"+15017122661"}, "Body": {"hi"}}
	post := func(token string) int {
		req, _ := http.NewRequest("POST", base+"/twilio/2010-04-01/Accounts/ACx/Messages.json", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("ACx", token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("wrong"); code != 401 {
		t.Fatalf("a wrong token: %d", code)
	}
	if code := post("right-token"); code != 201 {
		t.Fatalf("the profile's token: %d", code)
	}
	if err := result(t, done); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "failed (30003) → "+app+"/status") || !strings.Contains(out.String(), "rule +44*") {
		t.Fatalf("stdout:\n%s", out)
	}
}

func TestRunBadRule(t *testing.T) {
	f, _, _ := testFactory(t, "sandbox:\n  rules:\n    - to: \"+44*\"\n      status: exploded\n")
	cmd := NewCmdSandbox(f, nil)
	cmd.SetArgs([]string{"--port", "0", "--no-capture"})
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	err := cmd.Execute()
	if cmdutil.ExitCode(err) != 2 || !strings.Contains(err.Error(), `unknown status "exploded"`) {
		t.Fatalf("got %v", err)
	}
}

// TestRunTerminalDoor: what an app sends reaches the terminal escaped, and
// credentials in a callback URL are hidden.
func TestRunTerminalDoor(t *testing.T) {
	base, done, out, _ := start(t, "", "--latency", "0", "--max-messages", "1", "--no-capture")
	app := strings.Replace(appAnswering(t, 200), "http://", "http://user:hunter2@", 1)
	form := url.Values{"To": {"+15558675310"}, "From": {"+15017122661"}, "Body": {"code \x1b[31m123\x1b]0;pwned\x07"}, "StatusCallback": {app + "/s"}}
	req, _ := http.NewRequest("POST", base+"/twilio/2010-04-01/Accounts/ACx/Messages.json", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("ACx", "tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := result(t, done); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsRune(out.String(), 0x1b) || strings.ContainsRune(out.String(), 0x07) {
		t.Fatalf("raw control bytes reached the terminal:\n%q", out)
	}
	if strings.Contains(out.String(), "hunter2") {
		t.Fatalf("a URL password was printed:\n%s", out)
	}
	if !strings.Contains(out.String(), `\x1b[31m123`) {
		t.Fatalf("the text is not shown escaped:\n%s", out)
	}
}

// TestRunAPIKey: a profile's api_key is the only key Telnyx's API takes
// (the banner says so); an api_key_env that is not set is a usage error.
func TestRunAPIKey(t *testing.T) {
	cfg := "profiles:\n  tx:\n    provider: telnyx\n    api_key: KEY0123\n"
	base, done, _, errOut := start(t, cfg, "--profile", "tx", "--latency", "0", "--max-messages", "1", "--no-capture")
	post := func(key string) int {
		req, _ := http.NewRequest("POST", base+"/telnyx/v2/messages", strings.NewReader(`{"to": "+15558675310", "from": "+15017122661", "text": "hi"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("KEY9999"); code != 401 {
		t.Fatalf("a wrong key: %d", code)
	}
	if code := post("KEY0123"); code != 200 {
		t.Fatalf("the profile's key: %d", code)
	}
	if err := result(t, done); err != nil {
		t.Fatal(err)
	}
	if !regexpMatch(`telnyx +http://127\.0\.0\.1:\d+/telnyx +\(the profile's credentials\)`, errOut.String()) ||
		!regexpMatch(`vonage +http://127\.0\.0\.1:\d+/vonage +\(any credentials\)`, errOut.String()) {
		t.Fatalf("banner:\n%s", errOut)
	}

	f, _, _ := testFactory(t, "profiles:\n  tx:\n    provider: telnyx\n    api_key_env: TELNYX_API_KEY\n")
	cmd := NewCmdSandbox(f, nil)
	cmd.SetArgs([]string{"--port", "0", "--no-capture", "--profile", "tx"})
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	if err := cmd.Execute(); cmdutil.ExitCode(err) != 2 || !strings.Contains(err.Error(), "api_key_env names TELNYX_API_KEY, which is not set") {
		t.Fatalf("got %v", err)
	}
}

func regexpMatch(pattern, s string) bool { return regexp.MustCompile(pattern).MatchString(s) }

// TestAutoReplies: the config's replies come first, --auto-reply last,
// with their patterns and waits read.
func TestAutoReplies(t *testing.T) {
	o, err := parse(t, "--auto-reply", "YES")
	if err != nil {
		t.Fatal(err)
	}
	o.SandboxConfig = func() (config.SandboxConfig, error) {
		return config.SandboxConfig{Replies: []config.SandboxReply{{To: "+44*", Text: "(?i)stop", Reply: "STOP", After: "2s"}}}, nil
	}
	_, replies, err := o.rules()
	if err != nil || len(replies) != 2 {
		t.Fatalf("%+v %v", replies, err)
	}
	first, last := replies[0], replies[1]
	if first.Reply != "STOP" || first.To != "+44*" || first.After != 2*time.Second || first.Text == nil || !first.Text.MatchString("Reply Stop") {
		t.Fatalf("config reply %+v", first)
	}
	if last.Reply != "YES" || last.To != "" || last.Text != nil || last.After != 0 {
		t.Fatalf("--auto-reply %+v", last)
	}
}
