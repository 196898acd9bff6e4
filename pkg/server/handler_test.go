package server

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/signing"
)

const (
	dexatelSecret = "whsec-test-dexatel"
	mobSecret     = "mob-token"
	cellUser      = "hook"
	cellPass      = "p@ss:word"
)

var dexatelBody = []byte("{\n  \"data\": {\"event\": \"delivery\", \"message_id\": \"m-1\", \"to\": \"15550002\", \"status\": \"DELIVERED\", \"channel\": \"SMS\"}\n}\n")

// Signatures computed here with crypto/hmac, independently of pkg/signing.
func hmacBase64(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func hmacHex(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func endpoints(t testing.TB) []*Endpoint {
	reg := provider.Builtin()
	get := func(name string) *provider.Provider {
		p, err := reg.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	return []*Endpoint{
		{Name: "dexatel", Provider: get("dexatel"), Credentials: signing.Credentials{Secrets: []string{dexatelSecret}}},
		{Name: "mobtexting", Provider: get("mobtexting"), Credentials: signing.Credentials{Secrets: []string{mobSecret}}, ValidationKey: "9012XX"},
		{Name: "mob-open", Provider: get("mobtexting")}, // optional auth, no credentials
		{Name: "cellcast", Provider: get("cellcast"), Credentials: signing.Credentials{Username: cellUser, Password: cellPass}},
	}
}

// fixture starts a handler with a real capture file behind a loopback server.
type fixture struct {
	t       *testing.T
	srv     *httptest.Server
	h       *Handler
	w       *capture.Writer
	path    string
	mu      sync.Mutex
	events  []*Event
	started bool
}

func newFixture(t *testing.T, tweak func(*Options)) *fixture {
	t.Helper()
	fx := &fixture{t: t, path: filepath.Join(t.TempDir(), "captures.jsonl")}
	w, err := capture.Open(fx.path)
	if err != nil {
		t.Fatal(err)
	}
	fx.w = w
	opts := Options{Endpoints: endpoints(t), Capture: w, OnEvent: func(e *Event) {
		fx.mu.Lock()
		fx.events = append(fx.events, e)
		fx.mu.Unlock()
	}}
	if tweak != nil {
		tweak(&opts)
	}
	if fx.h, err = New(opts); err != nil {
		t.Fatal(err)
	}
	fx.srv = httptest.NewServer(fx.h)
	t.Cleanup(func() { fx.srv.Close(); w.Close() })
	return fx
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (fx *fixture) do(method, path string, body []byte, headers ...string) response {
	fx.t.Helper()
	req, err := http.NewRequest(method, fx.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		fx.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	resp, err := fx.srv.Client().Do(req)
	if err != nil {
		fx.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, b}
}

// records closes the writer and reads the capture file back.
func (fx *fixture) records() []*capture.Record {
	fx.t.Helper()
	fx.srv.Close()
	if err := fx.w.Close(); err != nil {
		fx.t.Fatal(err)
	}
	return readCapture(fx.t, fx.path)
}

func readCapture(t *testing.T, path string) []*capture.Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []*capture.Record
	r := capture.NewReader(f)
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("capture file: %v", err)
		}
		out = append(out, rec)
	}
}

func TestProviders(t *testing.T) {
	reindented := []byte(strings.ReplaceAll(string(dexatelBody), "\n  ", "\n    "))
	cellStatus := []byte(`{"_id":"c-1","status":"delivered","type":"send","sender":"cellcast","receiver":"+61400000001"}`)
	cellReceive := []byte(`{"_id":"c-2","status":"received","type":"receive","message":"hi","sender":"+61400000000","receiver":"+61400000001"}`)
	mobDLR := []byte(`{"id":"b34e:1","mobile":"918921269000","status":"UNDELIV","credits":"2.0000"}`)

	tests := []struct {
		name       string
		path       string
		body       []byte
		headers    []string
		wantStatus int
		wantReason string // "" = valid
		wantKind   string
		wantEvent  string // normalized status
	}{
		{"dexatel base64", "/dexatel", dexatelBody, []string{"X-Dexatel-Signature", hmacBase64(dexatelSecret, dexatelBody)}, 200, "", "delivery", "delivered"},
		{"dexatel hex (2022 docs)", "/dexatel", dexatelBody, []string{"X-Dexatel-Signature", hmacHex(dexatelSecret, dexatelBody)}, 200, "", "delivery", "delivered"},
		{"dexatel kind route", "/dexatel/delivery", dexatelBody, []string{"X-Dexatel-Signature", hmacBase64(dexatelSecret, dexatelBody)}, 200, "", "delivery", "delivered"},
		{"dexatel wrong secret", "/dexatel", dexatelBody, []string{"X-Dexatel-Signature", hmacBase64("other", dexatelBody)}, 401, "mismatch", "delivery", "delivered"},
		{"dexatel body re-indented after signing", "/dexatel", reindented, []string{"X-Dexatel-Signature", hmacBase64(dexatelSecret, dexatelBody)}, 401, "mismatch", "delivery", "delivered"},
		{"dexatel unsigned", "/dexatel", dexatelBody, nil, 401, "missing_header", "delivery", "delivered"},
		{"mobtexting bearer", "/mobtexting", mobDLR, []string{"Authorization", "Bearer " + mobSecret}, 200, "", "dlr", "failed"},
		{"mobtexting wrong bearer", "/mobtexting", mobDLR, []string{"Authorization", "Bearer nope"}, 401, "wrong_credentials", "dlr", "failed"},
		{"mobtexting without credentials configured", "/mob-open", mobDLR, nil, 200, capture.ReasonNotChecked, "dlr", "failed"},
		{"cellcast status route", "/cellcast/status", cellStatus, []string{"Authorization", basic(cellUser, cellPass)}, 200, "", "status", "delivered"},
		{"cellcast detected receive", "/cellcast", cellReceive, []string{"Authorization", basic(cellUser, cellPass)}, 200, "", "receive", "received"},
		{"cellcast wrong password", "/cellcast/receive", cellReceive, []string{"Authorization", basic(cellUser, "x")}, 401, "wrong_credentials", "receive", "received"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t, nil)
			resp := fx.do("POST", tt.path, tt.body, append([]string{"Content-Type", "application/json"}, tt.headers...)...)
			if resp.status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.status, tt.wantStatus, resp.body)
			}
			if tt.wantStatus == 401 {
				var p problem
				if err := json.Unmarshal(resp.body, &p); err != nil || p.Reason != tt.wantReason || p.Message == "" {
					t.Errorf("401 body = %s, want JSON with reason %s", resp.body, tt.wantReason)
				}
			}
			recs := fx.records()
			if len(recs) != 1 {
				t.Fatalf("%d records, want 1", len(recs))
			}
			rec := recs[0]
			if !bytes.Equal(rec.Body(), tt.body) {
				t.Errorf("captured body %q, want the exact bytes %q", rec.Body(), tt.body)
			}
			wantValid := tt.wantReason == ""
			if rec.Verification.Valid != wantValid || (!wantValid && rec.Verification.Reason != tt.wantReason && !(tt.name == "dexatel body re-indented after signing")) {
				t.Errorf("verification = %+v, want reason %q", rec.Verification, tt.wantReason)
			}
			if rec.Kind != tt.wantKind || rec.Event == nil || string(rec.Event.Status) != tt.wantEvent {
				t.Errorf("kind %q event %+v, want %s / %s", rec.Kind, rec.Event, tt.wantKind, tt.wantEvent)
			}
			if rec.Reply.Status != tt.wantStatus || !bytes.Equal(rec.Reply.Body(), resp.body) {
				t.Errorf("recorded reply %d %q, sent %d %q", rec.Reply.Status, rec.Reply.Body(), resp.status, resp.body)
			}
			if !strings.HasPrefix(rec.URL, fx.srv.URL+"/") || rec.Method != "POST" || rec.Headers.Get("Content-Type") != "application/json" {
				t.Errorf("request not recorded as received: %s %s %v", rec.Method, rec.URL, rec.Headers)
			}
			if len(fx.events) != 1 || fx.events[0].Record.ID != rec.ID {
				t.Errorf("events = %v, want one for %s", fx.events, rec.ID)
			}
		})
	}
}

// A sender that signed Python's json.dumps output but sent other bytes (or a
// proxy that re-wrote them): the 401 and the capture record name the
// serializer.
func TestReserializedBodyNamesSerializer(t *testing.T) {
	fx := newFixture(t, nil)
	sent := []byte(`{"data":{"event":"delivery","text":"Zoë","to":"+15550002"}}`)
	python := []byte(`{"data": {"event": "delivery", "text": "Zo\u00eb", "to": "+15550002"}}`)
	resp := fx.do("POST", "/dexatel", sent, "X-Dexatel-Signature", hmacBase64(dexatelSecret, python))
	const want = "matches the body as Python's json.dumps writes it, not the bytes given"
	if resp.status != 401 || !bytes.Contains(resp.body, []byte("body_altered")) || !bytes.Contains(resp.body, []byte(want)) {
		t.Fatalf("got %d %s, want 401 body_altered naming Python's json.dumps", resp.status, resp.body)
	}
	recs := fx.records()
	if len(recs) != 1 || !strings.Contains(recs[0].Verification.Message, want) {
		t.Fatalf("records = %+v, want one whose verification names Python's json.dumps", recs)
	}
}

func TestReindentedBodyIsExplained(t *testing.T) {
	fx := newFixture(t, nil)
	var compact bytes.Buffer
	json.Compact(&compact, dexatelBody)
	resp := fx.do("POST", "/dexatel", dexatelBody, "X-Dexatel-Signature", hmacBase64(dexatelSecret, compact.Bytes()))
	if resp.status != 401 || !bytes.Contains(resp.body, []byte("body_altered")) {
		t.Fatalf("got %d %s, want 401 body_altered", resp.status, resp.body)
	}
}

func TestAcceptInvalid(t *testing.T) {
	fx := newFixture(t, func(o *Options) { o.AcceptInvalid = true })
	resp := fx.do("POST", "/dexatel", dexatelBody, "X-Dexatel-Signature", hmacBase64("wrong", dexatelBody))
	if resp.status != 200 {
		t.Fatalf("status %d, want 200 with --accept-invalid", resp.status)
	}
	rec := fx.records()[0]
	if rec.Verification.Valid || rec.Verification.Verdict() != capture.VerdictInvalid {
		t.Errorf("record says %+v, want invalid", rec.Verification)
	}
}

func TestHandshake(t *testing.T) {
	handshake := []byte(`{"validation_key": "9012XX", "challenge": "a234qwe"}`)
	tests := []struct {
		name       string
		path       string
		body       []byte
		headers    []string
		wantStatus int
		wantReply  map[string]string
		wantVerd   capture.Verdict
	}{
		{"token in the URL", "/mobtexting?token=9012XX", handshake, nil, 200, map[string]string{"validation_key": "9012XX", "challenge": "a234qwe"}, capture.VerdictVerified},
		{"key in the body only", "/mobtexting", handshake, nil, 200, map[string]string{"validation_key": "9012XX", "challenge": "a234qwe"}, capture.VerdictVerified},
		{"with the bearer secret", "/mobtexting?token=9012XX", []byte(`{}`), []string{"Authorization", "Bearer " + mobSecret}, 200, map[string]string{"validation_key": "9012XX"}, capture.VerdictVerified},
		{"wrong bearer", "/mobtexting?token=9012XX", []byte(`{}`), []string{"Authorization", "Bearer nope"}, 401, nil, capture.VerdictInvalid},
		{"key differs from the profile's", "/mobtexting?token=other", []byte(`{}`), nil, 400, nil, capture.VerdictInvalid},
		{"no key configured: any key is echoed", "/mob-open?token=abc", []byte(`{"challenge":"c1"}`), nil, 200, map[string]string{"validation_key": "abc", "challenge": "c1"}, capture.VerdictUnchecked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t, nil)
			resp := fx.do("POST", tt.path, tt.body, tt.headers...)
			if resp.status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.status, tt.wantStatus, resp.body)
			}
			var got map[string]string
			json.Unmarshal(resp.body, &got)
			if tt.wantReply != nil {
				if len(got) != len(tt.wantReply) {
					t.Errorf("reply %s, want %v", resp.body, tt.wantReply)
				}
				for k, v := range tt.wantReply {
					if got[k] != v {
						t.Errorf("reply %s, want %s=%s", resp.body, k, v)
					}
				}
			}
			if tt.wantStatus == 400 && got["reason"] != ReasonValidationKey {
				t.Errorf("400 body %s, want reason %s", resp.body, ReasonValidationKey)
			}
			rec := fx.records()[0]
			if rec.Kind != "handshake" || rec.Event == nil || rec.Event.Kind != "handshake" {
				t.Errorf("recorded kind %q event %+v, want handshake", rec.Kind, rec.Event)
			}
			if v := rec.Verification.Verdict(); v != tt.wantVerd {
				t.Errorf("verdict %s (%+v), want %s", v, rec.Verification, tt.wantVerd)
			}
		})
	}
}

func TestOversizeBodyIs413AndCaptured(t *testing.T) {
	fx := newFixture(t, func(o *Options) { o.MaxBody = 64 })
	body := bytes.Repeat([]byte("x"), 1000)
	for _, chunked := range []bool{false, true} {
		req, _ := http.NewRequest("POST", fx.srv.URL+"/dexatel", bytes.NewReader(body))
		if chunked {
			req.ContentLength = -1 // no length up front: the limit must still hold
			req.Body = io.NopCloser(bytes.NewReader(body))
		}
		resp, err := fx.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 413 || !bytes.Contains(b, []byte(ReasonTooLarge)) {
			t.Fatalf("chunked=%v: got %d %s, want 413", chunked, resp.StatusCode, b)
		}
	}
	recs := fx.records()
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2", len(recs))
	}
	for _, rec := range recs {
		if !rec.Truncated || !bytes.Equal(rec.Body(), body[:64]) || rec.Reply.Status != 413 || rec.Verification.Reason != ReasonTooLarge {
			t.Errorf("record: truncated=%v body=%d bytes reply=%d verification=%+v", rec.Truncated, rec.BodyLen(), rec.Reply.Status, rec.Verification)
		}
	}
}

func TestUnknownPathAndMethod(t *testing.T) {
	fx := newFixture(t, nil)
	resp := fx.do("POST", "/nope", []byte("{}"))
	var p problem
	json.Unmarshal(resp.body, &p)
	if resp.status != 404 || !containsString(p.Routes, "/dexatel") || !containsString(p.Routes, "/cellcast/status") {
		t.Errorf("404 = %d %s, want a list of routes", resp.status, resp.body)
	}
	resp = fx.do("GET", "/dexatel", nil)
	if resp.status != 405 || resp.header.Get("Allow") != "POST" {
		t.Errorf("GET = %d Allow %q, want 405 Allow POST", resp.status, resp.header.Get("Allow"))
	}
	// A trailing slash is forgiven.
	resp = fx.do("POST", "/dexatel/", dexatelBody, "X-Dexatel-Signature", hmacBase64(dexatelSecret, dexatelBody))
	if resp.status != 200 {
		t.Errorf("trailing slash = %d", resp.status)
	}
	recs := fx.records()
	if len(recs) != 3 || recs[0].Verification.Reason != ReasonNoRoute || recs[1].Verification.Reason != ReasonMethod {
		t.Fatalf("records: %d; want 404 and 405 captured too", len(recs))
	}
	if recs[1].BodyText == nil || *recs[1].BodyText != "" {
		t.Errorf("empty body must be recorded as body \"\"")
	}
}

func TestRespondAndDelay(t *testing.T) {
	fx := newFixture(t, func(o *Options) {
		o.Respond, o.RespondBody = 503, []byte(`{"busy":true}`)
		o.Delay = time.Hour // cut short by Stop below
	})
	fx.h.Stop()
	resp := fx.do("POST", "/dexatel", dexatelBody, "X-Dexatel-Signature", hmacBase64(dexatelSecret, dexatelBody))
	if resp.status != 503 || string(resp.body) != `{"busy":true}` || resp.header.Get("Content-Type") != "application/json" {
		t.Fatalf("got %d %s", resp.status, resp.body)
	}
	// --respond is for accepted requests: an invalid one still gets 401.
	if resp := fx.do("POST", "/dexatel", dexatelBody); resp.status != 401 {
		t.Errorf("invalid with --respond = %d, want 401", resp.status)
	}
}

type failingAppender struct{}

func (failingAppender) Append(*capture.Record) error { return errors.New("disk full") }

func TestCaptureFailureIs500(t *testing.T) {
	var got *Event
	h, err := New(Options{Endpoints: endpoints(t), Capture: failingAppender{}, OnEvent: func(e *Event) { got = e }})
	if err != nil {
		t.Fatal(err)
	}
	rr := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/dexatel", bytes.NewReader(dexatelBody))
	req.Header.Set("X-Dexatel-Signature", hmacBase64(dexatelSecret, dexatelBody))
	h.ServeHTTP(rr, req)
	if rr.Code != 500 || !strings.Contains(rr.Body.String(), "disk full") {
		t.Fatalf("got %d %s, want 500: never a 2xx without the record on disk", rr.Code, rr.Body)
	}
	if got == nil || got.CaptureErr == nil || got.Record.Reply.Status != 500 {
		t.Errorf("event = %+v, want the capture error reported", got)
	}
}

func TestForwardSendsExactBytesAndRelaysTheReply(t *testing.T) {
	type seen struct {
		method, uri string
		header      http.Header
		body        []byte
	}
	got := make(chan seen, 1)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.RequestURI, r.Header.Clone(), b}
		w.Header().Set("X-App", "yes")
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(202)
		io.WriteString(w, "queued\n")
	}))
	defer app.Close()

	fx := newFixture(t, func(o *Options) { o.ForwardTo = app.URL + "/hooks/dexatel" })
	sig := hmacBase64(dexatelSecret, dexatelBody)
	resp := fx.do("POST", "/dexatel?attempt=2", dexatelBody,
		"X-Dexatel-Signature", sig, "Content-Type", "application/json", "X-Trace", "a", "X-Trace", "b",
		"Connection", "keep-alive, X-Hop", "X-Hop", "drop me")
	if resp.status != 202 || string(resp.body) != "queued\n" || resp.header.Get("X-App") != "yes" {
		t.Fatalf("relayed %d %q %v, want the app's 202", resp.status, resp.body, resp.header)
	}
	s := <-got
	if !bytes.Equal(s.body, dexatelBody) {
		t.Errorf("app got body %q, want the exact bytes", s.body)
	}
	if s.uri != "/hooks/dexatel?attempt=2" || s.method != "POST" {
		t.Errorf("app got %s %s", s.method, s.uri)
	}
	if s.header.Get("X-Dexatel-Signature") != sig || strings.Join(s.header.Values("X-Trace"), ",") != "a,b" || s.header.Get("Content-Type") != "application/json" {
		t.Errorf("app got headers %v", s.header)
	}
	rec := fx.records()[0]
	// The app gets every header the listener received, as received, but
	// the hop-by-hop ones, and nothing more.
	want := rec.Headers.Clone()
	want.Del("Connection")
	want.Del("X-Hop")
	for name, values := range want {
		if strings.Join(s.header.Values(name), "\n") != strings.Join(values, "\n") {
			t.Errorf("app got %s: %q, want %q", name, s.header.Values(name), values)
		}
	}
	for name := range s.header {
		if _, ok := want[name]; !ok {
			t.Errorf("app got %s, which the sender did not send end to end", name)
		}
	}
	if rec.Forward == nil || rec.Forward.Status != 202 || rec.Forward.Error != "" || !strings.HasSuffix(rec.Forward.URL, "/hooks/dexatel?attempt=2") {
		t.Errorf("forward record = %+v", rec.Forward)
	}
	if rec.Reply.Status != 202 || string(rec.Reply.Body()) != "queued\n" || rec.Reply.Headers.Get("X-App") != "yes" {
		t.Errorf("recorded reply = %+v", rec.Reply)
	}
}

func TestForwardToADeadAppIs502(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String() + "/hook"
	ln.Close() // nothing listens there now
	fx := newFixture(t, func(o *Options) { o.ForwardTo = dead })
	resp := fx.do("POST", "/dexatel", dexatelBody, "X-Dexatel-Signature", hmacBase64(dexatelSecret, dexatelBody))
	var p problem
	json.Unmarshal(resp.body, &p)
	if resp.status != 502 || p.Error != "forward failed" || !strings.Contains(p.Message, dead) || !strings.Contains(p.Message, "check --forward-to") {
		t.Fatalf("got %d %s, want 502 saying the app is down", resp.status, resp.body)
	}
	rec := fx.records()[0]
	if rec.Forward == nil || rec.Forward.Status != 0 || rec.Forward.Error == "" || rec.Reply.Status != 502 {
		t.Errorf("record forward=%+v reply=%d", rec.Forward, rec.Reply.Status)
	}
}

func TestConcurrentRequestsAreAllCaptured(t *testing.T) {
	fx := newFixture(t, nil)
	const clients, each = 16, 25
	sig := hmacBase64(dexatelSecret, dexatelBody)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				req, _ := http.NewRequest("POST", fx.srv.URL+"/dexatel", bytes.NewReader(dexatelBody))
				req.Header.Set("X-Dexatel-Signature", sig)
				resp, err := fx.srv.Client().Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode/100 == 2 {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	// Count lines while the writer is still open: an answered 2xx is on disk already.
	lines := len(readCapture(t, fx.path))
	if ok != clients*each || lines != ok {
		t.Fatalf("%d answered 2xx, %d lines in the capture file: want both %d", ok, lines, clients*each)
	}
	if st := fx.w.Stats(); st.Syncs >= st.Records {
		t.Logf("no batching happened this time: %+v", st)
	}
}

func TestShutdownFlushesTheCapture(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.jsonl")
	w, err := capture.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	entered := make(chan struct{})
	h, err := New(Options{Endpoints: endpoints(t), Capture: w, Delay: time.Hour,
		OnEvent: func(*Event) {}})
	if err != nil {
		t.Fatal(err)
	}
	// Signal when the request is in flight (inside the delay).
	wrapped := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { close(entered); h.ServeHTTP(rw, r) })
	srv := h.HTTPServer(nil)
	srv.Handler = wrapped
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	result := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/dexatel", bytes.NewReader(dexatelBody))
		req.Header.Set("X-Dexatel-Signature", hmacBase64(dexatelSecret, dexatelBody))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			result <- 0
			return
		}
		resp.Body.Close()
		result <- resp.StatusCode
	}()
	<-entered
	// Shutdown as listen does: cut delays short, let in-flight requests finish, close the file.
	h.Stop()
	if err := srv.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if status := <-result; status != 200 {
		t.Fatalf("in-flight request got %d, want 200", status)
	}
	if recs := readCapture(t, path); len(recs) != 1 || recs[0].Reply.Status != 200 {
		t.Fatalf("after shutdown the file holds %d records, want the in-flight one", len(recs))
	}
}

func TestPublicURLIsRecorded(t *testing.T) {
	fx := newFixture(t, func(o *Options) { o.PublicURL = "https://abc.example.test/" })
	fx.do("POST", "/dexatel?x=1", dexatelBody, "X-Dexatel-Signature", hmacBase64(dexatelSecret, dexatelBody))
	if rec := fx.records()[0]; rec.PublicURL != "https://abc.example.test/dexatel?x=1" {
		t.Errorf("public_url = %q", rec.PublicURL)
	}
}

func TestNewRefusesDuplicatePaths(t *testing.T) {
	eps := endpoints(t)
	eps = append(eps, &Endpoint{Name: "dexatel", Provider: eps[0].Provider})
	if _, err := New(Options{Endpoints: eps}); err == nil || !strings.Contains(err.Error(), "served twice") {
		t.Errorf("New = %v, want a duplicate path error", err)
	}
	if _, err := New(Options{}); err == nil {
		t.Error("New with nothing to serve succeeded")
	}
}

// A forward target with no path keeps each request's path and query, as
// replay's --to does; a target with a path gets every request there, with
// the request's query when it has none of its own.
func TestForwardKeepsThePathWhenTheTargetHasNone(t *testing.T) {
	got := make(chan string, 1)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.RequestURI
	}))
	defer app.Close()
	sig := hmacBase64(dexatelSecret, dexatelBody)
	tests := []struct {
		target, path, want string
		recorded           string // the forward URL recorded, when not the app's URL with want
	}{
		{app.URL, "/dexatel/delivery?attempt=2", "/dexatel/delivery?attempt=2", ""},
		{app.URL + "/", "/dexatel", "/dexatel", ""},
		{app.URL, "/dexatel?a=%20b&c=%2F", "/dexatel?a=%20b&c=%2F", ""},
		{app.URL + "/hooks/dexatel", "/dexatel/delivery?attempt=2", "/hooks/dexatel?attempt=2", ""},
		{app.URL + "/hooks?app=1", "/dexatel?attempt=2", "/hooks?app=1", ""},
		{app.URL + "?app=1", "/dexatel?attempt=2", "/?app=1", app.URL + "?app=1"},
	}
	for _, tt := range tests {
		t.Run(tt.target+" "+tt.path, func(t *testing.T) {
			fx := newFixture(t, func(o *Options) { o.ForwardTo = tt.target })
			resp := fx.do("POST", tt.path, dexatelBody, "X-Dexatel-Signature", sig)
			if resp.status != 200 {
				t.Fatalf("status %d: %s", resp.status, resp.body)
			}
			if uri := <-got; uri != tt.want {
				t.Errorf("app got %s, want %s", uri, tt.want)
			}
			want := tt.recorded
			if want == "" {
				want = app.URL + tt.want
			}
			if rec := fx.records()[0]; rec.Forward == nil || rec.Forward.URL != want {
				t.Errorf("recorded forward %+v, want the URL %s", rec.Forward, want)
			}
		})
	}
}

func TestForwardAddsNoUserAgent(t *testing.T) {
	got := make(chan http.Header, 1)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Clone()
	}))
	defer app.Close()
	fx := newFixture(t, func(o *Options) { o.ForwardTo = app.URL })
	req, _ := http.NewRequest("POST", fx.srv.URL+"/dexatel", bytes.NewReader(dexatelBody))
	req.Header.Set("X-Dexatel-Signature", hmacBase64(dexatelSecret, dexatelBody))
	req.Header["User-Agent"] = []string{""} // the sender sends none
	resp, err := fx.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if h := <-got; len(h.Values("User-Agent")) != 0 {
		t.Errorf("app got User-Agent %q, which the sender did not send", h.Values("User-Agent"))
	}
}

// Every registered provider, served with its demo credentials as listen
// does with no config, accepts its own fixtures signed with them (the
// round trip `smshook send PROVIDER --demo` makes), on the base route and
// on each kind's route.
func TestDemoRoundTripForEveryProvider(t *testing.T) {
	var eps []*Endpoint
	for _, p := range provider.Builtin().All() {
		eps = append(eps, &Endpoint{Name: p.Name, Provider: p, Credentials: p.Demo, Demo: true})
	}
	h, err := New(Options{Endpoints: eps})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, ep := range eps {
		for _, k := range ep.Provider.Kinds {
			for _, path := range []string{"/" + ep.Name, "/" + ep.Name + "/" + k.Name} {
				url := srv.URL + path
				req := &signing.Request{Method: k.Method, URL: url, Header: http.Header{"Content-Type": {k.ContentType()}}, Body: k.Fixture}
				if err := ep.Provider.Scheme().Sign(req, ep.Provider.Demo); err != nil {
					t.Fatalf("%s: sign: %v", ep.Name, err)
				}
				// Some schemes sign by adding parameters to the body or URL (Vonage).
				hr, _ := http.NewRequest(k.Method, req.URL, bytes.NewReader(req.Body))
				hr.Header = req.Header
				resp, err := srv.Client().Do(hr)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Errorf("%s %s (%s fixture): %d %s", k.Method, path, k.Name, resp.StatusCode, b)
				}
			}
		}
	}
}

func TestRespondWithoutBodyStatus(t *testing.T) {
	fx := newFixture(t, func(o *Options) { o.Respond, o.RespondBody = 204, []byte("ignored") })
	resp := fx.do("POST", "/dexatel", dexatelBody, "X-Dexatel-Signature", hmacBase64(dexatelSecret, dexatelBody))
	if resp.status != 204 || len(resp.body) != 0 {
		t.Fatalf("got %d %q, want 204 with no body", resp.status, resp.body)
	}
	if rec := fx.records()[0]; rec.Reply.Status != 204 || rec.Reply.Body() != nil {
		t.Errorf("recorded reply %+v", rec.Reply)
	}
}

// TestAnswerLeavesBeforeTheEventIsReported: a slow terminal must not hold
// the sender's answer, and the answer goes out whole, not chunked.
func TestAnswerLeavesBeforeTheEventIsReported(t *testing.T) {
	release := make(chan struct{})
	fx := newFixture(t, func(o *Options) {
		o.OnEvent = func(*Event) { <-release }
	})
	defer close(release)
	req, err := http.NewRequest("POST", fx.srv.URL+"/dexatel", bytes.NewReader(dexatelBody))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Dexatel-Signature", hmacBase64(dexatelSecret, dexatelBody))
	client := fx.srv.Client()
	client.Timeout = 5 * time.Second
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("no answer while the event was being reported: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 || !bytes.HasPrefix(body, []byte(`{"ok":true,"id":"`)) {
		t.Fatalf("got %d %s (%v) while the event was being reported", resp.StatusCode, body, err)
	}
	if resp.ContentLength != int64(len(body)) || len(resp.TransferEncoding) > 0 {
		t.Errorf("Content-Length %d, Transfer-Encoding %v for a %d-byte answer", resp.ContentLength, resp.TransferEncoding, len(body))
	}
}

// TestForwardKeepsUserinfoFromTheSender: a password in the forward target
// reaches the app (as Basic auth) and nowhere else: not the 502 the
// untrusted sender reads, not the record, not its error.
func TestForwardKeepsUserinfoFromTheSender(t *testing.T) {
	const pass = "Fwd-Passw0rd"
	gotAuth := make(chan string, 1)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth <- r.Header.Get("Authorization")
	}))
	defer app.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://app:" + pass + "@" + ln.Addr().String() + "/hook"
	ln.Close()

	live := "http://app:" + pass + "@" + strings.TrimPrefix(app.URL, "http://") + "/hook"
	fx := newFixture(t, func(o *Options) { o.ForwardTo = live })
	resp := fx.do("POST", "/dexatel", dexatelBody, "X-Dexatel-Signature", hmacBase64(dexatelSecret, dexatelBody))
	if resp.status != 200 || <-gotAuth != basic("app", pass) {
		t.Fatalf("the app did not get the target's userinfo: %d %s", resp.status, resp.body)
	}
	rec := fx.records()[0]
	if want := "http://app:xxxxx@" + strings.TrimPrefix(app.URL, "http://") + "/hook"; rec.Forward == nil || rec.Forward.URL != want {
		t.Errorf("record forward = %+v, want URL %s", rec.Forward, want)
	}

	fx = newFixture(t, func(o *Options) { o.ForwardTo = dead })
	resp = fx.do("POST", "/dexatel", dexatelBody, "X-Dexatel-Signature", hmacBase64(dexatelSecret, dexatelBody))
	if resp.status != 502 || !strings.Contains(string(resp.body), "app:xxxxx@") {
		t.Fatalf("got %d %s, want a 502 naming the redacted target", resp.status, resp.body)
	}
	rec = fx.records()[0]
	for where, s := range map[string]string{"502 body": string(resp.body), "forward.url": rec.Forward.URL, "forward.error": rec.Forward.Error} {
		if strings.Contains(s, pass) {
			t.Errorf("%s holds the password: %s", where, s)
		}
	}
}

// A provider set to send GET callbacks puts the form in the query and sends
// no body: listen accepts it, verifies it, and reads the event from the query.
func TestGETCallbacksWithQueryParameters(t *testing.T) {
	var eps []*Endpoint
	for _, p := range provider.Builtin().All() {
		eps = append(eps, &Endpoint{Name: p.Name, Provider: p, Credentials: p.Demo, Demo: true})
	}
	path := filepath.Join(t.TempDir(), "cap.jsonl")
	w, err := capture.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(Options{Endpoints: eps, Capture: w})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	sent := map[string]bool{}
	for _, ep := range eps {
		k := ep.Provider.Kinds[0]
		if !ep.Provider.QueryCallbacks {
			resp, err := srv.Client().Get(srv.URL + "/" + ep.Name + "?a=1")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusMethodNotAllowed {
				t.Errorf("GET /%s = %d, want 405: %s sends no GET callbacks", ep.Name, resp.StatusCode, ep.Name)
			}
			continue
		}
		query := string(bytes.TrimSpace(k.Fixture))
		if k.Schema.Format != "form" {
			if ep.Provider.QueryFields == nil {
				continue // a JSON kind's example is no query
			}
			// MessageBird's SMS status report, as its docs show it.
			query = "id=efa6405d518d4c0c88cce11f7db775fb&reference=r1&recipient=31612345678&status=delivery_failed&statusDatetime=2017-09-01T10%3A00%3A05%2B00%3A00"
		}
		req := &signing.Request{Method: "GET", URL: srv.URL + "/" + ep.Name + "?" + query, Header: http.Header{}}
		if err := ep.Provider.Scheme().Sign(req, ep.Provider.Demo); err != nil {
			t.Fatalf("%s: sign: %v", ep.Name, err)
		}
		hr, _ := http.NewRequest("GET", req.URL, nil)
		hr.Header = req.Header
		resp, err := srv.Client().Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET /%s with the %s example in the query: %d %s", ep.Name, k.Name, resp.StatusCode, b)
		}
		// The query changed after signing: refused.
		hr, _ = http.NewRequest("GET", strings.Replace(req.URL, "?", "?x=1&", 1), nil)
		hr.Header = req.Header
		resp, err = srv.Client().Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("GET /%s with a parameter added: %d, want 401", ep.Name, resp.StatusCode)
		}
		sent[ep.Provider.Name] = true
	}
	srv.Close()
	w.Close()
	for _, name := range []string{"vonage", "twilio", "plivo", "messagebird"} {
		if !sent[name] {
			t.Errorf("%s sent no GET callback", name)
		}
	}
	for _, rec := range readCapture(t, path) {
		if rec.Method != "GET" || !rec.Verification.Valid {
			continue
		}
		if rec.Event == nil || rec.Event.MessageID == "" || rec.Kind == "" {
			t.Errorf("%s: the event was not read from the query: %+v", rec.Provider, rec.Event)
		}
		if rec.Provider == "messagebird" && (rec.Event.Status != "failed" || rec.Event.To != "31612345678") {
			t.Errorf("messagebird: the status report was read as %+v", rec.Event)
		}
	}
}
