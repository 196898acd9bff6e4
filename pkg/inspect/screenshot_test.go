package inspect

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestScreenshots writes the README's screenshots of the page when
// SMSHOOK_SCREENSHOTS names a folder:
//
//	make screenshots   # SMSHOOK_SCREENSHOTS=$PWD/scripts/screenshots go test ./pkg/inspect -run TestScreenshots
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("SMSHOOK_SCREENSHOTS")
	if dir == "" {
		t.Skip("set SMSHOOK_SCREENSHOTS=DIR to write the README's screenshots")
	}
	ctx := tab(t)
	x := NewRing(0)
	at := time.Now().Add(-time.Minute)
	add := func(id, msg, status, body string, d time.Duration) {
		r := testRecord(id, msg, status, at.Add(d), body)
		r.Event.From, r.Event.To = "SMSHOOK", "+447700900123"
		x.Add(r, 2*time.Millisecond)
	}
	add("01J9Z3K8Q4W6N2B7C5D1E0F9A1", "5f1c9a2e", "accepted", `{"data":{"event":"delivery","message_id":"5f1c9a2e","status":"ENROUTE","to":"+447700900123","channel":"SMS","price":"0.0042"}}`, 0)
	add("01J9Z3K8Q4W6N2B7C5D1E0F9A2", "5f1c9a2e", "sent", `{"data":{"event":"delivery","message_id":"5f1c9a2e","status":"SENT","to":"+447700900123","channel":"SMS","price":"0.0042"}}`, 2*time.Second)
	add("01J9Z3K8Q4W6N2B7C5D1E0F9A3", "77ab01cd", "failed", `{"data":{"event":"delivery","message_id":"77ab01cd","status":"FAILED","to":"+15550002","channel":"SMS"}}`, 3*time.Second)
	add("01J9Z3K8Q4W6N2B7C5D1E0F9A4", "5f1c9a2e", "delivered", `{"data":{"event":"delivery","message_id":"5f1c9a2e","status":"DELIVERED","to":"+447700900123","channel":"SMS","price":"0.0042"}}`, 5*time.Second)
	bad := testRecord("01J9Z3K8Q4W6N2B7C5D1E0F9A5", "5f1c9a2e", "delivered", at.Add(6*time.Second), `{"data":{"event":"delivery","message_id":"5f1c9a2e","status":"DELIVERED"}}`)
	bad.Verification.Valid, bad.Verification.Reason, bad.Verification.Message = false, "mismatch", "X-Dexatel-Signature does not match the body"
	bad.Reply.Status = 401
	x.Add(bad, time.Millisecond)
	f := newFixture(t, x, func(o *Options) { o.Source = "smshook-captures.jsonl" })
	shot := func(name string) step {
		return func(ctx2 context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			png, err := chromedp.FullScreenshot(100)(ctx2, tg)
			if err == nil {
				err = os.WriteFile(filepath.Join(dir, name), png, 0o644)
			}
			return chromedp.Void{}, err
		}
	}
	run(t, ctx,
		chromedp.Navigate(f.base+"/"),
		waitJS(`document.querySelectorAll('#rows tr').length === 5`),
		shot("inspector-list.png"),
		chromedp.Navigate(f.base+"/?id=01J9Z3K8Q4W6N2B7C5D1E0F9A4"),
		waitJS(`document.getElementById('request-line') !== null`),
		shot("inspector-detail.png"),
		chromedp.Click(chromedp.ID("act-lifecycle")),
		waitJS(`document.querySelectorAll('#timeline li').length === 4`),
		shot("inspector-lifecycle.png"),
	)
}
