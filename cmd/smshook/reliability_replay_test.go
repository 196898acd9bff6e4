package main

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Replay and listen in one folder: `smshook replay --demo` with no file,
// sent to the listener that writes ./smshook-captures.jsonl, reads that
// file only up to the size it had at the start. It sends exactly the
// events that were there, skips the requests that matched no route
// (a browser's /favicon.ico, a curl of /) and ends with 0.
func TestReplayToTheListenerThatWritesTheCapture(t *testing.T) {
	dir := t.TempDir()
	env := cliEnv(dir)
	capturePath := filepath.Join(dir, "smshook-captures.jsonl")
	listen := startListen(t, dir, env, capturePath)

	client := &http.Client{Timeout: 10 * time.Second}
	for i := range 3 {
		if code, err := postSigned(client, listen.url+"/dexatel", fmt.Sprintf("m-%d", i)); err != nil || code != 200 {
			t.Fatalf("signed request %d: %d %v", i, code, err)
		}
	}
	for _, path := range []string{"/favicon.ico", "/"} {
		resp, err := client.Get(listen.url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Fatalf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}

	res := runCLI(t, dir, env, "replay", "--to", listen.url, "--demo")
	if res.code != 0 {
		t.Fatalf("replay exited %d, want 0: %s", res.code, res)
	}
	if !strings.Contains(res.stdout, "sent      3 ") || !strings.Contains(res.stderr, "skipped 2 requests that matched no route") {
		t.Errorf("replay did not send the 3 events and skip the 2 unrouted requests: %s", res)
	}

	if code := listen.interrupt(t); code != 130 {
		t.Fatalf("listen exited %d after SIGINT, want 130:\n%s", code, listen.stderr)
	}
	records, bad := readCaptureLines(t, capturePath)
	if len(records) != 8 || len(bad) != 0 {
		t.Fatalf("capture holds %d records and %d bad lines, want 3 events + 2 unrouted + 3 replayed", len(records), len(bad))
	}
	for _, rec := range records[5:] {
		if !rec.Verification.Valid || rec.Provider != "dexatel" {
			t.Errorf("replayed record %s: provider %q, verification %+v", rec.ID, rec.Provider, rec.Verification)
		}
	}
	for _, want := range []string{"listen: 6 events: 6 ✓ verified, 0 ✗ invalid", "listen: 2 requests matched no route (not events)"} {
		if !strings.Contains(listen.stderr.String(), want) {
			t.Errorf("listen's summary lacks %q:\n%s", want, listen.stderr)
		}
	}
}
