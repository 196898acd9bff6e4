package client

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"iter"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

// sink is a test endpoint that records what arrives, checked independently
// of the code under test.
type sink struct {
	*httptest.Server
	mu     sync.Mutex
	bodies [][]byte
	sigs   []string
	conns  map[string]bool
	hits   atomic.Int64
}

func newSink(t testing.TB, reply func(n int64, w http.ResponseWriter, r *http.Request)) *sink {
	s := &sink{conns: map[string]bool{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := s.hits.Add(1)
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.bodies = append(s.bodies, body)
		s.sigs = append(s.sigs, r.Header.Get("X-Dexatel-Signature"))
		s.conns[r.RemoteAddr] = true
		s.mu.Unlock()
		if reply != nil {
			reply(n, w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func statusSink(t testing.TB, statuses ...int) *sink {
	return newSink(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		i := min(int(n), len(statuses)) - 1
		w.WriteHeader(statuses[i])
	})
}

func testRunner(s *sink) *Runner {
	return &Runner{
		Client:  NewHTTPClient(nil, HTTPOptions{Concurrency: 8}),
		Backoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond,
		Timeout: 5 * time.Second,
	}
}

// fixed yields count copies of one unsigned request to url.
func fixed(url string, count int) iter.Seq2[*Request, error] {
	return func(yield func(*Request, error) bool) {
		for i := 0; i < count; i++ {
			if !yield(&Request{Method: "POST", URL: url, Header: http.Header{}, Body: []byte(`{}`)}, nil) {
				return
			}
		}
	}
}

func TestRunnerSendsExactSignedBytesWithFreshIDs(t *testing.T) {
	s := newSink(t, nil)
	b := dexatelBuilder(t, "")
	b.URL = s.URL
	r := testRunner(s)
	r.Concurrency = 8
	var sent sync.Map
	r.OnResult = func(res *Result) { sent.Store(string(res.Request.Body), true) }
	sum, err := r.Run(context.Background(), b.Requests(200))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Sent != 200 || sum.OK != 200 || sum.Replies[200] != 200 || !sum.AllOK() {
		t.Fatalf("summary %+v", sum)
	}
	ids := map[string]bool{}
	for i, body := range s.bodies {
		if _, ok := sent.Load(string(body)); !ok {
			t.Fatalf("the sink got bytes that were not sent: %s", body)
		}
		want := base64.StdEncoding.EncodeToString(hmacSHA256("s3cret", body))
		if s.sigs[i] != want {
			t.Fatalf("signature %q does not match crypto/hmac's %q", s.sigs[i], want)
		}
		ids[gjson.GetBytes(body, "data.message_id").String()] = true
	}
	if len(ids) != 200 {
		t.Errorf("%d distinct message ids in 200 requests", len(ids))
	}
	// Connections are reused: without a pool each request would dial.
	if n := len(s.conns); n > 2*r.Concurrency {
		t.Errorf("%d connections for 200 requests at concurrency %d", n, r.Concurrency)
	}
}

func TestRunnerRetries(t *testing.T) {
	tests := []struct {
		name     string
		statuses []int
		retries  int
		expect   string
		hits     int64
		ok       bool
		status   int
	}{
		{"5xx retried until it passes", []int{500, 503, 200}, 3, "", 3, true, 200},
		{"5xx retried until retries run out", []int{502}, 2, "", 3, false, 502},
		{"4xx never retried", []int{404}, 3, "", 1, false, 404},
		{"429 is 4xx: not retried", []int{429, 200}, 3, "", 1, false, 429},
		{"a 5xx that is expected is not retried", []int{500}, 3, "5xx", 1, true, 500},
		{"no retries by default", []int{500, 200}, 0, "", 1, false, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := statusSink(t, tt.statuses...)
			r := testRunner(s)
			r.Retries = tt.retries
			if tt.expect != "" {
				r.Expect, _ = ParseExpect(tt.expect)
			}
			var got Result
			r.OnResult = func(res *Result) { got = *res }
			sum, err := r.Run(context.Background(), fixed(s.URL, 1))
			if err != nil {
				t.Fatal(err)
			}
			if h := s.hits.Load(); h != tt.hits {
				t.Errorf("the sink was hit %d times, want %d", h, tt.hits)
			}
			if got.OK != tt.ok || got.Status != tt.status || got.Attempts != int(tt.hits) {
				t.Errorf("result ok=%v status=%d attempts=%d", got.OK, got.Status, got.Attempts)
			}
			if sum.Retries != int(tt.hits)-1 {
				t.Errorf("summary retries = %d, want %d", sum.Retries, tt.hits-1)
			}
		})
	}
}

// closedURL is an address where nothing listens.
func closedURL(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/hook"
}

func TestRunnerConnectionRefusedIsRetried(t *testing.T) {
	r := &Runner{Client: NewHTTPClient(nil, HTTPOptions{}), Retries: 2, Backoff: time.Millisecond}
	var got Result
	r.OnResult = func(res *Result) { got = *res }
	sum, err := r.Run(context.Background(), fixed(closedURL(t), 1))
	if err != nil {
		t.Fatal(err)
	}
	if got.ErrKind != ErrRefused || got.Attempts != 3 || got.OK || got.ErrText != "connection refused" {
		t.Errorf("result kind=%q attempts=%d ok=%v text=%q", got.ErrKind, got.Attempts, got.OK, got.ErrText)
	}
	if sum.Errors[ErrRefused] != 1 || sum.Failed != 1 || sum.Retries != 2 || sum.AllOK() {
		t.Errorf("summary %+v", sum)
	}
}

func TestRunnerInterruptKeepsTheReplyOnItsWay(t *testing.T) {
	arrived := make(chan struct{})
	s := newSink(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			close(arrived)
		}
		time.Sleep(50 * time.Millisecond) // answers within InterruptGrace
		w.WriteHeader(http.StatusOK)
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }() // Ctrl-C while the first request waits for its reply
	r := testRunner(s)
	var got []Result
	r.OnResult = func(res *Result) { got = append(got, *res) }
	sum, err := r.Run(ctx, fixed(s.URL, 5))
	if !errors.Is(err, context.Canceled) || !sum.Interrupted {
		t.Fatalf("err %v, interrupted %v", err, sum.Interrupted)
	}
	if len(got) != 1 || got[0].Status != 200 || !got[0].OK || got[0].ErrKind != "" {
		t.Fatalf("results %+v, want the one request answered 200", got)
	}
	if sum.Failed != 0 || sum.Errors[ErrCanceled] != 0 {
		t.Errorf("summary %+v: the answered request counts as failed", sum)
	}
}

func TestRunnerTimeout(t *testing.T) {
	release := make(chan struct{})
	s := newSink(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	r := testRunner(s)
	r.Timeout = 50 * time.Millisecond
	var got Result
	r.OnResult = func(res *Result) { got = *res }
	if _, err := r.Run(context.Background(), fixed(s.URL, 1)); err != nil {
		t.Fatal(err)
	}
	if got.ErrKind != ErrTimeout || got.ErrText != "accepted the connection, no reply within 50ms" {
		t.Errorf("kind=%q text=%q err=%v", got.ErrKind, got.ErrText, got.Err)
	}
}

func TestRunnerStopsOnCancel(t *testing.T) {
	s := newSink(t, nil)
	r := testRunner(s)
	r.Concurrency = 4
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.OnResult = func(res *Result) {
		if res.Seq == 10 {
			cancel()
		}
	}
	sum, err := r.Run(ctx, fixed(s.URL, 100000))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	if !sum.Interrupted || sum.Sent < 10 || sum.Sent > 100 {
		t.Errorf("interrupted=%v sent=%d", sum.Interrupted, sum.Sent)
	}
}

func TestRunnerStopsOnSourceError(t *testing.T) {
	s := newSink(t, nil)
	boom := errors.New("record 3 is torn")
	src := func(yield func(*Request, error) bool) {
		for i := 1; i <= 5; i++ {
			if i == 3 {
				yield(nil, boom)
				return
			}
			if !yield(&Request{Method: "POST", URL: s.URL, Header: http.Header{}}, nil) {
				return
			}
		}
	}
	sum, err := testRunner(s).Run(context.Background(), src)
	if !errors.Is(err, boom) {
		t.Fatalf("error = %v, want the source's", err)
	}
	if sum.Sent != 2 || s.hits.Load() != 2 {
		t.Errorf("sent %d, sink hit %d times; want 2", sum.Sent, s.hits.Load())
	}
}

// The rate limit is checked by counts within a fixed window, not timings:
// at 20/s, half a second allows at most 10 starts plus the first token.
func TestRunnerRateLimit(t *testing.T) {
	s := newSink(t, nil)
	r := testRunner(s)
	r.Rate, r.Concurrency = 20, 4
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	sum, _ := r.Run(ctx, fixed(s.URL, 1000))
	if n := s.hits.Load(); n < 2 || n > 12 {
		t.Errorf("%d requests in 500ms at --rate 20, want 2 to 12", n)
	}
	if sum.Sent > 12 {
		t.Errorf("summary says %d sent", sum.Sent)
	}
}

func TestRunnerConcurrencyBound(t *testing.T) {
	var inFlight, peak atomic.Int64
	s := newSink(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		now := inFlight.Add(1)
		for {
			p := peak.Load()
			if now <= p || peak.CompareAndSwap(p, now) {
				break
			}
		}
		time.Sleep(time.Millisecond) // hold the slot so that workers overlap
		inFlight.Add(-1)
	})
	r := testRunner(s)
	r.Concurrency = 3
	if _, err := r.Run(context.Background(), fixed(s.URL, 60)); err != nil {
		t.Fatal(err)
	}
	if p := peak.Load(); p > 3 {
		t.Errorf("%d requests in flight at once, want at most 3", p)
	}
}

func TestRunnerKeepsTheReply(t *testing.T) {
	s := newSink(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		io.WriteString(w, `{"ok":true}`)
	})
	r := testRunner(s)
	r.KeepReply = true
	var got Result
	r.OnResult = func(res *Result) { got = *res }
	if _, err := r.Run(context.Background(), fixed(s.URL, 1)); err != nil {
		t.Fatal(err)
	}
	if got.Status != 201 || string(got.Body) != `{"ok":true}` || got.Header.Get("Content-Type") != "application/json" || !got.OK {
		t.Errorf("result %+v", got)
	}
}

func TestRunnerDoesNotFollowRedirects(t *testing.T) {
	s := newSink(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	})
	var got Result
	r := testRunner(s)
	r.OnResult = func(res *Result) { got = *res }
	r.Run(context.Background(), fixed(s.URL, 1))
	if got.Status != 302 || got.OK || s.hits.Load() != 1 {
		t.Errorf("status %d ok=%v hits=%d: a redirect must be the reply, not followed", got.Status, got.OK, s.hits.Load())
	}
}

func TestRunnerTLS(t *testing.T) {
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
	s.StartTLS()
	defer s.Close()
	for _, insecure := range []bool{false, true} {
		r := &Runner{Client: NewHTTPClient(nil, HTTPOptions{Insecure: insecure}), Retries: 2, Backoff: time.Millisecond}
		var got Result
		r.OnResult = func(res *Result) { got = *res }
		r.Run(context.Background(), fixed(s.URL, 1))
		switch {
		case !insecure && (got.ErrKind != ErrTLS || got.Attempts != 1):
			t.Errorf("verified TLS to a self-signed server: kind=%q attempts=%d err=%v", got.ErrKind, got.Attempts, got.Err)
		case insecure && (got.Status != 200 || !got.OK):
			t.Errorf("with Insecure: status %d err=%v", got.Status, got.Err)
		}
	}
}

func TestExpect(t *testing.T) {
	tests := []struct {
		expect string
		pass   []int
		fail   []int
	}{
		{"", []int{200, 201, 299}, []int{199, 300, 404, 500}},
		{"2xx", []int{200, 204}, []int{301, 500}},
		{"200", []int{200}, []int{201, 500}},
		{"200,202", []int{200, 202}, []int{201, 204}},
		{"2xx|301", []int{204, 301}, []int{302}},
		{"4XX", []int{400, 429}, []int{200, 500}},
		{"5xx, 404", []int{404, 503}, []int{400}},
	}
	for _, tt := range tests {
		e := Expect{}
		if tt.expect != "" {
			var err error
			if e, err = ParseExpect(tt.expect); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range tt.pass {
			if !e.Match(c) {
				t.Errorf("%q does not match %d", tt.expect, c)
			}
		}
		for _, c := range tt.fail {
			if e.Match(c) {
				t.Errorf("%q matches %d", tt.expect, c)
			}
		}
	}
	for _, bad := range []string{"", "ok", "2x", "6xx", "99", "600", "2xx,abc"} {
		if _, err := ParseExpect(bad); err == nil {
			t.Errorf("ParseExpect(%q) accepted it", bad)
		}
	}
	if got := ExpectCodes([]int{200, 202}); got.String() != "200,202" || got.Match(201) || !got.Match(202) {
		t.Errorf("ExpectCodes = %s", got)
	}
	if got := ExpectCodes(nil); got.String() != "2xx" || !got.Match(204) {
		t.Errorf("ExpectCodes(nil) = %s", got)
	}
}

func TestEndToEndAndResendHeader(t *testing.T) {
	h := http.Header{
		"Connection":          {"keep-alive, X-Hop"},
		"X-Hop":               {"1"},
		"Keep-Alive":          {"timeout=5"},
		"Transfer-Encoding":   {"chunked"},
		"Host":                {"a.test"},
		"Content-Length":      {"12"},
		"Content-Type":        {"application/json"},
		"X-Dexatel-Signature": {"sig="},
		"X-Multi":             {"1", "2"},
	}
	e2e := EndToEnd(h)
	for _, gone := range []string{"Connection", "X-Hop", "Keep-Alive", "Transfer-Encoding"} {
		if _, ok := e2e[gone]; ok {
			t.Errorf("EndToEnd kept %s", gone)
		}
	}
	if e2e.Get("Host") != "a.test" || e2e.Get("X-Dexatel-Signature") != "sig=" || len(e2e["X-Multi"]) != 2 {
		t.Errorf("EndToEnd dropped an end-to-end header: %v", e2e)
	}
	resend := ResendHeader(h)
	if _, ok := resend["Host"]; ok || resend.Get("Content-Length") != "" || resend.Get("Content-Type") != "application/json" {
		t.Errorf("ResendHeader = %v", resend)
	}
	if h.Get("Connection") == "" || h.Get("Host") == "" {
		t.Error("the input was changed")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		value string
		want  time.Duration
	}{
		{"", 0},
		{"2", 2 * time.Second},
		{" 7 ", 7 * time.Second},
		{"0", 0},
		{"-3", 0},
		{"soon", 0},
		{"Sun, 22 Nov 2026 08:00:30 GMT", 30 * time.Second},
		{"Sun, 22 Nov 2026 07:59:00 GMT", 0}, // in the past
		{"99999999999", MaxRetryAfter},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.value, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.value, got, tt.want)
		}
	}
}

// TestRunnerHonoursRetryAfter: a 503 that asks for a second is retried no
// sooner, although the backoff alone would retry at once.
func TestRunnerHonoursRetryAfter(t *testing.T) {
	var mu sync.Mutex
	var at []time.Time
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		at = append(at, time.Now())
		if len(at) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer s.Close()
	r := &Runner{Client: s.Client(), Retries: 1, Backoff: time.Millisecond, MaxBackoff: time.Millisecond}
	sum, err := r.Run(context.Background(), fixed(s.URL, 1))
	if err != nil || sum.OK != 1 {
		t.Fatalf("run = %+v, %v", sum, err)
	}
	if len(at) != 2 || at[1].Sub(at[0]) < 900*time.Millisecond {
		t.Errorf("retried after %v, want the second Retry-After asked for", at[len(at)-1].Sub(at[0]))
	}
}
