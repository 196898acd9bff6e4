package sandbox

import (
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"
)

// vonageSigOK checks a DLR's sig as Vonage's libraries do, written here
// independently: md5 of "&k=v" for every parameter but sig, sorted, '&'
// and '=' in values replaced by '_', followed by the secret.
func vonageSigOK(form url.Values, secret string) bool {
	var keys []string
	for k := range form {
		if k != "sig" && form.Get(k) != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	clean := strings.NewReplacer("&", "_", "=", "_")
	for _, k := range keys {
		b.WriteString("&" + clean.Replace(k) + "=" + clean.Replace(form.Get(k)))
	}
	sum := md5.Sum([]byte(b.String() + secret))
	return strings.EqualFold(hex.EncodeToString(sum[:]), form.Get("sig"))
}

func vonageSend(t *testing.T, base string, form url.Values) map[string]any {
	t.Helper()
	resp, err := http.PostForm(base+"/vonage/sms/json", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: Vonage answers 200 even for errors", resp.StatusCode)
	}
	decodeJSON(t, resp, &out)
	return out
}

// TestVonageSendAndDLR: a two-part text is answered and reported as two
// messages; each receipt is signed with the signature secret.
func TestVonageSendAndDLR(t *testing.T) {
	a := newApp(t, 200)
	sb, base := newSandbox(t, Options{})
	out := vonageSend(t, base, url.Values{"api_key": {"abcd1234"}, "api_secret": {"s3cr3t"}, "from": {"AcmeInc"},
		"to": {"447700900000"}, "text": {strings.Repeat("a", 161)}, "callback": {a.srv.URL + "/dlr"}, "client-ref": {"order-7"}})
	msgs := out["messages"].([]any)
	if out["message-count"] != "2" || len(msgs) != 2 {
		t.Fatalf("answer %v", out)
	}
	ids := map[string]bool{}
	for _, m := range msgs {
		mm := m.(map[string]any)
		if mm["status"] != "0" || mm["to"] != "447700900000" || len(mm["message-id"].(string)) != 16 || mm["client-ref"] != "order-7" {
			t.Fatalf("message %v", mm)
		}
		ids[mm["message-id"].(string)] = true
	}
	for range 2 {
		r := a.next(t)
		if !vonageSigOK(r.Form, "smshook-demo-vonage-signature-secret") {
			t.Fatalf("sig does not verify: %s", r.Body)
		}
		if !ids[r.Form.Get("messageId")] || r.Form.Get("status") != "delivered" || r.Form.Get("msisdn") != "447700900000" || r.Form.Get("to") != "AcmeInc" || r.Form.Get("client-ref") != "order-7" || r.Form.Get("err-code") != "0" {
			t.Fatalf("DLR %s", r.Body)
		}
	}
	ctxDrain(t, sb)
}

func TestVonageErrors(t *testing.T) {
	_, base := newSandbox(t, Options{Latency: time.Hour})
	ok := url.Values{"api_key": {"k"}, "api_secret": {"s"}, "from": {"AcmeInc"}, "to": {"447700900000"}, "text": {"hi"}}
	edit := func(k, v string) url.Values {
		f := url.Values{}
		for key, val := range ok {
			f[key] = val
		}
		if v == "" {
			f.Del(k)
		} else {
			f.Set(k, v)
		}
		return f
	}
	tests := []struct {
		form         url.Values
		status, text string
	}{
		{edit("api_key", ""), "2", "Missing api_key"},
		{edit("api_secret", ""), "2", "Missing api_secret"},
		{edit("to", ""), "2", "Missing to param"},
		{edit("from", ""), "2", "Missing from param"},
		{edit("text", ""), "2", "Missing text param"},
		{edit("to", "12"), "3", "Invalid to address"},
		{edit("from", "far too long sender!"), "15", "Invalid sender address"},
		{edit("callback", "nope"), "23", "Invalid callback url"},
		{edit("sig", "abc"), "32", "Signature And API Secret Disallowed"},
	}
	for _, tt := range tests {
		out := vonageSend(t, base, tt.form)
		m := out["messages"].([]any)[0].(map[string]any)
		if m["status"] != tt.status || m["error-text"] != tt.text {
			t.Errorf("%v: got %v", tt.form, m)
		}
	}
}

func TestVonageReply(t *testing.T) {
	a := newApp(t, 200)
	_, base := newSandbox(t, Options{Latency: time.Hour, InboundURL: a.srv.URL + "/in"})
	out := vonageSend(t, base, url.Values{"api_key": {"abcd1234"}, "api_secret": {"s"}, "from": {"447700900001"}, "to": {"447700900000"}, "text": {"Reply YES"}})
	id := out["messages"].([]any)[0].(map[string]any)["message-id"].(string)
	if code := postJSON(t, base+"/api/messages/"+id+"/reply", `{"text": "yes please"}`, nil, nil); code != 201 {
		t.Fatalf("reply: %d", code)
	}
	r := a.next(t)
	if !vonageSigOK(r.Form, "smshook-demo-vonage-signature-secret") || r.Form.Get("msisdn") != "447700900000" || r.Form.Get("to") != "447700900001" || r.Form.Get("keyword") != "YES" || r.Form.Get("type") != "text" {
		t.Fatalf("inbound %s", r.Body)
	}
}

// TestVonageBasicAuth: @vonage/sms (the official Node SDK) sends JSON with
// the key and secret in an Authorization: Basic header, not in the body.
func TestVonageBasicAuth(t *testing.T) {
	_, base := newSandbox(t, Options{Latency: time.Hour})
	req, _ := http.NewRequest("POST", base+"/vonage/sms/json", strings.NewReader(`{"from": "AcmeInc", "to": "447700900000", "text": "hi"}`))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth("abcd1234", "s3cr3t")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	decodeJSON(t, resp, &out)
	m := out["messages"].([]any)[0].(map[string]any)
	if m["status"] != "0" || len(m["message-id"].(string)) != 16 {
		t.Fatalf("Basic auth refused: %v", m)
	}
}
