// Command replay benchmarks `smshook replay` against hey on loopback.
//
// It builds smshook and hey, starts one sink (net/http answering 200), writes
// a capture of -n Dexatel delivery reports, and in the same run sends them
// with `smshook replay` (as captured, and re-signed) and the same number of
// requests with hey, at the same concurrency. Then it writes a capture of
// about -big-mb megabytes (64 KiB bodies) and replays it to measure peak
// RSS: the reader streams, so memory must stay flat whatever the file size.
//
//	go run ./scripts/bench/replay            # 100,000 events, 1 GB capture
//	go run ./scripts/bench/replay -n 20000 -big-mb 100
package main

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/codec"
)

const secret = "bench-secret"

func main() {
	n := flag.Int("n", 100_000, "events to replay")
	conc := flag.Int("c", 32, "concurrency of both load generators")
	bigMB := flag.Int("big-mb", 1024, "size of the capture for the memory run, in MB (0 skips it)")
	flag.Parse()
	log.SetFlags(0)

	dir, err := os.MkdirTemp("", "smshook-bench-replay-")
	check(err)
	defer os.RemoveAll(dir)

	smshook := filepath.Join(dir, "smshook")
	run("go", "build", "-o", smshook, "./cmd/smshook")
	runEnv([]string{"GOBIN=" + dir}, "go", "install", "github.com/rakyll/hey@v0.1.5")
	hey := filepath.Join(dir, "hey")

	url, stop := startSink()
	defer stop()

	body := []byte(`{"data":{"account_id":"72e47e47-95b9-41c2-bdcd-55dd9bb04e14","message_id":"e4fb1353-8ded-4ec7-991e-a757ea213106","event":"delivery","status":"DELIVERED","channel":"SMS","to":"1222333333","mccmnc":"310670","price":0.123,"timestamp":"2022-03-01 13:00:00"}}`)
	small := filepath.Join(dir, "small.jsonl")
	writeCapture(small, *n, body)
	bodyFile := filepath.Join(dir, "body.json")
	check(os.WriteFile(bodyFile, body, 0o600))

	fmt.Printf("# smshook replay vs hey: %d requests, concurrency %d, loopback sink\n\n", *n, *conc)
	heyRPS := runHey(hey, *n, *conc, bodyFile, sign(body), url)
	asCaptured, rssSmall := runReplay(smshook, small, url, *conc, "--as-captured")
	resigned, _ := runReplay(smshook, small, url, *conc, "--provider", "dexatel", "--secret", secret)
	fmt.Println("| run | requests/s | vs hey |")
	fmt.Println("|---|---:|---:|")
	fmt.Printf("| hey (baseline) | %.0f | 1.00 |\n", heyRPS)
	fmt.Printf("| smshook replay --as-captured | %.0f | %.2f |\n", asCaptured, asCaptured/heyRPS)
	fmt.Printf("| smshook replay (re-signed) | %.0f | %.2f |\n", resigned, resigned/heyRPS)
	fmt.Printf("\npeak RSS of the %d-event replay: %.1f MiB\n", *n, float64(rssSmall)/1024)

	if *bigMB > 0 {
		big := filepath.Join(dir, "big.jsonl")
		bigBody := make([]byte, 64<<10)
		for i := range bigBody {
			bigBody[i] = 'a' + byte(i%26)
		}
		bigBody = []byte(`{"data":{"event":"delivery","payload":"` + string(bigBody[:len(bigBody)-40]) + `"}}`)
		count := *bigMB << 20 / len(bigBody)
		writeCapture(big, count, bigBody)
		st, _ := os.Stat(big)
		rps, rss := runReplay(smshook, big, url, *conc, "--as-captured")
		fmt.Printf("peak RSS replaying a %.0f MB capture (%d events of 64 KiB): %.1f MiB (%.0f requests/s)\n",
			float64(st.Size())/1e6, count, float64(rss)/1024, rps)
	}
}

func sign(body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// writeCapture writes count records as the listener would, without fsyncs.
func writeCapture(path string, count int, body []byte) {
	f, err := os.Create(path)
	check(err)
	w := bufio.NewWriterSize(f, 1<<20)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	now := time.Now()
	for i := range count {
		r := &capture.Record{
			ID: capture.NewID(now.Add(time.Duration(i))), ReceivedAt: now, Profile: "dexatel", Provider: "dexatel",
			Kind: "delivery", Method: "POST", URL: "http://127.0.0.1:8787/dexatel",
			Headers:      http.Header{"Content-Type": {"application/json"}, "X-Dexatel-Signature": {sign(body)}},
			Verification: capture.Verification{Valid: true, Message: "valid"},
			Event:        &codec.Event{Provider: "dexatel", Kind: codec.KindDelivery, EventName: "delivery", Status: codec.StatusDelivered},
		}
		r.SetBody(body)
		r.Reply.Status = 200
		check(enc.Encode(r))
	}
	check(w.Flush())
	check(f.Close())
}

func startSink() (string, func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	})}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String() + "/hook", func() { srv.Shutdown(context.Background()) }
}

// runReplay returns requests/s from smshook's own JSON summary and the
// process's peak RSS in KiB.
func runReplay(smshook, capturePath, url string, conc int, extra ...string) (float64, int64) {
	args := append([]string{"replay", capturePath, "--to", url, "--concurrency", strconv.Itoa(conc), "-o", "json"}, extra...)
	cmd := exec.Command(smshook, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		log.Fatalf("smshook %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	var sum struct {
		Sent              int     `json:"sent"`
		OK                int     `json:"ok"`
		RequestsPerSecond float64 `json:"requests_per_second"`
	}
	check(json.Unmarshal(out, &sum))
	if sum.OK != sum.Sent {
		log.Fatalf("replay: %d of %d ok", sum.OK, sum.Sent)
	}
	return sum.RequestsPerSecond, cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
}

var heyRate = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)

func runHey(hey string, n, conc int, bodyFile, signature, url string) float64 {
	out, err := exec.Command(hey, "-n", strconv.Itoa(n), "-c", strconv.Itoa(conc), "-m", "POST",
		"-T", "application/json", "-D", bodyFile, "-H", "X-Dexatel-Signature: "+signature, url).CombinedOutput()
	if err != nil {
		log.Fatalf("hey: %v\n%s", err, out)
	}
	m := heyRate.FindSubmatch(out)
	if m == nil {
		log.Fatalf("hey printed no Requests/sec:\n%s", out)
	}
	rps, _ := strconv.ParseFloat(string(m[1]), 64)
	return rps
}

func run(name string, args ...string) { runEnv(nil, name, args...) }

func runEnv(env []string, name string, args ...string) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		log.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
