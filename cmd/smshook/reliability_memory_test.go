//go:build linux

package main

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/smshook/smshook/pkg/capture"
)

// Bodies of control bytes cost 6× their size as JSON strings. Before the
// in-flight budget and base64 for such bodies, 64 concurrent 1 MiB ones took
// listen to 2.7 GB of RSS and 6 MiB of disk each. Now each 2xx is on disk in
// about its base64 size and readable, the rest get 503 with Retry-After, and
// the process stays small.
func TestListenBoundsMemoryForHostileBodies(t *testing.T) {
	dir := t.TempDir()
	capturePath := dir + "/captures.jsonl"
	listen := startListen(t, dir, cliEnv(dir), capturePath, "--max-body", "1MiB", "--max-inflight", "8MiB")

	body := bytes.Repeat([]byte{0x01}, 1<<20)
	sig := hmacBase64(dexatelDemoSecret, string(body))
	const clients = 32
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", listen.url+"/dexatel", bytes.NewReader(body))
			req.Header.Set("X-Dexatel-Signature", sig)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 503 && resp.Header.Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
			mu.Lock()
			statuses[resp.StatusCode]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if code := listen.interrupt(t); code != 130 {
		t.Fatalf("exit %d, want 130:\n%s", code, listen.stderr)
	}
	if statuses[200]+statuses[503] != clients || statuses[200] == 0 {
		t.Fatalf("statuses %v: want only 200 and 503, and some 200", statuses)
	}

	f, err := os.Open(capturePath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, _ := f.Stat()
	r := capture.NewReader(f)
	got := map[int]int{}
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("capture: %v", err)
		}
		got[rec.Reply.Status]++
		if rec.Reply.Status == 200 && (rec.BodyText != nil || !bytes.Equal(rec.Body(), body)) {
			t.Errorf("a 2xx record does not hold the body as base64 (text: %v, %d bytes)", rec.BodyText != nil, rec.BodyLen())
		}
	}
	if got[200] != statuses[200] || got[503] != statuses[503] {
		t.Errorf("capture holds %v, answers were %v", got, statuses)
	}
	if perRecord := info.Size() / int64(max(got[200], 1)); perRecord > 1500<<10 {
		t.Errorf("%d bytes on disk per 1 MiB body, want about its base64 size (1.33 MiB)", perRecord)
	}
	rusage, ok := listen.cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		t.Skip("no rusage")
	}
	peak := rusage.Maxrss << 10 // Maxrss is in KiB on Linux
	t.Logf("answers %v, %d bytes on disk, peak RSS %d MiB", statuses, info.Size(), peak>>20)
	if peak > 256<<20 {
		t.Errorf("peak RSS %d MiB for %d concurrent 1 MiB bodies with --max-inflight 8MiB, want under 256 MiB", peak>>20, clients)
	}
	if strings.Contains(listen.stderr.String(), "capture failed") {
		t.Errorf("stderr: %s", listen.stderr)
	}
}
