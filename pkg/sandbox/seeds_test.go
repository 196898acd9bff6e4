package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/provider"
)

// TestCellcastSendAndDeliver: the v3 send-sms shape gets Cellcast's
// envelope, and the Status URL gets the webhook page's payload with the
// Basic credentials configured.
func TestCellcastSendAndDeliver(t *testing.T) {
	a := newApp(t, 200)
	mc := &memCapture{}
	sb, base := newSandbox(t, Options{CallbackURL: a.srv.URL + "/cellcast/status", Capture: mc})
	var resp struct {
		Meta struct {
			Code   int    `json:"code"`
			Status string `json:"status"`
		} `json:"meta"`
		Msg  string `json:"msg"`
		Data struct {
			Messages []struct {
				MessageID string `json:"message_id"`
				To        string `json:"to"`
			} `json:"messages"`
			TotalNumbers int `json:"total_numbers"`
			CreditsUsed  int `json:"credits_used"`
		} `json:"data"`
	}
	code := postJSON(t, base+"/cellcast/api/v3/send-sms", `{"sms_text": "Your code is 123456", "numbers": ["0400000000", "+61400000003"], "from": "Acme"}`,
		map[string]string{"APPKEY": "CELLCAST0123"}, &resp)
	if code != 200 || resp.Meta.Status != "SUCCESS" || resp.Msg != "Queued" || resp.Data.TotalNumbers != 2 || resp.Data.CreditsUsed != 2 {
		t.Fatalf("send: %d %+v", code, resp)
	}
	first := resp.Data.Messages[0]
	if first.To != "+61400000000" || len(first.MessageID) != 36 || strings.ToUpper(first.MessageID) != first.MessageID {
		t.Fatalf("message %+v", first)
	}
	got := map[string]string{}
	for range 2 {
		r := a.next(t)
		user, pass, ok := parseBasic(r.Header.Get("Authorization"))
		if !ok || user != "smshook-demo" || pass != "smshook-demo-cellcast-password" {
			t.Fatalf("Authorization %q", r.Header.Get("Authorization"))
		}
		var st cellcastStatus
		if err := json.Unmarshal(r.Body, &st); err != nil || st.Type != "send" || st.Sender != "Acme" {
			t.Fatalf("status webhook %s", r.Body)
		}
		got[st.Receiver] = st.Status
	}
	if got["+61400000000"] != "delivered" || got["+61400000003"] != "expired" {
		t.Fatalf("statuses %v", got)
	}
	waitFinal(t, sb, first.MessageID, 1)
	req, _ := http.NewRequest("GET", base+"/cellcast/api/v3/get-sms?message_id="+first.MessageID, nil)
	req.Header.Set("APPKEY", "k")
	hr, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(hr.Body)
	hr.Body.Close()
	if !strings.Contains(string(b), `"status":"Delivered"`) {
		t.Fatalf("get-sms: %s", b)
	}
	if len(mc.recs) != 2 || mc.recs[0].Event == nil || mc.recs[0].Event.MessageID == "" {
		t.Fatalf("capture: %d records", len(mc.recs))
	}
}

func parseBasic(h string) (string, string, bool) {
	r := &http.Request{Header: http.Header{"Authorization": {h}}}
	return r.BasicAuth()
}

func TestCellcastErrors(t *testing.T) {
	_, base := newSandbox(t, Options{Latency: time.Hour})
	key := map[string]string{"APPKEY": "k"}
	tests := []struct {
		name, body string
		header     map[string]string
		status     int
		code, msg  string
	}{
		{"no key", `{"sms_text": "hi", "numbers": ["0400000000"]}`, nil, 401, "AUTH_FAILED", "APPKEY"},
		{"no text", `{"sms_text": "", "numbers": ["0400000000"]}`, key, 400, "FIELD_INVALID", "sms_text"},
		{"no numbers", `{"sms_text": "hi", "numbers": []}`, key, 400, "FIELD_INVALID", "numbers"},
		{"bad number", `{"sms_text": "hi", "numbers": ["12345"]}`, key, 400, "FIELD_INVALID", "not a valid mobile"},
		{"too long", `{"sms_text": "` + strings.Repeat("a", 919) + `", "numbers": ["0400000000"]}`, key, 400, "FIELD_INVALID", "too long"},
		{"bad from", `{"sms_text": "hi", "numbers": ["0400000000"], "from": "far too long a name"}`, key, 400, "FIELD_INVALID", "from"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e struct {
				Meta struct {
					Code   int    `json:"code"`
					Status string `json:"status"`
				} `json:"meta"`
				Msg string `json:"msg"`
			}
			code := postJSON(t, base+"/cellcast/api/v3/send-sms", tt.body, tt.header, &e)
			if code != tt.status || e.Meta.Status != tt.code || e.Meta.Code != tt.status || !strings.Contains(e.Msg, tt.msg) {
				t.Fatalf("got %d %+v", code, e)
			}
		})
	}
}

// TestCellcastReply: the Receive URL gets the receive payload.
func TestCellcastReply(t *testing.T) {
	a := newApp(t, 200)
	_, base := newSandbox(t, Options{Latency: time.Hour, InboundURL: a.srv.URL + "/cellcast/receive"})
	var m Message
	if code := postJSON(t, base+"/api/inbound", `{"provider": "cellcast", "from": "+61400000009", "to": "+61400000001", "text": "STOP"}`, nil, &m); code != 201 {
		t.Fatalf("inbound: %d", code)
	}
	r := a.next(t)
	var rc cellcastReceive
	json.Unmarshal(r.Body, &rc)
	if rc.Type != "receive" || rc.Message != "STOP" || rc.Sender != "+61400000009" || rc.ID != m.ID {
		t.Fatalf("receive webhook %s", r.Body)
	}
}

// TestMOBtextingSendAndDLR: GET with access_token as the provider's own
// clients send it; the DLR comes with the webhook secret as a Bearer
// token and is retried 3 times when the app does not answer 200 or 202.
func TestMOBtextingSendAndDLR(t *testing.T) {
	a := newApp(t, 201) // 201 is not success for MOBtexting
	sb, base := newSandbox(t, Options{CallbackURL: a.srv.URL + "/mobtexting"})
	q := url.Values{"access_token": {"tok"}, "message": {"Your OTP is 123456"}, "sender": {"MobTxt"}, "to": {"8921269000"}, "service": {"T"}}
	var resp struct {
		Status  int    `json:"status"`
		Message string `json:"message"`
		Data    []struct {
			ID     string `json:"id"`
			Mobile string `json:"mobile"`
			Status string `json:"status"`
			Units  int    `json:"units"`
		} `json:"data"`
	}
	code := getJSON(t, "GET", base+"/mobtexting/api/v2/sms/send?"+q.Encode(), "", &resp)
	if code != 200 || resp.Status != 200 || resp.Message != "1 numbers accepted for delivery." || len(resp.Data) != 1 {
		t.Fatalf("send: %d %+v", code, resp)
	}
	d := resp.Data[0]
	if d.Mobile != "918921269000" || d.Status != "AWAITING-DLR" || !strings.HasSuffix(d.ID, ":1") || len(d.ID) != 38 {
		t.Fatalf("data %+v", d)
	}
	m := waitFinal(t, sb, d.ID, 1)
	if cb := m.Callbacks[0]; cb.Attempts != 4 || cb.OK || cb.ReplyStatus != 201 {
		t.Fatalf("callback %+v: want 4 attempts (3 retries), not OK", cb)
	}
	r := a.next(t)
	if r.Header.Get("Authorization") != "Bearer smshook-demo-mobtexting-secret" {
		t.Fatalf("Authorization %q", r.Header.Get("Authorization"))
	}
	var dlr mobtextingDLR
	if err := json.Unmarshal(r.Body, &dlr); err != nil || dlr.ID != d.ID || dlr.Status != "DELIVRD" || dlr.Mobile != "918921269000" || dlr.Credits != "1.0000" {
		t.Fatalf("DLR %s", r.Body)
	}
	if m.Callbacks[0].OK {
		t.Fatal("a 201 counted as success: MOBtexting counts only 200 and 202")
	}
}

func TestMOBtextingErrors(t *testing.T) {
	_, base := newSandbox(t, Options{Latency: time.Hour})
	ok := url.Values{"access_token": {"tok"}, "message": {"hi"}, "sender": {"MobTxt"}, "to": {"918921269000"}, "service": {"T"}}
	without := func(k string) url.Values {
		v := url.Values{}
		for key, val := range ok {
			if key != k {
				v[key] = val
			}
		}
		return v
	}
	with := func(k, val string) url.Values {
		v := without(k)
		v.Set(k, val)
		return v
	}
	tests := []struct {
		name   string
		q      url.Values
		status int
		msg    string
	}{
		{"no token", without("access_token"), 401, "Unauthenticated"},
		{"no to", without("to"), 422, "to field"},
		{"no message", without("message"), 422, "message field"},
		{"no sender", without("sender"), 422, "sender field"},
		{"bad service", with("service", "X"), 422, "service"},
		{"bad number", with("to", "12"), 422, "to number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e struct {
				Status  int    `json:"status"`
				Message string `json:"message"`
			}
			// POST as a form, the other way the API takes.
			req, _ := http.NewRequest("POST", base+"/mobtexting/api/v2/sms/send", strings.NewReader(tt.q.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			json.NewDecoder(resp.Body).Decode(&e)
			resp.Body.Close()
			if resp.StatusCode != tt.status || e.Status != tt.status || !strings.Contains(e.Message, tt.msg) {
				t.Fatalf("got %d %+v", resp.StatusCode, e)
			}
		})
	}
}

// TestMOBtextingInbound: a recipient's answer reaches the app as the
// virtual number's vmn:message:in webhook, with the webhook secret as a
// Bearer token, and pkg/provider's mobtexting decodes it as inbound.
func TestMOBtextingInbound(t *testing.T) {
	a := newApp(t, 200)
	sb, base := newSandbox(t, Options{InboundURL: a.srv.URL + "/mobtexting/in", Latency: time.Hour})
	var m Message
	if code := postJSON(t, base+"/api/inbound", `{"provider": "mobtexting", "from": "+918074000000", "to": "919019000000", "text": "STOP"}`, nil, &m); code != 201 || m.Direction != DirectionInbound {
		t.Fatalf("inbound: %d %+v", code, m)
	}
	r := a.next(t)
	if r.Header.Get("Authorization") != "Bearer smshook-demo-mobtexting-secret" || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("headers %v", r.Header)
	}
	p, _ := provider.Builtin().Lookup("mobtexting")
	ev, err := p.Decode(r.Body, "")
	if err != nil || ev.EventName != "inbound" || ev.From != "918074000000" || ev.To != "919019000000" || ev.Text != "STOP" || ev.Status != "received" || ev.MessageID == "" {
		t.Fatalf("decoded %+v %v from %s", ev, err, r.Body)
	}
	if !m.Callbacks[0].OK || m.Callbacks[0].Kind != "inbound" {
		t.Fatalf("callback %+v", m.Callbacks)
	}
	if got, ok := sb.Message(m.ID); !ok || got.Text != "STOP" {
		t.Fatal("the answer is not stored")
	}
}

// TestSeedOutcomes: each magic number ends each seed provider's message
// in that provider's status, reported in its callback (none for 0005).
func TestSeedOutcomes(t *testing.T) {
	send := map[string]func(t *testing.T, base, to string){
		"dexatel": func(t *testing.T, base, to string) {
			postJSON(t, base+"/dexatel/v1/messages", `{"data": {"from": "Acme", "to": ["`+to+`"], "text": "hi", "channel": "SMS"}}`, map[string]string{"X-Dexatel-Key": "k"}, nil)
		},
		"cellcast": func(t *testing.T, base, to string) {
			postJSON(t, base+"/cellcast/api/v3/send-sms", `{"sms_text": "hi", "numbers": ["`+to+`"]}`, map[string]string{"APPKEY": "k"}, nil)
		},
		"mobtexting": func(t *testing.T, base, to string) {
			getJSON(t, "GET", base+"/mobtexting/api/v2/sms/send?access_token=t&sender=MobTxt&message=hi&service=T&to="+to, "", nil)
		},
	}
	want := map[string][]string{ // delivered, 0001 … 0005
		"dexatel":    {"delivered", "failed", "failed", "expired", "rejected", ""},
		"cellcast":   {"delivered", "failed", "failed", "expired", "rejected", ""},
		"mobtexting": {"DELIVRD", "FAILED", "UNDELIV", "EXPIRED", "REJECTD", ""},
	}
	numbers := map[string]string{"dexatel": "1555867000", "cellcast": "+6140000000", "mobtexting": "91892126000"}
	for name, statuses := range want {
		for i, status := range statuses {
			to := fmt.Sprintf("%s%d", numbers[name], i)
			t.Run(name+"/"+to, func(t *testing.T) {
				a := newApp(t, 200)
				sb, base := newSandbox(t, Options{CallbackURL: a.srv.URL})
				send[name](t, base, to)
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				if err := sb.Drain(ctx); err != nil {
					t.Fatal(err)
				}
				msgs := sb.Messages(Filter{})
				if len(msgs) != 1 {
					t.Fatalf("%d messages", len(msgs))
				}
				m := msgs[0]
				if status == "" {
					if len(m.Callbacks) != 0 || m.Outcome != OutcomeNoFinal {
						t.Fatalf("no_final: %+v", m)
					}
					return
				}
				if len(m.Callbacks) != 1 || m.Callbacks[0].Status != status || m.Status != status || !m.Callbacks[0].OK {
					t.Fatalf("want %s: %+v", status, m)
				}
				if !strings.Contains(string(a.next(t).Body), `"`+status+`"`) {
					t.Fatal("the callback body lacks the status")
				}
			})
		}
	}
}
