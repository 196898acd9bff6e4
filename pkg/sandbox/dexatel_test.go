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

// postJSON sends body to u with headers and decodes the answer into v.
func postJSON(t *testing.T, u, body string, header map[string]string, v any) int {
	t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, val := range header {
		req.Header.Set(k, val)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("POST %s: %v", u, err)
		}
	}
	return resp.StatusCode
}

// dexatelSignature is HMAC-SHA256(secret, body) in base64, computed here
// with crypto/hmac, as Dexatel's webhook pages describe it.
func dexatelSignature(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// TestDexatelSendAndDeliver: the documented request shape gets one
// message per recipient, and the delivery webhook of each reaches the
// account's webhook URL signed with the webhook secret.
func TestDexatelSendAndDeliver(t *testing.T) {
	a := newApp(t, 200)
	mc := &memCapture{}
	sb, base := newSandbox(t, Options{CallbackURL: a.srv.URL + "/dexatel", Capture: mc,
		Endpoints: map[string]Endpoint{"dexatel": {Credentials: credsOf("", "webhook-secret")}}})
	var resp struct {
		Data []struct {
			ID            string   `json:"id"`
			AccountID     string   `json:"account_id"`
			To            []string `json:"to"`
			Status        string   `json:"status"`
			SegmentsCount int      `json:"segments_count"`
			Encoding      string   `json:"encoding"`
		} `json:"data"`
	}
	code := postJSON(t, base+"/dexatel/v1/messages",
		`{"data": {"from": "Acme", "to": ["15558670000", "+15558670001"], "text": "Your code is 123456", "channel": "SMS"}}`,
		map[string]string{"X-Dexatel-Key": "any-key"}, &resp)
	if code != 201 || len(resp.Data) != 2 {
		t.Fatalf("create: %d %+v", code, resp)
	}
	d := resp.Data[0]
	if len(d.ID) != 36 || d.Status != "enroute" || d.SegmentsCount != 1 || d.Encoding != "GSM-7" || d.To[0] != "15558670000" {
		t.Fatalf("message %+v", d)
	}
	got := map[string]string{}
	for range 2 {
		r := a.next(t)
		if sig := r.Header.Get("X-Dexatel-Signature"); sig != dexatelSignature("webhook-secret", r.Body) {
			t.Fatalf("signature %q does not match the body", sig)
		}
		var b dexatelDelivery
		if err := json.Unmarshal(r.Body, &b); err != nil || b.Data.Event != "delivery" || b.Data.AccountID != d.AccountID {
			t.Fatalf("delivery webhook %s: %v", r.Body, err)
		}
		got[b.Data.To] = b.Data.Status
	}
	if got["15558670000"] != "delivered" || got["15558670001"] != "failed" {
		t.Fatalf("statuses %v", got)
	}
	waitFinal(t, sb, d.ID, 1)
	var fetched struct {
		Data struct {
			Status string `json:"status"`
		} `json:"data"`
	}
	if code := getJSON(t, "GET", base+"/dexatel/v1/messages/"+d.ID, "", &fetched); code != 401 {
		t.Fatalf("fetch without a key: %d", code)
	}
	req, _ := http.NewRequest("GET", base+"/dexatel/v1/messages/"+d.ID, nil)
	req.Header.Set("X-Dexatel-Key", "k")
	hr, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(hr.Body).Decode(&fetched)
	hr.Body.Close()
	if fetched.Data.Status != "delivered" {
		t.Fatalf("fetched status %q", fetched.Data.Status)
	}
	if len(mc.recs) != 2 || mc.recs[0].Kind != "delivery" || mc.recs[0].Event == nil {
		t.Fatalf("capture: %d records", len(mc.recs))
	}
}

func TestDexatelErrors(t *testing.T) {
	_, base := newSandbox(t, Options{Latency: time.Hour})
	key := map[string]string{"X-Dexatel-Key": "k"}
	tests := []struct {
		name, body string
		header     map[string]string
		status     int
		message    string
	}{
		{"no key", `{"data": {"from": "Acme", "to": ["15558670000"], "text": "hi"}}`, nil, 401, "X-Dexatel-Key"},
		{"no data", `{}`, key, 400, "data is required"},
		{"no text", `{"data": {"from": "Acme", "to": ["15558670000"], "text": ""}}`, key, 400, "data.text"},
		{"no to", `{"data": {"from": "Acme", "to": [], "text": "hi"}}`, key, 400, "data.to"},
		{"bad to", `{"data": {"from": "Acme", "to": ["555-CALL"], "text": "hi"}}`, key, 400, "not a valid phone number"},
		{"bad channel", `{"data": {"from": "Acme", "to": ["15558670000"], "text": "hi", "channel": "FAX"}}`, key, 400, "channel"},
		{"not JSON", `{"data": `, key, 400, "Malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e struct {
				Errors []struct {
					Status  int    `json:"status"`
					Message string `json:"message"`
					Path    string `json:"path"`
				} `json:"errors"`
			}
			code := postJSON(t, base+"/dexatel/v1/messages", tt.body, tt.header, &e)
			if code != tt.status || len(e.Errors) != 1 || e.Errors[0].Status != tt.status || !strings.Contains(e.Errors[0].Message, tt.message) || e.Errors[0].Path != "/dexatel/v1/messages" {
				t.Fatalf("got %d %+v", code, e)
			}
		})
	}
}

// TestDexatelReply: a reply is Dexatel's message webhook, signed.
func TestDexatelReply(t *testing.T) {
	a := newApp(t, 200)
	_, base := newSandbox(t, Options{Latency: time.Hour, InboundURL: a.srv.URL + "/in"})
	var resp struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	postJSON(t, base+"/dexatel/v1/messages", `{"data": {"from": "15017122661", "to": ["15558675310"], "text": "Reply YES", "channel": "SMS"}}`, map[string]string{"X-Dexatel-Key": "k"}, &resp)
	if code := postJSON(t, base+"/api/messages/"+resp.Data[0].ID+"/reply", `{"text": "YES"}`, nil, nil); code != 201 {
		t.Fatalf("reply: %d", code)
	}
	r := a.next(t)
	if r.Header.Get("X-Dexatel-Signature") != dexatelSignature("smshook-demo-dexatel-secret", r.Body) {
		t.Fatal("the message webhook is not signed with the demo secret")
	}
	var b dexatelMessage
	json.Unmarshal(r.Body, &b)
	if b.Data.Event != "message" || b.Data.From != "15558675310" || b.Data.To != "15017122661" || b.Data.Text != "YES" {
		t.Fatalf("message webhook %s", r.Body)
	}
}
