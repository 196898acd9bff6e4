package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	twclient "github.com/twilio/twilio-go/client"
)

func getJSON(t *testing.T, method, u string, body string, v any) int {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s %s: %v: %s", method, u, err, b)
		}
	}
	return resp.StatusCode
}

// TestWaitReturnsWithin100ms: a test waiting on a number gets the message
// as soon as the app sends it, not at the next poll.
func TestWaitReturnsWithin100ms(t *testing.T) {
	_, base := newSandbox(t, Options{Latency: time.Hour})
	type result struct {
		m  Message
		at time.Time
	}
	done := make(chan result, 1)
	started := make(chan struct{})
	go func() {
		close(started)
		var m Message
		getJSON(t, "GET", base+"/api/messages/wait?to=+15558675310&timeout=10s", "", &m)
		done <- result{m, time.Now()}
	}()
	<-started
	time.Sleep(50 * time.Millisecond) // let the wait register: it must be waiting, not finding
	sentAt := time.Now()
	id := sendTwilio(t, base, "+15558675310", "Your code is 424242", "")
	select {
	case r := <-done:
		if r.m.ID != id || r.m.Text != "Your code is 424242" {
			t.Fatalf("wait returned %+v", r.m)
		}
		if d := r.at.Sub(sentAt); d > 100*time.Millisecond {
			t.Fatalf("wait returned %s after the send", d)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("wait did not return")
	}
}

func TestWaitTimeoutAndSince(t *testing.T) {
	_, base := newSandbox(t, Options{Latency: time.Hour})
	var e map[string]string
	if code := getJSON(t, "GET", base+"/api/messages/wait?to=%2B15550000000&timeout=50ms", "", &e); code != 408 || !strings.Contains(e["error"], "+15550000000") {
		t.Fatalf("timeout: %d %v", code, e)
	}
	if code := getJSON(t, "GET", base+"/api/messages/wait", "", &e); code != 400 {
		t.Fatalf("no to: %d", code)
	}
	id := sendTwilio(t, base, "+15558675310", "sent before the wait", "")
	var m Message
	if code := getJSON(t, "GET", base+"/api/messages/wait?to=%2B15558675310&since=1m&timeout=50ms", "", &m); code != 200 || m.ID != id {
		t.Fatalf("since: %d %+v", code, m)
	}
}

func TestListGetDelete(t *testing.T) {
	_, base := newSandbox(t, Options{Latency: time.Hour})
	a := sendTwilio(t, base, "+15558675310", "Your code is 1", "")
	sendTwilio(t, base, "+15558675311", "hello", "")
	var list struct {
		Count    int       `json:"count"`
		Messages []Message `json:"messages"`
	}
	getJSON(t, "GET", base+"/api/messages", "", &list)
	if list.Count != 2 {
		t.Fatalf("count %d", list.Count)
	}
	for q, want := range map[string]int{"to=%2B15558675310": 1, "text=code": 1, "provider=twilio": 2, "provider=telnyx": 0, "from=%2B15017122661": 2, "since=1h": 2} {
		getJSON(t, "GET", base+"/api/messages?"+q, "", &list)
		if list.Count != want {
			t.Errorf("%s: %d messages, want %d", q, list.Count, want)
		}
	}
	var m Message
	if code := getJSON(t, "GET", base+"/api/messages/"+a, "", &m); code != 200 || m.ID != a || m.Status != "queued" || m.Segments != 1 {
		t.Fatalf("get: %d %+v", code, m)
	}
	if code := getJSON(t, "GET", base+"/api/messages/SMnope", "", nil); code != 404 {
		t.Fatalf("get unknown: %d", code)
	}
	var del map[string]int
	getJSON(t, "DELETE", base+"/api/messages", "", &del)
	getJSON(t, "GET", base+"/api/messages", "", &list)
	if del["deleted"] != 2 || list.Count != 0 {
		t.Fatalf("delete: %v, then %d", del, list.Count)
	}
	req, _ := http.NewRequest("DELETE", base+"/api/messages", nil)
	req.Header.Set("Origin", "http://evil.example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 403 {
		t.Fatalf("cross-origin delete: %v %v", err, resp.StatusCode)
	}
	resp.Body.Close()
}

// TestReplyInbound: the recipient answers; the app's inbound URL gets
// Twilio's incoming-message webhook signed with the app's token.
func TestReplyInbound(t *testing.T) {
	a := newApp(t, 200)
	sb, base := newSandbox(t, Options{Latency: time.Hour, InboundURL: a.srv.URL + "/sms/inbound"})
	id := sendTwilio(t, base, "+15558675310", "Reply YES to confirm", "")
	var m Message
	if code := getJSON(t, "POST", base+"/api/messages/"+id+"/reply", `{"text": "YES"}`, &m); code != 201 {
		t.Fatalf("reply: %d", code)
	}
	r := a.next(t)
	params := map[string]string{}
	for k := range r.Form {
		params[k] = r.Form.Get(k)
	}
	v := twclient.NewRequestValidator(testToken)
	if !v.Validate(r.URL, params, r.Header.Get("X-Twilio-Signature")) {
		t.Fatal("RequestValidator refused the inbound webhook")
	}
	if r.Form.Get("From") != "+15558675310" || r.Form.Get("To") != "+15017122661" || r.Form.Get("Body") != "YES" || r.Form.Get("SmsStatus") != "received" {
		t.Fatalf("inbound form %v", r.Form)
	}
	if m.Direction != DirectionInbound || m.InReplyTo != id || len(m.Callbacks) != 1 || !m.Callbacks[0].OK {
		t.Fatalf("inbound message %+v", m)
	}
	if got, _ := sb.Message(m.ID); got.Text != "YES" {
		t.Fatal("inbound message not stored")
	}
	// /api/inbound starts a conversation; without an inbound URL: 409.
	if code := getJSON(t, "POST", base+"/api/inbound", `{"provider": "twilio", "from": "+447700900123", "to": "+15017122661", "text": "STOP"}`, &m); code != 201 || m.Text != "STOP" {
		t.Fatalf("inbound: %d", code)
	}
	_, base2 := newSandbox(t, Options{})
	var e map[string]string
	if code := getJSON(t, "POST", base2+"/api/inbound", `{"provider": "twilio", "from": "+447700900123", "to": "+15017122661", "text": "STOP"}`, &e); code != 409 || !strings.Contains(e["error"], "--inbound-url") {
		t.Fatalf("no inbound URL: %d %v", code, e)
	}
}

// TestCallbackRetried: a 5xx from the app is retried as Twilio retries
// (once), and the record says the app failed.
func TestCallbackRetried(t *testing.T) {
	a := newApp(t, 503)
	sb, base := newSandbox(t, Options{})
	id := sendTwilio(t, base, "+15558670001", "hi", a.srv.URL+"/status")
	m := waitFinal(t, sb, id, 1)
	cb := m.Callbacks[0]
	if cb.Attempts != 2 || cb.OK || cb.ReplyStatus != 503 {
		t.Fatalf("callback %+v", cb)
	}
	a.next(t)
	a.next(t)
}
