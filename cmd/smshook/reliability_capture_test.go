//go:build linux

package main

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

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
	// Before the budget this load took 748 MiB. What remains (a race build,
	// whose shadow memory counts in RSS): about 190 MiB for the listener,
	// and 40-80 MiB more for the inspector, on by default, which reads each
	// new record once to index it.
	const most = 320 << 20
	if peak > most {
		t.Errorf("peak RSS %d MiB for %d concurrent 1 MiB bodies with --max-inflight 8MiB, want under %d MiB", peak>>20, clients, most>>20)
	}
	if strings.Contains(listen.stderr.String(), "capture failed") {
		t.Errorf("stderr: %s", listen.stderr)
	}
}

// A capture file that cannot grow (here a file size limit, as a full disk
// would) answers 500 and tells it once; the next request that fits is
// stored, and listen says it recovered. The file holds exactly the records
// answered 2xx, whole.
func TestListenRecoversFromAFailedCaptureWrite(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh for ulimit")
	}
	dir := t.TempDir()
	capturePath := dir + "/captures.jsonl"
	addrFile := dir + "/listen.addr"
	// ulimit -f counts 512-byte blocks: 16 KiB for the capture (and the addr file).
	p := &listenProc{capture: capturePath, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, done: make(chan struct{})}
	p.cmd = exec.Command("sh", "-c", `ulimit -f 32 && exec smshook "$@"`, "sh",
		"listen", "--port", "0", "--addr-file", addrFile, "--capture", capturePath, "--max-body", "64KiB")
	p.cmd.Dir, p.cmd.Env = dir, cliEnv(dir)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(p.kill)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if b, err := os.ReadFile(addrFile); err == nil && bytes.HasSuffix(b, []byte("\n")) {
			p.url = "http://" + strings.TrimSpace(string(b))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("listen did not start:\n%s", p.stderr)
		}
	}

	post := func(body string) int {
		req, _ := http.NewRequest("POST", p.url+"/dexatel", strings.NewReader(body))
		req.Header.Set("X-Dexatel-Signature", hmacBase64(dexatelDemoSecret, body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	small := func(id string) string {
		return `{"data":{"event":"delivery","message_id":"` + id + `","status":"delivered"}}`
	}
	big := `{"data":{"event":"delivery","message_id":"big","status":"delivered","payload":"` + strings.Repeat("x", 20<<10) + `"}}`
	for i, want := range []struct {
		body   string
		status int
	}{{small("m-1"), 200}, {big, 500}, {big, 500}, {small("m-2"), 200}, {small("m-3"), 200}} {
		if got := post(want.body); got != want.status {
			t.Fatalf("request %d: %d, want %d", i+1, got, want.status)
		}
	}
	if code := p.interrupt(t); code != 130 {
		t.Errorf("exit %d, want 130:\n%s", code, p.stderr)
	}
	stderr := p.stderr.String()
	if n := strings.Count(stderr, "file too large"); n != 1 {
		t.Errorf("the failure is told %d times, want once:\n%s", n, stderr)
	}
	for _, want := range []string{"capture file " + capturePath + ": write failed: file too large (not stored; the next record is tried again): requests are answered 500",
		"capture failed: 2 requests could not be captured (answered 500)",
		"capture file " + capturePath + " is written again"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	f, err := os.Open(capturePath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ids []string
	r := capture.NewReader(f)
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("capture: %v", err)
		}
		ids = append(ids, rec.Event.MessageID)
	}
	if strings.Join(ids, " ") != "m-1 m-2 m-3" {
		t.Errorf("capture holds %v, want exactly the 2xx ones: m-1 m-2 m-3", ids)
	}
}
