package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// InspectConfig sets the inspector's benchmark runs.
type InspectConfig struct {
	Count    int // -count: runs of each, the median is kept
	Requests int // requests per listen run
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
		"-benchtime", strconv.Itoa(cfg.Requests) + "x", "-count", count, "./pkg/cmd/listen"}
	s := Section{
		Title:   "6. The inspector",
		Command: "go " + strings.Join(core, " ") + " && go " + strings.Join(listen, " "),
		Intro: fmt.Sprintf("Median of %d runs. Indexing reads a capture file of 50 000 Dexatel records (about 37 MB) as `smshook inspect` does; "+
			"*newest first* is the first step on a file of 200 000, after which the newest events are listed; the filter runs over a "+
			"million summaries in memory; the memory is the index's heap for 200 000 records, scaled to 1 GB. listen (no capture, 8 connections, in-process) with the inspector off, on, and on with one "+
			"reader of its event stream, which counts what it received.", cfg.Count),
	}
	var res = map[string]map[string]float64{}
	for _, args := range [][]string{core, listen} {
		e.logf("inspect: go %s", strings.Join(args, " "))
		p, err := e.run(6*time.Minute, e.Root, "go", args...)
		if err != nil {
			return s, nil, err
		}
		if p.ExitCode != 0 {
			return s, nil, fmt.Errorf("go test -bench failed:\n%s%s", p.Stdout, p.Stderr)
		}
		for k, v := range parseMetrics(p.Stdout) {
			res[k] = v
		}
	}
	get := func(name, unit string) (float64, error) {
		v, ok := res[name][unit]
		if !ok {
			return 0, fmt.Errorf("%s %s is missing from the benchmark output", name, unit)
		}
		return v, nil
	}
	mbps, err1 := get("BenchmarkIndexCapture", "MB/s")
	newest, err2 := get("BenchmarkNewestFirst", "ns/op")
	filter, err3 := get("BenchmarkFilterMillion", "ns/op")
	off, err4 := get("BenchmarkListenInspector/no-ui", "req/s")
	on, err5 := get("BenchmarkListenInspector/ui", "req/s")
	sub, err6 := get("BenchmarkListenInspector/ui+subscriber", "req/s")
	lost, err7 := get("BenchmarkListenInspector/ui+subscriber", "not-streamed")
	perEvent, err8 := get("BenchmarkIndexMemory", "B/event")
	perGB, err9 := get("BenchmarkIndexMemory", "MiB/GB")
	for _, err := range []error{err1, err2, err3, err4, err5, err6, err7, err8, err9} {
		if err != nil {
			return s, nil, err
		}
	}
	s.Tables = append(s.Tables, Table{
		Header: []string{"measure", "figure"},
		Rows: [][]string{
			{"indexing a capture file", fmt.Sprintf("%.0f MB/s", mbps)},
			{"newest events listed after", ms(time.Duration(newest))},
			{"a filter over 1 000 000 events", ms(time.Duration(filter))},
			{"the index's memory", fmt.Sprintf("%.0f B per event: %.0f MiB for 1 GB of these records", perEvent, perGB)},
			{"listen, inspector off", count0(off) + " req/s"},
			{"listen, inspector on", count0(on) + " req/s (" + ratio(on, off) + ")"},
			{"listen, one browser subscribed", count0(sub) + " req/s (" + ratio(sub, off) + "), " + fmt.Sprintf("%.0f", lost) + " not streamed"},
		},
	})
	s.Notes = append(s.Notes, "Memory is measured on 200 000 records of about 720 bytes (the heap the index keeps after a GC); "+
		"larger records make less per GB.")
	targets := []Target{
		{Measure: "inspect indexing", Goal: "≥ 200 MB/s", Got: fmt.Sprintf("%.0f MB/s", mbps), Met: mbps >= 200},
		{Measure: "inspect newest events of a large capture", Goal: "< 1 s", Got: ms(time.Duration(newest)), Met: newest < 1e9},
		{Measure: "inspect filter over 1 million events", Goal: "< 300 ms", Got: ms(time.Duration(filter)), Met: filter < 300e6},
		{Measure: "inspect memory for a 1 GB capture", Goal: "≤ 200 MiB", Got: fmt.Sprintf("%.0f MiB", perGB), Met: perGB <= 200},
		{Measure: "listen req/s with a browser subscribed vs inspector off", Goal: "≥ 0.95×, 0 lost",
			Got: ratio(sub, off) + fmt.Sprintf(", %.0f not streamed", lost), Met: sub >= 0.95*off && lost == 0},
	}
	return s, targets, nil
}

func count0(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) }
