package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// messagebirdJWTOK checks MessageBird-Signature-JWT as MessageBird's
// libraries do, here with golang-jwt: HS256 by the signing key, issuer
// MessageBird, url_hash the SHA-256 of the full URL, and no payload_hash
// for an empty body.
func messagebirdJWTOK(t *testing.T, r appRequest, key string) {
	t.Helper()
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(r.Header.Get("MessageBird-Signature-JWT"), claims,
		func(*jwt.Token) (any, error) { return []byte(key), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer("MessageBird"))
	if err != nil {
		t.Fatalf("MessageBird-Signature-JWT: %v", err)
	}
	sum := sha256.Sum256([]byte(r.URL))
	if claims["url_hash"] != hex.EncodeToString(sum[:]) {
		t.Fatalf("url_hash does not match %s", r.URL)
	}
	if _, ok := claims["payload_hash"]; ok && len(r.Body) == 0 {
		t.Fatal("payload_hash on an empty body")
	}
}

func messagebirdSend(t *testing.T, base, body string, v any) int {
	return postJSON(t, base+"/messagebird/messages", body, map[string]string{"Authorization": "AccessKey test_key"}, v)
}

// TestMessageBirdSendAndReports: go-rest-api's message object comes back;
// each recipient's report is a signed GET to reportUrl.
func TestMessageBirdSendAndReports(t *testing.T) {
	a := newApp(t, 200)
	sb, base := newSandbox(t, Options{})
	var msg struct {
		ID         string `json:"id"`
		Href       string `json:"href"`
		Direction  string `json:"direction"`
		Originator string `json:"originator"`
		Reference  string `json:"reference"`
		Recipients struct {
			TotalCount int `json:"totalCount"`
			Items      []struct {
				Recipient int64  `json:"recipient"`
				Status    string `json:"status"`
			} `json:"items"`
		} `json:"recipients"`
	}
	code := messagebirdSend(t, base, `{"originator": "TestName", "body": "Your code is 123456", "recipients": [31612345678, "+31612340002"], "reference": "login-7", "reportUrl": "`+a.srv.URL+`/mb/report"}`, &msg)
	if code != 201 || len(msg.ID) != 32 || msg.Direction != "mt" || !strings.HasSuffix(msg.Href, "/messages/"+msg.ID) || msg.Recipients.TotalCount != 2 || msg.Recipients.Items[0].Recipient != 31612345678 || msg.Recipients.Items[0].Status != "sent" {
		t.Fatalf("create: %d %+v", code, msg)
	}
	got := map[string][]string{}
	for range 3 { // 31612345678: delivered; 31612340002: buffered, delivery_failed
		r := a.next(t)
		messagebirdJWTOK(t, r, "smshook-demo-messagebird-signing-key")
		q := queryOf(r.URL)
		if q.Get("id") != msg.ID || q.Get("reference") != "login-7" || q.Get("statusDatetime") == "" {
			t.Fatalf("report %s", r.URL)
		}
		got[q.Get("recipient")] = append(got[q.Get("recipient")], q.Get("status")+q.Get("statusErrorCode"))
	}
	if strings.Join(got["31612345678"], ",") != "delivered" || strings.Join(got["31612340002"], ",") != "buffered,delivery_failed27" {
		t.Fatalf("reports %v", got)
	}
	ctxDrain(t, sb)
	req, _ := http.NewRequest("GET", base+"/messagebird/messages/"+msg.ID, nil)
	req.Header.Set("Authorization", "AccessKey k")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var fetched map[string]any
	decodeJSON(t, resp, &fetched)
	resp.Body.Close()
	rc := fetched["recipients"].(map[string]any)
	if rc["totalDeliveredCount"] != float64(1) || rc["totalDeliveryFailedCount"] != float64(1) {
		t.Fatalf("fetch %v", rc)
	}
}

func TestMessageBirdErrors(t *testing.T) {
	_, base := newSandbox(t, Options{Latency: time.Hour})
	tests := []struct {
		body   string
		status int
		code   float64
		param  string
	}{
		{`{"body": "hi", "recipients": "31612345678"}`, 422, 9, "originator"},
		{`{"originator": "TestName", "recipients": "31612345678"}`, 422, 9, "body"},
		{`{"originator": "TestName", "body": "hi"}`, 422, 9, "recipients"},
		{`{"originator": "TestName", "body": "hi", "recipients": "abc"}`, 422, 9, "recipients"},
		{`{"originator": "far too long originator", "body": "hi", "recipients": "31612345678"}`, 422, 10, "originator"},
	}
	for _, tt := range tests {
		var e struct {
			Errors []map[string]any `json:"errors"`
		}
		if code := messagebirdSend(t, base, tt.body, &e); code != tt.status || len(e.Errors) != 1 || e.Errors[0]["code"] != tt.code || e.Errors[0]["parameter"] != tt.param {
			t.Errorf("%s: %d %+v", tt.body, code, e)
		}
	}
	var e struct {
		Errors []map[string]any `json:"errors"`
	}
	if code := postJSON(t, base+"/messagebird/messages", `{}`, nil, &e); code != 401 || e.Errors[0]["description"] != "Request not allowed (incorrect access_key)" {
		t.Fatalf("no key: %d %+v", code, e)
	}
	// A form, recipients comma-separated, as the API also takes.
	form := url.Values{"originator": {"TestName"}, "body": {"hi"}, "recipients": {"31612345678,31612345679"}}
	req, _ := http.NewRequest("POST", base+"/messagebird/messages", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "AccessKey k")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	decodeJSON(t, resp, &m)
	resp.Body.Close()
	if resp.StatusCode != 201 || m["recipients"].(map[string]any)["totalCount"] != float64(2) {
		t.Fatalf("form: %d %v", resp.StatusCode, m)
	}
}

// TestMessageBirdReportsDecode: the captured GET status reports decode
// from their query (pkg/provider's QueryFields): no decode error, the
// message id, recipient and normalized status.
func TestMessageBirdReportsDecode(t *testing.T) {
	a := newApp(t, 200)
	mc := &memCapture{}
	sb, base := newSandbox(t, Options{Capture: mc})
	var msg struct {
		ID string `json:"id"`
	}
	if code := messagebirdSend(t, base, `{"originator": "TestName", "body": "hi", "recipients": ["31612345678", "31612340002", "31612340003"], "reportUrl": "`+a.srv.URL+`/mb/report"}`, &msg); code != 201 {
		t.Fatalf("create: %d", code)
	}
	ctxDrain(t, sb)
	mc.mu.Lock()
	defer mc.mu.Unlock()
	got := map[string][]string{}
	for _, rec := range mc.recs {
		if rec.DecodeError != "" || rec.Event == nil {
			t.Fatalf("record %s: decode error %q", rec.URL, rec.DecodeError)
		}
		if rec.Event.MessageID != msg.ID || rec.Event.Kind != "delivery" {
			t.Fatalf("event %+v", rec.Event)
		}
		got[rec.Event.To] = append(got[rec.Event.To], string(rec.Event.Status))
	}
	if strings.Join(got["31612345678"], ",") != "delivered" || strings.Join(got["31612340002"], ",") != "sent,failed" || strings.Join(got["31612340003"], ",") != "sent,expired" {
		t.Fatalf("statuses %v", got)
	}
}
