package sandbox

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/provider"
)

// telnyxVerify checks a webhook as Telnyx's libraries do: Ed25519 over
// "timestamp|body" with the account's public key, here with crypto/ed25519.
func telnyxVerify(t *testing.T, r appRequest) {
	t.Helper()
	pub, _ := base64.StdEncoding.DecodeString(provider.TelnyxDemoPublicKey)
	sig, err := base64.StdEncoding.DecodeString(r.Header.Get("Telnyx-Signature-Ed25519"))
	ts := r.Header.Get("Telnyx-Timestamp")
	if err != nil || ts == "" || !ed25519.Verify(pub, []byte(ts+"|"+string(r.Body)), sig) {
		t.Fatalf("the webhook's Ed25519 signature does not verify with the demo public key")
	}
}

// TestTelnyxSendAndWebhooks: the documented request gets the message
// object; message.sent then message.finalized reach webhook_url, signed.
func TestTelnyxSendAndWebhooks(t *testing.T) {
	a := newApp(t, 200)
	mc := &memCapture{}
	sb, base := newSandbox(t, Options{Capture: mc})
	var resp struct {
		Data struct {
			RecordType string `json:"record_type"`
			ID         string `json:"id"`
			To         []struct {
				PhoneNumber string `json:"phone_number"`
				Status      string `json:"status"`
			} `json:"to"`
			Parts    int    `json:"parts"`
			Encoding string `json:"encoding"`
		} `json:"data"`
	}
	code := postJSON(t, base+"/telnyx/v2/messages", `{"from": "+18445550001", "to": "+18665550000", "text": "Your code is 123456 ’", "webhook_url": "`+a.srv.URL+`/telnyx"}`,
		map[string]string{"Authorization": "Bearer KEY0123"}, &resp)
	d := resp.Data
	if code != 200 || d.RecordType != "message" || len(d.ID) != 36 || d.To[0].Status != "queued" || d.Parts != 1 || d.Encoding != "UCS-2" {
		t.Fatalf("create: %d %+v", code, d)
	}
	var types, statuses []string
	for range 2 {
		r := a.next(t)
		telnyxVerify(t, r)
		var e telnyxEvent
		if err := json.Unmarshal(r.Body, &e); err != nil || e.Data.Payload["id"] != d.ID {
			t.Fatalf("webhook %s", r.Body)
		}
		types = append(types, e.Data.EventType)
		to := e.Data.Payload["to"].([]any)[0].(map[string]any)
		statuses = append(statuses, to["status"].(string))
	}
	if strings.Join(types, ",") != "message.sent,message.finalized" || strings.Join(statuses, ",") != "sent,delivered" {
		t.Fatalf("events %v %v", types, statuses)
	}
	waitFinal(t, sb, d.ID, 2)
	// smshook's telnyx provider reads the captured webhooks.
	if len(mc.recs) != 2 || mc.recs[1].Event == nil || mc.recs[1].Event.MessageID != d.ID || mc.recs[1].Event.Status != "delivered" {
		t.Fatalf("capture: %+v", mc.recs)
	}
}

// TestTelnyxFailover: a webhook_url that keeps failing gets 3 attempts,
// then webhook_failover_url gets the event.
func TestTelnyxFailover(t *testing.T) {
	bad, good := newApp(t, 500), newApp(t, 200)
	sb, base := newSandbox(t, Options{})
	var resp struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	postJSON(t, base+"/telnyx/v2/messages", `{"from": "+18445550001", "to": "+18665550001", "text": "hi", "webhook_url": "`+bad.srv.URL+`", "webhook_failover_url": "`+good.srv.URL+`/failover"}`,
		map[string]string{"Authorization": "Bearer k"}, &resp)
	m := waitFinal(t, sb, resp.Data.ID, 2) // 0001: sending_failed only
	if m.Callbacks[0].Attempts != 3 || m.Callbacks[0].OK || !m.Callbacks[1].OK || !strings.HasSuffix(m.Callbacks[1].URL, "/failover") {
		t.Fatalf("callbacks %+v", m.Callbacks)
	}
	// Each attempt says which it is in meta.attempt, signed anew; the
	// event id stays.
	var ids []string
	for n := 1; n <= 3; n++ {
		r := bad.next(t)
		telnyxVerify(t, r)
		var e telnyxEvent
		json.Unmarshal(r.Body, &e)
		if e.Meta.Attempt != n {
			t.Fatalf("attempt %d says meta.attempt %d", n, e.Meta.Attempt)
		}
		ids = append(ids, e.Data.ID)
	}
	if ids[0] != ids[1] || ids[1] != ids[2] {
		t.Fatalf("event ids %v", ids)
	}
	r := good.next(t)
	telnyxVerify(t, r)
	var e telnyxEvent
	json.Unmarshal(r.Body, &e)
	errs := e.Data.Payload["errors"].([]any)
	if e.Data.EventType != "message.finalized" || len(errs) != 1 || errs[0].(map[string]any)["code"] != "40008" {
		t.Fatalf("failover event %s", r.Body)
	}
}

func TestTelnyxErrors(t *testing.T) {
	_, base := newSandbox(t, Options{Latency: time.Hour})
	auth := map[string]string{"Authorization": "Bearer k"}
	tests := []struct {
		name, body string
		header     map[string]string
		status     int
		code       string
		pointer    string
	}{
		{"no key", `{"from": "+18445550001", "to": "+18665550000", "text": "hi"}`, nil, 401, "10009", ""},
		{"no to", `{"from": "+18445550001", "text": "hi"}`, auth, 400, "10004", "/to"},
		{"bad to", `{"from": "+18445550001", "to": "18665550000", "text": "hi"}`, auth, 400, "40310", "/to"},
		{"two to", `{"from": "+18445550001", "to": ["+18665550000", "+18665550009"], "text": "hi"}`, auth, 400, "40310", "/to"},
		{"no from", `{"to": "+18665550000", "text": "hi"}`, auth, 400, "10004", "/from"},
		{"bad from", `{"from": "not a number!", "to": "+18665550000", "text": "hi"}`, auth, 400, "10016", "/from"},
		{"no text", `{"from": "+18445550001", "to": "+18665550000"}`, auth, 400, "10004", "/text"},
		{"bad webhook", `{"from": "+18445550001", "to": "+18665550000", "text": "hi", "webhook_url": "nope"}`, auth, 400, "10003", "/webhook_url"},
		{"not JSON", `{`, auth, 400, "10015", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e struct {
				Errors []struct {
					Code   string `json:"code"`
					Title  string `json:"title"`
					Source struct {
						Pointer string `json:"pointer"`
					} `json:"source"`
				} `json:"errors"`
			}
			code := postJSON(t, base+"/telnyx/v2/messages", tt.body, tt.header, &e)
			if code != tt.status || len(e.Errors) != 1 || e.Errors[0].Code != tt.code || e.Errors[0].Title == "" || e.Errors[0].Source.Pointer != tt.pointer {
				t.Fatalf("got %d %+v", code, e)
			}
		})
	}
}

func TestTelnyxReply(t *testing.T) {
	a := newApp(t, 200)
	_, base := newSandbox(t, Options{Latency: time.Hour, InboundURL: a.srv.URL + "/in"})
	var resp struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	postJSON(t, base+"/telnyx/v2/messages", `{"from": "+18445550001", "to": "+18665550000", "text": "Reply YES"}`, map[string]string{"Authorization": "Bearer k"}, &resp)
	if code := postJSON(t, base+"/api/messages/"+resp.Data.ID+"/reply", `{"text": "YES"}`, nil, nil); code != 201 {
		t.Fatalf("reply: %d", code)
	}
	r := a.next(t)
	telnyxVerify(t, r)
	var e telnyxEvent
	json.Unmarshal(r.Body, &e)
	if e.Data.EventType != "message.received" || e.Data.Payload["text"] != "YES" || e.Data.Payload["messaging_profile_id"] == "" {
		t.Fatalf("inbound %s", r.Body)
	}
}
