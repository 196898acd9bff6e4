package sandbox

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browserTab opens headless chromium for one test, bounded in time. It
// skips without chromium, unless CI=true, where .ci/run installs it.
func browserTab(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed: .ci/run installs it (apt-get install -y chromium)")
		}
		t.Skip("chromium is not installed (apt-get install -y chromium): browser test skipped")
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.WindowSize(1280, 800))...)
	ctx, cancel := chromedp.NewContext(alloc)
	ctx, cancelT := context.WithTimeout(ctx, 40*time.Second)
	t.Cleanup(func() { cancelT(); cancel(); cancelAlloc() })
	return ctx
}

func waitJS(expr string) chromedp.Action[chromedp.Void] {
	p := chromedp.Poll[bool](expr, chromedp.WithPollingInterval(20*time.Millisecond))
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := p(ctx, tg)
		if err != nil {
			err = fmt.Errorf("waiting for %s: %w", expr, err)
		}
		return chromedp.Void{}, err
	}
}

const hostileText = `<img src=x onerror=window.pwned=1>`

// TestBrowserMessagesAndPhoneView: the app sends a message through the
// sandbox's Twilio API; the inspector's Messages view shows it, as text,
// with its lifecycle (sent → delivered, the app's 200), in the phone view
// of its conversation; a reply typed there reaches the app's inbound
// webhook, signed, and comes back as the recipient's bubble.
func TestBrowserMessagesAndPhoneView(t *testing.T) {
	ctx := browserTab(t)
	app := newRecordingApp(t, "token")
	capturePath := filepath.Join(t.TempDir(), "sandbox.jsonl")
	base, ui, _ := startWithInspector(t, "--latency", "0", "--capture", capturePath, "--inbound-url", app.srv.URL+"/inbound")

	if err := chromedp.Do(ctx, chromedp.Navigate(ui+"?view=messages"),
		waitJS(`document.getElementById('conn').dataset.state === 'live' && !document.getElementById('messages-pane').hidden`)); err != nil {
		t.Fatal(err)
	}

	form := url.Values{"To": {"+15558675310"}, "From": {"+15017122661"}, "Body": {hostileText}, "StatusCallback": {app.srv.URL + "/status"}}
	req, _ := http.NewRequest("POST", base+"/twilio/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("AC0123456789abcdef0123456789abcdef", "token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d", resp.StatusCode)
	}

	// Live, without a reload: the bubble, as text, and its lifecycle.
	if err := chromedp.Do(ctx,
		waitJS(`[...document.querySelectorAll('#phone-screen .bubble.from-app .bubble-text')].some(b => b.textContent === `+jsString(hostileText)+`)`),
		waitJS(`document.querySelectorAll('#callbacks tbody tr').length === 2`),
		// and the callbacks' records, from the capture file, as events
		waitJS(`document.getElementById('count-events').textContent === '2'`),
	); err != nil {
		t.Fatal(err)
	}
	lifecycle, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#callbacks tbody tr')].map(r => [...r.cells].slice(1, 5).map(c => c.textContent).join('|')).join('\n')`))
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(lifecycle, "\n")
	if len(rows) != 2 || !strings.HasPrefix(rows[0], "status|sent|") || !strings.HasPrefix(rows[1], "status|deliveredfinal|") ||
		!strings.Contains(rows[0], "|200<Response/>") || !strings.Contains(rows[1], "|200<Response/>") {
		t.Fatalf("lifecycle rows:\n%s", lifecycle)
	}
	info, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('msg-lifecycle').textContent`))
	if err != nil || !strings.Contains(info, "X-Twilio-Signature") {
		t.Fatalf("the lifecycle does not say how it was signed: %v %q", err, info)
	}
	pwned, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.pwned === 1 || document.querySelector('#messages-pane img') !== null`))
	if err != nil || pwned {
		t.Fatalf("the message body ran as markup (%v)", err)
	}
	if n := len(app.requests("/status")); n != 2 {
		t.Fatalf("the app got %d status callbacks, want 2", n)
	}

	// The recipient answers from the phone view.
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("reply-text"), "YES"),
		chromedp.Click(chromedp.ID("reply-send")),
		waitJS(`[...document.querySelectorAll('#phone-screen .bubble.from-peer .bubble-text')].some(b => b.textContent === 'YES')`),
	); err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("SMSHOOK_SCREENSHOTS"); dir != "" { // make screenshots
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, "sandbox-messages.png"), png, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	in := app.requests("/inbound")
	if len(in) != 1 || !in[0].signed || in[0].form.Get("Body") != "YES" || in[0].form.Get("From") != "+15558675310" || in[0].form.Get("To") != "+15017122661" {
		t.Fatalf("the app's inbound webhook: %+v", in)
	}

	// A callback's "request" link opens its captured request, signature
	// header included; the Events tab lists the three callbacks.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#phone-screen .bubble.from-app`)),
		waitJS(`document.querySelectorAll('#callbacks a').length === 2`),
	); err != nil {
		t.Fatal(err)
	}
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#callbacks tbody tr:last-child a').getAttribute('href')`))
	if err != nil || !strings.HasPrefix(href, "/?id=") {
		t.Fatalf("the callback's link %q (%v)", href, err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(strings.TrimSuffix(ui, "/")+href),
		waitJS(`document.getElementById('request-line') !== null && document.getElementById('detail-pane').textContent.includes('X-Twilio-Signature')`),
		chromedp.Click(chromedp.ID("tab-events")),
		waitJS(`document.getElementById('messages-pane').hidden && document.querySelectorAll('#rows tr').length === 3`),
	); err != nil {
		t.Fatal(err)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
