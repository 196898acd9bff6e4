package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"
)

const plivoAuthID, plivoToken = "MAXXXXXXXXXXXXXXXXXX", "plivo-auth-token"

// plivoV2OK checks X-Plivo-Signature-V2 as Plivo's libraries do, written
// here: base64 HMAC-SHA256(auth token, URL without its query + nonce).
func plivoV2OK(r appRequest, token string) bool {
	u := r.URL
	if i := strings.IndexByte(u, '?'); i >= 0 {
		u = u[:i]
	}
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write([]byte(u + r.Header.Get("X-Plivo-Signature-V2-Nonce")))
	return r.Header.Get("X-Plivo-Signature-V2") == base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func plivoSend(t *testing.T, base, body string, v any) int {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/plivo/v1/Account/"+plivoAuthID+"/Message/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(plivoAuthID, plivoToken)
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

// TestPlivoSendAndCallbacks: plivo-go's request shape gets 202 with the
// message_uuid list; url gets queued, sent, delivered, signed V2 with the
// app's auth token; method GET puts the parameters in the query.
func TestPlivoSendAndCallbacks(t *testing.T) {
	for _, method := range []string{"POST", "GET"} {
		t.Run(method, func(t *testing.T) {
			a := newApp(t, 200)
			sb, base := newSandbox(t, Options{})
			var resp struct {
				Message     string   `json:"message"`
				MessageUUID []string `json:"message_uuid"`
				APIID       string   `json:"api_id"`
			}
			code := plivoSend(t, base, `{"src": "14155550100", "dst": "14155550123", "text": "Your code is 123456", "url": "`+a.srv.URL+`/plivo/status?x=1", "method": "`+method+`"}`, &resp)
			if code != 202 || resp.Message != "message(s) queued" || len(resp.MessageUUID) != 1 || resp.APIID == "" || resp.MessageUUID[0][14] != '1' {
				t.Fatalf("create: %d %+v", code, resp)
			}
			var statuses []string
			for range 3 {
				r := a.next(t)
				if !plivoV2OK(r, plivoToken) {
					t.Fatalf("X-Plivo-Signature-V2 does not verify")
				}
				form := r.Form
				if method == "GET" {
					form = queryOf(r.URL)
				}
				if form.Get("MessageUUID") != resp.MessageUUID[0] || form.Get("To") != "14155550123" {
					t.Fatalf("callback %s %s", r.URL, r.Body)
				}
				statuses = append(statuses, form.Get("Status"))
			}
			if strings.Join(statuses, ",") != "queued,sent,delivered" {
				t.Fatalf("statuses %v", statuses)
			}
			waitFinal(t, sb, resp.MessageUUID[0], 3)
		})
	}
}

func TestPlivoErrorsAndFetch(t *testing.T) {
	_, base := newSandbox(t, Options{Latency: time.Hour, Endpoints: map[string]Endpoint{"plivo": {Credentials: credsOf("", plivoToken)}}})
	tests := []struct{ body, want string }{
		{`{"dst": "14155550123", "text": "hi"}`, "Either of src or powerpack_uuid"},
		{`{"src": "14155550100", "text": "hi"}`, "dst parameter not present"},
		{`{"src": "14155550100", "dst": "14155550123"}`, "text parameter not present"},
		{`{"src": "14155550100", "dst": "12", "text": "hi"}`, "not a valid destination"},
		{`{"src": "14155550100", "dst": "14155550123", "text": "hi", "url": "nope"}`, "url parameter"},
	}
	for _, tt := range tests {
		var e struct {
			APIID string `json:"api_id"`
			Error string `json:"error"`
		}
		if code := plivoSend(t, base, tt.body, &e); code != 400 || !strings.Contains(e.Error, tt.want) || e.APIID == "" {
			t.Errorf("%s: %d %+v", tt.body, code, e)
		}
	}
	// Two destinations, two uuids; fetch one.
	var resp struct {
		MessageUUID []string `json:"message_uuid"`
	}
	plivoSend(t, base, `{"src": "14155550100", "dst": "14155550123<14155550124", "text": "hi"}`, &resp)
	if len(resp.MessageUUID) != 2 {
		t.Fatalf("uuids %v", resp.MessageUUID)
	}
	req, _ := http.NewRequest("GET", base+"/plivo/v1/Account/"+plivoAuthID+"/Message/"+resp.MessageUUID[1]+"/", nil)
	req.SetBasicAuth(plivoAuthID, "wrong")
	r, _ := http.DefaultClient.Do(req)
	r.Body.Close()
	if r.StatusCode != 401 {
		t.Fatalf("a wrong token: %d", r.StatusCode)
	}
	req.SetBasicAuth(plivoAuthID, plivoToken)
	r, _ = http.DefaultClient.Do(req)
	var m map[string]any
	decodeJSON(t, r, &m)
	r.Body.Close()
	if m["message_uuid"] != resp.MessageUUID[1] || m["to_number"] != "14155550124" || m["message_state"] != "queued" {
		t.Fatalf("fetch %v", m)
	}
}

func TestPlivoReply(t *testing.T) {
	a := newApp(t, 200)
	_, base := newSandbox(t, Options{Latency: time.Hour, InboundURL: a.srv.URL + "/in"})
	var resp struct {
		MessageUUID []string `json:"message_uuid"`
	}
	plivoSend(t, base, `{"src": "14155550100", "dst": "14155550123", "text": "Reply YES"}`, &resp)
	if code := postJSON(t, base+"/api/messages/"+resp.MessageUUID[0]+"/reply", `{"text": "YES"}`, nil, nil); code != 201 {
		t.Fatalf("reply %d", code)
	}
	r := a.next(t)
	if !plivoV2OK(r, plivoToken) || r.Form.Get("From") != "14155550123" || r.Form.Get("To") != "14155550100" || r.Form.Get("Text") != "YES" {
		t.Fatalf("inbound %s", r.Body)
	}
}
