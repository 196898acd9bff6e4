package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

// TestListenCrashLosesNothing drives concurrent signed requests at a real
// `smshook listen` process and kills it with SIGKILL mid-run: every request
// that was answered 2xx must be in the capture file, and the file must read
// back. Then a torn last line (a crash in the middle of a write) is added:
// the reader reports and skips it, a new listener appends after it, and
// replay reads the file with --skip-invalid.
func TestListenCrashLosesNothing(t *testing.T) {
	dir := t.TempDir()
	env := cliEnv(dir)
	capturePath := dir + "/captures.jsonl"
	listen := startListen(t, dir, env, capturePath)

	const (
		senders   = 8
		perSender = 400              // bound on requests per sender
		killAfter = 300              // 2xx answers before the kill
		loadLimit = 10 * time.Second // bound on the whole load
	)
	var answered sync.Map // message id → status, for every 2xx answer
	var ok2xx atomic.Int64
	killed := make(chan struct{})
	var wg sync.WaitGroup
	deadline := time.Now().Add(loadLimit)
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
			defer client.CloseIdleConnections()
			for i := range perSender {
				if time.Now().After(deadline) {
					return
				}
				id := fmt.Sprintf("crash-%d-%d", s, i)
				status, err := postSigned(client, listen.url+"/dexatel", id)
				if err != nil {
					select {
					case <-killed:
						return // the listener is gone: expected
					default:
						t.Errorf("%s before the kill: %v", id, err)
						return
					}
				}
				if status/100 == 2 {
					answered.Store(id, status)
					ok2xx.Add(1)
				}
			}
		}()
	}
	// Kill once enough answers came back, while the senders are still sending.
	for ok2xx.Load() < killAfter && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // bounded poll of a counter the senders bump
	}
	close(killed)
	listen.kill()
	wg.Wait()
	if ok2xx.Load() < killAfter {
		t.Fatalf("only %d requests answered 2xx within %s", ok2xx.Load(), loadLimit)
	}

	records, bad := readCaptureLines(t, capturePath)
	captured := map[string]bool{}
	for _, rec := range records {
		captured[gjson.GetBytes(rec.Body(), "data.message_id").String()] = true
	}
	lost := 0
	answered.Range(func(id, _ any) bool {
		if !captured[id.(string)] {
			lost++
			if lost <= 5 {
				t.Errorf("%s was answered 2xx but is not in the capture file", id)
			}
		}
		return true
	})
	t.Logf("%d answered 2xx before the kill, %d records on disk, %d bad lines, %d lost", ok2xx.Load(), len(records), len(bad), lost)
	if lost > 0 {
		t.Fatalf("%d requests answered 2xx are not in the capture file", lost)
	}
	for _, e := range bad[:max(0, len(bad)-1)] {
		t.Errorf("a bad line before the last: %v", e)
	}

	// A crash in the middle of a write leaves a torn last line.
	f, err := os.OpenFile(capturePath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"id":"torn","received_at":"2024-05-01T10:00:00Z","body":"{\"data\":`)
	f.Close()
	before, bad := readCaptureLines(t, capturePath)
	if len(bad) != 1 || len(before) != len(records) {
		t.Fatalf("after tearing the last line: %d records (want %d), bad lines %v", len(before), len(records), bad)
	}
	if !strings.Contains(bad[0].Error(), fmt.Sprint(bad[0].Line)) {
		t.Errorf("the torn line is reported without its number: %v", bad[0])
	}

	// A new listener appends after the torn line and says so.
	again := startListen(t, dir, env, capturePath)
	if status, err := postSigned(http.DefaultClient, again.url+"/dexatel", "after-restart"); err != nil || status != 200 {
		t.Fatalf("after the restart: status %d, %v", status, err)
	}
	if code := again.interrupt(t); code != 130 {
		t.Fatalf("listen exited %d after SIGINT, want 130:\n%s", code, again.stderr)
	}
	if !strings.Contains(again.stderr.String(), "mid-line") {
		t.Errorf("the restarted listener did not report the torn line:\n%s", again.stderr)
	}
	after, bad := readCaptureLines(t, capturePath)
	if len(after) != len(records)+1 || len(bad) != 1 {
		t.Fatalf("after the restart: %d records (want %d), bad lines %v", len(after), len(records)+1, bad)
	}
	if got := gjson.GetBytes(after[len(after)-1].Body(), "data.message_id").String(); got != "after-restart" {
		t.Fatalf("the last record is %q, want after-restart", got)
	}

	// replay reads the whole file, reporting the torn line, and goes on.
	sink := okServer(t, 200)
	res := runCLI(t, dir, env, "replay", capturePath, "--as-captured", "--to", sink, "--concurrency", "8", "--skip-invalid", "-o", "json")
	if res.code != 0 || !strings.Contains(res.stdout, fmt.Sprintf(`"sent": %d`, len(after))) {
		t.Fatalf("replay after the crash: %s", res)
	}
	if !strings.Contains(res.stderr, fmt.Sprintf("line %d", bad[0].Line)) {
		t.Errorf("replay did not report the torn line %d:\n%s", bad[0].Line, res.stderr)
	}
}

// postSigned posts a Dexatel delivery report with message id, signed with
// the demo secret here (crypto/hmac, not smshook's signing), and returns
// the reply status.
func postSigned(client *http.Client, url, id string) (int, error) {
	body := strings.Replace(dexatelBody, "e4fb1353-8ded-4ec7-991e-a757ea213106", id, 1)
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Dexatel-Signature", hmacBase64(dexatelDemoSecret, body))
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, err // the answer was cut: not a 2xx the sender saw whole
	}
	return resp.StatusCode, nil
}
