package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// InspectConfig sets the inspector's benchmark runs.
type InspectConfig struct {
	Count    int // -count: runs of each, the median is kept
	Requests int // requests per listen run
	// ListenRuns is how many times listen's benchmark runs, each with
	// every mode in turn: ratios are taken within a run, where the modes
	// ran seconds apart, and the median of those is kept.
	ListenRuns int
	// ProcessRuns is how many pairs of `smshook listen` processes run
	// under hey, one with the inspector off and one with a browser
	// subscribed, up at once; each pair takes Bursts bursts of
	// BurstRequests requests each in turn without a capture file, and of
	// CaptureBurstRequests with one.
	ProcessRuns          int
	Bursts               int
	BurstRequests        int
	CaptureBurstRequests int
	// WarmUp is how many requests each listen process answers before it
	// is measured: the same for both sides, so that both are measured as
	// a listener that has been up a while (the ring full, the heap grown).
	WarmUp int
}

var metricsLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// parseMetrics reads `go test -bench` output with custom metrics: for
// each benchmark, the median of each unit ("ns/op", "MB/s", "req/s" …).
func parseMetrics(out []byte) map[string]map[string]float64 {
	runs := map[string]map[string][]float64{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := metricsLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		f := strings.Fields(m[2])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			if runs[m[1]] == nil {
				runs[m[1]] = map[string][]float64{}
			}
			runs[m[1]][f[i+1]] = append(runs[m[1]][f[i+1]], v)
		}
	}
	out2 := map[string]map[string]float64{}
	for name, units := range runs {
		out2[name] = map[string]float64{}
		for unit, vs := range units {
			out2[name][unit] = median(vs)
		}
	}
	return out2
}

// MeasureInspect runs the inspector's benchmarks: indexing a capture file,
// showing its newest events, a filter over a million events, and listen's
// requests/s with the inspector off and with a browser subscribed.
func (e *Env) MeasureInspect(cfg InspectConfig) (Section, []Target, error) {
	count := strconv.Itoa(cfg.Count)
	core := []string{"test", "-run", "^$", "-bench", "^(BenchmarkIndexCapture|BenchmarkNewestFirst|BenchmarkFilterMillion|BenchmarkIndexMemory)$",
		"-benchtime", "3x", "-count", count, "./pkg/inspect"}
	listen := []string{"test", "-run", "^$", "-bench", "^BenchmarkListenInspector$",
		"-benchtime", strconv.Itoa(cfg.Requests) + "x", "-count", "1", "./pkg/cmd/listen"}
	s := Section{
		Title: "5. The inspector",
		Command: "go " + strings.Join(core, " ") + fmt.Sprintf(" && %d × go ", cfg.ListenRuns) + strings.Join(listen, " ") +
			fmt.Sprintf(" && %d pairs of `smshook listen` under hey, twice", cfg.ProcessRuns),
		Intro: fmt.Sprintf("Median of %d runs. Indexing reads a capture file of 50 000 Dexatel records (about 37 MB) as `smshook inspect` does; "+
			"*newest first* is the first step on a file of 200 000, after which the newest events are listed; the filter runs over a "+
			"million summaries in memory; the memory is the index's heap for 200 000 records, scaled to 1 GB. "+
			"listen (8 connections, in-process) runs %d times with the inspector off, on, and on with one reader of its event stream, "+
			"which counts what it received: without a capture file (the inspector keeps a ring in memory), then with one (the default: "+
			"it follows the file); every other run takes the modes in reverse order (SMSHOOK_BENCH_ORDER=reverse). Each mode's listener "+
			"first answers as many requests again, unmeasured, as one that has been up a while (the ring full, the heap grown). Ratios are taken "+
			"within each run and their median kept; req/s are medians. Then `smshook listen` runs as a process of its own under hey "+
			"(8 connections, like the in-process runs), in %d pairs of processes up at once: one with `--no-ui`, one with the inspector "+
			"on and one reader of its stream (which counts every event, the unmeasured ones too). Each process first answers %d "+
			"unmeasured requests; then the two take %d bursts each in turn (ABBA, %v of quiet before each), of %d requests without a "+
			"capture file and %d with one; every other pair starts the subscribed process first. Each pair of bursts gives a ratio: "+
			"the median of all of them is kept, and the range of the process pairs' own medians is shown.",
			cfg.Count, cfg.ListenRuns, cfg.ProcessRuns, cfg.WarmUp, cfg.Bursts, burstPause, cfg.BurstRequests, cfg.CaptureBurstRequests),
	}
	run := func(args []string) (map[string]map[string]float64, error) {
		e.logf("inspect: env %s", strings.Join(args, " "))
		p, err := e.run(6*time.Minute, e.Root, "env", args...)
		if err != nil {
			return nil, err
		}
		if p.ExitCode != 0 {
			return nil, fmt.Errorf("go test -bench failed:\n%s%s", p.Stdout, p.Stderr)
		}
		return parseMetrics(p.Stdout), nil
	}
	res, err := run(append([]string{"go"}, core...))
	if err != nil {
		return s, nil, err
	}
	var listenRuns []map[string]map[string]float64
	for i := range cfg.ListenRuns {
		order := "forward"
		if i%2 == 1 {
			order = "reverse" // see BenchmarkListenInspector
		}
		r, err := run(append([]string{"SMSHOOK_BENCH_ORDER=" + order, "go"}, listen...))
		if err != nil {
			return s, nil, err
		}
		listenRuns = append(listenRuns, r)
	}
	get := func(res map[string]map[string]float64, name, unit string) (float64, error) {
		v, ok := res[name][unit]
		if !ok {
			return 0, fmt.Errorf("%s %s is missing from the benchmark output", name, unit)
		}
		return v, nil
	}
	// A spread is the median of some runs' figures, and the least and
	// greatest of them.
	type spread struct{ med, lo, hi float64 }
	spreadOf := func(vs []float64) spread { return spread{median(vs), slices.Min(vs), slices.Max(vs)} }
	// listenSpread is the spread over the runs of f, which reads one run.
	var errs []error
	listenSpread := func(f func(map[string]map[string]float64) (float64, error)) spread {
		var vs []float64
		for _, r := range listenRuns {
			v, err := f(r)
			if err != nil {
				errs = append(errs, err)
				return spread{}
			}
			vs = append(vs, v)
		}
		return spreadOf(vs)
	}
	value := func(name, unit string) float64 {
		return listenSpread(func(r map[string]map[string]float64) (float64, error) {
			return get(r, "BenchmarkListenInspector/"+name, unit)
		}).med
	}
	against := func(name, base string) spread {
		return listenSpread(func(r map[string]map[string]float64) (float64, error) {
			v, err := get(r, "BenchmarkListenInspector/"+name, "req/s")
			if err != nil {
				return 0, err
			}
			b, err := get(r, "BenchmarkListenInspector/"+base, "req/s")
			if err != nil || b == 0 {
				return 0, fmt.Errorf("BenchmarkListenInspector/%s: no req/s", base)
			}
			return v / b, nil
		})
	}
	mbps, err1 := get(res, "BenchmarkIndexCapture", "MB/s")
	newest, err2 := get(res, "BenchmarkNewestFirst", "ns/op")
	filter, err3 := get(res, "BenchmarkFilterMillion", "ns/op")
	perEvent, err4 := get(res, "BenchmarkIndexMemory", "B/event")
	perGB, err5 := get(res, "BenchmarkIndexMemory", "MiB/GB")
	off, on, sub := value("no-ui", "req/s"), value("ui", "req/s"), value("ui+subscriber", "req/s")
	capOff, capSub := value("capture-no-ui", "req/s"), value("capture-ui+subscriber", "req/s")
	onRatio, subRatio, capRatio := against("ui", "no-ui"), against("ui+subscriber", "no-ui"), against("capture-ui+subscriber", "capture-no-ui")
	lost := listenSpread(func(r map[string]map[string]float64) (float64, error) {
		a, err := get(r, "BenchmarkListenInspector/ui+subscriber", "not-streamed")
		if err != nil {
			return 0, err
		}
		b, err := get(r, "BenchmarkListenInspector/capture-ui+subscriber", "not-streamed")
		return max(a, b), err
	}).med
	for _, err := range append([]error{err1, err2, err3, err4, err5}, errs...) {
		if err != nil {
			return s, nil, err
		}
	}
	procRatios, procPairs, procOff, procOn, procMissed, err := e.listenInspectorProcess(cfg, cfg.BurstRequests, false)
	if err != nil {
		return s, nil, err
	}
	capRatios, capPairs, capProcOff, capProcOn, capMissed, err := e.listenInspectorProcess(cfg, cfg.CaptureBurstRequests, true)
	if err != nil {
		return s, nil, err
	}
	// A process measure's figure is the median of every pair of bursts;
	// its spread, that of the process pairs' own medians.
	proc := spread{median(procRatios), slices.Min(procPairs), slices.Max(procPairs)}
	procCap := spread{median(capRatios), slices.Min(capPairs), slices.Max(capPairs)}
	ranged := func(sp spread) string {
		return fmt.Sprintf("%.2f×; runs %.2f–%.2f×", sp.med, sp.lo, sp.hi)
	}
	rangedPairs := func(sp spread) string {
		return fmt.Sprintf("%.3f×; process pairs %.3f–%.3f×", sp.med, sp.lo, sp.hi)
	}
	s.Tables = append(s.Tables, Table{
		Header: []string{"measure", "figure"},
		Rows: [][]string{
			{"indexing a capture file", fmt.Sprintf("%.0f MB/s", mbps)},
			{"newest events listed after", ms(time.Duration(newest))},
			{"a filter over 1 000 000 events", ms(time.Duration(filter))},
			{"the index's memory", fmt.Sprintf("%.0f B per event: %.0f MiB for 1 GB of these records", perEvent, perGB)},
			{"listen --no-capture, inspector off", count0(off) + " req/s"},
			{"listen --no-capture, inspector on", count0(on) + " req/s (" + ranged(onRatio) + ")"},
			{"listen --no-capture, one browser subscribed", count0(sub) + " req/s (" + ranged(subRatio) + ")"},
			{"listen with a capture file, inspector off", count0(capOff) + " req/s"},
			{"listen with a capture file, one browser subscribed", count0(capSub) + " req/s (" + ranged(capRatio) + ")"},
			{"events a subscriber missed (worst mode)", fmt.Sprintf("%.0f", lost)},
		},
	})
	s.Tables = append(s.Tables, Table{
		Header: []string{"`smshook listen` as a process, under hey", "inspector off", "one browser subscribed", "ratio"},
		Rows: [][]string{
			{"--no-capture", count0(median(procOff)) + " req/s", count0(median(procOn)) + " req/s", rangedPairs(proc)},
			{"with a capture file", count0(median(capProcOff)) + " req/s", count0(median(capProcOn)) + " req/s", rangedPairs(procCap)},
			{"events a subscriber missed (worst process)", "", strconv.Itoa(max(procMissed, capMissed)), ""},
		},
	})
	s.Notes = append(s.Notes, "Memory is measured on 200 000 records of about 720 bytes (the heap the index keeps after a GC); "+
		"larger records make less per GB.")
	worst := min(subRatio.med, capRatio.med, proc.med, procCap.med)
	targets := []Target{
		{Measure: "inspect indexing", Goal: "≥ 200 MB/s", Got: fmt.Sprintf("%.0f MB/s", mbps), Met: mbps >= 200},
		{Measure: "inspect newest events of a large capture", Goal: "< 1 s", Got: ms(time.Duration(newest)), Met: newest < 1e9},
		{Measure: "inspect filter over 1 million events", Goal: "< 300 ms", Got: ms(time.Duration(filter)), Met: filter < 300e6},
		{Measure: "inspect memory for a 1 GB capture", Goal: "≤ 200 MiB", Got: fmt.Sprintf("%.0f MiB", perGB), Met: perGB <= 200},
		{Measure: "listen req/s with a browser subscribed vs inspector off", Goal: "≥ 0.95×, 0 lost",
			Got: fmt.Sprintf("in-process %.3f× without capture, %.3f× with; as a process under hey %.3f× and %.3f×; %d not streamed",
				subRatio.med, capRatio.med, proc.med, procCap.med, int(lost)+max(procMissed, capMissed)),
			Met: worst >= 0.95 && lost == 0 && procMissed == 0 && capMissed == 0},
	}
	return s, targets, nil
}

func count0(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) }
