package replay_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/cmd/root"
	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/har"
	"github.com/smshook/smshook/pkg/iostreams"
)

// received is what the sink saw of one request.
type received struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
}

// sink is the handler under test: it records every request and answers
// with status.
type sink struct {
	mu     sync.Mutex
	got    []received
	status int
}

func newSink(t *testing.T, status int) (*sink, string) {
	s := &sink{status: status}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.got = append(s.got, received{r.Method, r.URL.RequestURI(), r.Header.Clone(), body})
		s.mu.Unlock()
		w.WriteHeader(s.status)
	}))
	t.Cleanup(srv.Close)
	return s, srv.URL + "/hook"
}

func (s *sink) requests() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.got...)
}

// hmacB64 is the Dexatel signature, computed here with crypto/hmac rather
// than with smshook's signing package.
func hmacB64(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

var base = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

func rec(id, provider, kind string, status codec.Status, valid bool, at time.Duration, body []byte, header ...string) *capture.Record {
	h := http.Header{"Content-Type": {"application/json"}, "User-Agent": {"Dexatel-Webhooks/1.0"}, "Connection": {"keep-alive"}}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	r := &capture.Record{
		ID: id, ReceivedAt: base.Add(at), Profile: provider, Provider: provider, Kind: kind,
		Method: "POST", URL: "http://127.0.0.1:8787/" + provider, Headers: h,
		Verification: capture.Verification{Valid: valid},
		Event:        &codec.Event{Provider: provider, Kind: codec.KindDelivery, EventName: kind, MessageID: "msg-" + id, Status: status},
	}
	if kind == "message" {
		r.Event.Kind = codec.KindInbound
	}
	if !valid {
		r.Verification.Reason = "mismatch"
	}
	r.SetBody(body)
	r.Reply.Status = 200
	return r
}

var (
	deliveryBody = []byte("{\n  \"data\": {\"event\": \"delivery\", \"status\": \"FAILED\"}\n}\n")
	messageBody  = []byte(`{"data":{"event":"message","text":"héllo"}}`)
	binaryBody   = []byte{'{', 0xff, 0xfe, '}'}
)

// writeCapture writes records with the listener's own writer, plus raw
// extra lines at the end (a torn line, say).
func writeCapture(t *testing.T, extra string, records ...*capture.Record) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "captures.jsonl")
	w, err := capture.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range records {
		if err := w.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if extra != "" {
		f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		f.WriteString(extra)
		f.Close()
	}
	return path
}

func standardCapture(t *testing.T, extra string) string {
	return writeCapture(t, extra,
		rec("r1", "dexatel", "delivery", codec.StatusFailed, true, 0, deliveryBody, "X-Dexatel-Signature", hmacB64("captured-secret", deliveryBody)),
		rec("r2", "dexatel", "message", codec.StatusReceived, false, time.Hour, messageBody, "X-Dexatel-Signature", "bogus"),
		rec("r3", "cellcast", "status", codec.StatusDelivered, true, 2*time.Hour, []byte(`{"_id":"x","type":"send","status":"delivered"}`), "Authorization", "Basic dTpw"),
		rec("r4", "dexatel", "delivery", codec.StatusDelivered, true, 3*time.Hour, binaryBody, "X-Dexatel-Signature", "old"),
	)
}

// run executes smshook with args and returns stdout, stderr and the exit code.
func run(t *testing.T, env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	io, _, out, errOut := iostreams.Test()
	code := root.Run(args, io, func(k string) string { return env[k] })
	return out.String(), errOut.String(), code
}

func TestReplayResignsWithTargetSecret(t *testing.T) {
	s, url := newSink(t, 200)
	path := standardCapture(t, "")
	_, stderr, code := run(t, nil, "replay", path, "--to", url, "--provider", "dexatel", "--secret", "target-secret")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got := s.requests()
	if len(got) != 3 {
		t.Fatalf("sink got %d requests, want the 3 dexatel records", len(got))
	}
	want := [][]byte{deliveryBody, messageBody, binaryBody}
	for i, r := range got {
		if !bytes.Equal(r.Body, want[i]) {
			t.Errorf("request %d body %q, want the captured bytes %q", i, r.Body, want[i])
		}
		if sig := r.Header.Get("X-Dexatel-Signature"); sig != hmacB64("target-secret", want[i]) {
			t.Errorf("request %d signature %q is not HMAC-SHA256(target-secret, body)", i, sig)
		}
		if len(r.Header.Values("X-Dexatel-Signature")) != 1 || r.Header.Get("User-Agent") != "Dexatel-Webhooks/1.0" || r.Path != "/hook" {
			t.Errorf("request %d headers %v path %s", i, r.Header, r.Path)
		}
	}
}

func TestReplayAsCaptured(t *testing.T) {
	s, url := newSink(t, 200)
	path := standardCapture(t, "")
	_, stderr, code := run(t, nil, "replay", path, "--to", url, "--as-captured")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got := s.requests()
	if len(got) != 4 {
		t.Fatalf("%d requests", len(got))
	}
	if got[0].Header.Get("X-Dexatel-Signature") != hmacB64("captured-secret", deliveryBody) ||
		got[1].Header.Get("X-Dexatel-Signature") != "bogus" ||
		got[2].Header.Get("Authorization") != "Basic dTpw" {
		t.Errorf("captured auth headers not sent as captured: %v / %v / %v", got[0].Header, got[1].Header, got[2].Header)
	}
	if !bytes.Equal(got[3].Body, binaryBody) {
		t.Errorf("non-UTF-8 body changed: %q", got[3].Body)
	}
}

func TestReplayFilters(t *testing.T) {
	path := standardCapture(t, "")
	tests := []struct {
		args []string
		want []string // message ids the sink receives, in order
	}{
		{nil, []string{"r1", "r2", "r3", "r4"}},
		{[]string{"--id", "r3"}, []string{"r3"}},
		{[]string{"--id", "msg-r2,r4"}, []string{"r2", "r4"}},
		{[]string{"--provider", "cellcast"}, []string{"r3"}},
		{[]string{"--from-profile", "dexatel"}, []string{"r1", "r2", "r4"}},
		{[]string{"--kind", "message"}, []string{"r2"}},
		{[]string{"--kind", "delivery"}, []string{"r1", "r3", "r4"}},
		{[]string{"--status", "failed"}, []string{"r1"}},
		{[]string{"--status", "delivered,received"}, []string{"r2", "r3", "r4"}},
		{[]string{"--since", "2026-11-21T11:00:00Z"}, []string{"r2", "r3", "r4"}},
		{[]string{"--until", "2026-11-21 11:00"}, []string{"r1"}},
		{[]string{"--verified"}, []string{"r1", "r3", "r4"}},
		{[]string{"--invalid"}, []string{"r2"}},
		{[]string{"--grep", "héllo"}, []string{"r2"}},
		{[]string{"--limit", "2"}, []string{"r1", "r2"}},
		{[]string{"--provider", "dexatel", "--status", "delivered"}, []string{"r4"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			s, url := newSink(t, 200)
			args := append([]string{"replay", path, "--to", url, "--as-captured"}, tt.args...)
			_, stderr, code := run(t, map[string]string{"TZ": "UTC"}, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var ids []string
			for _, r := range s.requests() {
				for _, id := range []string{"r1", "r2", "r3", "r4"} {
					if r.Header.Get("X-Dexatel-Signature") == sigOf(id) || (id == "r3" && r.Header.Get("Authorization") != "") {
						ids = append(ids, id)
					}
				}
			}
			if strings.Join(ids, ",") != strings.Join(tt.want, ",") {
				t.Errorf("replayed %v, want %v", ids, tt.want)
			}
		})
	}
}

// sigOf is the captured signature of each dexatel record, which tells them apart.
func sigOf(id string) string {
	return map[string]string{"r1": hmacB64("captured-secret", deliveryBody), "r2": "bogus", "r4": "old"}[id]
}

func TestReplayTornAndInvalidLines(t *testing.T) {
	path := standardCapture(t, "this is not json\n{\"id\":\"torn\",\"body\":\"ab")
	s, url := newSink(t, 200)
	_, stderr, code := run(t, nil, "replay", path, "--to", url, "--as-captured")
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, stderr)
	}
	if len(s.requests()) != 4 {
		t.Errorf("the good records must still be sent: %d", len(s.requests()))
	}
	for _, want := range []string{"line 5: ", "line 6: torn last line", "2 invalid line(s) skipped (line 5, line 6): pass --skip-invalid"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if _, stderr, code := run(t, nil, "replay", path, "--to", url, "--as-captured", "--skip-invalid"); code != 0 {
		t.Errorf("--skip-invalid: exit %d: %s", code, stderr)
	}
}

func TestReplayUsageErrors(t *testing.T) {
	path := standardCapture(t, "")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte("profiles:\n  dex:\n    provider: dexatel\n    secret: s\n    url: http://127.0.0.1:1/x\n"), 0o600)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"replay", path, "--to", "http://127.0.0.1:1/x", "--provider", "dexatel"}, "cannot re-sign dexatel records: no secret for dexatel: pass --secret"},
		{[]string{"replay", path, "--to", "http://127.0.0.1:1/x", "--provider", "dexatel"}, "or --demo for the listener's demo credentials, or --as-captured to send the captured signature"},
		{[]string{"replay", path}, "no target: pass --to URL, or --profile P with a url"},
		{[]string{"replay", filepath.Join(dir, "missing.jsonl"), "--to", "http://x"}, "cannot read " + filepath.Join(dir, "missing.jsonl") + ": no such file or directory"},
		{[]string{"replay", path, "--to", "http://x", "--as-captured", "--secret", "s"}, "--as-captured sends the captured signature"},
		{[]string{"replay", path, "--to", "http://x", "--verified", "--invalid"}, "--verified and --invalid exclude each other"},
		{[]string{"replay", path, "--to", "http://x", "--status", "lost"}, `unknown status "lost"`},
		{[]string{"replay", path, "--to", "http://x", "--since", "yesterday"}, "--since: time \"yesterday\""},
		{[]string{"replay", path, "--export", "pdf"}, "--export pdf: use har or curl"},
		{[]string{"replay", path, "--import-har", "x.har"}, "give a capture file or --import-har, not both"},
		{[]string{"replay", path, "--to", "http://x", "--secret", "s", "--encoding", "base32"}, "--encoding base32: use hex or base64"},
	}
	for _, tt := range tests {
		_, stderr, code := run(t, nil, tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args[2:], code, stderr, tt.want)
		}
		if strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: error is not one line: %q", tt.args[2:], stderr)
		}
	}
}

// A profile re-signs its own provider's records; the others are skipped,
// said, and fail the run at its end.
func TestReplayProfileSkipsOtherProviders(t *testing.T) {
	path := standardCapture(t, "")
	s, url := newSink(t, 200)
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(cfg, []byte("profiles:\n  dex:\n    provider: dexatel\n    secret: s\n    url: "+url+"\n"), 0o600)
	_, stderr, code := run(t, nil, "replay", path, "--config", cfg, "--profile", "dex")
	if code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if n := len(s.requests()); n != 3 {
		t.Errorf("sent %d, want the 3 dexatel records", n)
	}
	if !strings.Contains(stderr, `smshook: skipped 1 record (r3): from cellcast, but profile "dex" re-signs dexatel: select records with --provider dexatel, or use --as-captured`) {
		t.Errorf("stderr: %s", stderr)
	}
	for _, r := range s.requests() {
		if r.Header.Get("X-Dexatel-Signature") != hmacB64("s", r.Body) {
			t.Errorf("not re-signed with the profile's secret: %v", r.Header)
		}
	}
}

// A target with no path keeps each record's own path and query, so that a
// mixed capture replays to the same routes of another listener; records are
// re-signed with the demo credentials (--demo) or with the config profile
// they were captured under.
func TestReplayKeepsRoutesAndFindsCredentials(t *testing.T) {
	handshake := rec("r5", "mobtexting", "handshake", codec.StatusUnknown, true, 4*time.Hour, []byte(`{"validation_key":"k"}`), "Authorization", "Bearer x")
	handshake.URL = "http://127.0.0.1:8787/mobtexting?token=k"
	profiled := rec("r6", "dexatel", "delivery", codec.StatusDelivered, true, 5*time.Hour, deliveryBody)
	profiled.Profile, profiled.URL = "dex-dev", "http://127.0.0.1:8787/dex-dev/delivery"
	path := writeCapture(t, "",
		rec("r1", "dexatel", "delivery", codec.StatusFailed, true, 0, deliveryBody),
		rec("r3", "cellcast", "status", codec.StatusDelivered, true, time.Hour, []byte(`{"type":"send"}`)),
		handshake, profiled)
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(cfg, []byte("profiles:\n  dex-dev:\n    provider: dexatel\n    secret: profile-secret\n"), 0o600)

	s, url := newSink(t, 200)
	base := strings.TrimSuffix(url, "/hook")
	_, stderr, code := run(t, nil, "replay", path, "--to", base, "--demo", "--config", cfg)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got := s.requests()
	if len(got) != 4 {
		t.Fatalf("%d requests", len(got))
	}
	wantPaths := []string{"/dexatel", "/cellcast", "/mobtexting?token=k", "/dex-dev/delivery"}
	for i, r := range got {
		if r.Path != wantPaths[i] {
			t.Errorf("request %d went to %s, want %s", i, r.Path, wantPaths[i])
		}
	}
	if sig := got[0].Header.Get("X-Dexatel-Signature"); sig != hmacB64("smshook-demo-dexatel-secret", deliveryBody) {
		t.Errorf("--demo: dexatel not signed with the demo secret: %s", sig)
	}
	if got[1].Header.Get("Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte("smshook-demo:smshook-demo-cellcast-password")) {
		t.Errorf("--demo: cellcast not signed with the demo user: %v", got[1].Header)
	}
	if sig := got[3].Header.Get("X-Dexatel-Signature"); sig != hmacB64("profile-secret", deliveryBody) {
		t.Errorf("a record captured under profile dex-dev was not re-signed with its secret: %s", sig)
	}
}

func TestReplayExpectRetriesAndReport(t *testing.T) {
	path := standardCapture(t, "")
	s, url := newSink(t, 503)
	report := filepath.Join(t.TempDir(), "junit.xml")
	_, stderr, code := run(t, nil, "replay", path, "--to", url, "--as-captured", "--id", "r1", "--retries", "2", "--report", report)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if n := len(s.requests()); n != 3 {
		t.Errorf("a 5xx is retried: %d attempts, want 3", n)
	}
	if !strings.Contains(stderr, "1 of 1 requests failed: 1 replied 503") || !strings.Contains(stderr, "(2 retries made)") {
		t.Errorf("stderr: %s", stderr)
	}
	var suite struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(b, &suite); err != nil || suite.Tests != 1 || suite.Failures != 1 {
		t.Errorf("report %+v (%v):\n%s", suite, err, b)
	}

	s4, url4 := newSink(t, 404)
	if _, _, code := run(t, nil, "replay", path, "--to", url4, "--as-captured", "--id", "r1", "--retries", "2"); code != 1 || len(s4.requests()) != 1 {
		t.Errorf("a 4xx is never retried: exit %d, %d attempts", code, len(s4.requests()))
	}
	if _, stderr, code := run(t, nil, "replay", path, "--to", url4, "--as-captured", "--expect", "4xx"); code != 0 {
		t.Errorf("--expect 4xx: exit %d %s", code, stderr)
	}
}

func TestReplayJSONSummary(t *testing.T) {
	path := standardCapture(t, "")
	_, url := newSink(t, 200)
	stdout, _, code := run(t, nil, "replay", path, "--to", url, "--as-captured", "-o", "json")
	if code != 0 || !strings.Contains(stdout, `"sent": 4`) || !strings.Contains(stdout, `"ok": 4`) {
		t.Errorf("exit %d\n%s", code, stdout)
	}
}

func TestReplayDryRunRedacts(t *testing.T) {
	path := standardCapture(t, "")
	stdout, stderr, code := run(t, nil, "replay", path, "--id", "r3", "--dry-run", "--as-captured")
	if code != 0 {
		t.Fatalf("exit %d %s", code, stderr)
	}
	if !strings.HasPrefix(stdout, "POST /cellcast HTTP/1.1\r\nHost: 127.0.0.1:8787\r\n") || !strings.Contains(stdout, "Authorization: Basic <redacted>") {
		t.Errorf("dry run:\n%s", stdout)
	}
	if strings.Contains(stdout, "dTpw") || !strings.Contains(stderr, "--show-secrets") {
		t.Errorf("credentials shown or no note: %s / %s", stdout, stderr)
	}
	stdout, _, _ = run(t, nil, "replay", path, "--id", "r3", "--dry-run", "--as-captured", "--show-secrets", "-o", "curl")
	if !strings.Contains(stdout, "Authorization: Basic dTpw") || !strings.HasPrefix(stdout, "curl ") {
		t.Errorf("--show-secrets curl:\n%s", stdout)
	}
}

// HAR export is read back by the HAR reader and replays the same bytes.
func TestReplayHARRoundTrip(t *testing.T) {
	path := standardCapture(t, "")
	harPath := filepath.Join(t.TempDir(), "out.har")
	_, stderr, code := run(t, nil, "replay", path, "--export", "har", "--out", harPath, "--show-secrets")
	if code != 0 || !strings.Contains(stderr, "wrote 4 request(s) to "+harPath) {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	f, _ := os.Open(harPath)
	defer f.Close()
	rd := har.NewReader(f)
	for i, want := range [][]byte{deliveryBody, messageBody, nil, binaryBody} {
		r, err := rd.Next()
		if err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		if want != nil && !bytes.Equal(r.Body(), want) {
			t.Errorf("entry %d body %q", i, r.Body())
		}
	}

	s, url := newSink(t, 200)
	if _, stderr, code := run(t, nil, "replay", "--import-har", harPath, "--to", url, "--provider", "dexatel", "--secret", "k"); code != 0 {
		t.Fatalf("import: exit %d %s", code, stderr)
	}
	got := s.requests()
	if len(got) != 3 || !bytes.Equal(got[2].Body, binaryBody) || got[0].Header.Get("X-Dexatel-Signature") != hmacB64("k", deliveryBody) {
		t.Errorf("imported replay: %d requests %+v", len(got), got)
	}
}

func TestReplayCurlExport(t *testing.T) {
	path := standardCapture(t, "")
	stdout, stderr, code := run(t, nil, "replay", path, "--export", "curl", "--to", "http://127.0.0.1:3000/hook")
	if code != 0 {
		t.Fatalf("exit %d %s", code, stderr)
	}
	if !strings.HasPrefix(stdout, "#!/bin/sh\n") || strings.Count(stdout, "curl -X POST ") != 4 ||
		!strings.Contains(stdout, "http://127.0.0.1:3000/hook") || strings.Contains(stdout, "dTpw") {
		t.Errorf("script:\n%s", stdout)
	}
}

// A replay that selects nothing fails, so that a CI job cannot pass by
// replaying nothing; with no file named, listen's default capture is read,
// never an empty stdin.
func TestReplayNothingSelectedFails(t *testing.T) {
	path := standardCapture(t, "")
	s, url := newSink(t, 200)
	_, stderr, code := run(t, nil, "replay", path, "--to", url, "--as-captured", "--provider", "vonage")
	if code != 1 || !strings.Contains(stderr, "no records selected, nothing was replayed: check the filters") || len(s.requests()) != 0 {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}

	dir := t.TempDir()
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	os.Chdir(dir)
	_, stderr, code = run(t, nil, "replay", "--to", url, "--as-captured")
	if code != 2 || !strings.Contains(stderr, "no capture to replay: give CAPTURE.jsonl, - for stdin") {
		t.Errorf("no default file: exit %d, stderr %q", code, stderr)
	}
	b, _ := os.ReadFile(path)
	os.WriteFile(filepath.Join(dir, "smshook-captures.jsonl"), b, 0o600)
	if _, stderr, code := run(t, nil, "replay", "--to", url, "--as-captured"); code != 0 || len(s.requests()) != 4 {
		t.Errorf("default file: exit %d, %d requests, stderr %q", code, len(s.requests()), stderr)
	}
}

// unrouted is a request that matched no route of the listener, as listen
// records it: no profile, provider or event.
func unrouted(id, method, path string, at time.Duration) *capture.Record {
	r := &capture.Record{
		ID: id, ReceivedAt: base.Add(at), Method: method, URL: "http://127.0.0.1:8787" + path,
		Headers:      http.Header{"User-Agent": {"Mozilla/5.0"}, "X-Test-Id": {id}},
		Verification: capture.Verification{Reason: capture.ReasonNoRoute, Message: "no route for " + method + " " + path},
	}
	r.SetBody(nil)
	r.Reply.Status = 404
	return r
}

// A capture holding several providers, unknown ones and requests that
// matched no route: what the given credentials cannot re-sign is skipped,
// counted in one line per reason, and fails the run at its end (exit 1)
// while the rest is sent; unrouted requests are skipped and counted but do
// not fail the run.
func TestReplaySkipsWhatItCannotResign(t *testing.T) {
	records := []*capture.Record{
		unrouted("u1", "GET", "/favicon.ico", 0),
		rec("d1", "dexatel", "delivery", codec.StatusFailed, true, time.Second, deliveryBody, "X-Test-Id", "d1"),
	}
	for i, id := range []string{"c1", "c2", "c3", "c4"} {
		records = append(records, rec(id, "cellcast", "status", codec.StatusDelivered, true, time.Duration(2+i)*time.Second, []byte(`{"type":"send"}`), "X-Test-Id", id))
	}
	records = append(records,
		rec("d2", "dexatel", "message", codec.StatusReceived, true, 10*time.Second, messageBody, "X-Test-Id", "d2"),
		rec("x1", "nosuchprovider", "delivery", codec.StatusDelivered, true, 11*time.Second, []byte(`{}`), "X-Test-Id", "x1"),
		unrouted("u2", "POST", "/", 12*time.Second),
	)
	path := writeCapture(t, "", records...)
	noRoute := "smshook: skipped 2 requests that matched no route (--include-unrouted selects them)"
	cellcastCreds := "smshook: skipped 4 records (c1, c2, c3, …): cannot re-sign cellcast records: no username and password for cellcast"
	unknown := `smshook: skipped 1 record (x1): unknown provider "nosuchprovider"`
	tests := []struct {
		name     string
		args     []string // flags, and SMSHOOK_*=value for the environment
		wantExit int
		wantSent []string // record ids, in the order sent
		stderr   []string
		lastLine string // the error root prints
	}{
		{"secret for one provider", []string{"--secret", "S"}, 1, []string{"d1", "d2"},
			[]string{noRoute, cellcastCreds, unknown}, "smshook: 5 records not replayed, for the 2 reasons above"},
		{"hex encoding on a mixed capture", []string{"--secret", "S", "--username", "u", "--password", "p", "--encoding", "hex"}, 1, []string{"d1", "d2"},
			[]string{noRoute, "smshook: skipped 4 records (c1, c2, c3, …): cannot re-sign cellcast records with --encoding hex: cellcast uses basic auth, which has no encoding to choose: select records with --provider, or drop --encoding", unknown},
			"smshook: 5 records not replayed, for the 2 reasons above"},
		{"demo credentials", []string{"--demo"}, 1, []string{"d1", "c1", "c2", "c3", "c4", "d2"},
			[]string{noRoute}, unknown},
		{"demo, one provider", []string{"--demo", "--provider", "dexatel"}, 0, []string{"d1", "d2"}, nil, ""},
		{"as captured", []string{"--as-captured"}, 0, []string{"d1", "c1", "c2", "c3", "c4", "d2", "x1"}, []string{noRoute}, noRoute},
		{"as captured, unrouted included", []string{"--as-captured", "--include-unrouted"}, 0, []string{"u1", "d1", "c1", "c2", "c3", "c4", "d2", "x1", "u2"}, nil, ""},
		{"unrouted included, re-signed", []string{"--demo", "--include-unrouted"}, 1, []string{"d1", "c1", "c2", "c3", "c4", "d2"},
			[]string{"smshook: skipped 2 records (u1, u2): no provider named (imported from HAR?): pass --profile P to re-sign, or --as-captured", unknown},
			"smshook: 3 records not replayed, for the 2 reasons above"},
		{"secret from SMSHOOK_SECRET", []string{"SMSHOOK_SECRET=S"}, 1, []string{"d1", "d2"},
			[]string{noRoute, cellcastCreds, unknown}, "smshook: 5 records not replayed, for the 2 reasons above"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, url := newSink(t, 200)
			env := map[string]string{}
			flags := []string{}
			for _, a := range tt.args {
				if name, value, ok := strings.Cut(a, "="); ok && strings.HasPrefix(name, "SMSHOOK_") {
					env[name] = value
				} else {
					flags = append(flags, a)
				}
			}
			args := append([]string{"replay", path, "--to", strings.TrimSuffix(url, "/hook")}, flags...)
			_, stderr, code := run(t, env, args...)
			if code != tt.wantExit {
				t.Fatalf("exit %d, want %d: %s", code, tt.wantExit, stderr)
			}
			var sent []string
			for _, r := range s.requests() {
				sent = append(sent, r.Header.Get("X-Test-Id"))
			}
			if strings.Join(sent, ",") != strings.Join(tt.wantSent, ",") {
				t.Errorf("sent %v, want %v", sent, tt.wantSent)
			}
			for _, want := range tt.stderr {
				if strings.Count(stderr, want) != 1 {
					t.Errorf("stderr does not say once %q:\n%s", want, stderr)
				}
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if last := lines[len(lines)-1]; tt.lastLine != "" && !strings.HasPrefix(strings.TrimPrefix(last, "smshook: "), strings.TrimPrefix(tt.lastLine, "smshook: ")) {
				t.Errorf("last line %q, want %q", last, tt.lastLine)
			}
			if len(lines) > 4 {
				t.Errorf("stderr has a line per record, want one per reason:\n%s", stderr)
			}
		})
	}
}

// Dry runs and exports pass over the same records: unrouted requests unless
// --include-unrouted, and what cannot be re-signed.
func TestReplayDryRunAndExportSkip(t *testing.T) {
	path := writeCapture(t, "",
		unrouted("u1", "GET", "/favicon.ico", 0),
		rec("d1", "dexatel", "delivery", codec.StatusFailed, true, time.Second, deliveryBody),
		rec("c1", "cellcast", "status", codec.StatusDelivered, true, 2*time.Second, []byte(`{"type":"send"}`)),
	)
	stdout, stderr, code := run(t, nil, "replay", path, "--dry-run", "--secret", "S")
	if code != 1 || strings.Count(stdout, "POST ") != 1 || !strings.Contains(stderr, "skipped 1 record (c1): cannot re-sign cellcast records") ||
		!strings.Contains(stderr, "skipped 1 request that matched no route") {
		t.Errorf("dry run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	stdout, stderr, code = run(t, nil, "replay", path, "--export", "curl")
	if code != 0 || strings.Contains(stdout, "favicon") || strings.Count(stdout, "curl ") != 2 || !strings.Contains(stderr, "skipped 1 request that matched no route (--include-unrouted selects them)") {
		t.Errorf("export: exit %d\n%s\n%s", code, stdout, stderr)
	}
	stdout, stderr, code = run(t, nil, "replay", path, "--export", "curl", "--include-unrouted")
	if code != 0 || !strings.Contains(stdout, "/favicon.ico") || strings.Contains(stderr, "no route") {
		t.Errorf("export --include-unrouted: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

// appendingSink is the listener that writes the capture being replayed: it
// appends a record to path for every request it gets, at most limit, which
// only bounds the test when replay would read its own requests back.
func appendingSink(t *testing.T, path string, limit int) (*sink, string) {
	// Opened at the first request, as a listener started after replay
	// would: that is when it ends a torn last line.
	var w *capture.Writer
	t.Cleanup(func() {
		if w != nil {
			w.Close()
		}
	})
	s := &sink{status: 200}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		defer s.mu.Unlock()
		s.got = append(s.got, received{r.Method, r.URL.RequestURI(), r.Header.Clone(), body})
		n := len(s.got)
		if n == 1 {
			var err error
			if w, err = capture.Open(path); err != nil {
				t.Error(err)
			}
		}
		if n <= limit && w != nil {
			echo := rec(fmt.Sprintf("echo%d", n), "dexatel", "delivery", codec.StatusDelivered, true, time.Duration(n)*time.Minute, body)
			if err := w.Append(echo); err != nil {
				t.Error(err)
			}
		}
		rw.WriteHeader(s.status)
	}))
	t.Cleanup(srv.Close)
	return s, srv.URL
}

// Replay reads a capture only up to the size it had at the start: sent to
// the listener that appends to that very file, it sends the records that
// were there and ends, from a named file and from stdin redirected from it.
func TestReplayDoesNotReadItsOwnRequestsBack(t *testing.T) {
	for _, stdin := range []bool{false, true} {
		t.Run(fmt.Sprintf("stdin=%v", stdin), func(t *testing.T) {
			path := standardCapture(t, "")
			s, url := appendingSink(t, path, 100)
			var code int
			var stderr string
			if stdin {
				f, err := os.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				ios, _, _, errOut := iostreams.Test()
				ios.In = f
				code = root.Run([]string{"replay", "-", "--to", url, "--as-captured"}, ios, func(string) string { return "" })
				stderr = errOut.String()
			} else {
				_, stderr, code = run(t, nil, "replay", path, "--to", url, "--as-captured")
			}
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if n := len(s.requests()); n != 4 {
				t.Errorf("sent %d requests, want the 4 records the file held at the start", n)
			}
		})
	}
}

// A last line cut at the start size because the listener was writing it
// then is not a torn line of the file: it is passed over with a note.
func TestReplayLineBeingWrittenAtStart(t *testing.T) {
	path := standardCapture(t, `{"id":"half`)
	s, url := appendingSink(t, path, 100) // the listener writes on after replay took the size
	_, stderr, code := run(t, nil, "replay", path, "--to", url, "--as-captured")
	if code != 0 || len(s.requests()) != 4 || !strings.Contains(stderr, "line 5 was still being written when replay started: not replayed") {
		t.Errorf("exit %d, %d requests, stderr %q; want 0, 4 and a note on line 5", code, len(s.requests()), stderr)
	}
}

// A capture naming a new unknown provider in every record makes a bounded
// number of lines: ten reasons, then a count of the rest.
func TestReplaySkipReasonsAreBounded(t *testing.T) {
	var records []*capture.Record
	for i := range 25 {
		records = append(records, rec(fmt.Sprintf("x%d", i), fmt.Sprintf("unknown%d", i), "delivery", codec.StatusDelivered, true, time.Duration(i)*time.Second, []byte(`{}`)))
	}
	records = append(records, rec("d1", "dexatel", "delivery", codec.StatusFailed, true, time.Minute, deliveryBody))
	path := writeCapture(t, "", records...)
	s, url := newSink(t, 200)
	_, stderr, code := run(t, nil, "replay", path, "--to", url, "--secret", "S")
	if code != 1 || len(s.requests()) != 1 {
		t.Fatalf("exit %d, %d sent; want 1 and the dexatel record: %s", code, len(s.requests()), stderr)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) != 12 || !strings.Contains(stderr, "smshook: skipped 15 more records for other reasons\n") ||
		lines[11] != "smshook: 25 records not replayed, for the reasons above" {
		t.Errorf("%d lines:\n%s", len(lines), stderr)
	}
}

// A record whose body the listener kept only in part (413, or 503 while
// busy) is not sent, exported or counted as a failure: replay says how many.
func TestReplaySkipsTruncatedRecords(t *testing.T) {
	cut := rec("t1", "dexatel", "delivery", codec.StatusFailed, false, 0, deliveryBody[:10])
	cut.Truncated = true
	path := writeCapture(t, "", cut, rec("d1", "dexatel", "delivery", codec.StatusFailed, true, time.Second, deliveryBody))
	s, url := newSink(t, 200)
	_, stderr, code := run(t, nil, "replay", path, "--to", url, "--secret", "S")
	if code != 0 || len(s.requests()) != 1 || !strings.Contains(stderr, "skipped 1 request whose body the listener kept only in part") {
		t.Errorf("replay: exit %d, %d requests sent\n%s", code, len(s.requests()), stderr)
	}
	stdout, _, code := run(t, nil, "replay", path, "--export", "curl")
	if code != 0 || strings.Count(stdout, "curl ") != 1 {
		t.Errorf("export: exit %d\n%s", code, stdout)
	}
}
