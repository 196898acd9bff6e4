package sandbox

import (
	"crypto/md5"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/signing"
)

// TestAPICredentials: with the profile's api_key (and api_secret) set, each
// provider's API takes only those, and answers wrong ones with its own
// error; with none set, any credentials are accepted.
func TestAPICredentials(t *testing.T) {
	const key, secret = "right-key", "right-secret"
	jsonReq := func(method, path, body string, set func(h http.Header)) func(base string) *http.Request {
		return func(base string) *http.Request {
			r, _ := http.NewRequest(method, base+path, strings.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			set(r.Header)
			return r
		}
	}
	basic := func(user, pass string) func(h http.Header) {
		return func(h http.Header) {
			r := http.Request{Header: h}
			r.SetBasicAuth(user, pass)
		}
	}
	vonage := func(k, s string) func(base string) *http.Request {
		return func(base string) *http.Request {
			form := url.Values{"api_key": {k}, "api_secret": {s}, "from": {"Acme"}, "to": {"447700900123"}, "text": {"hi"}}
			r, _ := http.NewRequest("POST", base+"/vonage/sms/json", strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}
	}
	mobtexting := func(token string) func(base string) *http.Request {
		return func(base string) *http.Request {
			r, _ := http.NewRequest("GET", base+"/mobtexting/api/v2/sms/send?access_token="+token+"&sender=MobTxt&to=918921269000&message=hi&service=T", nil)
			return r
		}
	}
	const (
		telnyxBody = `{"to": "+15558675310", "from": "+15017122661", "text": "hi"}`
		sinchBody  = `{"from": "+15017122661", "to": ["+15558675310"], "body": "hi"}`
		mbBody     = `{"originator": "Acme", "recipients": ["15558675310"], "body": "hi"}`
		bwBody     = `{"to": ["+15558675310"], "from": "+15017122661", "text": "hi", "applicationId": "93de2206-9669-4e07-948d-329f4b722ee2"}`
		dexBody    = `{"data": {"from": "Acme", "to": ["15558675310"], "text": "hi", "channel": "SMS"}}`
		ccBody     = `{"sms_text": "hi", "numbers": ["0400000000"]}`
	)
	header := func(name, value string) func(h http.Header) { return func(h http.Header) { h.Set(name, value) } }
	tests := []struct {
		provider   string
		right      func(base string) *http.Request
		wrong      []func(base string) *http.Request
		wantStatus int    // of a wrong one
		wantBody   string // in a wrong one's answer
	}{
		{"telnyx", jsonReq("POST", "/telnyx/v2/messages", telnyxBody, header("Authorization", "Bearer "+key)),
			[]func(string) *http.Request{jsonReq("POST", "/telnyx/v2/messages", telnyxBody, header("Authorization", "Bearer wrong"))},
			401, `"code":"10009","detail":"Could not understand the provided credentials."`},
		{"vonage", vonage(key, secret), []func(string) *http.Request{vonage("wrong", secret), vonage(key, "wrong")},
			200, `"error-text":"Bad Credentials","status":"4"`},
		{"sinch", jsonReq("POST", "/sinch/xms/v1/plan1/batches", sinchBody, header("Authorization", "Bearer "+key)),
			[]func(string) *http.Request{jsonReq("POST", "/sinch/xms/v1/plan1/batches", sinchBody, header("Authorization", "Bearer wrong"))},
			401, `"code":"unauthorized","text":"Unauthorized"`},
		{"messagebird", jsonReq("POST", "/messagebird/messages", mbBody, header("Authorization", "AccessKey "+key)),
			[]func(string) *http.Request{jsonReq("POST", "/messagebird/messages", mbBody, header("Authorization", "AccessKey wrong"))},
			401, `"code":2,"description":"Request not allowed (incorrect access_key)"`},
		{"bandwidth", jsonReq("POST", "/bandwidth/api/v2/users/9900000/messages", bwBody, basic(key, secret)),
			[]func(string) *http.Request{
				jsonReq("POST", "/bandwidth/api/v2/users/9900000/messages", bwBody, basic("wrong", secret)),
				jsonReq("POST", "/bandwidth/api/v2/users/9900000/messages", bwBody, basic(key, "wrong")),
			},
			401, `{"description":"Authentication Failed","type":"unauthorized"}`},
		{"dexatel", jsonReq("POST", "/dexatel/v1/messages", dexBody, header("X-Dexatel-Key", key)),
			[]func(string) *http.Request{jsonReq("POST", "/dexatel/v1/messages", dexBody, header("X-Dexatel-Key", "wrong"))},
			401, `"message":"Unauthorized"`},
		{"cellcast", jsonReq("POST", "/cellcast/api/v3/send-sms", ccBody, header("APPKEY", key)),
			[]func(string) *http.Request{jsonReq("POST", "/cellcast/api/v3/send-sms", ccBody, header("APPKEY", "wrong"))},
			401, `"status":"AUTH_FAILED"},"msg":"Invalid APPKEY"`},
		{"mobtexting", mobtexting(key), []func(string) *http.Request{mobtexting("wrong")},
			401, `"message":"Unauthenticated."`},
	}
	do := func(t *testing.T, r *http.Request) (int, string) {
		t.Helper()
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, tt := range tests {
		t.Run(tt.provider, func(t *testing.T) {
			ep := Endpoint{APIKey: key, APISecret: secret}
			if !ep.ChecksCredentials(tt.provider) {
				t.Fatal("ChecksCredentials: false with an api_key")
			}
			_, base := newSandbox(t, Options{Providers: []string{tt.provider}, Endpoints: map[string]Endpoint{tt.provider: ep}})
			if code, body := do(t, tt.right(base)); code/100 != 2 || strings.Contains(body, "Bad Credentials") {
				t.Fatalf("the profile's credentials: %d %s", code, body)
			}
			for i, wrong := range tt.wrong {
				code, body := do(t, wrong(base))
				if code != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
					t.Fatalf("wrong credentials %d: %d %s, want %d with %s", i+1, code, body, tt.wantStatus, tt.wantBody)
				}
			}
			// No api_key configured: the wrong ones are as good as any.
			_, open := newSandbox(t, Options{Providers: []string{tt.provider}})
			for i, wrong := range tt.wrong {
				if code, body := do(t, wrong(open)); code/100 != 2 || strings.Contains(body, "Bad Credentials") {
					t.Fatalf("no credentials configured, request %d: %d %s", i+1, code, body)
				}
			}
		})
	}
}

// vonageSig signs params as Vonage's SDKs sign API requests with the
// md5hash method: "&k=v" sorted by name ('&' and '=' in values as '_'),
// then the secret, MD5, hex. Written here, apart from pkg/signing.
func vonageSig(params url.Values, secret string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString("&" + k + "=" + strings.NewReplacer("&", "_", "=", "_").Replace(params.Get(k)))
	}
	sum := md5.Sum([]byte(b.String() + secret))
	return hex.EncodeToString(sum[:])
}

// TestVonageSignedRequest: with the profile's signature secret set, a
// request signed with sig passes only with the right signature and a fresh
// timestamp (status 14 Invalid Signature otherwise); with none set, any
// sig is accepted.
func TestVonageSignedRequest(t *testing.T) {
	const secret = "vonage-signature-secret"
	now := time.Now()
	send := func(base string, mutate func(url.Values)) map[string]string {
		form := url.Values{"api_key": {"abcd1234"}, "from": {"Acme"}, "to": {"447700900123"}, "text": {"Your code: 1&2=3"},
			"timestamp": {strconv.FormatInt(now.Unix(), 10)}, "nonce": {"n0nce"}}
		form.Set("sig", vonageSig(form, secret))
		if mutate != nil {
			mutate(form)
		}
		r, _ := http.NewRequest("POST", base+"/vonage/sms/json", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct {
			Messages []map[string]string `json:"messages"`
		}
		decodeJSON(t, resp, &out)
		return out.Messages[0]
	}
	_, base := newSandbox(t, Options{Providers: []string{"vonage"}, Endpoints: map[string]Endpoint{"vonage": {Credentials: signing.Credentials{Secrets: []string{secret}}}}})
	if got := send(base, nil); got["status"] != "0" {
		t.Fatalf("a right signature: %v", got)
	}
	for name, mutate := range map[string]func(url.Values){
		"wrong sig":    func(f url.Values) { f.Set("sig", vonageSig(f, "other-secret")) },
		"changed text": func(f url.Values) { f.Set("text", "Your code: 9") },
		"old timestamp": func(f url.Values) {
			f.Set("timestamp", strconv.FormatInt(now.Add(-time.Hour).Unix(), 10))
			f.Set("sig", vonageSig(withoutSig(f), secret))
		},
	} {
		if got := send(base, mutate); got["status"] != "14" || got["error-text"] != "Invalid Signature" {
			t.Errorf("%s: %v", name, got)
		}
	}
	_, open := newSandbox(t, Options{Providers: []string{"vonage"}})
	if got := send(open, func(f url.Values) { f.Set("sig", "0000") }); got["status"] != "0" {
		t.Fatalf("no secret configured: %v", got)
	}
}

func withoutSig(f url.Values) url.Values {
	c := url.Values{}
	for k, v := range f {
		if k != "sig" {
			c[k] = v
		}
	}
	return c
}
