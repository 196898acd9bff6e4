// Command send measures `smshook send --count` against hey on the same local
// sink, in the same run:
//
//	go run ./scripts/bench/send [-n 20000] [-c 32] [-runs 3]
//
// It starts an in-process net/http sink on 127.0.0.1:0 that answers 200,
// builds smshook, then alternates
//
//	smshook send dexatel --count N --concurrency C --to SINK --secret S --output json
//	go run github.com/rakyll/hey@v0.1.5 -n N -c C -m POST -T application/json -D body.json -H 'X-Dexatel-Signature: …' SINK
//
// and prints the requests/s of each (medians over the runs) and the ratio.
// hey sends one static signed body; smshook renders a fresh body (message
// id, timestamp) and signs it for every request. Both figures are the
// tools' own measure, from the first request to the last reply; smshook's
// wall-clock rate (process start included) is printed too.
package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
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
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/smshook/smshook/pkg/provider"
)

const (
	secret  = "bench-secret"
	heyPkg  = "github.com/rakyll/hey@v0.1.5"
	perRun  = 3 * time.Minute // bound on any one process
	warmupN = 200
)

func main() {
	n := flag.Int("n", 20000, "requests per run")
	c := flag.Int("c", 32, "concurrency")
	runs := flag.Int("runs", 3, "runs of each tool, alternating")
	flag.Parse()
	if err := run(*n, *c, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "bench/send:", err)
		os.Exit(1)
	}
}

func run(n, c, runs int) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "smshook-bench-send-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	sinkURL, hits, stop, err := startSink()
	if err != nil {
		return err
	}
	defer stop()

	bin := filepath.Join(tmp, "smshook")
	fmt.Printf("building smshook…\n")
	if out, err := command(root, "go", "build", "-o", bin, "./cmd/smshook").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}

	// hey's body: the Dexatel delivery example, signed once.
	p, err := provider.Builtin().Lookup("dexatel")
	if err != nil {
		return err
	}
	kind, _ := p.Kind("delivery")
	body := kind.Fixture
	bodyFile := filepath.Join(tmp, "body.json")
	if err := os.WriteFile(bodyFile, body, 0o600); err != nil {
		return err
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	sig := base64.StdEncoding.EncodeToString(m.Sum(nil))

	smshookArgs := func(count int) []string {
		return []string{"send", "dexatel", "--count", strconv.Itoa(count), "--concurrency", strconv.Itoa(c),
			"--to", sinkURL, "--secret", secret, "--output", "json"}
	}
	heyArgs := func(count int) []string {
		return []string{"run", heyPkg, "-n", strconv.Itoa(count), "-c", strconv.Itoa(c), "-m", "POST",
			"-T", "application/json", "-D", bodyFile, "-H", "X-Dexatel-Signature: " + sig, sinkURL}
	}

	fmt.Printf("warming up (go run compiles hey once)…\n")
	if _, err := smshookRun(root, bin, smshookArgs(warmupN)); err != nil {
		return err
	}
	if _, err := heyRun(root, heyArgs(warmupN), warmupN, c); err != nil {
		return err
	}

	var ours, oursWall, theirs []float64
	for i := 1; i <= runs; i++ {
		before := hits.Load()
		r, err := smshookRun(root, bin, smshookArgs(n))
		if err != nil {
			return err
		}
		if got := hits.Load() - before; got != int64(n) {
			return fmt.Errorf("the sink got %d requests from smshook, want %d", got, n)
		}
		h, err := heyRun(root, heyArgs(n), n, c)
		if err != nil {
			return err
		}
		ours, oursWall, theirs = append(ours, r.rps), append(oursWall, r.wallRPS), append(theirs, h)
		fmt.Printf("run %d: smshook send %8.0f req/s (wall %8.0f)   hey %8.0f req/s\n", i, r.rps, r.wallRPS, h)
	}

	o, w, h := median(ours), median(oursWall), median(theirs)
	fmt.Printf("\n%d requests, concurrency %d, %d runs each, median; %d CPUs, %s\n", n, c, runs, runtime.NumCPU(), runtime.Version())
	fmt.Printf("%-28s %10s\n", "", "req/s")
	fmt.Printf("%-28s %10.0f\n", "smshook send (own measure)", o)
	fmt.Printf("%-28s %10.0f\n", "smshook send (wall clock)", w)
	fmt.Printf("%-28s %10.0f\n", "hey (own measure)", h)
	verdict := "met"
	if o/h < 0.8 {
		verdict = "MISSED"
	}
	fmt.Printf("ratio send/hey: %.2f× (wall clock: %.2f×); target ≥ 0.80×: %s\n", o/h, w/h, verdict)
	return nil
}

type sendResult struct{ rps, wallRPS float64 }

func smshookRun(dir, bin string, args []string) (sendResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), perRun)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return sendResult{}, fmt.Errorf("smshook %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	var sum struct {
		Sent int     `json:"sent"`
		OK   int     `json:"ok"`
		RPS  float64 `json:"requests_per_second"`
	}
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
		return sendResult{}, fmt.Errorf("smshook's summary: %v\n%s", err, out.String())
	}
	if sum.OK != sum.Sent {
		return sendResult{}, fmt.Errorf("smshook: %d of %d ok", sum.OK, sum.Sent)
	}
	return sendResult{rps: sum.RPS, wallRPS: float64(sum.Sent) / wall.Seconds()}, nil
}

var (
	heyRPS = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	hey200 = regexp.MustCompile(`\[200\]\s+(\d+) responses`)
)

func heyRun(dir string, args []string, n, c int) (float64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), perRun)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	rps := heyRPS.FindSubmatch(out)
	ok := hey200.FindSubmatch(out)
	if rps == nil || ok == nil {
		return 0, fmt.Errorf("cannot read hey's output:\n%s", out)
	}
	// hey gives each of its C workers n/C requests: it sends a multiple of C.
	if got, _ := strconv.Atoi(string(ok[1])); got != n/c*c {
		return 0, fmt.Errorf("hey: %d of %d replies were 200:\n%s", got, n/c*c, out)
	}
	return strconv.ParseFloat(string(rps[1]), 64)
}

// startSink serves 200 on 127.0.0.1:0, reading each body to the end.
func startSink() (string, *atomic.Int64, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, nil, err
	}
	var hits atomic.Int64
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			hits.Add(1)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go srv.Serve(l)
	return "http://" + l.Addr().String() + "/dexatel", &hits, func() { srv.Close() }, nil
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return "", fmt.Errorf("finding the module root (run from inside the repository): %v", err)
	}
	return strings.TrimSpace(string(out)), nil
}

func command(dir, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	return cmd
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
