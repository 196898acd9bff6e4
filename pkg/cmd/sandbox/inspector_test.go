package sandbox

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	twclient "github.com/twilio/twilio-go/client"
)

// recordingApp is the app under test: it answers 200 and keeps each
// request it got, with whether Twilio's own validator accepts it.
type recordingApp struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []appRequest
}

type appRequest struct {
	path   string
	form   url.Values
	signed bool
}

func newRecordingApp(t *testing.T, authToken string) *recordingApp {
	a := &recordingApp{}
	validator := twclient.NewRequestValidator(authToken)
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		params := map[string]string{}
		for k := range r.PostForm {
			params[k] = r.PostForm.Get(k)
		}
		full := "http://" + r.Host + r.URL.RequestURI()
		a.mu.Lock()
		a.got = append(a.got, appRequest{r.URL.Path, r.PostForm, validator.Validate(full, params, r.Header.Get("X-Twilio-Signature"))})
		a.mu.Unlock()
		w.Write([]byte("<Response/>"))
	}))
	t.Cleanup(a.srv.Close)
	return a
}

// requests returns what the app got on path.
func (a *recordingApp) requests(path string) []appRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []appRequest
	for _, r := range a.got {
		if r.path == path {
			out = append(out, r)
		}
	}
	return out
}

// startWithInspector runs the sandbox and returns its base URL and its
// inspector's.
func startWithInspector(t *testing.T, args ...string) (base, ui string, done <-chan error) {
	t.Helper()
	base, ui, done, _ = startBanner(t, args...)
	if ui == "" {
		t.Fatal("the sandbox serves no inspector")
	}
	return base, ui, done
}

// startBanner is startWithInspector, with the banner's buffer (stderr);
// ui is "" with --no-ui.
func startBanner(t *testing.T, args ...string) (base, ui string, done <-chan error, errOut interface{ String() string }) {
	t.Helper()
	f, _, stderr := testFactory(t, "")
	addr, uiURL := make(chan string, 1), make(chan string, 1)
	cmd := NewCmdSandbox(f, func(o *Options) error {
		o.listening = func(a string) { addr <- a }
		o.inspecting = func(u string) { uiURL <- u }
		return run(o)
	})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	cmd.SetContext(ctx)
	cmd.SetArgs(append([]string{"--port", "0"}, args...))
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	errc := make(chan error, 1)
	go func() { errc <- cmd.Execute() }()
	select {
	case a := <-addr: // told after the inspector's URL
		select {
		case ui = <-uiURL:
		default:
		}
		return "http://" + a, ui, errc, stderr
	case err := <-errc:
		t.Fatalf("sandbox stopped: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("sandbox did not start")
	}
	return "", "", nil, nil
}

// TestInspectorBanner: the banner names the inspector's URL; --no-ui
// serves none.
func TestInspectorBanner(t *testing.T) {
	_, ui, _, banner := startBanner(t, "--no-capture")
	if ui == "" || !strings.Contains(banner.String(), "\ninspector  "+ui+"\n") {
		t.Fatalf("inspector %q, banner:\n%s", ui, banner)
	}
	_, ui, _, banner = startBanner(t, "--no-capture", "--no-ui")
	if ui != "" || strings.Contains(banner.String(), "inspector") {
		t.Fatalf("--no-ui: inspector %q, banner:\n%s", ui, banner)
	}
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

type pageMessages struct {
	Messages []pageMessage `json:"messages"`
}

// eventually polls cond every 20ms for up to 5s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestInspectorShowsSandboxMessages: the sandbox's inspector (a ring with
// --no-capture) lists the message the app sent with its callbacks and the
// app's answers, indexes the callbacks' records, and sends the
// recipient's reply to the app, signed, only for the page itself.
func TestInspectorShowsSandboxMessages(t *testing.T) {
	app := newRecordingApp(t, "token")
	base, ui, _ := startWithInspector(t, "--latency", "0", "--no-capture", "--inbound-url", app.srv.URL+"/inbound")
	sendTwilio(t, base, "+15558675310", app.srv.URL+"/status")

	var list pageMessages
	eventually(t, "the message with both callbacks", func() bool {
		getJSON(t, ui+"api/sandbox/messages", &list)
		return len(list.Messages) == 1 && len(list.Messages[0].Callbacks) == 2
	})
	m := list.Messages[0]
	if m.Provider != "twilio" || m.Status != "delivered" || m.Callbacks[0].Status != "sent" || m.Callbacks[1].ReplyStatus != 200 ||
		!strings.Contains(m.SignedWith, "X-Twilio-Signature") || m.Callbacks[1].CaptureID == "" {
		t.Fatalf("message %+v", m)
	}
	var events struct {
		Total  int `json:"total"`
		Events []struct {
			LatencyMS *float64 `json:"latency_ms"`
		} `json:"events"`
	}
	eventually(t, "the callbacks' records in the index", func() bool {
		getJSON(t, ui+"api/events", &events)
		return events.Total == 2
	})
	for _, e := range events.Events {
		if e.LatencyMS == nil || *e.LatencyMS <= 0 {
			t.Fatalf("an event without the app's answer time: %v", e.LatencyMS)
		}
	}

	// The page's token, as the page reads it.
	resp, err := http.Get(ui)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	token := regexp.MustCompile(`name="smshook-token" content="([0-9a-f]+)"`).FindSubmatch(page)
	if token == nil || !strings.Contains(string(page), `name="smshook-messages" content="1"`) {
		t.Fatalf("page without token or messages view:\n%s", page)
	}
	origin := strings.TrimSuffix(ui, "/")
	reply := func(hdr map[string]string) int {
		req, _ := http.NewRequest("POST", ui+"api/sandbox/messages/"+m.ID+"/reply", strings.NewReader(`{"text":"YES"}`))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := reply(map[string]string{"Origin": "http://evil.example", "X-Smshook-Token": string(token[1])}); got != 403 {
		t.Fatalf("cross-origin reply: %d, want 403", got)
	}
	if got := reply(map[string]string{"Origin": origin}); got != 403 {
		t.Fatalf("reply without the token: %d, want 403", got)
	}
	if n := len(app.requests("/inbound")); n != 0 {
		t.Fatalf("a refused reply reached the app (%d)", n)
	}
	if got := reply(map[string]string{"Origin": origin, "X-Smshook-Token": string(token[1])}); got != 201 {
		t.Fatalf("the page's reply: %d, want 201", got)
	}
	in := app.requests("/inbound")
	if len(in) != 1 || !in[0].signed || in[0].form.Get("Body") != "YES" || in[0].form.Get("From") != "+15558675310" {
		t.Fatalf("the app's inbound webhook: %+v", in)
	}
	eventually(t, "the reply in the list", func() bool {
		getJSON(t, ui+"api/sandbox/messages", &list)
		return len(list.Messages) == 2 && list.Messages[1].Direction == "inbound" && list.Messages[1].InReplyTo == m.ID
	})
	var newest pageMessages
	getJSON(t, ui+"api/sandbox/messages?limit=1", &newest)
	if len(newest.Messages) != 1 || newest.Messages[0].Direction != "inbound" {
		t.Fatalf("limit=1: %+v, want only the reply", newest.Messages)
	}
}

// TestNoUI: --no-ui serves no inspector, and conflicts with --ui-port.
func TestInspectorFlags(t *testing.T) {
	o, err := parse(t)
	if err != nil || o.UIPort != DefaultUIPort || o.NoUI {
		t.Fatalf("defaults: %v %+v", err, o)
	}
	if o, err = parse(t, "--port", "0"); err != nil || o.UIPort != 0 {
		t.Fatalf("--port 0 leaves --ui-port %d (%v), want 0", o.UIPort, err)
	}
	if o, err = parse(t, "--port", "0", "--ui-port", "9999"); err != nil || o.UIPort != 9999 {
		t.Fatalf("--ui-port 9999: %d (%v)", o.UIPort, err)
	}
	for _, args := range [][]string{{"--no-ui", "--ui-port", "1"}, {"--no-ui", "--open"}, {"--ui-port", "8789"}, {"--ui-port", "-1"}} {
		if _, err := parse(t, args...); err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
}
