package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// InspectConfig sets the inspector's benchmark runs.
type InspectConfig struct {
	Count int // -count: runs of each, the median is kept
	// ListenBursts is how many bursts each of BenchmarkListenInspector's
	// two listeners, in one process, takes in turn: of BurstRequests
	// requests without a capture file, CaptureBurstRequests with one.
	ListenBursts int
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
	// listen is BenchmarkListenInspector's command for a mode.
	listen := func(mode string, burstN int) []string {
		return []string{"test", "-run", "^$", "-bench", "^BenchmarkListenInspector$/^" + mode + "$",
			"-benchtime", strconv.Itoa(burstN) + "x", "-count", "1", "./pkg/cmd/listen"}
	}
	burstsEnv := "SMSHOOK_BENCH_BURSTS=" + strconv.Itoa(cfg.ListenBursts)
	noCapture, withCapture := listen("no-capture", cfg.BurstRequests), listen("capture", cfg.CaptureBurstRequests)
	s := Section{
		Title: "5. The inspector",
		Command: "go " + strings.Join(core, " ") + " && " + burstsEnv + " go " + strings.Join(noCapture, " ") + " && " + burstsEnv +
			" go " + strings.Join(withCapture, " ") + fmt.Sprintf(" && %d pairs of `smshook listen` under hey, twice", cfg.ProcessRuns),
		Intro: fmt.Sprintf("Median of %d runs. Indexing reads a capture file of 50 000 Dexatel records (about 37 MB) as `smshook inspect` does; "+
			"*newest first* is the first step on a file of 200 000, after which the newest events are listed; the filter runs over a "+
			"million summaries in memory; the memory is the index's heap for 200 000 records, scaled to 1 GB. "+
			"listen's requests/s with the inspector off and with one reader of its event stream (which counts every event it is told of) "+
			"are measured twice, in pairs of listeners up at once that take bursts of requests in turn (ABBA, %v of quiet before each) "+
			"over 8 connections: each pair of bursts gives a ratio and the median of them is kept; req/s are medians. "+
			"Without a capture file the inspector keeps a ring in memory; with one (the default) it follows the file. "+
			"First in-process (BenchmarkListenInspector, Go's client): one pair of listeners, each answering 4 bursts' worth of "+
			"requests unmeasured (a listener up a while: the ring full, the heap grown), then taking %d bursts of %d requests without a "+
			"capture file and of %d with one; the two share a collector. Then `smshook listen` as a process of its own under hey, in %d "+
			"pairs of processes: one with `--no-ui`, one with the inspector on; each first answers %d unmeasured requests, then the two "+
			"take %d bursts each, of the same sizes; every other pair starts the subscribed process first, and the range of the process "+
			"pairs' own medians is shown.",
			cfg.Count, burstPause, cfg.ListenBursts, cfg.BurstRequests, cfg.CaptureBurstRequests, cfg.ProcessRuns, cfg.WarmUp, cfg.Bursts),
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
	inProcess := map[string]map[string]float64{} // by benchmark, then unit
	for _, args := range [][]string{noCapture, withCapture} {
		r, err := run(append([]string{burstsEnv, "go"}, args...))
		if err != nil {
			return s, nil, err
		}
		maps.Copy(inProcess, r)
	}
	get := func(res map[string]map[string]float64, name, unit string) (float64, error) {
		v, ok := res[name][unit]
		if !ok {
			return 0, fmt.Errorf("%s %s is missing from the benchmark output", name, unit)
		}
		return v, nil
	}
	var errs []error
	// listenFigure is a figure BenchmarkListenInspector reported for a mode.
	listenFigure := func(mode, unit string) float64 {
		v, err := get(inProcess, "BenchmarkListenInspector/"+mode, unit)
		errs = append(errs, err)
		return v
	}
	mbps, err1 := get(res, "BenchmarkIndexCapture", "MB/s")
	newest, err2 := get(res, "BenchmarkNewestFirst", "ns/op")
	filter, err3 := get(res, "BenchmarkFilterMillion", "ns/op")
	perEvent, err4 := get(res, "BenchmarkIndexMemory", "B/event")
	perGB, err5 := get(res, "BenchmarkIndexMemory", "MiB/GB")
	off, sub, subRatio := listenFigure("no-capture", "off-req/s"), listenFigure("no-capture", "on-req/s"), listenFigure("no-capture", "ratio")
	capOff, capSub, capRatio := listenFigure("capture", "off-req/s"), listenFigure("capture", "on-req/s"), listenFigure("capture", "ratio")
	lost := max(listenFigure("no-capture", "not-streamed"), listenFigure("capture", "not-streamed"))
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
	type spread struct{ med, lo, hi float64 }
	proc := spread{median(procRatios), slices.Min(procPairs), slices.Max(procPairs)}
	procCap := spread{median(capRatios), slices.Min(capPairs), slices.Max(capPairs)}
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
		},
	})
	s.Tables = append(s.Tables, Table{
		Header: []string{"listen in-process, Go's client", "inspector off", "one browser subscribed", "ratio"},
		Rows: [][]string{
			{"--no-capture", count0(off) + " req/s", count0(sub) + " req/s", fmt.Sprintf("%.3f×", subRatio)},
			{"with a capture file", count0(capOff) + " req/s", count0(capSub) + " req/s", fmt.Sprintf("%.3f×", capRatio)},
			{"events a subscriber missed (worst mode)", "", fmt.Sprintf("%.0f", lost), ""},
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
	worst := min(subRatio, capRatio, proc.med, procCap.med)
	targets := []Target{
		{Measure: "inspect indexing", Goal: "≥ 200 MB/s", Got: fmt.Sprintf("%.0f MB/s", mbps), Met: mbps >= 200},
		{Measure: "inspect newest events of a large capture", Goal: "< 1 s", Got: ms(time.Duration(newest)), Met: newest < 1e9},
		{Measure: "inspect filter over 1 million events", Goal: "< 300 ms", Got: ms(time.Duration(filter)), Met: filter < 300e6},
		{Measure: "inspect memory for a 1 GB capture", Goal: "≤ 200 MiB", Got: fmt.Sprintf("%.0f MiB", perGB), Met: perGB <= 200},
		{Measure: "listen req/s with a browser subscribed vs inspector off", Goal: "≥ 0.95×, 0 lost",
			Got: fmt.Sprintf("in-process %.3f× without capture, %.3f× with; as a process under hey %.3f× and %.3f×; %d not streamed",
				subRatio, capRatio, proc.med, procCap.med, int(lost)+max(procMissed, capMissed)),
			Met: worst >= 0.95 && lost == 0 && procMissed == 0 && capMissed == 0},
	}
	return s, targets, nil
}

func count0(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) }
