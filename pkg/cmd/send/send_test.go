package send_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/smshook/smshook/pkg/cmd/root"
	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/iostreams"
)

type outcome struct {
	stdout, stderr string
	code           int
}

// smshook runs the command tree as a user does, with a fresh home, and
// maps the error to an exit code and a stderr line as root.Run does.
func smshook(t *testing.T, ctx context.Context, env map[string]string, stdin string, args ...string) outcome {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	home := t.TempDir()
	if env == nil {
		env = map[string]string{}
	}
	if _, ok := env["HOME"]; !ok {
		env["HOME"] = home
		env["XDG_CONFIG_HOME"] = filepath.Join(home, ".config")
	}
	f := cmdutil.New(ios, func(k string) string { return env[k] })
	cmd := root.NewCmdRoot(f)
	cmd.SetArgs(args)
	cmd.SetIn(ios.In)
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	if ctx == nil {
		ctx = context.Background()
	}
	err := cmd.ExecuteContext(ctx)
	if err != nil && !cmdutil.IsSilent(err) {
		fmt.Fprintf(errOut, "smshook: %s\n", err)
	}
	return outcome{out.String(), errOut.String(), cmdutil.ExitCode(err)}
}

// received is one request as the sink saw it.
type received struct {
	method, uri string
	header      http.Header
	body        []byte
}

type sink struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []received
	hits atomic.Int64
}

func newSink(t *testing.T, reply func(n int64, w http.ResponseWriter, r *http.Request, body []byte)) *sink {
	s := &sink{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := s.hits.Add(1)
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, received{r.Method, r.RequestURI, r.Header.Clone(), body})
		s.mu.Unlock()
		if reply != nil {
			reply(n, w, r, body)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func replyStatus(codes ...int) func(int64, http.ResponseWriter, *http.Request, []byte) {
	return func(n int64, w http.ResponseWriter, r *http.Request, body []byte) {
		w.WriteHeader(codes[min(int(n), len(codes))-1])
	}
}

func (s *sink) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.reqs...)
}

// The oracle for signatures: crypto/hmac, not our signing package.
func hmacSHA256(secret string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return m.Sum(nil)
}

var statusLine = regexp.MustCompile(`^200 OK  [0-9.]+(µs|ms|s)  POST http://127\.0\.0\.1:\d+/hook\n$`)

func TestSendDexatelAsTheProviderDoes(t *testing.T) {
	s := newSink(t, nil)
	for _, enc := range []string{"", "hex"} {
		args := []string{"send", "dexatel", "--to", s.URL + "/hook", "--secret", "s3cret"}
		if enc != "" {
			args = append(args, "--encoding", enc)
		}
		o := smshook(t, nil, nil, "", args...)
		if o.code != 0 || !statusLine.MatchString(o.stdout) || o.stderr != "" {
			t.Fatalf("exit %d\nstdout %q\nstderr %q", o.code, o.stdout, o.stderr)
		}
	}
	got := s.received()
	for i, r := range got {
		sum := hmacSHA256("s3cret", r.body)
		want := base64.StdEncoding.EncodeToString(sum)
		if i == 1 {
			want = hex.EncodeToString(sum)
		}
		if r.header.Get("X-Dexatel-Signature") != want {
			t.Errorf("signature %q, crypto/hmac says %q", r.header.Get("X-Dexatel-Signature"), want)
		}
		if r.method != "POST" || r.uri != "/hook" || r.header.Get("Content-Type") != "application/json" {
			t.Errorf("request %s %s %q", r.method, r.uri, r.header.Get("Content-Type"))
		}
		var v struct {
			Data struct {
				Event     string
				MessageID string `json:"message_id"`
			}
		}
		if err := json.Unmarshal(r.body, &v); err != nil || v.Data.Event != "delivery" || v.Data.MessageID == "" {
			t.Errorf("body %s", r.body)
		}
	}
	if len(got) == 2 && string(got[0].body) == string(got[1].body) {
		t.Error("two sends carried the same bytes: the id and timestamp are not fresh")
	}
}

func TestSendAuthHeaders(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // the Authorization header the sink must see
	}{
		{"cellcast basic", []string{"cellcast", "--event", "status", "--username", "hook", "--password", "pa:ss"},
			"Basic " + base64.StdEncoding.EncodeToString([]byte("hook:pa:ss"))},
		{"mobtexting bearer", []string{"mobtexting", "--secret", "t0ken"}, "Bearer t0ken"},
		{"mobtexting without a secret is unsigned", []string{"mobtexting"}, ""},
		{"cellcast without credentials is unsigned", []string{"cellcast"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSink(t, nil)
			o := smshook(t, nil, nil, "", append(append([]string{"send"}, tt.args...), "--to", s.URL+"/hook")...)
			if o.code != 0 {
				t.Fatalf("exit %d: %s", o.code, o.stderr)
			}
			if got := s.received()[0].header.Values("Authorization"); strings.Join(got, "|") != tt.want {
				t.Errorf("Authorization %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSendCountGivesFreshIDsAndASummary(t *testing.T) {
	s := newSink(t, nil)
	o := smshook(t, nil, nil, "", "send", "mobtexting", "--to", s.URL, "--count", "25", "--concurrency", "5")
	if o.code != 0 {
		t.Fatalf("exit %d: %s", o.code, o.stderr)
	}
	for _, want := range []string{"sent      25 in ", "(concurrency 5, ", "replies   200 ×25", "latency   p50 ", "expect    200,202: all 25 ok"} {
		if !strings.Contains(o.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, o.stdout)
		}
	}
	ids := map[string]bool{}
	for _, r := range s.received() {
		var v struct{ ID string }
		json.Unmarshal(r.body, &v)
		if !regexp.MustCompile(`^[0-9a-f-]{36}:1$`).MatchString(v.ID) {
			t.Errorf("id %q does not have MOBtexting's shape", v.ID)
		}
		ids[v.ID] = true
	}
	if len(ids) != 25 {
		t.Errorf("%d distinct ids in 25 requests", len(ids))
	}

	o = smshook(t, nil, nil, "", "send", "mobtexting", "--to", s.URL, "-n", "3", "--output", "json")
	var sum struct {
		Sent    int            `json:"sent"`
		OK      int            `json:"ok"`
		Replies map[string]int `json:"replies"`
		Expect  string         `json:"expect"`
	}
	if err := json.Unmarshal([]byte(o.stdout), &sum); err != nil || o.code != 0 {
		t.Fatalf("exit %d, JSON %v:\n%s", o.code, err, o.stdout)
	}
	if sum.Sent != 3 || sum.OK != 3 || sum.Replies["200"] != 3 || sum.Expect != "200,202" {
		t.Errorf("summary %+v", sum)
	}
}

func TestSendExpect(t *testing.T) {
	tests := []struct {
		name     string
		provider string
		status   int
		expect   string
		code     int
		stderr   string
	}{
		{"2xx by default", "dexatel", 204, "", 0, ""},
		{"500 is a failure", "dexatel", 500, "", 1, "answered 500 Internal Server Error, expected 2xx"},
		{"expect 5xx", "dexatel", 503, "5xx", 0, ""},
		{"expect 4xx", "dexatel", 401, "4xx", 0, ""},
		{"expect 200 exactly", "dexatel", 201, "200", 1, "answered 201 Created, expected 200"},
		{"mobtexting counts 202 as success", "mobtexting", 202, "", 0, ""},
		{"mobtexting does not count 201", "mobtexting", 201, "", 1, "expected 200,202"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSink(t, replyStatus(tt.status))
			args := []string{"send", tt.provider, "--to", s.URL, "--secret", "x"}
			if tt.expect != "" {
				args = append(args, "--expect", tt.expect)
			}
			o := smshook(t, nil, nil, "", args...)
			if o.code != tt.code || !strings.Contains(o.stderr, tt.stderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", o.code, o.stderr, tt.code, tt.stderr)
			}
			if !strings.HasPrefix(o.stdout, fmt.Sprint(tt.status)) {
				t.Errorf("stdout %q does not start with the status", o.stdout)
			}
		})
	}
}

func TestSendRetries(t *testing.T) {
	s := newSink(t, replyStatus(502, 500, 200))
	o := smshook(t, nil, nil, "", "send", "dexatel", "--to", s.URL, "--secret", "x", "--retries", "3")
	if o.code != 0 || s.hits.Load() != 3 || !strings.Contains(o.stdout, "(3 attempts)") {
		t.Errorf("exit %d, %d hits, stdout %q", o.code, s.hits.Load(), o.stdout)
	}
	s = newSink(t, replyStatus(404))
	o = smshook(t, nil, nil, "", "send", "dexatel", "--to", s.URL, "--secret", "x", "--retries", "3")
	if o.code != 1 || s.hits.Load() != 1 {
		t.Errorf("a 404 was retried: exit %d, %d hits", o.code, s.hits.Load())
	}
	s = newSink(t, replyStatus(500))
	o = smshook(t, nil, nil, "", "send", "dexatel", "--to", s.URL, "--secret", "x", "-n", "2", "--retries", "1")
	want := "smshook: 2 of 2 requests failed: 2 replied 500 ×2, not 2xx (2 retries made)\n"
	if o.code != 1 || s.hits.Load() != 4 || o.stderr != want {
		t.Errorf("exit %d, %d hits, stderr %q", o.code, s.hits.Load(), o.stderr)
	}
}

func closedURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return "http://" + l.Addr().String() + "/hook"
}

func TestSendUnreachable(t *testing.T) {
	target := closedURL(t)
	o := smshook(t, nil, nil, "", "send", "dexatel", "--to", target, "--secret", "x", "--retries", "2")
	want := fmt.Sprintf("smshook: could not reach %s: connection refused (after 2 retries): nothing listens there; start 'smshook listen' (or your app) in another terminal\n", target)
	if o.code != 1 || o.stderr != want || o.stdout != "" {
		t.Errorf("exit %d\nstderr %q\nwant   %q\nstdout %q", o.code, o.stderr, want, o.stdout)
	}
	o = smshook(t, nil, nil, "", "send", "dexatel", "--to", target, "--secret", "x", "-n", "3")
	if o.code != 1 || !strings.Contains(o.stderr, "3 of 3 requests failed: 3 got no reply from "+target+" (refused ×3: connection refused)") {
		t.Errorf("exit %d, stderr %q", o.code, o.stderr)
	}
	if !strings.Contains(o.stdout, "errors    refused ×3") {
		t.Errorf("summary %q", o.stdout)
	}
}

func TestSendTLS(t *testing.T) {
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.StartTLS()
	defer s.Close()
	o := smshook(t, nil, nil, "", "send", "dexatel", "--to", s.URL, "--secret", "x", "--retries", "3")
	if o.code != 2 || !strings.Contains(o.stderr, "failed: tls: failed to verify certificate") || !strings.HasSuffix(o.stderr, ": pass --insecure to skip certificate verification\n") {
		t.Errorf("exit %d, stderr %q", o.code, o.stderr)
	}
	o = smshook(t, nil, nil, "", "send", "dexatel", "--to", s.URL, "--secret", "x", "--insecure")
	if o.code != 0 {
		t.Errorf("with --insecure: exit %d, stderr %q", o.code, o.stderr)
	}
}

type junit struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Suite    struct {
		Name  string `xml:"name,attr"`
		Cases []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
			} `xml:"failure"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestSendReport(t *testing.T) {
	s := newSink(t, replyStatus(200, 500, 200))
	path := filepath.Join(t.TempDir(), "junit.xml")
	o := smshook(t, nil, nil, "", "send", "dexatel", "--to", s.URL, "--secret", "x", "-n", "4", "--report", path)
	if o.code != 1 {
		t.Errorf("exit %d, want 1 for the 500", o.code)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc junit
	if err := xml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("invalid XML: %v\n%s", err, raw)
	}
	if doc.Tests != 4 || doc.Failures != 1 || doc.Errors != 0 || len(doc.Suite.Cases) != 4 || doc.Suite.Name != "smshook send dexatel" {
		t.Fatalf("report %+v\n%s", doc, raw)
	}
	for _, c := range doc.Suite.Cases {
		// Each case names its message id.
		if !regexp.MustCompile(`^#\d POST http://\S+ \([0-9a-f-]{36}\)$`).MatchString(c.Name) {
			t.Errorf("test case name %q", c.Name)
		}
		if c.Failure != nil && c.Failure.Message != "got 500 Internal Server Error, expected 2xx" {
			t.Errorf("failure %q", c.Failure.Message)
		}
	}

	o = smshook(t, nil, nil, "", "send", "dexatel", "--to", s.URL, "--secret", "x", "--report", filepath.Join(t.TempDir(), "no", "such", "dir", "r.xml"))
	if o.code != 2 || !strings.Contains(o.stderr, "cannot write the report") {
		t.Errorf("unwritable report: exit %d, stderr %q", o.code, o.stderr)
	}
}

// handshakeEndpoint answers MOBtexting's handshake in one of several ways.
func handshakeEndpoint(t *testing.T, mode string) *sink {
	return newSink(t, func(n int64, w http.ResponseWriter, r *http.Request, body []byte) {
		var in struct{ Challenge string }
		json.Unmarshal(body, &in)
		key := r.URL.Query().Get("token")
		w.Header().Set("Content-Type", "application/json")
		switch mode {
		case "good":
			fmt.Fprintf(w, `{"validation_key":%q,"challenge":%q}`, key, in.Challenge)
		case "no-challenge":
			fmt.Fprintf(w, `{"validation_key":%q}`, key)
		case "wrong-key":
			fmt.Fprintf(w, `{"validation_key":"something-else","challenge":%q}`, in.Challenge)
		case "not-json":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html>OK</html>")
		}
	})
}

func TestSendHandshake(t *testing.T) {
	tests := []struct {
		mode   string
		code   int
		stdout string
		stderr string
	}{
		{"good", 0, "✓ handshake passed: 200 OK", ""},
		{"no-challenge", 0, "✓ handshake passed", "warning: the reply does not echo challenge"},
		{"wrong-key", 1, "✗ handshake failed", `smshook: handshake failed: the reply's validation_key is "something-else", not the key sent ("9012XX")`},
		{"not-json", 1, "✗ handshake failed", "smshook: handshake failed: the reply is not JSON (Content-Type: text/html): answer the JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			s := handshakeEndpoint(t, tt.mode)
			o := smshook(t, nil, nil, "", "send", "mobtexting", "--handshake", "--to", s.URL+"/cb?x=1", "--validation-key", "9012XX", "--secret", "b34rer")
			if o.code != tt.code || !strings.Contains(o.stdout, tt.stdout) || !strings.Contains(o.stderr, tt.stderr) {
				t.Errorf("exit %d\nstdout %q\nstderr %q", o.code, o.stdout, o.stderr)
			}
			r := s.received()[0]
			var body map[string]string
			json.Unmarshal(r.body, &body)
			if r.method != "POST" || r.uri != "/cb?x=1&token=9012XX" || body["validation_key"] != "9012XX" || len(body["challenge"]) != 16 {
				t.Errorf("handshake request %s %s %s", r.method, r.uri, r.body)
			}
			if r.header.Get("Authorization") != "Bearer b34rer" {
				t.Errorf("Authorization %q", r.header.Get("Authorization"))
			}
		})
	}

	// The key comes from the profile when no flag gives it; JSON output.
	s := handshakeEndpoint(t, "good")
	home := t.TempDir()
	writeConfig(t, home, "profiles:\n  mt:\n    provider: mobtexting\n    validation_key: from-profile\n    url: "+s.URL+"\n")
	o := smshook(t, nil, map[string]string{"HOME": home}, "", "send", "--profile", "mt", "--handshake", "-o", "json")
	var res struct {
		Passed        bool   `json:"passed"`
		Status        int    `json:"status"`
		ValidationKey string `json:"validation_key"`
	}
	if err := json.Unmarshal([]byte(o.stdout), &res); err != nil || o.code != 0 || !res.Passed || res.ValidationKey != "from-profile" {
		t.Errorf("exit %d, %v, %s", o.code, err, o.stdout)
	}
	if got := s.received()[0]; got.uri != "/?token=from-profile" || got.header.Get("Authorization") != "" {
		t.Errorf("request %s, Authorization %q", got.uri, got.header.Get("Authorization"))
	}
}

func writeConfig(t *testing.T, home, content string) {
	t.Helper()
	dir := filepath.Join(home, ".config", "smshook")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestSendProfile(t *testing.T) {
	s := newSink(t, nil)
	home := t.TempDir()
	writeConfig(t, home, "profiles:\n  dx:\n    provider: dexatel\n    secret: pr0file\n    encoding: hex\n    url: "+s.URL+"/from-profile\n")
	o := smshook(t, nil, map[string]string{"HOME": home}, "", "send", "--profile", "dx", "--event", "message")
	if o.code != 0 {
		t.Fatalf("exit %d: %s", o.code, o.stderr)
	}
	r := s.received()[0]
	if r.uri != "/from-profile" || r.header.Get("X-Dexatel-Signature") != hex.EncodeToString(hmacSHA256("pr0file", r.body)) ||
		!strings.Contains(string(r.body), `"event": "message"`) {
		t.Errorf("request %s %q %s", r.uri, r.header.Get("X-Dexatel-Signature"), r.body)
	}
}

func TestSendDataTemplatesAndSets(t *testing.T) {
	s := newSink(t, nil)
	dir := t.TempDir()
	file := filepath.Join(dir, "body.json")
	os.WriteFile(file, []byte(`{"data":{"event":"delivery","message_id":"m-{{seq}}","n":1}}`), 0o600)

	o := smshook(t, nil, nil, "", "send", "dexatel", "--to", s.URL, "--secret", "x", "--data", "@"+file, "-n", "3",
		"--set", "data.status=FAILED", "--set", "data.n:={{seq}}", "-H", "X-Extra: yes")
	if o.code != 0 {
		t.Fatalf("exit %d: %s", o.code, o.stderr)
	}
	seen := map[string]bool{}
	for _, r := range s.received() {
		seen[string(r.body)] = true
		if r.header.Get("X-Extra") != "yes" || r.header.Get("X-Dexatel-Signature") != base64.StdEncoding.EncodeToString(hmacSHA256("x", r.body)) {
			t.Errorf("headers %v", r.header)
		}
	}
	for i := 1; i <= 3; i++ {
		want := fmt.Sprintf(`{"data":{"event":"delivery","message_id":"m-%d","n":%d,"status":"FAILED"}}`, i, i)
		if !seen[want] {
			t.Errorf("no request carried %s; got %v", want, seen)
		}
	}

	// --no-template sends the bytes as they are; stdin works too.
	s = newSink(t, nil)
	raw := "{\"text\": \"{{not a placeholder}}\"}\r\n"
	o = smshook(t, nil, nil, raw, "send", "dexatel", "--to", s.URL, "--secret", "x", "--data", "-", "--no-template")
	if o.code != 0 || string(s.received()[0].body) != raw {
		t.Errorf("exit %d (%s), body %q", o.code, o.stderr, s.received()[0].body)
	}

	// A user signature header is sent as given, to test rejection.
	s = newSink(t, nil)
	o = smshook(t, nil, nil, "", "send", "dexatel", "--to", s.URL, "--secret", "x", "-H", "X-Dexatel-Signature: forged")
	if got := s.received()[0].header.Values("X-Dexatel-Signature"); o.code != 0 || len(got) != 1 || got[0] != "forged" {
		t.Errorf("exit %d, signature %q", o.code, got)
	}
}

func TestSendUsageErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args   []string
		stderr string
	}{
		{[]string{"dexatel", "--to", "http://127.0.0.1:1", "--count", "0", "--secret", "x"}, "--count must be at least 1"},
		{[]string{"dexatel", "--to", "http://127.0.0.1:1", "--concurrency", "0", "--secret", "x"}, "--concurrency must be at least 1"},
		{[]string{"dexatel", "--to", "http://127.0.0.1:1"}, "no secret for dexatel: pass --secret or --secret-file"},
		{[]string{"dexatel", "--secret", "x"}, "no target URL: pass --to URL or set url in a profile"},
		{[]string{"dexatel", "--secret", "x", "--to", "ftp://x/y"}, `"ftp://x/y" is not an http or https URL`},
		{[]string{"acme", "--to", "http://127.0.0.1:1"}, `unknown provider "acme"`},
		{[]string{"dexatel", "--secret", "x", "--to", "http://127.0.0.1:1", "--event", "dlr"}, `dexatel has no event kind "dlr" (kinds: delivery, message)`},
		{[]string{"dexatel", "--secret", "x", "--to", "http://127.0.0.1:1", "--data", "@" + filepath.Join(dir, "missing.json")}, "cannot read " + filepath.Join(dir, "missing.json") + ": no such file or directory"},
		{[]string{"dexatel", "--secret", "x", "--to", "http://127.0.0.1:1", "--set", "data.status"}, "is not path=value"},
		{[]string{"dexatel", "--secret", "x", "--to", "http://127.0.0.1:1", "--set", "data.*=x"}, `holds "*"`},
		{[]string{"dexatel", "--secret", "x", "--to", "http://127.0.0.1:1", "--data", "hello", "--set", "a=b"}, "the body is not valid JSON"},
		{[]string{"dexatel", "--secret", "x", "--to", "http://127.0.0.1:1", "--data", "hi", "-H", "Content-Type: text/plain", "--set", "a=b"}, "neither"},
		{[]string{"dexatel", "--secret", "x", "--to", "http://127.0.0.1:1", "--data", `{"a":"{{nope}}"}`}, "unknown placeholder"},
		{[]string{"dexatel", "--secret", "x", "--to", "http://127.0.0.1:1", "--handshake"}, "dexatel has no webhook validation handshake"},
		{[]string{"mobtexting", "--to", "http://127.0.0.1:1", "--handshake", "--count", "2"}, "--handshake sends the one validation request and checks its reply: drop --count"},
		{[]string{"mobtexting", "--to", "http://127.0.0.1:1", "--validation-key", "k"}, "--validation-key is for --handshake"},
		{[]string{"dexatel", "--demo", "--secret", "x"}, "--demo uses the provider's demo credentials: drop --secret"},
		{[]string{"dexatel", "--demo", "--dry-run", "--report", "r.xml"}, "--dry-run sends nothing"},
		{[]string{"dexatel", "--secret", "x", "--to", "http://127.0.0.1:1", "--expect", "ok"}, `"ok" is not a status code`},
		{[]string{"dexatel", "--secret", "x", "--to", "http://127.0.0.1:1", "--timeout", "0s"}, "--timeout must be more than 0"},
		{[]string{"dexatel", "--secret", "x", "--to", "http://127.0.0.1:1", "-o", "yaml"}, "--output yaml is not available here: use text, json"},
		{[]string{"dexatel", "--secret", "x", "--to", "http://127.0.0.1:1", "--dry-run", "-o", "text"}, "use http, curl, json"},
		{[]string{"cellcast", "--to", "http://127.0.0.1:1", "--secret", "x"}, "cellcast uses HTTP Basic auth, which takes no secret"},
		{[]string{"mobtexting", "--to", "http://127.0.0.1:1", "--encoding", "hex"}, "--encoding applies to a signature"},
		{[]string{"dexatel", "extra", "--to", "http://127.0.0.1:1"}, "accepts at most 1 arg"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			o := smshook(t, nil, nil, "", append([]string{"send"}, tt.args...)...)
			if o.code != 2 || !strings.Contains(o.stderr, tt.stderr) || strings.Count(o.stderr, "\n") != 1 || !strings.HasPrefix(o.stderr, "smshook: ") {
				t.Errorf("exit %d, stderr %q; want exit 2 and one line with %q", o.code, o.stderr, tt.stderr)
			}
		})
	}
}

func TestSendDryRun(t *testing.T) {
	o := smshook(t, nil, nil, "", "send", "dexatel", "--demo", "--dry-run")
	if o.code != 0 || !strings.HasPrefix(o.stdout, "POST /dexatel HTTP/1.1\r\nHost: 127.0.0.1:8787\r\nContent-Type: application/json\r\n") {
		t.Fatalf("exit %d (%s)\n%s", o.code, o.stderr, o.stdout)
	}
	head, body, _ := strings.Cut(o.stdout, "\r\n\r\n")
	sig := base64.StdEncoding.EncodeToString(hmacSHA256("smshook-demo-dexatel-secret", []byte(body)))
	if !strings.Contains(head+"\r\n", "X-Dexatel-Signature: "+sig+"\r\n") {
		t.Errorf("the demo signature does not match the body:\n%s", o.stdout)
	}

	o = smshook(t, nil, nil, "", "send", "cellcast", "--demo", "--event", "status", "--dry-run", "-o", "curl")
	if o.code != 0 || !strings.Contains(o.stdout, "curl -X POST http://127.0.0.1:8787/cellcast/status") ||
		!strings.Contains(o.stdout, "-H 'Authorization: Basic <redacted>'") || !strings.Contains(o.stderr, "--show-secrets") {
		t.Errorf("exit %d\n%s\n%s", o.code, o.stdout, o.stderr)
	}
	o = smshook(t, nil, nil, "", "send", "mobtexting", "--demo", "--dry-run", "-o", "json", "--show-secrets")
	var req struct {
		Method  string            `json:"method"`
		URL     string            `json:"url"`
		Headers map[string]string `json:"headers"`
		Body    string            `json:"body"`
	}
	if err := json.Unmarshal([]byte(o.stdout), &req); err != nil || o.code != 0 {
		t.Fatalf("exit %d, %v\n%s", o.code, err, o.stdout)
	}
	if req.URL != "http://127.0.0.1:8787/mobtexting" || req.Headers["Authorization"] != "Bearer smshook-demo-mobtexting-secret" || o.stderr != "" {
		t.Errorf("%+v, stderr %q", req, o.stderr)
	}

	// Several requests: one JSON object per line, each with a fresh id.
	o = smshook(t, nil, nil, "", "send", "dexatel", "--demo", "--dry-run", "-o", "json", "-n", "3")
	lines := strings.Split(strings.TrimSpace(o.stdout), "\n")
	if len(lines) != 3 || lines[0] == lines[1] {
		t.Errorf("%d lines:\n%s", len(lines), o.stdout)
	}
}

func TestSendVerbose(t *testing.T) {
	s := newSink(t, func(n int64, w http.ResponseWriter, r *http.Request, body []byte) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"received":true}`)
	})
	o := smshook(t, nil, nil, "", "send", "mobtexting", "--to", s.URL+"/hook", "--secret", "t0p-secret", "-v")
	if o.code != 0 {
		t.Fatalf("exit %d: %s", o.code, o.stderr)
	}
	for _, want := range []string{"> POST /hook HTTP/1.1\n", "> Authorization: Bearer <redacted>\n", `"id": "`, "< 200 OK\n", "< Content-Type: application/json\n"} {
		if !strings.Contains(o.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, o.stderr)
		}
	}
	if strings.Contains(o.stderr+o.stdout, "t0p-secret") {
		t.Error("the secret was printed")
	}
	if !strings.HasPrefix(o.stdout, "200 OK") || !strings.HasSuffix(o.stdout, "{\n  \"received\": true\n}\n") {
		t.Errorf("stdout %q", o.stdout)
	}
	o = smshook(t, nil, nil, "", "send", "mobtexting", "--to", s.URL+"/hook", "--secret", "t0p-secret", "-v", "--show-secrets")
	if !strings.Contains(o.stderr, "> Authorization: Bearer t0p-secret\n") {
		t.Errorf("--show-secrets: %s", o.stderr)
	}
}

func TestSendInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := newSink(t, func(n int64, w http.ResponseWriter, r *http.Request, body []byte) {
		if n == 5 {
			cancel() // Ctrl-C, as root's signal context does
		}
	})
	o := smshook(t, ctx, nil, "", "send", "dexatel", "--to", s.URL, "--secret", "x", "-n", "100000", "-c", "2")
	if o.code != 130 || !strings.Contains(o.stdout, "stopped   interrupted before the end") || !strings.Contains(o.stdout, "sent      ") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", o.code, o.stdout, o.stderr)
	}
	if n := s.hits.Load(); n > 100 {
		t.Errorf("%d requests after the interrupt", n)
	}
}

func TestSendVerboseManyAndMethod(t *testing.T) {
	s := newSink(t, replyStatus(200, 503, 200))
	o := smshook(t, nil, nil, "", "send", "dexatel", "--to", s.URL, "--secret", "x", "-n", "3", "-v", "-X", "put")
	if o.code != 1 {
		t.Errorf("exit %d, want 1 for the 503", o.code)
	}
	lines := strings.Split(strings.TrimSpace(o.stderr), "\n")
	perRequest := regexp.MustCompile(`^#[123]  (200 OK|503 Service Unavailable)  \S+  PUT http://127\.0\.0\.1:\d+/dexatel  [0-9a-f-]{36}$`)
	n := 0
	for _, l := range lines {
		if perRequest.MatchString(l) {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d per-request lines on stderr:\n%s", n, o.stderr)
	}
	for _, r := range s.received() {
		if r.method != "PUT" {
			t.Errorf("method %s", r.method)
		}
	}
}
