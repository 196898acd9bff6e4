package listen

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/smshook/smshook/pkg/cmd/send"
	"github.com/smshook/smshook/pkg/cmdutil"
)

// TestBrowserSentEventsAppearWithoutReload: `smshook send` to a listener
// whose inspector is open in chromium; the rows come in over SSE, from
// the capture file the listener writes.
func TestBrowserSentEventsAppearWithoutReload(t *testing.T) {
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
	f, _, _ := testFactory(t, nil, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	uiURL := make(chan string, 1)
	base, done := running(t, f, ctx, func(o *ListenOptions) { o.inspecting = func(u string) { uiURL <- u } })
	ui := <-uiURL

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox)...)
	defer cancelAlloc()
	bctx, cancelB := chromedp.NewContext(alloc)
	defer cancelB()
	bctx, cancelT := context.WithTimeout(bctx, 30*time.Second)
	defer cancelT()
	poll := func(expr string) chromedp.Action[chromedp.Void] {
		p := chromedp.Poll[bool](expr, chromedp.WithPollingInterval(20*time.Millisecond))
		return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			_, err := p(ctx, tg)
			return chromedp.Void{}, err
		}
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(ui), poll(`document.getElementById('conn').dataset.state === 'live'`)); err != nil {
		t.Fatal(err)
	}

	sf, out, errOut := testFactory(t, nil, "")
	cmd := send.NewCmdSend(sf, nil)
	cmd.SetArgs([]string{"dexatel", "--demo", "--to", base + "/dexatel/delivery", "--count", "3"})
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	if err := cmd.Execute(); err != nil {
		t.Fatalf("send: %v\n%s%s", err, out, errOut)
	}
	if err := chromedp.Do(bctx, poll(`document.querySelectorAll('#rows tr').length === 3 && document.querySelector('#rows tr').textContent.includes('✓ verified')`)); err != nil {
		t.Fatalf("the sent events did not appear: %v", err)
	}
	cancel()
	if err := <-done; cmdutil.ExitCode(err) != cmdutil.ExitInterrupted {
		t.Fatalf("listen: %v", err)
	}
}
