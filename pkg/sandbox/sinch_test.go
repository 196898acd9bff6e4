package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// sinchSigOK checks x-sinch-webhook-signature as Sinch's SDKs do, written
// here: base64 HMAC-SHA256(secret, body.nonce.timestamp).
func sinchSigOK(r appRequest, secret string) bool {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(string(r.Body) + "." + r.Header.Get("X-Sinch-Webhook-Signature-Nonce") + "." + r.Header.Get("X-Sinch-Webhook-Signature-Timestamp")))
	return r.Header.Get("X-Sinch-Webhook-Signature") == base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func sinchSend(t *testing.T, base, body string, v any) int {
	t.Helper()
	return postJSON(t, base+"/sinch/xms/v1/plan123/batches", body, map[string]string{"Authorization": "Bearer tok"}, v)
}

type sinchBatchResp struct {
	ID             string   `json:"id"`
	To             []string `json:"to"`
	Canceled       bool     `json:"canceled"`
	DeliveryReport string   `json:"delivery_report"`
}

// TestSinchPerRecipient: per_recipient reports each status of the
// recipient, signed with the webhook secret.
func TestSinchPerRecipient(t *testing.T) {
	a := newApp(t, 200)
	sb, base := newSandbox(t, Options{})
	var b sinchBatchResp
	code := sinchSend(t, base, `{"from": "12345", "to": ["+15558670000"], "body": "Your code is 123456", "delivery_report": "per_recipient", "callback_url": "`+a.srv.URL+`/sinch", "client_reference": "login-7"}`, &b)
	if code != 201 || len(b.ID) != 26 || b.Canceled || b.DeliveryReport != "per_recipient" {
		t.Fatalf("create: %d %+v", code, b)
	}
	var statuses []string
	for range 2 {
		r := a.next(t)
		if !sinchSigOK(r, "smshook-demo-sinch-secret") {
			t.Fatal("x-sinch-webhook-signature does not verify")
		}
		var rep sinchRecipientReport
		json.Unmarshal(r.Body, &rep)
		if rep.Type != "recipient_delivery_report_sms" || rep.BatchID != b.ID || rep.Recipient != "+15558670000" || rep.ClientReference != "login-7" {
			t.Fatalf("report %s", r.Body)
		}
		statuses = append(statuses, rep.Status)
	}
	if strings.Join(statuses, ",") != "Dispatched,Delivered" {
		t.Fatalf("statuses %v", statuses)
	}
	waitFinal(t, sb, b.ID, 2)
}

// TestSinchSummary: a summary report comes once per batch, when every
// recipient is final, with the counts per status.
func TestSinchSummary(t *testing.T) {
	a := newApp(t, 200)
	sb, base := newSandbox(t, Options{})
	var b sinchBatchResp
	sinchSend(t, base, `{"from": "12345", "to": ["15558670000", "15558670010", "15558670001"], "body": "hi", "delivery_report": "full", "callback_url": "`+a.srv.URL+`"}`, &b)
	ctxDrain(t, sb)
	r := a.next(t)
	var rep sinchBatchReport
	json.Unmarshal(r.Body, &rep)
	if rep.Type != "delivery_report_sms" || rep.BatchID != b.ID || rep.TotalMessageCount != 3 || len(rep.Statuses) != 2 {
		t.Fatalf("report %s", r.Body)
	}
	counts := map[string]int{}
	for _, s := range rep.Statuses {
		counts[s.Status] = s.Count
		if len(s.Recipients) != s.Count {
			t.Fatalf("full report without its recipients: %s", r.Body)
		}
	}
	if counts["Delivered"] != 2 || counts["Failed"] != 1 {
		t.Fatalf("counts %v", counts)
	}
	select {
	case extra := <-a.notify:
		t.Fatalf("a second report: %s", extra.Body)
	case <-time.After(50 * time.Millisecond):
	}
	// The three recipients are three messages of one batch id.
	if msgs := sb.Messages(Filter{Provider: "sinch"}); len(msgs) != 3 || msgs[2].ID != b.ID {
		t.Fatalf("messages %+v", msgs)
	}
}

func TestSinchNoReportAndErrors(t *testing.T) {
	a := newApp(t, 200)
	sb, base := newSandbox(t, Options{CallbackURL: a.srv.URL})
	var b sinchBatchResp
	sinchSend(t, base, `{"from": "12345", "to": ["15558670000"], "body": "hi"}`, &b)
	ctxDrain(t, sb)
	if m, _ := sb.Message(b.ID); len(m.Callbacks) != 0 || m.Status != "Delivered" {
		t.Fatalf("delivery_report none sent callbacks: %+v", m)
	}
	_, base2 := newSandbox(t, Options{Latency: time.Hour})
	tests := []struct {
		body   string
		status int
		code   string
	}{
		{`{"from": "12345", "to": ["15558670000"]}`, 400, "syntax_constraint_violation"},
		{`{"from": "12345", "to": [], "body": "hi"}`, 400, "syntax_constraint_violation"},
		{`{"to": ["15558670000"], "body": "hi"}`, 400, "syntax_constraint_violation"},
		{`{"from": "12345", "to": ["nope"], "body": "hi"}`, 400, "syntax_invalid_parameter_format"},
		{`{"from": "12345", "to": ["15558670000"], "body": "hi", "delivery_report": "sometimes"}`, 400, "syntax_invalid_parameter_format"},
		{`{"from": "12345", "to": ["15558670000"], "body": "hi", "delivery_report": "summary"}`, 403, "missing_callback_url"},
		{`{"from": `, 400, "syntax_invalid_json"},
	}
	for _, tt := range tests {
		var e struct{ Code, Text string }
		if code := sinchSend(t, base2, tt.body, &e); code != tt.status || e.Code != tt.code || e.Text == "" {
			t.Errorf("%s: %d %+v", tt.body, code, e)
		}
	}
	var e struct{ Code string }
	if code := postJSON(t, base2+"/sinch/xms/v1/plan123/batches", `{}`, nil, &e); code != 401 {
		t.Fatalf("no token: %d", code)
	}
	req, _ := http.NewRequest("GET", base+"/sinch/xms/v1/plan123/batches/"+b.ID, nil)
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var got sinchBatchResp
	decodeJSON(t, resp, &got)
	resp.Body.Close()
	if got.ID != b.ID || len(got.To) != 1 {
		t.Fatalf("fetch %+v", got)
	}
}

func TestSinchReply(t *testing.T) {
	a := newApp(t, 200)
	_, base := newSandbox(t, Options{Latency: time.Hour, InboundURL: a.srv.URL + "/in"})
	var b sinchBatchResp
	sinchSend(t, base, `{"from": "12345", "to": ["+15558670000"], "body": "Reply YES"}`, &b)
	if code := postJSON(t, base+"/api/messages/"+b.ID+"/reply", `{"text": "YES"}`, nil, nil); code != 201 {
		t.Fatalf("reply %d", code)
	}
	r := a.next(t)
	if !sinchSigOK(r, "smshook-demo-sinch-secret") || !strings.Contains(string(r.Body), `"type":"mo_text"`) || !strings.Contains(string(r.Body), `"from":"+15558670000","to":"12345","body":"YES"`) {
		t.Fatalf("mo %s", r.Body)
	}
}
