package inspect

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/redact"
	"github.com/smshook/smshook/pkg/signing"
)

type fixture struct {
	srv  *Server
	ts   *httptest.Server
	base string
}

func dexatelSigner(t testing.TB) func(string, string) (signing.Scheme, signing.Credentials, error) {
	p, err := provider.Builtin().Lookup("dexatel")
	if err != nil {
		t.Fatal(err)
	}
	return func(name, profile string) (signing.Scheme, signing.Credentials, error) {
		if name != "dexatel" {
			return nil, signing.Credentials{}, &provider.UnknownError{Name: name}
		}
		return p.Scheme(), p.Demo, nil
	}
}

func newFixture(t *testing.T, x *Index, mod func(*Options)) *fixture {
	t.Helper()
	opts := Options{
		Index:       x,
		Credentials: redact.NewHeaders(),
		Signer:      dexatelSigner(t),
		Describe: func(name, profile string) string {
			p, _ := provider.Builtin().Lookup(name)
			if p == nil {
				return ""
			}
			return p.Scheme().Describe()
		},
		Curl: func(method, url string, h http.Header, body []byte) string {
			return cmdutil.FormatCurl(method, url, h, body, "")
		},
		Source: "test",
	}
	if mod != nil {
		mod(&opts)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ts := httptest.NewUnstartedServer(nil)
	ts.Config.Handler = s.Handler(ts.Listener.Addr().String())
	// Event streams end with the server, as Running.Stop ends them.
	ts.Config.BaseContext = func(net.Listener) context.Context { return ctx }
	ts.Start()
	t.Cleanup(ts.Close)
	t.Cleanup(cancel) // runs first
	go s.Run(ctx)
	return &fixture{srv: s, ts: ts, base: ts.URL}
}

func (f *fixture) do(t *testing.T, method, path string, body string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, f.base+path, strings.NewReader(body))
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := f.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// pageHeaders are what a same-origin fetch of the page sends.
func (f *fixture) pageHeaders() map[string]string {
	return map[string]string{
		"Origin":         f.base,
		"Sec-Fetch-Site": "same-origin",
		TokenHeader:      f.srv.Token(),
		"Content-Type":   "application/json",
	}
}

const xss = `<img src=x onerror="window.pwned=1">`

func hostileRecord() *capture.Record {
	r := testRecord("01XSS", xss, "delivered", t0, `{"text":"`+strings.ReplaceAll(xss, `"`, `\"`)+`"}`)
	r.URL = "http://127.0.0.1:8787/dexatel/%3Cscript%3E?q=<script>alert(1)</script>"
	r.Headers.Set("X-Evil", xss)
	r.Headers.Set("Authorization", "Bearer s3cret-token")
	return r
}

func TestHostHeaderIsChecked(t *testing.T) {
	f := newFixture(t, NewRing(0), nil)
	_, port, _ := strings.Cut(strings.TrimPrefix(f.base, "http://"), ":")
	for _, host := range []string{"evil.example:" + port, "127.0.0.1:1", "localhost.evil.example:" + port} {
		resp, _ := f.do(t, "GET", "/api/events", "", map[string]string{"Host": host})
		if resp.StatusCode != http.StatusMisdirectedRequest {
			t.Errorf("Host %q: status %d, want 421", host, resp.StatusCode)
		}
	}
	for _, host := range []string{"127.0.0.1:" + port, "localhost:" + port, "LOCALHOST:" + port, "[::1]:" + port} {
		resp, _ := f.do(t, "GET", "/api/events", "", map[string]string{"Host": host})
		if resp.StatusCode != http.StatusOK {
			t.Errorf("Host %q: status %d, want 200", host, resp.StatusCode)
		}
	}
}

func TestPageHeadersAndToken(t *testing.T) {
	f := newFixture(t, NewRing(0), nil)
	resp, body := f.do(t, "GET", "/", "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("page: %d", resp.StatusCode)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows inline or eval: %q", csp)
	}
	if resp.Header.Get("X-Frame-Options") != "DENY" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("frame/nosniff headers: %v", resp.Header)
	}
	if !bytes.Contains(body, []byte(`<meta name="smshook-token" content="`+f.srv.Token()+`">`)) {
		t.Errorf("the page does not carry the token")
	}
	if bytes.Contains(body, []byte("<script>")) || bytes.Contains(body, []byte(" style=")) {
		t.Errorf("the page has inline script or style")
	}
}

func TestStateChangingRequestsNeedSameOriginAndToken(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	defer target.Close()
	x := NewRing(0)
	x.Add(testRecord("01A", "m1", "sent", t0, `{"a":1}`), -1)
	f := newFixture(t, x, nil)
	body := `{"url":"` + target.URL + `","as_captured":true}`
	tests := []struct {
		name   string
		change func(h map[string]string)
		want   int
	}{
		{"same origin with token", func(map[string]string) {}, 200},
		{"no token", func(h map[string]string) { delete(h, TokenHeader) }, 403},
		{"wrong token", func(h map[string]string) { h[TokenHeader] = "0000" }, 403},
		{"cross origin", func(h map[string]string) { h["Origin"] = "http://evil.example" }, 403},
		{"null origin", func(h map[string]string) { h["Origin"] = "null" }, 403},
		{"cross site", func(h map[string]string) { h["Sec-Fetch-Site"] = "cross-site" }, 403},
		{"same site", func(h map[string]string) { h["Sec-Fetch-Site"] = "same-site" }, 403},
		{"form post", func(h map[string]string) { h["Content-Type"] = "application/x-www-form-urlencoded" }, 415},
		{"no fetch metadata (curl with token)", func(h map[string]string) { delete(h, "Origin"); delete(h, "Sec-Fetch-Site") }, 200},
	}
	for _, tt := range tests {
		h := f.pageHeaders()
		tt.change(h)
		resp, b := f.do(t, "POST", "/api/events/01A/replay", body, h)
		if resp.StatusCode != tt.want {
			t.Errorf("%s: status %d (%s), want %d", tt.name, resp.StatusCode, b, tt.want)
		}
	}
	// Revealing credentials is held to the same rule.
	h := f.pageHeaders()
	delete(h, TokenHeader)
	if resp, _ := f.do(t, "GET", "/api/events/01A?reveal=1", "", h); resp.StatusCode != 403 {
		t.Errorf("reveal without the token: %d", resp.StatusCode)
	}
}

func TestHostileBytesComeBackAsJSONData(t *testing.T) {
	x := NewRing(0)
	x.Add(hostileRecord(), -1)
	f := newFixture(t, x, nil)
	for _, path := range []string{"/api/events", "/api/events/01XSS", "/api/events/01XSS/lifecycle", "/api/events?q=" + "%3Cimg"} {
		resp, b := f.do(t, "GET", path, "", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s: Content-Type %q", path, ct)
		}
		if bytes.ContainsAny(b, "<>") {
			t.Errorf("%s: markup characters unescaped in %s", path, b)
		}
	}
	_, b := f.do(t, "GET", "/api/events/01XSS", "", nil)
	var d Detail
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	if d.MessageID != xss || d.Body.Text == nil || !strings.Contains(*d.Body.Text, `<img src=x onerror=`) {
		t.Errorf("the payload is not kept as data: %+v", d)
	}
	for _, h := range d.Headers {
		if h.Name == "Authorization" && (h.Value != "Bearer "+redact.Mask || !h.Redacted) {
			t.Errorf("Authorization shown as %q", h.Value)
		}
	}
	if strings.Contains(string(b), "s3cret-token") {
		t.Errorf("the credential leaks into the detail: %s", b)
	}
	if !strings.Contains(d.Curl, "curl -X POST") {
		t.Errorf("curl: %q", d.Curl)
	}

	// Revealed with the token, the credential is there.
	_, b = f.do(t, "GET", "/api/events/01XSS?reveal=1", "", f.pageHeaders())
	if !strings.Contains(string(b), "s3cret-token") {
		t.Errorf("reveal did not show the credential: %s", b)
	}

	resp, raw := f.do(t, "GET", "/api/events/01XSS/raw", "", nil)
	if resp.Header.Get("Content-Type") != "application/octet-stream" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("raw headers: %v", resp.Header)
	}
	if string(raw) != string(hostileRecord().Body()) {
		t.Errorf("raw body %q", raw)
	}
	// An id that is markup is a 404 in JSON, not echoed.
	resp, b = f.do(t, "GET", "/api/events/%3Cscript%3E", "", nil)
	if resp.StatusCode != 404 || bytes.ContainsAny(b, "<>") {
		t.Errorf("unknown hostile id: %d %s", resp.StatusCode, b)
	}
}

func TestListFiltersByQueryParameters(t *testing.T) {
	x := NewRing(0)
	x.Add(testRecord("01A", "m1", "sent", t0, `{"otp":"1"}`), -1)
	x.Add(testRecord("01B", "m1", "delivered", t0.Add(time.Second), `{}`), -1)
	stray := testRecord("01C", "", "", t0, ``)
	stray.Event, stray.Provider, stray.Verification = nil, "", capture.Verification{Reason: capture.ReasonNoRoute}
	x.Add(stray, -1)
	f := newFixture(t, x, nil)
	for q, want := range map[string]string{
		"":                           "01B 01A",
		"?status=delivered":          "01B",
		"?q=status:sent":             "01A",
		"?q=%22otp%22":               "01A",
		"?unrouted=1":                "01C",
		"?verified=verified&limit=1": "01B",
	} {
		_, b := f.do(t, "GET", "/api/events"+q, "", nil)
		var p Page
		json.Unmarshal(b, &p)
		if got := strings.Join(ids(p), " "); got != want {
			t.Errorf("%s: %q, want %q", q, got, want)
		}
		if p.Unrouted != 1 || p.Total != 3 {
			t.Errorf("%s: counts %+v", q, p)
		}
	}
	if resp, b := f.do(t, "GET", "/api/events?q=color:red", "", nil); resp.StatusCode != 400 || !strings.Contains(string(b), "unknown filter") {
		t.Errorf("bad query: %d %s", resp.StatusCode, b)
	}
}

func TestReplayResignsAndSendEditsThenResigns(t *testing.T) {
	p, _ := provider.Builtin().Lookup("dexatel")
	type got struct {
		body  string
		valid bool
	}
	received := make(chan got, 4)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		res := p.Scheme().Verify(&signing.Request{Method: r.Method, URL: "http://" + r.Host + r.URL.RequestURI(), Header: r.Header, Body: b}, p.Demo)
		received <- got{string(b), res.Valid}
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(202)
		io.WriteString(w, "thanks "+xss)
	}))
	defer target.Close()
	x := NewRing(0)
	x.Add(testRecord("01A", "m1", "sent", t0, `{"data":{"status":"sent"}}`), -1)
	f := newFixture(t, x, func(o *Options) { o.ForwardTo = target.URL })

	// Replay to the forward target, re-signed.
	resp, b := f.do(t, "POST", "/api/events/01A/replay", `{}`, f.pageHeaders())
	var res SendResult
	json.Unmarshal(b, &res)
	if resp.StatusCode != 200 || res.Status != 202 || !res.Resigned || res.Body == nil || !strings.Contains(*res.Body.Text, xss) {
		t.Fatalf("replay: %d %s", resp.StatusCode, b)
	}
	if g := <-received; g.body != `{"data":{"status":"sent"}}` || !g.valid {
		t.Fatalf("replayed: %+v", g)
	}

	// Edit the body, re-sign, send.
	send := map[string]any{
		"method": "POST", "url": target.URL + "/dexatel/delivery",
		"headers": []Header{{Name: "Content-Type", Value: "application/json"}, {Name: "X-Dexatel-Signature", Value: "stale"}},
		"body":    `{"data":{"status":"delivered"}}`, "resign": true, "provider": "dexatel", "profile": "dexatel",
	}
	sb, _ := json.Marshal(send)
	resp, b = f.do(t, "POST", "/api/send", string(sb), f.pageHeaders())
	if resp.StatusCode != 200 {
		t.Fatalf("send: %d %s", resp.StatusCode, b)
	}
	if g := <-received; g.body != `{"data":{"status":"delivered"}}` || !g.valid {
		t.Fatalf("sent: %+v", g)
	}

	// Without re-signing the stale signature goes as it is.
	send["resign"] = false
	sb, _ = json.Marshal(send)
	f.do(t, "POST", "/api/send", string(sb), f.pageHeaders())
	if g := <-received; g.valid {
		t.Fatalf("a stale signature verified: %+v", g)
	}

	// A header name HTTP cannot carry is refused.
	send["headers"] = []Header{{Name: "Bad Name", Value: "x"}}
	sb, _ = json.Marshal(send)
	if resp, _ := f.do(t, "POST", "/api/send", string(sb), f.pageHeaders()); resp.StatusCode != 400 {
		t.Fatalf("bad header: %d", resp.StatusCode)
	}
}

func TestSendRestoresHiddenCredentialsOfTheEditedEvent(t *testing.T) {
	got := make(chan string, 1)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("Authorization")
	}))
	defer target.Close()
	x := NewRing(0)
	x.Add(hostileRecord(), -1)
	f := newFixture(t, x, nil)
	sb, _ := json.Marshal(map[string]any{"url": target.URL, "from": "01XSS",
		"headers": []Header{{Name: "Authorization", Value: "Bearer " + redact.Mask}}, "body": "{}"})
	resp, b := f.do(t, "POST", "/api/send", string(sb), f.pageHeaders())
	if resp.StatusCode != 200 || <-got != "Bearer s3cret-token" {
		t.Fatalf("send: %d %s", resp.StatusCode, b)
	}
	if strings.Contains(string(b), "s3cret-token") {
		t.Fatalf("the result shows the credential: %s", b)
	}
}

func TestStreamSendsNewEventsAndBursts(t *testing.T) {
	x := NewRing(0)
	f := newFixture(t, x, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", f.base+"/api/stream", nil)
	resp, err := f.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	next := func() (event, data string) {
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("stream: %v", err)
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case strings.HasPrefix(line, "event: "):
				event = line[7:]
			case strings.HasPrefix(line, "data: "):
				data = line[6:]
			case line == "" && event != "":
				return event, data
			}
		}
	}
	if ev, _ := next(); ev != "hello" {
		t.Fatalf("first event %q", ev)
	}
	f.srv.Observe(hostileRecord(), time.Millisecond)
	ev, data := next()
	if ev != "event" || !strings.Contains(data, `"id":"01XSS"`) || strings.ContainsAny(data, "<>") {
		t.Fatalf("event %q data %s", ev, data)
	}

	// Publishing never blocks on a reader that does not keep up, and holds
	// nothing per event for it: what came within streamGap arrives as one
	// burst with its count.
	done := make(chan struct{})
	go func() {
		for i := 0; i < 100_000; i++ {
			f.srv.hub.publish(1, Summary{ID: fmt.Sprint("x", i)})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("publish blocked on a slow subscriber")
	}
	total := 0
	for total < 100_000 {
		ev, data = next()
		var burst struct {
			Count  int
			Newest Summary
		}
		switch ev {
		case "event":
			total++
		case "burst":
			if err := json.Unmarshal([]byte(data), &burst); err != nil || burst.Count < 2 {
				t.Fatalf("a burst without its count: %s", data)
			}
			total += burst.Count
		default:
			t.Fatalf("event %q", ev)
		}
	}
	if total != 100_000 || !strings.Contains(data, `"x99999"`) {
		t.Fatalf("streamed %d, last %s", total, data)
	}
}

// A batch of events is one wake of a subscriber, with its count and newest.
func TestHubCountsWhatASubscriberHasNotSent(t *testing.T) {
	h := newHub()
	sub := h.subscribe()
	h.publish(3, Summary{ID: "c"})
	h.publish(2, Summary{ID: "e"})
	if len(sub.wake) != 1 {
		t.Fatalf("%d wakes queued, want 1", len(sub.wake))
	}
	if n, newest := sub.take(); n != 5 || newest.ID != "e" {
		t.Fatalf("took %d, newest %q; want 5, e", n, newest.ID)
	}
	if n, _ := sub.take(); n != 0 {
		t.Fatalf("took %d again", n)
	}
}

func TestObserveNeverBlocks(t *testing.T) {
	s, err := New(Options{Index: NewRing(10)}) // Run is not running: nothing drains
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for i := 0; i < observedBuffer+100; i++ {
		s.Observe(testRecord("01A", "m", "sent", t0, `{}`), 0)
	}
	if time.Since(start) > time.Second || s.Dropped() != 100 {
		t.Fatalf("dropped %d in %v", s.Dropped(), time.Since(start))
	}
}

// Events waiting for Run hold bounded memory, whatever the store: at most
// maxQueuedBody bytes of bodies, and more are dropped.
func TestObserveBoundsWhatWaits(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	path := t.TempDir() + "/c.jsonl"
	appendFile(t, path, nil)
	file, err := NewFileIndex(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	for name, x := range map[string]*Index{"ring": NewRing(10), "file": file} {
		s, err := New(Options{Index: x}) // Run is not running: nothing drains
		if err != nil {
			t.Fatal(err)
		}
		for range 2 * maxQueuedBody >> 20 {
			s.Observe(testRecord("01A", "m", "sent", t0, big), 0)
		}
		if q, dropped := s.observed.counts(); q > maxQueuedBody || dropped == 0 {
			t.Errorf("%s: %d body bytes wait, %d dropped; want at most %d waiting", name, q, dropped, maxQueuedBody)
		}
	}
}

// Over a capture file, a poll with listen's records in hand takes their
// summaries and latencies instead of decoding their lines; other lines are
// decoded, and a record whose line never came is not waited for.
func TestPollObservedTakesListensRecords(t *testing.T) {
	path := t.TempDir() + "/c.jsonl"
	appendFile(t, path, nil)
	x, err := NewFileIndex(path)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	x.Poll()
	mine := testRecord("01MINE", "m1", "sent", t0, `{}`)
	other := testRecord("01OTHER", "m2", "sent", t0, `{}`)
	lost := testRecord("01LOST", "m3", "sent", t0, `{}`) // its write failed
	appendFile(t, path, append(recordLine(t, mine), recordLine(t, other)...))
	// What listen holds differs from the line only so that the test can
	// tell which one the index read.
	held := *mine
	held.Kind = "as-listen-holds-it"
	if n, err := x.pollObserved([]observed{x.observe(&held, 3*time.Millisecond), x.observe(lost, -1)}); n != 2 || err != nil {
		t.Fatalf("polled %d, %v", n, err)
	}
	_, s, err := x.Get("01MINE")
	if err != nil || s.Kind != "as-listen-holds-it" || s.LatencyMS == nil || *s.LatencyMS != 3 {
		t.Fatalf("listen's record: %+v, %v", s, err)
	}
	if _, s, err := x.Get("01OTHER"); err != nil || s.Kind != "delivery" || s.LatencyMS != nil {
		t.Fatalf("a line listen did not report: %+v, %v", s, err)
	}
	if len(x.seen) != 0 {
		t.Fatalf("%d records still awaited after the poll", len(x.seen))
	}
	// A record a tick indexed before listen's batch came gets its latency
	// from the batch.
	early := testRecord("01EARLY", "m4", "sent", t0, `{}`)
	appendFile(t, path, recordLine(t, early))
	x.Poll()
	if _, err := x.pollObserved([]observed{x.observe(early, 5*time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	if _, s, err := x.Get("01EARLY"); err != nil || s.LatencyMS == nil || *s.LatencyMS != 5 {
		t.Fatalf("a record indexed before its batch came: %+v, %v", s, err)
	}
	appendFile(t, path, recordLine(t, lost)) // written later, by someone else
	x.Poll()
	if _, s, err := x.Get("01LOST"); err != nil || s.Kind != "delivery" || s.LatencyMS != nil {
		t.Fatalf("the line that came later: %+v, %v", s, err)
	}
}

func TestFollowedFileReachesTheStream(t *testing.T) {
	path := t.TempDir() + "/c.jsonl"
	appendFile(t, path, recordLine(t, testRecord("01A", "m1", "sent", t0, `{}`)))
	x, err := NewFileIndex(path)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	x.Poll()
	f := newFixture(t, x, func(o *Options) { o.PollInterval = 10 * time.Millisecond })
	sub := f.srv.hub.subscribe()
	appendFile(t, path, recordLine(t, testRecord("01B", "m1", "delivered", t0, `{}`)))
	select {
	case <-sub.wake:
		if n, s := sub.take(); n != 1 || s.ID != "01B" {
			t.Fatalf("got %d, newest %+v", n, s)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the appended record did not reach the stream")
	}
}

func TestDiffHeadersFieldsAndBytes(t *testing.T) {
	x := NewRing(0)
	a := testRecord("01A", "m1", "sent", t0, `{"data":{"status":"sent","price":0.10}}`)
	b := testRecord("01B", "m1", "delivered", t0, `{"data":{"status":"delivered","price":0.10,"extra":1}}`)
	b.Headers.Set("X-Dexatel-Signature", "other")
	x.Add(a, -1)
	x.Add(b, -1)
	f := newFixture(t, x, nil)
	_, body := f.do(t, "GET", "/api/diff?a=01A&b=01B", "", nil)
	var d Diff
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatal(err)
	}
	ops := map[string]string{}
	for _, c := range append(d.Headers, d.Fields...) {
		ops[c.Key] = c.Op + " " + c.A + " " + c.B
	}
	for key, want := range map[string]string{
		"X-Dexatel-Signature": "changed sig other",
		"Content-Type":        "same application/json application/json",
		"data.status":         `changed "sent" "delivered"`,
		"data.price":          "same 0.10 0.10",
		"data.extra":          "added  1",
	} {
		if ops[key] != want {
			t.Errorf("%s: %q, want %q", key, ops[key], want)
		}
	}
	if d.Bytes.Equal || d.Bytes.FirstDifference != 19 {
		t.Errorf("bytes: %+v", d.Bytes)
	}
}

func TestExportSelectionAsJSONLAndHAR(t *testing.T) {
	x := NewRing(0)
	x.Add(testRecord("01A", "m1", "sent", t0, "{\"a\":\"\x01 exact\"}"), -1)
	x.Add(hostileRecord(), -1)
	x.Add(testRecord("01C", "m3", "failed", t0, `{}`), -1)
	f := newFixture(t, x, nil)
	resp, b := f.do(t, "GET", "/api/export?format=jsonl&q=-status:failed", "", nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %v", resp.StatusCode, resp.Header)
	}
	r := capture.NewReader(bytes.NewReader(b))
	var got []string
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the export does not read back as a capture: %v", err)
		}
		got = append(got, rec.ID)
		if rec.ID == "01A" && string(rec.Body()) != "{\"a\":\"\x01 exact\"}" {
			t.Errorf("body altered: %q", rec.Body())
		}
	}
	if strings.Join(got, " ") != "01A 01XSS" {
		t.Errorf("exported %v", got)
	}
	if strings.Contains(string(b), "s3cret-token") {
		t.Errorf("the export holds a credential")
	}
	resp, b = f.do(t, "GET", "/api/export?format=har", "", nil)
	if resp.StatusCode != 200 || !json.Valid(b) || !strings.Contains(string(b), `"entries"`) || strings.Contains(string(b), "s3cret-token") {
		t.Errorf("HAR export: %d %.200s", resp.StatusCode, b)
	}
	if resp, _ := f.do(t, "GET", "/api/export?format=xml", "", nil); resp.StatusCode != 400 {
		t.Errorf("unknown format: %d", resp.StatusCode)
	}
}

// Run takes listen's events in batches: every event reaches the index and
// the stream's count, in far fewer wakes of the fan-out than events.
func TestRunTakesObservedEventsInBatches(t *testing.T) {
	x := NewBoundedRing(20000, 64<<20)
	s, err := New(Options{Index: x})
	if err != nil {
		t.Fatal(err)
	}
	var publishes atomic.Int64
	x.setOnAdd(func(added int, newest Summary) {
		publishes.Add(1)
		s.hub.publish(added, newest)
	})
	sub := s.hub.subscribe()
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { defer close(ran); s.Run(ctx) }()
	const n = 10000
	for i := range n {
		s.Observe(testRecord(fmt.Sprintf("01E%05d", i), "m", "sent", t0, `{}`), time.Millisecond)
	}
	deadline := time.Now().Add(5 * time.Second)
	for x.Len() < n && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-ran
	got, newest := sub.take()
	if x.Len() != n || got != n || newest.ID != fmt.Sprintf("01E%05d", n-1) || s.Dropped() != 0 {
		t.Fatalf("indexed %d, streamed %d (newest %s), dropped %d; want %d of each", x.Len(), got, newest.ID, s.Dropped(), n)
	}
	if p := publishes.Load(); p > n/10 {
		t.Fatalf("%d publishes for %d events: not batched", p, n)
	}
}

// listen's goroutines observe at once, and Run encodes their records in
// batches: every record reads back as it was given.
func TestObserveFromManyGoroutinesKeepsEachRecord(t *testing.T) {
	x := NewBoundedRing(20000, 64<<20)
	s, err := New(Options{Index: x})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { defer close(ran); s.Run(ctx) }()
	const goroutines, each = 8, 500
	body := func(g, i int) string {
		return fmt.Sprintf(`{"g":%d,"i":%d,"pad":%q}`, g, i, strings.Repeat("x", (g*each+i)%700))
	}
	done := make(chan struct{})
	for g := range goroutines {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range each {
				s.Observe(testRecord(fmt.Sprintf("01G%d-%03d", g, i), "m", "sent", t0, body(g, i)), 0)
			}
		}()
	}
	for range goroutines {
		<-done
	}
	deadline := time.Now().Add(5 * time.Second)
	for x.Len() < goroutines*each && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-ran
	for g := range goroutines {
		for i := range each {
			rec, _, err := x.Get(fmt.Sprintf("01G%d-%03d", g, i))
			if err != nil || string(rec.Body()) != body(g, i) {
				t.Fatalf("record %d-%d: %v, body %.40q", g, i, err, rec.Body())
			}
		}
	}
}
