package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// paddedDexatel is a signed-able Dexatel body of exactly size bytes.
func paddedDexatel(size int) []byte {
	head := `{"data": {"event": "delivery", "message_id": "m-1", "status": "delivered", "payload": "`
	tail := `"}}`
	return []byte(head + strings.Repeat("p", size-len(head)-len(tail)) + tail)
}

// countingBody counts the bytes the handler reads.
type countingBody struct {
	r    io.Reader
	read atomic.Int64
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read.Add(int64(n))
	return n, err
}
func (c *countingBody) Close() error { return nil }

func TestInflightBudgetAnswers503(t *testing.T) {
	const maxBody = 1024
	arrived, release := make(chan struct{}, 4), make(chan struct{})
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		arrived <- struct{}{}
		<-release
		io.WriteString(w, "ok")
	}))
	defer app.Close()
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	defer unblock()

	fx := newFixture(t, func(o *Options) {
		o.MaxBody = maxBody
		o.MaxInflight = 2 * maxBody
		o.ForwardTo = app.URL
		o.ForwardTimeout = 10 * time.Second
	})
	body := paddedDexatel(maxBody)
	sig := hmacBase64(dexatelSecret, body)

	// Two full-size requests hold the whole budget while the app sits on them.
	held := make(chan response, 2)
	for range 2 {
		go func() { held <- fx.do("POST", "/dexatel", body, "X-Dexatel-Signature", sig) }()
	}
	for range 2 {
		select {
		case <-arrived:
		case <-time.After(10 * time.Second):
			t.Fatal("the held requests did not reach the app")
		}
	}

	// A third is refused before a byte of its body is read...
	cb := &countingBody{r: bytes.NewReader(body)}
	req := httptest.NewRequest("POST", "/dexatel", nil)
	req.Body, req.ContentLength = cb, int64(len(body))
	req.Header.Set("X-Dexatel-Signature", sig)
	rr := httptest.NewRecorder()
	fx.h.ServeHTTP(rr, req)
	var p problem
	json.Unmarshal(rr.Body.Bytes(), &p)
	if rr.Code != 503 || p.Reason != ReasonBusy || rr.Header().Get("Retry-After") != RetryAfterBusy || !strings.Contains(p.Message, "--max-inflight") {
		t.Fatalf("over the budget: %d %v %s, want 503 busy with Retry-After", rr.Code, rr.Header(), rr.Body)
	}
	if n := cb.read.Load(); n != 0 {
		t.Errorf("the refused request's body was read (%d bytes)", n)
	}
	// ...and one without a length is refused before it holds more than the budget.
	resp := fx.do("POST", "/dexatel", body, "X-Dexatel-Signature", sig)
	if resp.status != 503 {
		t.Fatalf("over the budget over the network: %d %s, want 503", resp.status, resp.body)
	}
	chunked := &countingBody{r: bytes.NewReader(body)}
	req = httptest.NewRequest("POST", "/dexatel", nil)
	req.Body, req.ContentLength = chunked, -1
	rr = httptest.NewRecorder()
	fx.h.ServeHTTP(rr, req)
	if rr.Code != 503 || chunked.read.Load() >= maxBody {
		t.Fatalf("chunked over the budget: %d after reading %d bytes, want 503 before the body", rr.Code, chunked.read.Load())
	}
	// A request without a body needs no budget.
	if resp := fx.do("GET", "/nowhere", nil); resp.status != 404 {
		t.Errorf("an empty request while busy: %d, want 404", resp.status)
	}

	unblock()
	for range 2 {
		if r := <-held; r.status != 200 {
			t.Errorf("held request: %d %s, want the app's 200", r.status, r.body)
		}
	}
	// The budget is given back.
	go func() {
		for range arrived {
		}
	}()
	if resp := fx.do("POST", "/dexatel", body, "X-Dexatel-Signature", sig); resp.status != 200 {
		t.Fatalf("after the budget was given back: %d %s, want 200", resp.status, resp.body)
	}
	// Handlers give their share back just after the answer leaves.
	for deadline := time.Now().Add(5 * time.Second); fx.h.inflight.used.Load() != 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d bytes still reserved with nothing in flight", fx.h.inflight.used.Load())
		}
	}

	busy := 0
	for _, rec := range fx.records() {
		if rec.Reply.Status == 503 {
			busy++
			if rec.Verification.Reason != ReasonBusy || !rec.Truncated || rec.Reply.Headers.Get("Retry-After") == "" {
				t.Errorf("503 record: %+v truncated=%v", rec.Verification, rec.Truncated)
			}
		}
	}
	if busy != 3 {
		t.Errorf("%d records of 503, want 3", busy)
	}
}

func TestInflightBudgetDefaultsAndFloor(t *testing.T) {
	h, err := New(Options{Endpoints: endpoints(t), MaxBody: 32 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if h.opts.MaxInflight != InflightBodies*32<<20 {
		t.Errorf("default budget for 32 MiB bodies = %d", h.opts.MaxInflight)
	}
	if h, _ = New(Options{Endpoints: endpoints(t)}); h.opts.MaxInflight != DefaultMaxInflight {
		t.Errorf("default budget = %d, want %d", h.opts.MaxInflight, DefaultMaxInflight)
	}
	if _, err := New(Options{Endpoints: endpoints(t), MaxBody: 2048, MaxInflight: 1024}); err == nil {
		t.Error("a budget below the largest body was accepted")
	}
}

func TestForwardReplyIsBounded(t *testing.T) {
	const limit = DefaultMaxBody
	for _, tc := range []struct {
		name    string
		size    int
		chunked bool
		status  int
	}{
		{"at the limit", limit, false, 200},
		{"over the limit with a length", limit + 1, false, 502},
		{"over the limit chunked", 4 * limit, true, 502},
		{"at the limit chunked", limit, true, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				reply := bytes.Repeat([]byte("r"), tc.size)
				if tc.chunked {
					w.WriteHeader(200)
					for len(reply) > 0 {
						n := min(len(reply), 64<<10)
						if _, err := w.Write(reply[:n]); err != nil {
							return // the listener stopped reading
						}
						w.(http.Flusher).Flush()
						reply = reply[n:]
					}
					return
				}
				w.Header().Set("Content-Length", fmt.Sprint(len(reply)))
				w.Write(reply)
			}))
			defer app.Close()
			fx := newFixture(t, func(o *Options) { o.ForwardTo = app.URL; o.MaxBody = 1024 })
			resp := fx.do("POST", "/dexatel", dexatelBody, "X-Dexatel-Signature", hmacBase64(dexatelSecret, dexatelBody))
			if resp.status != tc.status {
				t.Fatalf("got %d (%d bytes), want %d", resp.status, len(resp.body), tc.status)
			}
			rec := fx.records()[0]
			if tc.status == 502 {
				var p problem
				json.Unmarshal(resp.body, &p)
				if !strings.Contains(p.Message, "over the limit of 1048576 bytes") || rec.Forward.Status != 200 || rec.Forward.Error != p.Message {
					t.Errorf("502 says %q; forward record %+v", p.Message, rec.Forward)
				}
				return
			}
			if len(resp.body) != tc.size || len(rec.Reply.Body()) != tc.size {
				t.Errorf("relayed %d bytes and recorded %d, want %d", len(resp.body), len(rec.Reply.Body()), tc.size)
			}
		})
	}
}

// The largest body, all control bytes, is answered 2xx and reads back from
// the capture, in about its base64 size.
func TestLargestControlByteBodyIsReadable(t *testing.T) {
	const maxBody = 256 << 10
	fx := newFixture(t, func(o *Options) { o.MaxBody = maxBody })
	bodies := map[string][]byte{
		"control bytes": bytes.Repeat([]byte{0x01}, maxBody),
		"escapes in json": []byte(`{"data":{"event":"message","text":"` +
			strings.Repeat(`\u0001`, (maxBody-40)/6) + `"}}`),
	}
	for name, body := range bodies {
		if len(body) > maxBody {
			t.Fatalf("%s: %d bytes, over the limit", name, len(body))
		}
		resp := fx.do("POST", "/dexatel", body, "X-Case", name, "X-Dexatel-Signature", hmacBase64(dexatelSecret, body))
		if resp.status != 200 {
			t.Fatalf("%s: %d %s", name, resp.status, resp.body)
		}
	}
	recs := fx.records()
	if len(recs) != len(bodies) {
		t.Fatalf("%d records, want %d", len(recs), len(bodies))
	}
	for _, rec := range recs {
		name := rec.Headers.Get("X-Case")
		if !bytes.Equal(rec.Body(), bodies[name]) {
			t.Errorf("%s: the body does not read back", name)
		}
		if name == "control bytes" && rec.BodyText != nil {
			t.Errorf("%s: stored as text, 6 bytes a byte", name)
		}
	}
}
