package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	twilio "github.com/twilio/twilio-go"
	twclient "github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/smshook/smshook/pkg/capture"
)

const (
	testAccount = "AC0123456789abcdef0123456789abcdef"
	testToken   = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
)

// redirect sends twilio-go's requests for https://api.twilio.com to the
// sandbox: the README's recipe for pointing the SDK at it.
type redirect struct{ base *url.URL }

func (rt redirect) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host = rt.base.Scheme, rt.base.Host
	r.URL.Path = rt.base.Path + r.URL.Path
	r.Host = rt.base.Host
	return http.DefaultTransport.RoundTrip(r)
}

func twilioSDK(t *testing.T, sandboxURL, user, token string) *twilio.RestClient {
	t.Helper()
	base, err := url.Parse(sandboxURL + "/twilio")
	if err != nil {
		t.Fatal(err)
	}
	c := &twclient.Client{
		Credentials: twclient.NewCredentials(user, token),
		HTTPClient:  &http.Client{Transport: redirect{base}, Timeout: 5 * time.Second},
	}
	c.SetAccountSid(user)
	return twilio.NewRestClientWithParams(twilio.ClientParams{Client: c})
}

// app is a test handler that records what it was sent.
type app struct {
	srv    *httptest.Server
	status int
	mu     sync.Mutex
	got    []appRequest
	notify chan appRequest
}

type appRequest struct {
	Path   string
	URL    string
	Header http.Header
	Body   []byte
	Form   url.Values
}

func newApp(t *testing.T, status int) *app {
	a := &app{status: status, notify: make(chan appRequest, 100)}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		req := appRequest{Path: r.URL.Path, URL: "http://" + r.Host + r.URL.RequestURI(), Header: r.Header.Clone(), Body: body, Form: form}
		a.mu.Lock()
		a.got = append(a.got, req)
		a.mu.Unlock()
		a.notify <- req
		w.WriteHeader(a.status)
		io.WriteString(w, "ok")
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *app) next(t *testing.T) appRequest {
	t.Helper()
	select {
	case r := <-a.notify:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("the app got no callback within 5s")
	}
	return appRequest{}
}

type memCapture struct {
	mu   sync.Mutex
	recs []*capture.Record
}

func (m *memCapture) Append(r *capture.Record) error {
	if err := r.Validate(); err != nil {
		return err
	}
	m.mu.Lock()
	m.recs = append(m.recs, r)
	m.mu.Unlock()
	return nil
}

func newSandbox(t *testing.T, opts Options) (*Sandbox, string) {
	t.Helper()
	sb, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { srv.Close(); sb.Close() })
	return sb, srv.URL
}

func waitFinal(t *testing.T, sb *Sandbox, id string, callbacks int) Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := sb.Drain(ctx); err != nil {
		t.Fatal("the message's life did not end within 5s")
	}
	m, ok := sb.Message(id)
	if !ok {
		t.Fatalf("message %s not stored", id)
	}
	if len(m.Callbacks) != callbacks {
		t.Fatalf("got %d callbacks, want %d: %+v", len(m.Callbacks), callbacks, m.Callbacks)
	}
	return m
}

// TestTwilioSDKCreateMessage: twilio-go's own CreateMessage against the
// sandbox parses the answer, and the callbacks reach the app signed so
// that twilio-go's RequestValidator accepts them with the app's token.
func TestTwilioSDKCreateMessage(t *testing.T) {
	a := newApp(t, 200)
	mc := &memCapture{}
	sb, base := newSandbox(t, Options{Capture: mc})
	sdk := twilioSDK(t, base, testAccount, testToken)

	params := &openapi.CreateMessageParams{}
	params.SetTo("+15558675310")
	params.SetFrom("+15017122661")
	params.SetBody("Your code is 123456")
	params.SetStatusCallback(a.srv.URL + "/twilio/status?tenant=7")
	msg, err := sdk.Api.CreateMessage(params)
	if err != nil {
		t.Fatalf("CreateMessage: %v", err)
	}
	if msg.Sid == nil || !strings.HasPrefix(*msg.Sid, "SM") || len(*msg.Sid) != 34 {
		t.Fatalf("sid %v is not SM + 32 hex", msg.Sid)
	}
	if *msg.Status != "queued" || *msg.AccountSid != testAccount || *msg.NumSegments != "1" || *msg.Direction != "outbound-api" {
		t.Fatalf("unexpected resource: status %s account %s segments %s direction %s", *msg.Status, *msg.AccountSid, *msg.NumSegments, *msg.Direction)
	}

	validator := twclient.NewRequestValidator(testToken)
	var statuses []string
	for range 2 {
		r := a.next(t)
		params := map[string]string{}
		for k := range r.Form {
			params[k] = r.Form.Get(k)
		}
		if !validator.Validate(r.URL, params, r.Header.Get("X-Twilio-Signature")) {
			t.Fatalf("twilio-go's RequestValidator refused the %s callback", r.Form.Get("MessageStatus"))
		}
		if r.Form.Get("MessageSid") != *msg.Sid || r.Form.Get("AccountSid") != testAccount {
			t.Fatalf("callback for %s/%s", r.Form.Get("MessageSid"), r.Form.Get("AccountSid"))
		}
		statuses = append(statuses, r.Form.Get("MessageStatus"))
	}
	if strings.Join(statuses, ",") != "sent,delivered" {
		t.Fatalf("statuses %v, want sent then delivered", statuses)
	}
	m := waitFinal(t, sb, *msg.Sid, 2)
	if !m.Final || m.Status != "delivered" || !m.Callbacks[1].OK || m.Callbacks[1].ReplyStatus != 200 {
		t.Fatalf("final message %+v", m)
	}

	// fetch and list through the SDK see the final status.
	got, err := sdk.Api.FetchMessage(*msg.Sid, nil)
	if err != nil || *got.Status != "delivered" || got.DateSent == nil || got.Price == nil {
		t.Fatalf("FetchMessage: %v %+v", err, got)
	}
	list, err := sdk.Api.ListMessage(&openapi.ListMessageParams{})
	if err != nil || len(list) != 1 || *list[0].Sid != *msg.Sid {
		t.Fatalf("ListMessage: %v, %d messages", err, len(list))
	}

	// Each callback is captured with the app's answer, decoded.
	if len(mc.recs) != 2 || mc.recs[1].Reply.Status != 200 || mc.recs[1].Event == nil || mc.recs[1].Event.MessageID != *msg.Sid {
		t.Fatalf("capture: %d records", len(mc.recs))
	}
}

func TestTwilioErrors(t *testing.T) {
	_, base := newSandbox(t, Options{})
	sdk := twilioSDK(t, base, testAccount, testToken)
	tests := []struct {
		name string
		set  func(p *openapi.CreateMessageParams)
		code int
	}{
		{"no To", func(p *openapi.CreateMessageParams) { p.SetFrom("+15017122661"); p.SetBody("hi") }, 21604},
		{"no From", func(p *openapi.CreateMessageParams) { p.SetTo("+15558675310"); p.SetBody("hi") }, 21603},
		{"no Body", func(p *openapi.CreateMessageParams) { p.SetTo("+15558675310"); p.SetFrom("+15017122661") }, 21602},
		{"bad To", func(p *openapi.CreateMessageParams) { p.SetTo("555-1234"); p.SetFrom("+15017122661"); p.SetBody("hi") }, 21211},
		{"bad From", func(p *openapi.CreateMessageParams) { p.SetTo("+15558675310"); p.SetFrom("+1 (nope)"); p.SetBody("hi") }, 21212},
		{"too long", func(p *openapi.CreateMessageParams) {
			p.SetTo("+15558675310")
			p.SetFrom("+15017122661")
			p.SetBody(strings.Repeat("a", 1601))
		}, 21617},
		{"bad callback", func(p *openapi.CreateMessageParams) {
			p.SetTo("+15558675310")
			p.SetFrom("+15017122661")
			p.SetBody("hi")
			p.SetStatusCallback("ftp://x")
		}, 21609},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &openapi.CreateMessageParams{}
			tt.set(p)
			_, err := sdk.Api.CreateMessage(p)
			var te *twclient.TwilioRestError
			if !errors.As(err, &te) || te.Code != tt.code || te.Status != 400 || te.MoreInfo == "" {
				t.Fatalf("got %v, want Twilio error %d", err, tt.code)
			}
		})
	}
}

// TestTwilioAuth: any credentials by default; with the profile's, a wrong
// token gets Twilio's 401 with code 20003.
func TestTwilioAuth(t *testing.T) {
	_, base := newSandbox(t, Options{Endpoints: map[string]Endpoint{"twilio": {Credentials: credsOf(testAccount, testToken)}}})
	send := func(token string) error {
		p := &openapi.CreateMessageParams{}
		p.SetTo("+15558675310")
		p.SetFrom("+15017122661")
		p.SetBody("hi")
		_, err := twilioSDK(t, base, testAccount, token).Api.CreateMessage(p)
		return err
	}
	if err := send(testToken); err != nil {
		t.Fatalf("the profile's token: %v", err)
	}
	var te *twclient.TwilioRestError
	if err := send("wrong"); !errors.As(err, &te) || te.Code != 20003 || te.Status != 401 {
		t.Fatalf("a wrong token: got %v, want 401 with code 20003", err)
	}
	// No credentials at all.
	resp, err := http.Post(base+"/twilio/2010-04-01/Accounts/"+testAccount+"/Messages.json", "application/x-www-form-urlencoded", strings.NewReader("To=%2B15558675310"))
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != 401 || body["code"] != float64(20003) {
		t.Fatalf("no credentials: %d %v", resp.StatusCode, body)
	}
}
