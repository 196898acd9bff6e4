package inspect

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeMessages is a message source with one outbound message; Reply
// records what the page asked for.
type fakeMessages struct {
	mu      sync.Mutex
	replies []string
	limits  []int
}

type fakeMessage struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

type notFound struct{}

func (notFound) Error() string   { return "no such message" }
func (notFound) HTTPStatus() int { return http.StatusNotFound }

func (f *fakeMessages) Messages(limit int) any {
	f.mu.Lock()
	f.limits = append(f.limits, limit)
	f.mu.Unlock()
	return []fakeMessage{{ID: "SM1", Text: xss}}
}
func (f *fakeMessages) Message(id string) (any, bool) {
	if id != "SM1" {
		return nil, false
	}
	return fakeMessage{ID: "SM1", Text: xss}, true
}
func (f *fakeMessages) Reply(id, text string) (any, error) {
	if id != "SM1" {
		return nil, notFound{}
	}
	if text == "conflict" {
		return nil, errors.New("no inbound URL")
	}
	f.mu.Lock()
	f.replies = append(f.replies, text)
	f.mu.Unlock()
	return fakeMessage{ID: "SM2", Text: text}, nil
}

func (f *fakeMessages) got() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.replies...)
}

func TestMessagesAPI(t *testing.T) {
	src := &fakeMessages{}
	f := newFixture(t, NewRing(0), func(o *Options) { o.Messages = src })

	resp, b := f.do(t, "GET", "/api/sandbox/messages", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"id":"SM1"`) || strings.ContainsAny(string(b), "<>") {
		t.Fatalf("list: %d %s (want the message, markup escaped)", resp.StatusCode, b)
	}
	if resp, _ := f.do(t, "GET", "/api/sandbox/messages?limit=20000", "", nil); resp.StatusCode != 200 {
		t.Fatalf("limit=20000: %d", resp.StatusCode)
	}
	src.mu.Lock()
	if fmt.Sprint(src.limits) != "[500 10000]" {
		t.Errorf("limits asked of the source: %v, want the default 500, then 10000 at most", src.limits)
	}
	src.mu.Unlock()
	if resp, b := f.do(t, "GET", "/api/sandbox/messages/SM1", "", nil); resp.StatusCode != 200 || !strings.Contains(string(b), `"id":"SM1"`) {
		t.Fatalf("get: %d %s", resp.StatusCode, b)
	}
	if resp, _ := f.do(t, "GET", "/api/sandbox/messages?limit=0", "", nil); resp.StatusCode != 400 {
		t.Fatalf("limit=0: %d", resp.StatusCode)
	}
	if resp, _ := f.do(t, "GET", "/api/sandbox/messages/nope", "", nil); resp.StatusCode != 404 {
		t.Fatalf("get unknown: %d", resp.StatusCode)
	}
	_, page := f.do(t, "GET", "/", "", nil)
	if !strings.Contains(string(page), `<meta name="smshook-messages" content="1">`) {
		t.Errorf("the page does not know it has messages")
	}

	tests := []struct {
		name   string
		path   string
		body   string
		change func(h map[string]string)
		want   int
	}{
		{"same origin with token", "/api/sandbox/messages/SM1/reply", `{"text":"YES"}`, func(map[string]string) {}, 201},
		{"no token", "/api/sandbox/messages/SM1/reply", `{"text":"no-token"}`, func(h map[string]string) { delete(h, TokenHeader) }, 403},
		{"wrong token", "/api/sandbox/messages/SM1/reply", `{"text":"wrong-token"}`, func(h map[string]string) { h[TokenHeader] = "0000" }, 403},
		{"cross origin", "/api/sandbox/messages/SM1/reply", `{"text":"cross"}`, func(h map[string]string) { h["Origin"] = "http://evil.example" }, 403},
		{"cross site", "/api/sandbox/messages/SM1/reply", `{"text":"site"}`, func(h map[string]string) { h["Sec-Fetch-Site"] = "cross-site" }, 403},
		{"form post", "/api/sandbox/messages/SM1/reply", `text=form`, func(h map[string]string) { h["Content-Type"] = "application/x-www-form-urlencoded" }, 415},
		{"no text", "/api/sandbox/messages/SM1/reply", `{}`, func(map[string]string) {}, 400},
		{"empty text", "/api/sandbox/messages/SM1/reply", `{"text":"  "}`, func(map[string]string) {}, 400},
		{"unknown message", "/api/sandbox/messages/SM9/reply", `{"text":"x"}`, func(map[string]string) {}, 404},
		{"source error", "/api/sandbox/messages/SM1/reply", `{"text":"conflict"}`, func(map[string]string) {}, 400},
	}
	for _, tt := range tests {
		h := f.pageHeaders()
		tt.change(h)
		resp, b := f.do(t, "POST", tt.path, tt.body, h)
		if resp.StatusCode != tt.want {
			t.Errorf("%s: status %d (%s), want %d", tt.name, resp.StatusCode, b, tt.want)
		}
	}
	if got := src.got(); len(got) != 1 || got[0] != "YES" {
		t.Errorf("replies that reached the source: %q, want only YES", got)
	}
}

func TestMessagesAPIWithoutASource(t *testing.T) {
	f := newFixture(t, NewRing(0), nil)
	if resp, _ := f.do(t, "GET", "/api/sandbox/messages", "", nil); resp.StatusCode != 404 {
		t.Fatalf("list without a source: %d", resp.StatusCode)
	}
	if resp, _ := f.do(t, "POST", "/api/sandbox/messages/SM1/reply", `{"text":"x"}`, f.pageHeaders()); resp.StatusCode != 404 {
		t.Fatalf("reply without a source: %d", resp.StatusCode)
	}
	_, page := f.do(t, "GET", "/", "", nil)
	if !strings.Contains(string(page), `<meta name="smshook-messages" content="">`) {
		t.Errorf("the page thinks it has messages")
	}
}

// A change of the message source reaches an open stream as "messages",
// and a burst of changes never blocks the notifier.
func TestMessagesChangedReachesTheStream(t *testing.T) {
	f := newFixture(t, NewRing(0), func(o *Options) { o.Messages = &fakeMessages{} })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", f.base+"/api/stream", nil)
	resp, err := f.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	next := func() string {
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("stream: %v", err)
			}
			if strings.HasPrefix(line, "event: ") {
				return strings.TrimSpace(line[7:])
			}
		}
	}
	if ev := next(); ev != "hello" {
		t.Fatalf("first event %q", ev)
	}
	done := make(chan struct{})
	go func() {
		for i := 0; i < 10000; i++ {
			f.srv.MessagesChanged()
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("MessagesChanged blocked")
	}
	if ev := next(); ev != "messages" {
		t.Fatalf("event %q, want messages", ev)
	}
}
