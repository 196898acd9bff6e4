// Command listen measures `smshook listen` under load: on loopback, one
// load generator (wrk when on PATH, else hey through `go run`) drives first
// a bare net/http handler that reads the body and answers 200, then
// `smshook listen` verifying Dexatel signatures with durable capture, at
// the same concurrency for the same time. It prints requests/s and p99
// latency of each, their ratio, and lost = 2xx answers − capture records
// answered 2xx, which must be 0.
//
//	go run ./scripts/bench/listen [-d 5s] [-c 64] [-threads 2] [-tool wrk|hey] [-bin PATH]
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/smshook/smshook/pkg/capture"
)

// demoSecret is the listener's built-in Dexatel demo secret.
const demoSecret = "smshook-demo-dexatel-secret"

var body = []byte(`{"data":{"account_id":"72e47e47-95b9-41c2-bdcd-55dd9bb04e14","message_id":"e4fb1353-8ded-4ec7-991e-a757ea213106","event":"delivery","status":"delivered","channel":"sms","to":"1222333333","mccmnc":"310670","price":0.123,"timestamp":"2022-03-01 13:00:00","payload":"testing payload"}}`)

type result struct {
	requests int     // answers received
	non2xx   int     // answers that were not 2xx
	errors   int     // connect/read/write/timeout errors
	rps      float64 // answers per second
	p99      time.Duration
}

func main() {
	duration := flag.Duration("d", 5*time.Second, "load duration of each run")
	conns := flag.Int("c", 64, "concurrent connections")
	threads := flag.Int("threads", 2, "wrk threads")
	tool := flag.String("tool", "", "wrk or hey (default: wrk when on PATH)")
	bin := flag.String("bin", "", "smshook binary to measure (default: build ./cmd/smshook)")
	flag.Parse()
	if err := run(*duration, *conns, *threads, *tool, *bin); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(duration time.Duration, conns, threads int, tool, bin string) error {
	if tool == "" {
		tool = "hey"
		if _, err := exec.LookPath("wrk"); err == nil {
			tool = "wrk"
		}
	}
	dir, err := os.MkdirTemp("", "smshook-bench-listen-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if bin == "" {
		bin = filepath.Join(dir, "smshook")
		fmt.Fprintln(os.Stderr, "building smshook…")
		if out, err := exec.Command("go", "build", "-o", bin, "./cmd/smshook").CombinedOutput(); err != nil {
			return fmt.Errorf("go build: %v\n%s", err, out)
		}
	}
	sig := sign(body)
	load := func(url string) (result, error) {
		if tool == "wrk" {
			return runWrk(dir, url, sig, duration, conns, threads)
		}
		return runHey(dir, url, sig, duration, conns)
	}

	// 1. The bare handler: read the body, answer 200.
	bareURL, stopBare, err := startBare()
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "bare net/http handler: %s for %s at %d connections\n", tool, duration, conns)
	bare, err := load(bareURL)
	stopBare()
	if err != nil {
		return err
	}

	// 2. smshook listen, verifying and capturing durably.
	capPath := filepath.Join(dir, "captures.jsonl")
	addrFile := filepath.Join(dir, "addr")
	cmd := exec.Command(bin, "listen", "--port", "0", "--addr-file", addrFile, "--capture", capPath)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr // stdout (a line per request) goes to the null device
	if err := cmd.Start(); err != nil {
		return err
	}
	addr, err := waitAddr(addrFile, 10*time.Second)
	if err != nil {
		cmd.Process.Kill()
		return fmt.Errorf("%v\n%s", err, stderr.String())
	}
	fmt.Fprintf(os.Stderr, "smshook listen (verify + fsynced capture): %s for %s at %d connections\n", tool, duration, conns)
	listen, err := load("http://" + addr + "/dexatel")
	cmd.Process.Signal(syscall.SIGINT)
	waitErr := waitTimeout(cmd, 20*time.Second)
	if err != nil {
		return err
	}
	if code := exitCode(waitErr); code != 130 {
		return fmt.Errorf("smshook listen exited %d, want 130 after SIGINT:\n%s", code, stderr.String())
	}
	records, answered2xx, verified, err := countCapture(capPath)
	if err != nil {
		return err
	}
	fsyncs := regexp.MustCompile(`\((\d+) fsyncs\)`).FindStringSubmatch(stderr.String())

	ok2xx := listen.requests - listen.non2xx
	lost := ok2xx - answered2xx
	fmt.Printf("tool %s, %d connections, %s per run, loopback, %d cores\n\n", tool, conns, duration, runtime.GOMAXPROCS(0))
	fmt.Printf("%-34s %12s %12s %10s %8s\n", "", "requests/s", "p99", "non-2xx", "errors")
	fmt.Printf("%-34s %12.0f %12s %10d %8d\n", "bare net/http handler", bare.rps, bare.p99, bare.non2xx, bare.errors)
	fmt.Printf("%-34s %12.0f %12s %10d %8d\n", "smshook listen (verify+capture)", listen.rps, listen.p99, listen.non2xx, listen.errors)
	fmt.Printf("\nratio listen/bare: %.2f (target ≥ 0.50)\n", listen.rps/bare.rps)
	fmt.Printf("2xx answers seen by %s: %d; capture records: %d (%d answered 2xx, %d verified)", tool, ok2xx, records, answered2xx, verified)
	if fsyncs != nil {
		n, _ := strconv.Atoi(fsyncs[1])
		fmt.Printf("; fsyncs: %d (%.1f records per fsync)", n, float64(records)/float64(max(n, 1)))
	}
	fmt.Printf("\nlost (2xx answers − capture records answered 2xx): %d (must be ≤ 0)\n", max(lost, 0))
	if lost > 0 {
		return fmt.Errorf("%d requests were answered 2xx but are not in the capture file", lost)
	}
	return nil
}

func sign(b []byte) string {
	m := hmac.New(sha256.New, []byte(demoSecret))
	m.Write(b)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func startBare() (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	})}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String() + "/dexatel", func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}

func waitAddr(path string, limit time.Duration) (string, error) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && bytes.HasSuffix(b, []byte("\n")) {
			return strings.TrimSpace(string(b)), nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return "", errors.New("smshook listen did not start within " + limit.String())
}

func waitTimeout(cmd *exec.Cmd, limit time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		cmd.Process.Kill()
		return fmt.Errorf("smshook listen did not stop within %s of SIGINT", limit)
	}
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// countCapture reads the capture file back with the capture package.
func countCapture(path string) (records, answered2xx, verified int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, 0, err
	}
	defer f.Close()
	r := capture.NewReader(f)
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return records, answered2xx, verified, nil
		}
		if err != nil {
			return records, answered2xx, verified, fmt.Errorf("capture file: %w", err)
		}
		records++
		if rec.Reply.Status/100 == 2 {
			answered2xx++
		}
		if rec.Verification.Valid {
			verified++
		}
	}
}

const wrkScript = `wrk.method = "POST"
wrk.body = [==[%s]==]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Dexatel-Signature"] = "%s"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%%d duration_us=%%d non2xx=%%d errors=%%d p99_us=%%d\n",
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout, latency:percentile(99)))
end
`

func runWrk(dir, url, sig string, d time.Duration, conns, threads int) (result, error) {
	script := filepath.Join(dir, "post.lua")
	if err := os.WriteFile(script, []byte(fmt.Sprintf(wrkScript, body, sig)), 0o644); err != nil {
		return result{}, err
	}
	secs := strconv.Itoa(int(d.Round(time.Second) / time.Second))
	out, err := exec.Command("wrk", "-t", strconv.Itoa(threads), "-c", strconv.Itoa(conns), "-d", secs+"s",
		"--timeout", "10s", "-s", script, url).CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("wrk: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`RESULT requests=(\d+) duration_us=(\d+) non2xx=(\d+) errors=(\d+) p99_us=(\d+)`).FindSubmatch(out)
	if m == nil {
		return result{}, fmt.Errorf("cannot read wrk's output:\n%s", out)
	}
	n := func(i int) int { v, _ := strconv.Atoi(string(m[i])); return v }
	return result{
		requests: n(1), non2xx: n(3), errors: n(4),
		rps: float64(n(1)) / (float64(n(2)) / 1e6),
		p99: time.Duration(n(5)) * time.Microsecond,
	}, nil
}

func runHey(dir, url, sig string, d time.Duration, conns int) (result, error) {
	bodyFile := filepath.Join(dir, "body.json")
	if err := os.WriteFile(bodyFile, body, 0o644); err != nil {
		return result{}, err
	}
	out, err := exec.Command("go", "run", "github.com/rakyll/hey@v0.1.5", "-z", d.String(), "-c", strconv.Itoa(conns),
		"-m", "POST", "-T", "application/json", "-D", bodyFile, "-H", "X-Dexatel-Signature: "+sig, url).CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("hey: %v\n%s", err, out)
	}
	var res result
	sc := bufio.NewScanner(bytes.NewReader(out))
	statusLine := regexp.MustCompile(`^\s*\[(\d+)\]\s+(\d+) responses`)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "Requests/sec:"):
			res.rps, _ = strconv.ParseFloat(strings.TrimSpace(strings.TrimPrefix(line, "Requests/sec:")), 64)
		case strings.HasPrefix(line, "99% in "):
			secs, _ := strconv.ParseFloat(strings.Fields(line)[2], 64)
			res.p99 = time.Duration(secs * float64(time.Second))
		default:
			if m := statusLine.FindStringSubmatch(sc.Text()); m != nil {
				code, _ := strconv.Atoi(m[1])
				count, _ := strconv.Atoi(m[2])
				res.requests += count
				if code/100 != 2 {
					res.non2xx += count
				}
			}
		}
	}
	if res.rps == 0 {
		return res, fmt.Errorf("cannot read hey's output:\n%s", out)
	}
	return res, nil
}
