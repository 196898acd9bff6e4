package listen

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/cmdutil"
)

func TestUIPortDefaults(t *testing.T) {
	o, err := parse(t)
	if err != nil || o.UIPort != DefaultUIPort {
		t.Fatalf("default --ui-port: %d, %v", o.UIPort, err)
	}
	o, err = parse(t, "--port", "0")
	if err != nil || o.UIPort != 0 {
		t.Fatalf("--port 0 leaves --ui-port %d, want 0 (a free one)", o.UIPort)
	}
	o, err = parse(t, "--port", "0", "--ui-port", "9123")
	if err != nil || o.UIPort != 9123 {
		t.Fatalf("--ui-port given: %d, %v", o.UIPort, err)
	}
}

var inspectorLine = regexp.MustCompile(`inspector  (http://127\.0\.0\.1:\d+/)`)

// inspectorURL waits for the banner's inspector line.
func inspectorURL(t *testing.T, errOut interface{ String() string }) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if m := inspectorLine.FindStringSubmatch(errOut.String()); m != nil {
			return m[1]
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no inspector line in the banner:\n%s", errOut.String())
	return ""
}

func eventIDs(t *testing.T, url string) []string {
	t.Helper()
	resp, err := http.Get(url + "api/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Events []struct {
			ID        string   `json:"id"`
			MessageID string   `json:"message_id"`
			LatencyMS *float64 `json:"latency_ms"`
		} `json:"events"`
	}
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &page); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	var ids []string
	for _, e := range page.Events {
		ids = append(ids, e.MessageID)
	}
	return ids
}

func TestRunServesTheInspector(t *testing.T) {
	for _, noCapture := range []bool{false, true} {
		t.Run(map[bool]string{false: "capture", true: "no-capture"}[noCapture], func(t *testing.T) {
			f, _, errOut := testFactory(t, nil, "")
			ctx, cancel := context.WithCancel(context.Background())
			base, done := running(t, f, ctx, func(o *ListenOptions) { o.NoCapture = noCapture })
			ui := inspectorURL(t, errOut)
			if strings.Contains(ui, strings.TrimPrefix(base, "http://")) {
				t.Fatalf("the inspector %s shares the webhook address %s", ui, base)
			}
			// The webhook port does not serve the inspector's API.
			if resp, err := http.Get(base + "/api/events"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					t.Fatalf("the webhook port answers /api/events")
				}
			}
			if got := post(t, base+"/dexatel", body, "X-Dexatel-Signature", sign("smshook-demo-dexatel-secret", body)); got != 200 {
				t.Fatalf("post: %d", got)
			}
			deadline := time.Now().Add(5 * time.Second)
			for {
				if ids := eventIDs(t, ui); len(ids) == 1 && ids[0] == "m-9" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the event did not reach the inspector: %v", eventIDs(t, ui))
				}
				time.Sleep(20 * time.Millisecond)
			}
			cancel()
			if err := <-done; cmdutil.ExitCode(err) != cmdutil.ExitInterrupted {
				t.Fatalf("exit: %v", err)
			}
			if _, err := http.Get(ui); err == nil {
				t.Errorf("the inspector still answers after listen stopped")
			}
		})
	}
}

func TestRunNoUI(t *testing.T) {
	f, _, errOut := testFactory(t, nil, "")
	ctx, cancel := context.WithCancel(context.Background())
	_, done := running(t, f, ctx, func(o *ListenOptions) { o.NoUI = true })
	cancel()
	<-done
	if strings.Contains(errOut.String(), "inspector") {
		t.Fatalf("--no-ui still printed an inspector line:\n%s", errOut)
	}
}
