package sandbox

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func bandwidthSend(t *testing.T, base, body string, v any) int {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/bandwidth/api/v2/users/9900000/messages", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth("api-user", "api-pass")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		decodeJSON(t, resp, v)
	}
	return resp.StatusCode
}

// TestBandwidthSendAndCallback: 202 with the message; the application's
// callback URL gets a one-event array with the callback credentials.
func TestBandwidthSendAndCallback(t *testing.T) {
	a := newApp(t, 200)
	mc := &memCapture{}
	sb, base := newSandbox(t, Options{CallbackURL: a.srv.URL + "/bandwidth", Capture: mc})
	var msg struct {
		ID            string   `json:"id"`
		Owner         string   `json:"owner"`
		ApplicationID string   `json:"applicationId"`
		SegmentCount  int      `json:"segmentCount"`
		Direction     string   `json:"direction"`
		To            []string `json:"to"`
	}
	code := bandwidthSend(t, base, `{"applicationId": "93de2206-9669-4e07-948d-329f4b722ee2", "to": ["+15558670004"], "from": "+15550100", "text": "Your code is 123456", "tag": "login"}`, &msg)
	if code != 202 || len(msg.ID) != 29 || msg.Owner != "+15550100" || msg.Direction != "out" || msg.SegmentCount != 1 || msg.To[0] != "+15558670004" {
		t.Fatalf("create: %d %+v", code, msg)
	}
	r := a.next(t)
	if u, p, ok := parseBasic(r.Header.Get("Authorization")); !ok || u != "smshook-demo" || p != "smshook-demo-bandwidth-password" {
		t.Fatalf("Authorization %q", r.Header.Get("Authorization"))
	}
	var evs []bandwidthEvent
	if err := json.Unmarshal(r.Body, &evs); err != nil || len(evs) != 1 {
		t.Fatalf("callback %s", r.Body)
	}
	ev := evs[0]
	if ev.Type != "message-failed" || ev.ErrorCode != 4770 || ev.Message.ID != msg.ID || ev.Message.Tag != "login" || ev.To != "+15558670004" {
		t.Fatalf("event %+v", ev)
	}
	waitFinal(t, sb, msg.ID, 1)
	if len(mc.recs) != 1 || mc.recs[0].Event == nil || mc.recs[0].Event.Status != "failed" {
		t.Fatalf("capture %+v", mc.recs)
	}
}

func TestBandwidthErrors(t *testing.T) {
	_, base := newSandbox(t, Options{Latency: time.Hour})
	tests := []struct{ body, field string }{
		{`{"to": ["+15558670000"], "from": "+15550100", "text": "hi"}`, "applicationId"},
		{`{"applicationId": "a", "from": "+15550100", "text": "hi"}`, "to"},
		{`{"applicationId": "a", "to": ["+15558670000"], "text": "hi"}`, "from"},
		{`{"applicationId": "a", "to": ["+15558670000"], "from": "+15550100"}`, "text"},
		{`{"applicationId": "a", "to": ["5558670000"], "from": "+15550100", "text": "hi"}`, "to"},
		{`{"applicationId": "a", "to": ["+15558670000"], "from": "+15550100", "text": "hi", "priority": "urgent"}`, "priority"},
	}
	for _, tt := range tests {
		var e struct {
			Type        string `json:"type"`
			Description string `json:"description"`
			FieldErrors []struct {
				FieldName string `json:"fieldName"`
			} `json:"fieldErrors"`
		}
		if code := bandwidthSend(t, base, tt.body, &e); code != 400 || e.Type != "request-validation" || len(e.FieldErrors) != 1 || e.FieldErrors[0].FieldName != tt.field {
			t.Errorf("%s: %d %+v", tt.body, code, e)
		}
	}
	var e struct{ Type, Description string }
	if code := postJSON(t, base+"/bandwidth/api/v2/users/9900000/messages", `{}`, nil, &e); code != 401 || e.Type != "unauthorized" || e.Description != "Authentication Failed" {
		t.Fatalf("no credentials: %d %+v", code, e)
	}
}

func TestBandwidthReply(t *testing.T) {
	a := newApp(t, 200)
	_, base := newSandbox(t, Options{Latency: time.Hour, InboundURL: a.srv.URL + "/in"})
	var msg struct{ ID string }
	bandwidthSend(t, base, `{"applicationId": "app-1", "to": ["+15558670000"], "from": "+15550100", "text": "Reply YES"}`, &msg)
	if code := postJSON(t, base+"/api/messages/"+msg.ID+"/reply", `{"text": "YES"}`, nil, nil); code != 201 {
		t.Fatalf("reply %d", code)
	}
	r := a.next(t)
	var evs []bandwidthEvent
	json.Unmarshal(r.Body, &evs)
	if len(evs) != 1 || evs[0].Type != "message-received" || evs[0].Message.Text != "YES" || evs[0].Message.ApplicationID != "app-1" || evs[0].Message.From != "+15558670000" {
		t.Fatalf("inbound %s", r.Body)
	}
}
