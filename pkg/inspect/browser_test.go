package inspect

// Real-browser tests: Debian's chromium driven by chromedp. They skip when
// chromium is missing, unless CI=true, where .ci/run installs it.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/signing"
)

var browserOnce struct {
	sync.Once
	ctx    context.Context
	cancel context.CancelFunc
	err    error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if browserOnce.cancel != nil {
		browserOnce.cancel()
	}
	os.Exit(code)
}

func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// tab opens a new tab of the shared headless browser, bounded in time.
func tab(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed: .ci/run installs it (apt-get install -y chromium)")
		}
		t.Skip("chromium is not installed (apt-get install -y chromium): browser tests skipped")
	}
	browserOnce.Do(func() {
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.NoSandbox, // CI runs as root
			chromedp.WindowSize(1280, 800),
		)
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelCtx := chromedp.NewContext(alloc)
		browserOnce.err = chromedp.Do(ctx) // starts the browser
		browserOnce.ctx = ctx
		browserOnce.cancel = func() { cancelCtx(); cancelAlloc() }
	})
	if browserOnce.err != nil {
		t.Fatalf("starting chromium: %v", browserOnce.err)
	}
	ctx, cancel := chromedp.NewContext(browserOnce.ctx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 20*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel() })
	return ctx
}

type step = chromedp.Action[chromedp.Void]

func run(t *testing.T, ctx context.Context, steps ...step) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// waitJS polls a JavaScript expression until it is true.
func waitJS(expr string) step {
	poll := chromedp.Poll[bool](expr, chromedp.WithPollingInterval(20*time.Millisecond))
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := poll(ctx, tg)
		if err != nil {
			err = fmt.Errorf("waiting for %s: %w", expr, err)
		}
		return chromedp.Void{}, err
	}
}

func evalString(t *testing.T, ctx context.Context, expr string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func evalBool(t *testing.T, ctx context.Context, expr string) bool {
	t.Helper()
	b, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pageFlags is what the XSS checks look at: no payload ran, no element
// was made from webhook bytes.
const noScriptRan = `window.pwned === undefined && document.querySelectorAll('img, iframe, object, embed').length === 0 && document.querySelectorAll('script').length === 1`

func TestBrowserLiveListKeyboardAndDetail(t *testing.T) {
	ctx := tab(t)
	x := NewRing(0)
	x.Add(testRecord("01A", "m-first", "sent", t0, `{"data":{"status":"sent"}}`), -1)
	f := newFixture(t, x, nil)
	run(t, ctx,
		chromedp.Navigate(f.base+"/"),
		waitJS(`document.getElementById('conn').dataset.state === 'live'`),
		waitJS(`document.querySelectorAll('#rows tr').length === 1`),
	)
	// Sent while the page is open: it appears without a reload.
	f.srv.Observe(testRecord("01B", "m-second", "delivered", t0.Add(time.Second), `{"data":{"status":"delivered"}}`), 3*time.Millisecond)
	run(t, ctx, waitJS(`document.querySelectorAll('#rows tr').length === 2 && document.querySelector('#rows tr').textContent.includes('m-second')`))
	// j moves to the newest, j again to the older, Enter opens it.
	run(t, ctx,
		chromedp.KeyEvent("j"), chromedp.KeyEvent("j"), chromedp.KeyEvent("\r"),
		waitJS(`document.getElementById('request-line') !== null`),
	)
	if got := evalString(t, ctx, `new URLSearchParams(location.search).get('id')`); got != "01A" {
		t.Fatalf("opened %q, want 01A", got)
	}
	body := evalString(t, ctx, `document.getElementById('detail-pane').textContent`)
	for _, want := range []string{"POST http://127.0.0.1:8787/dexatel/delivery", "✓ verified", "auth: HMAC-SHA256", `"status": "sent"`, "curl -X POST"} {
		if !strings.Contains(body, want) {
			t.Errorf("detail lacks %q:\n%s", want, body)
		}
	}
	run(t, ctx, chromedp.KeyEvent("\x1b"), waitJS(`document.getElementById('detail-pane').hidden`))
}

func TestBrowserFilterThroughTheURL(t *testing.T) {
	ctx := tab(t)
	x := NewRing(0)
	x.Add(testRecord("01A", "m-sent", "sent", t0, `{}`), -1)
	x.Add(testRecord("01B", "m-failed", "failed", t0, `{"otp":"123"}`), -1)
	f := newFixture(t, x, nil)
	run(t, ctx,
		chromedp.Navigate(f.base+"/?q=status%3Afailed"),
		waitJS(`document.querySelectorAll('#rows tr').length === 1 && document.querySelector('#rows tr').textContent.includes('m-failed')`),
	)
	if q := evalString(t, ctx, `document.getElementById('q').value`); q != "status:failed" {
		t.Fatalf("search box %q", q)
	}
	// Export takes the same selection.
	if href := evalString(t, ctx, `document.getElementById('export-jsonl').getAttribute('href')`); href != "/api/export?format=jsonl&q=status%3Afailed" {
		t.Fatalf("export link %q", href)
	}
	// A new search goes into the URL, so a reload keeps it.
	run(t, ctx,
		chromedp.KeyEvent("/"),
		chromedp.SetValue(chromedp.ID("q"), `-"otp"`),
		chromedp.SendKeys(chromedp.ID("q"), "\r"),
		waitJS(`new URLSearchParams(location.search).get('q') === '-"otp"'`),
		chromedp.Reload(),
		waitJS(`document.querySelectorAll('#rows tr').length === 1 && document.querySelector('#rows tr').textContent.includes('m-sent')`),
	)
}

func TestBrowserRendersHostileBytesAsText(t *testing.T) {
	ctx := tab(t)
	x := NewRing(0)
	x.Add(hostileRecord(), -1)
	f := newFixture(t, x, nil)
	run(t, ctx,
		chromedp.Navigate(f.base+"/?id=01XSS&q=%3Cimg"),
		waitJS(`document.getElementById('request-line') !== null`),
	)
	page := evalString(t, ctx, `document.body.textContent`)
	for _, want := range []string{xss, "q=<script>alert(1)</script>", "Bearer <redacted>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page does not show %q as text", want)
		}
	}
	run(t, ctx, chromedp.Sleep(200*time.Millisecond))
	if !evalBool(t, ctx, noScriptRan) {
		t.Fatal("a payload became markup or ran")
	}
	// Revealed on request, through the token.
	run(t, ctx, chromedp.Click(chromedp.ID("act-reveal")),
		waitJS(`document.getElementById('detail-pane').textContent.includes('s3cret-token')`))
}

func TestBrowserCrossOriginPostIsRefused(t *testing.T) {
	ctx := tab(t)
	var hits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer target.Close()
	x := NewRing(0)
	x.Add(testRecord("01A", "m1", "sent", t0, `{}`), -1)
	f := newFixture(t, x, nil)
	// A page of another origin tries every way a page can send a POST.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<!doctype html><body><script>
const api = %[1]q;
const body = JSON.stringify({url: %[2]q, as_captured: true});
window.done = 0;
fetch(api + '/api/events/01A/replay', {method: 'POST', mode: 'no-cors', headers: {'Content-Type': 'text/plain'}, body})
  .finally(() => window.done++);
fetch(api + '/api/events/01A/replay', {method: 'POST', headers: {'Content-Type': 'application/json', 'X-Smshook-Token': 'guess'}, body})
  .catch(() => {}).finally(() => window.done++);
fetch(api + '/api/events').then(r => r.text()).then(() => { window.read = true }).catch(() => { window.read = false }).finally(() => window.done++);
</script><form id=f method=POST action="%[1]s/api/send" enctype="text/plain"><input name='{"url":"%[2]s","x":"' value='"}'></form>
<script>setTimeout(() => document.getElementById('f').submit(), 300)</script></body>`, f.base, target.URL)
	}))
	defer evil.Close()
	run(t, ctx,
		chromedp.Navigate(evil.URL),
		waitJS(`window.done === 3`),
		chromedp.Sleep(700*time.Millisecond), // the form post
	)
	if n := hits.Load(); n != 0 {
		t.Fatalf("a cross-origin page made the inspector send %d requests", n)
	}
	if evalBool(t, ctx, `window.read === true`) {
		t.Fatal("a cross-origin page read the event list")
	}
}

// signedTarget answers 202 and reports the bodies it got and whether
// dexatel's demo signature verified.
func signedTarget(t *testing.T) (*httptest.Server, chan [2]string) {
	p, _ := provider.Builtin().Lookup("dexatel")
	got := make(chan [2]string, 8)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		res := p.Scheme().Verify(&signing.Request{Method: r.Method, URL: "http://" + r.Host + r.URL.RequestURI(), Header: r.Header, Body: b}, p.Demo)
		got <- [2]string{string(b), fmt.Sprint(res.Valid)}
		w.WriteHeader(202)
		io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(ts.Close)
	return ts, got
}

func TestBrowserReplayAndEditThenSend(t *testing.T) {
	ctx := tab(t)
	target, got := signedTarget(t)
	x := NewRing(0)
	x.Add(testRecord("01A", "m1", "sent", t0, `{"data":{"status":"sent"}}`), -1)
	f := newFixture(t, x, nil)
	run(t, ctx,
		chromedp.Navigate(f.base+"/?id=01A"),
		waitJS(`document.getElementById('act-replay') !== null`),
		chromedp.Click(chromedp.ID("act-replay")),
		chromedp.SetValue(chromedp.ID("replay-url"), target.URL),
		chromedp.Click(chromedp.ID("replay-send")),
		waitJS(`document.getElementById('send-status') && document.getElementById('send-status').textContent.startsWith('202')`),
	)
	if g := <-got; g != [2]string{`{"data":{"status":"sent"}}`, "true"} {
		t.Fatalf("replayed %v", g)
	}
	edited := `{"data":{"status":"delivered","note":"<b>typed</b>"}}`
	run(t, ctx,
		chromedp.Click(chromedp.ID("act-edit")),
		chromedp.SetValue(chromedp.ID("edit-url"), target.URL+"/edited"),
		chromedp.SetValue(chromedp.ID("edit-body"), edited),
		chromedp.Click(chromedp.ID("edit-send")),
		waitJS(`document.getElementById('send-status') && document.getElementById('send-status').textContent.startsWith('202')`),
	)
	if g := <-got; g != [2]string{edited, "true"} {
		t.Fatalf("edited and sent %v, want the typed bytes, re-signed", g)
	}
}

func TestBrowserLifecycleAndDiff(t *testing.T) {
	ctx := tab(t)
	x := NewRing(0)
	x.Add(testRecord("01A", "m-life", "accepted", t0, `{"data":{"status":"queued"}}`), -1)
	x.Add(testRecord("01B", "m-life", "sent", t0.Add(time.Second), `{"data":{"status":"sent"}}`), -1)
	x.Add(testRecord("01C", "m-life", "delivered", t0.Add(2*time.Second), `{"data":{"status":"delivered"}}`), -1)
	x.Add(testRecord("01D", "m-life", "delivered", t0.Add(3*time.Second), `{"data":{"status":"delivered"}}`), -1)
	f := newFixture(t, x, nil)
	run(t, ctx,
		chromedp.Navigate(f.base+"/?id=01C"),
		waitJS(`document.getElementById('act-lifecycle') !== null`),
		chromedp.Click(chromedp.ID("act-lifecycle")),
		waitJS(`document.querySelectorAll('#timeline li').length === 4`),
	)
	steps := evalString(t, ctx, `[...document.querySelectorAll('#timeline li')].map(li => li.textContent).join('\n')`)
	lines := strings.Split(steps, "\n")
	for i, want := range []string{"accepted", "sent", "delivered", "delivered"} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("step %d = %q, want %s", i, lines[i], want)
		}
	}
	if !strings.Contains(lines[3], "duplicate") {
		t.Errorf("the second delivered is not flagged: %q", lines[3])
	}
	// Check two rows, diff them.
	run(t, ctx,
		chromedp.Click(chromedp.CSS(`#rows tr[data-id="01A"] input`)),
		chromedp.Click(chromedp.CSS(`#rows tr[data-id="01C"] input`)),
		chromedp.Click(chromedp.ID("diff-selected")),
		waitJS(`document.getElementById('diff-fields') !== null`),
	)
	fields := evalString(t, ctx, `document.getElementById('diff-fields').textContent`)
	if !strings.Contains(fields, `data.status"queued""delivered"`) {
		t.Errorf("diff fields: %q", fields)
	}
}

func TestBrowserConversation(t *testing.T) {
	ctx := tab(t)
	x := NewRing(0)
	for i, pair := range [][2]string{{"+1555", "+4477"}, {"+4477", "+1555"}, {"+1555", "+9999"}} {
		r := testRecord(fmt.Sprintf("01%c", 'A'+i), "", "received", t0.Add(time.Duration(i)*time.Second), `{}`)
		r.Event.Kind, r.Event.From, r.Event.To, r.Event.MessageID = codec.KindInbound, pair[0], pair[1], ""
		x.Add(r, -1)
	}
	f := newFixture(t, x, nil)
	run(t, ctx,
		chromedp.Navigate(f.base+"/?id=01B"),
		waitJS(`document.getElementById('act-lifecycle') && document.getElementById('act-lifecycle').textContent === 'Conversation'`),
		chromedp.Click(chromedp.ID("act-lifecycle")),
		waitJS(`document.querySelectorAll('#timeline li').length === 2`),
	)
	if h := evalString(t, ctx, `document.querySelector('#detail-pane h2').textContent`); !strings.Contains(h, "+4477 ⇄ +1555") {
		t.Fatalf("heading %q", h)
	}
}

// The detail shows why a signature failed: the cause, the URL it matched,
// and every check tried, the hostile parts as text.
func TestBrowserShowsTheDiagnosis(t *testing.T) {
	ctx := tab(t)
	rec := testRecord("01D", "m1", "delivered", t0, `{}`)
	rec.Verification = capture.Verification{Reason: "mismatch",
		Message: "X-Twilio-Signature matches https://abc.example-tunnel.app/twilio (http and https swapped)",
		Diagnosis: &capture.Diagnosis{Cause: "url_variant", URL: "https://abc.example-tunnel.app/twilio",
			Checks: []capture.VerificationCheck{
				{Check: "secret", Tried: "profile dexatel-prod's secret", Match: false},
				{Check: "url", Tried: "https://abc.example-tunnel.app/twilio<img src=x onerror=window.pwned=1>", Match: true},
			}}}
	x := NewRing(0)
	x.Add(rec, -1)
	f := newFixture(t, x, nil)
	run(t, ctx,
		chromedp.Navigate(f.base+"/?id=01D"),
		waitJS(`document.getElementById('diagnosis') !== null`),
	)
	text := evalString(t, ctx, `document.getElementById('diagnosis').textContent`)
	for _, want := range []string{"url variant", "https://abc.example-tunnel.app/twilio", "profile dexatel-prod's secret", "<img src=x onerror=window.pwned=1>"} {
		if !strings.Contains(text, want) {
			t.Errorf("the diagnosis does not show %q: %q", want, text)
		}
	}
	if n := evalString(t, ctx, `String(document.querySelectorAll('#checks tr').length)`); n != "2" {
		t.Errorf("%s checks shown, want 2", n)
	}
	if !evalBool(t, ctx, noScriptRan) {
		t.Fatal("a check became markup or ran")
	}
}
