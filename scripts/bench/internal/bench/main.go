package bench

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Measures, in report order.
var measureNames = []string{"signing", "listen", "send", "replay", "process", "inspect", "sandbox"}

const usage = `usage: go run ./scripts/bench [flags] [signing|listen|send|replay|process|inspect|sandbox|all ...]

Builds smshook and measures it against a baseline in the same run, on
loopback only, and writes scripts/bench/BENCHMARKS.md (all measures) or
prints the Markdown (a subset; -out FILE to write it):

  signing  sign and verify per scheme vs bare crypto (go test -bench ./pkg/signing)
  listen   smshook listen (verify + durable capture) vs a bare net/http handler,
           with wrk when installed, else hey; lost = 2xx answers - capture records
  send     smshook send --count vs hey against one sink
  replay   smshook replay (as captured, re-signed) vs hey, and peak RSS on a large capture
  process  smshook sign as a process vs openssl dgst -sha256 -hmac (median wall time)
  inspect  the inspector: indexing MB/s, newest-first, a filter over a million
           events, listen req/s with a browser subscribed vs the inspector off
  sandbox  smshook sandbox: Twilio messages accepted/s (hey) and signed callbacks
           delivered/s, vs smshook send twilio --count to the same sink

All of them take about 6 minutes on 2 cores and are bounded by -timeout.

Flags:
`

// Main runs the benchmarks named in args (all by default) and returns the
// exit code: 0 when every measure ran (missed targets are reported, and
// fail the run only with -strict), 1 when one could not run, 2 on bad usage.
func Main(args []string) int {
	if code, served := ServeSinkIfAsked(); served {
		return code
	}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), usage); fs.PrintDefaults() }
	out := fs.String("out", "", "write the Markdown to `FILE` (- for stdout); default scripts/bench/BENCHMARKS.md for all measures, stdout for a subset")
	timeout := fs.Duration("timeout", 10*time.Minute, "bound on the whole run")
	quick := fs.Bool("quick", false, "a smoke run: tiny loads, one run each, figures not meaningful")
	strict := fs.Bool("strict", false, "exit 1 when a target is missed")
	bin := fs.String("bin", "", "measure the smshook binary at `PATH` instead of building ./cmd/smshook")
	var sig SigningConfig
	fs.StringVar(&sig.BenchTime, "benchtime", "100ms", "go test -benchtime for the signing benchmarks")
	fs.IntVar(&sig.Count, "count", 5, "go test -count for the signing benchmarks (the median is kept)")
	var lis ListenConfig
	fs.DurationVar(&lis.Duration, "listen-d", 5*time.Second, "load duration of each listen run")
	fs.IntVar(&lis.Conns, "listen-c", 64, "connections for the listen runs")
	fs.IntVar(&lis.Threads, "listen-threads", 2, "wrk threads")
	fs.IntVar(&lis.Runs, "listen-runs", 3, "runs of each server")
	fs.StringVar(&lis.Tool, "listen-tool", "", "wrk or hey (default: wrk when installed)")
	var sr SendReplayConfig
	fs.IntVar(&sr.N, "n", 20000, "requests per send/replay run")
	fs.IntVar(&sr.C, "c", 32, "concurrency of send, replay and hey")
	fs.IntVar(&sr.Runs, "runs", 3, "runs of each send/replay tool")
	fs.IntVar(&sr.BigMB, "big-mb", 1024, "size in MB of the capture replayed for peak RSS (0 skips it)")
	var insp InspectConfig
	fs.IntVar(&insp.Count, "inspect-count", 3, "go test -count for the inspector benchmarks (the median is kept)")
	fs.IntVar(&insp.ListenBursts, "inspect-listen-bursts", 80, "bursts each in-process listener of the inspector's benchmark takes (a ratio per pair of bursts)")
	fs.IntVar(&insp.ProcessRuns, "inspect-process-runs", 4, "pairs of smshook listen processes under hey, one with the inspector off and one with a browser subscribed, loaded in turn")
	fs.IntVar(&insp.Bursts, "inspect-bursts", 40, "bursts each smshook listen process of a pair takes (a ratio per pair of bursts)")
	fs.IntVar(&insp.BurstRequests, "inspect-burst-n", 5000, "requests per burst of listen without a capture file, in-process and as a process")
	fs.IntVar(&insp.CaptureBurstRequests, "inspect-capture-burst-n", 2000, "requests per burst of listen with a capture file, in-process and as a process")
	fs.IntVar(&insp.WarmUp, "inspect-warm-up", 20000, "requests each smshook listen process answers before the inspector's bursts measure it")
	var sbx SandboxConfig
	fs.IntVar(&sbx.N, "sandbox-n", 5000, "messages per sandbox run")
	fs.IntVar(&sbx.Runs, "sandbox-runs", 3, "runs of the sandbox and of send")
	var proc ProcessConfig
	fs.IntVar(&proc.Runs, "sign-runs", 200, "runs of smshook sign and of openssl")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *quick {
		sig = SigningConfig{BenchTime: "10ms", Count: 1}
		lis.Duration, lis.Runs = time.Second, 1
		sr.N, sr.Runs, sr.BigMB = 2000, 1, 0
		proc.Runs = 10
		insp = InspectConfig{Count: 1, ListenBursts: 2, ProcessRuns: 1, Bursts: 2, BurstRequests: 500, CaptureBurstRequests: 200}
		sbx.N, sbx.Runs = 500, 1
	}
	selected, err := selectMeasures(fs.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		fs.Usage()
		return 2
	}
	if lis.Tool != "" && lis.Tool != "wrk" && lis.Tool != "hey" {
		fmt.Fprintln(os.Stderr, "bench: -listen-tool is wrk or hey")
		return 2
	}
	if sr.C < 1 || sr.N < 1 || sr.Runs < 1 || lis.Runs < 1 || lis.Conns < 1 || proc.Runs < 1 || sig.Count < 1 || insp.Count < 1 || insp.ListenBursts < 1 || insp.ProcessRuns < 1 || insp.Bursts < 1 || insp.BurstRequests < 1 || insp.CaptureBurstRequests < 1 {
		fmt.Fprintln(os.Stderr, "bench: counts, runs and concurrency must be 1 or more")
		return 2
	}

	start := time.Now()
	env, err := NewEnv(os.Stderr, start.Add(*timeout), *bin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	defer env.Close()
	if *out == "" && len(selected) == len(measureNames) {
		*out = filepath.Join(env.Root, "scripts", "bench", "BENCHMARKS.md")
	}

	report := &Report{Started: start, Args: args}
	failed := false
	add := func(s Section, t []Target, err error) {
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			failed = true
			if s.Title == "" {
				return
			}
			s.Notes = append(s.Notes, "**This measure did not finish:** "+firstLine(err.Error()))
		}
		report.Sections = append(report.Sections, s)
		report.Targets = append(report.Targets, t...)
	}
	has := func(name string) bool { return slices.Contains(selected, name) }
	if has("signing") {
		add(env.MeasureSigning(sig))
	}
	if has("listen") {
		add(env.MeasureListen(lis))
	}
	if has("send") || has("replay") {
		sr.Send, sr.Replay = has("send"), has("replay")
		add(env.MeasureSendReplay(sr))
	}
	if has("process") {
		add(env.MeasureProcess(proc))
	}
	if has("inspect") {
		add(env.MeasureInspect(insp))
	}
	if has("sandbox") {
		sbx.C = sr.C
		add(env.MeasureSandbox(sbx))
	}
	report.Elapsed = time.Since(start)

	md := report.Markdown()
	if *out == "" || *out == "-" {
		io.WriteString(os.Stdout, md)
	} else {
		if err := os.WriteFile(*out, []byte(md), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			return 1
		}
		env.logf("wrote %s", *out)
	}
	for _, t := range report.Targets {
		fmt.Fprintf(os.Stderr, "target %-6s %s: %s (want %s)\n", check(t.Met), t.Measure, t.Got, t.Goal)
		failed = failed || (*strict && !t.Met)
	}
	env.logf("done in %s", report.Elapsed.Round(time.Second))
	if failed {
		return 1
	}
	return 0
}

// selectMeasures returns the measures named, in report order.
func selectMeasures(args []string) ([]string, error) {
	if len(args) == 0 {
		return measureNames, nil
	}
	want := map[string]bool{}
	for _, a := range args {
		switch {
		case a == "all":
			return measureNames, nil
		case slices.Contains(measureNames, a):
			want[a] = true
		default:
			return nil, fmt.Errorf("unknown measure %q: use %s or all", a, strings.Join(measureNames, ", "))
		}
	}
	var out []string
	for _, m := range measureNames {
		if want[m] {
			out = append(out, m)
		}
	}
	return out, nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
