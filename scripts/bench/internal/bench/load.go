package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Load is what a load generator measured.
type Load struct {
	Tool     string
	Answers  int // replies received
	Non2xx   int // replies that were not 2xx
	Errors   int // connect, read, write and timeout errors
	RPS      float64
	P50, P99 time.Duration
}

// OK2xx is the number of 2xx replies.
func (l Load) OK2xx() int { return l.Answers - l.Non2xx }

// Request is what a load generator sends, over and over.
type Request struct {
	URL     string
	Body    []byte
	Headers [][2]string // in order; Content-Type among them
}

// wrkScript posts the body with the headers and prints one RESULT line.
const wrkScript = `wrk.method = "POST"
wrk.body = [==[%s]==]
%s
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%%d duration_us=%%d non2xx=%%d errors=%%d p50_us=%%d p99_us=%%d\n",
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`

// wrkLoad drives req for d with conns connections on threads threads.
func (e *Env) wrkLoad(wrk string, req Request, d time.Duration, conns, threads int) (Load, error) {
	if bytes.Contains(req.Body, []byte("]==]")) {
		return Load{}, fmt.Errorf("the body cannot be quoted for wrk's Lua script")
	}
	var headers strings.Builder
	for _, h := range req.Headers {
		fmt.Fprintf(&headers, "wrk.headers[%q] = %q\n", h[0], h[1])
	}
	script := e.Path("post.lua")
	if err := os.WriteFile(script, fmt.Appendf(nil, wrkScript, req.Body, headers.String()), 0o600); err != nil {
		return Load{}, err
	}
	secs := max(1, int(d.Round(time.Second)/time.Second))
	p, err := e.run(d+time.Minute, e.Dir, wrk, "-t", strconv.Itoa(threads), "-c", strconv.Itoa(conns),
		"-d", strconv.Itoa(secs)+"s", "--timeout", "10s", "-s", script, req.URL)
	if err != nil {
		return Load{}, err
	}
	if p.ExitCode != 0 {
		return Load{}, fmt.Errorf("wrk exited %d:\n%s%s", p.ExitCode, p.Stdout, p.Stderr)
	}
	return parseWrk(p.Stdout)
}

var wrkResult = regexp.MustCompile(`RESULT requests=(\d+) duration_us=(\d+) non2xx=(\d+) errors=(\d+) p50_us=(\d+) p99_us=(\d+)`)

func parseWrk(out []byte) (Load, error) {
	m := wrkResult.FindSubmatch(out)
	if m == nil {
		return Load{}, fmt.Errorf("cannot read wrk's output:\n%s", out)
	}
	n := func(i int) int { v, _ := strconv.Atoi(string(m[i])); return v }
	if n(2) == 0 {
		return Load{}, fmt.Errorf("wrk measured no time:\n%s", out)
	}
	return Load{
		Tool: "wrk", Answers: n(1), Non2xx: n(3), Errors: n(4),
		RPS: float64(n(1)) / (float64(n(2)) / 1e6),
		P50: time.Duration(n(5)) * time.Microsecond, P99: time.Duration(n(6)) * time.Microsecond,
	}, nil
}

// heyLoad drives req with hey: for d when d > 0, else n requests.
func (e *Env) heyLoad(req Request, d time.Duration, n, conns int) (Load, error) {
	hey, err := e.Hey()
	if err != nil {
		return Load{}, err
	}
	bodyFile := e.Path("hey-body")
	if err := os.WriteFile(bodyFile, req.Body, 0o600); err != nil {
		return Load{}, err
	}
	args := []string{"-c", strconv.Itoa(conns), "-m", "POST", "-D", bodyFile}
	limit := 5 * time.Minute
	if d > 0 {
		args = append(args, "-z", d.String())
		limit = d + time.Minute
	} else {
		args = append(args, "-n", strconv.Itoa(n))
	}
	for _, h := range req.Headers {
		if strings.EqualFold(h[0], "Content-Type") {
			args = append(args, "-T", h[1])
		} else {
			args = append(args, "-H", h[0]+": "+h[1])
		}
	}
	p, err := e.run(limit, e.Dir, hey, append(args, req.URL)...)
	if err != nil {
		return Load{}, err
	}
	if p.ExitCode != 0 {
		return Load{}, fmt.Errorf("hey exited %d:\n%s%s", p.ExitCode, p.Stdout, p.Stderr)
	}
	return parseHey(p.Stdout)
}

var (
	heyStatus = regexp.MustCompile(`^\s*\[(\d+)\]\s+(\d+) responses`)
	heyError  = regexp.MustCompile(`^\s*\[(\d+)\]\s+\S`)
)

// parseHey reads hey's text summary.
func parseHey(out []byte) (Load, error) {
	l := Load{Tool: "hey"}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		// hey v0.1.5 prints its percentiles as "50%% in 0.0009 secs".
		trimmed := strings.ReplaceAll(strings.TrimSpace(line), "%%", "%")
		switch {
		case strings.HasSuffix(trimmed, ":") && !strings.HasPrefix(line, " "):
			section = trimmed
		case strings.HasPrefix(trimmed, "Requests/sec:"):
			l.RPS, _ = strconv.ParseFloat(strings.TrimSpace(strings.TrimPrefix(trimmed, "Requests/sec:")), 64)
		case strings.HasPrefix(trimmed, "50% in "):
			l.P50 = heySeconds(trimmed)
		case strings.HasPrefix(trimmed, "99% in "):
			l.P99 = heySeconds(trimmed)
		case section == "Status code distribution:":
			if m := heyStatus.FindStringSubmatch(line); m != nil {
				code, _ := strconv.Atoi(m[1])
				count, _ := strconv.Atoi(m[2])
				l.Answers += count
				if code/100 != 2 {
					l.Non2xx += count
				}
			}
		case section == "Error distribution:":
			if m := heyError.FindStringSubmatch(line); m != nil {
				count, _ := strconv.Atoi(m[1])
				l.Errors += count
			}
		}
	}
	if l.RPS == 0 {
		return l, fmt.Errorf("cannot read hey's output:\n%s", out)
	}
	return l, nil
}

func heySeconds(line string) time.Duration {
	fields := strings.Fields(line) // "99% in 0.0159 secs"
	if len(fields) < 3 {
		return 0
	}
	secs, _ := strconv.ParseFloat(fields[2], 64)
	return time.Duration(secs * float64(time.Second))
}

// median of v; 0 for none.
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func medianDuration(v []time.Duration) time.Duration {
	f := make([]float64, len(v))
	for i, d := range v {
		f[i] = float64(d)
	}
	return time.Duration(median(f))
}
