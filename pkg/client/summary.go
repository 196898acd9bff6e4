package client

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/bits"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/smshook/smshook/pkg/iostreams"
)

// Summary is what a run did. Its JSON form is what `--output json` prints.
type Summary struct {
	// Sent counts the requests attempted, whatever became of them.
	Sent int `json:"sent"`
	// OK counts replies that met the expectation; Failed the others plus
	// the requests that got no reply.
	OK     int    `json:"ok"`
	Failed int    `json:"failed"`
	Expect string `json:"expect"`
	// Replies counts final replies by status code, expected or not;
	// Unexpected the ones that missed the expectation.
	Replies    map[int]int `json:"replies"`
	Unexpected map[int]int `json:"unexpected,omitempty"`
	// Errors counts requests that got no reply, by kind (refused, timeout,
	// tls, dns, reset, canceled, other); ErrorSamples holds the first
	// message of each kind.
	Errors       map[string]int    `json:"errors,omitempty"`
	ErrorSamples map[string]string `json:"error_samples,omitempty"`
	// Retries counts attempts beyond each request's first.
	Retries int `json:"retries"`
	// Latency is over the requests that got a reply: the time of the
	// attempt that got it, from sending to the end of the reply body.
	Latency           Latency       `json:"latency_ms"`
	Elapsed           time.Duration `json:"-"`
	ElapsedMS         float64       `json:"duration_ms"`
	RequestsPerSecond float64       `json:"requests_per_second"`
	Concurrency       int           `json:"concurrency"`
	// Interrupted says the run was stopped before its end (Ctrl-C).
	Interrupted bool `json:"interrupted,omitempty"`
}

// Latency percentiles come from a log-linear histogram: within 1% of the
// exact value, in constant memory however long the run.
type Latency struct {
	P50, P95, P99, Max, Mean time.Duration
}

// MarshalJSON writes the durations in milliseconds.
func (l Latency) MarshalJSON() ([]byte, error) {
	ms := func(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }
	return json.Marshal(struct {
		P50  float64 `json:"p50"`
		P95  float64 `json:"p95"`
		P99  float64 `json:"p99"`
		Max  float64 `json:"max"`
		Mean float64 `json:"mean"`
	}{ms(l.P50), ms(l.P95), ms(l.P99), ms(l.Max), ms(l.Mean)})
}

// AllOK reports whether every request got the expected reply.
func (s *Summary) AllOK() bool { return s.Failed == 0 && !s.Interrupted }

// ErrorCount is the number of requests that got no reply.
func (s *Summary) ErrorCount() int {
	n := 0
	for _, c := range s.Errors {
		n += c
	}
	return n
}

// UnexpectedCount is the number of replies that missed the expectation.
func (s *Summary) UnexpectedCount() int {
	n := 0
	for _, c := range s.Unexpected {
		n += c
	}
	return n
}

// WriteText writes the summary for people, a few aligned lines, painted by cs.
func (s *Summary) WriteText(w io.Writer, cs *iostreams.ColorScheme) error {
	var b strings.Builder
	line := func(label, format string, args ...any) {
		fmt.Fprintf(&b, "%-9s %s\n", label, fmt.Sprintf(format, args...))
	}
	rate := ""
	if s.Elapsed > 0 {
		rate = fmt.Sprintf(", %s requests/s", formatRate(s.RequestsPerSecond))
	}
	line("sent", "%d in %s (concurrency %d%s)", s.Sent, FormatDuration(s.Elapsed), s.Concurrency, rate)
	if len(s.Replies) > 0 {
		parts := make([]string, 0, len(s.Replies))
		for _, code := range sortedCodes(s.Replies) {
			p := fmt.Sprintf("%d ×%d", code, s.Replies[code])
			if s.Unexpected[code] > 0 {
				p = cs.Red(p)
			} else {
				p = cs.Green(p)
			}
			parts = append(parts, p)
		}
		line("replies", "%s", strings.Join(parts, "  "))
	}
	if len(s.Errors) > 0 {
		line("errors", "%s", cs.Red(FormatErrorCounts(s.Errors)))
	}
	if s.Retries > 0 {
		line("retries", "%d", s.Retries)
	}
	if len(s.Replies) > 0 {
		l := s.Latency
		line("latency", "p50 %s  p95 %s  p99 %s  max %s",
			FormatDuration(l.P50), FormatDuration(l.P95), FormatDuration(l.P99), FormatDuration(l.Max))
	}
	verdict := cs.Green(fmt.Sprintf("all %d ok", s.OK))
	if s.Failed > 0 || s.OK != s.Sent {
		verdict = fmt.Sprintf("%s, %s", cs.Green(fmt.Sprintf("%d ok", s.OK)), cs.Red(fmt.Sprintf("%d failed", s.Failed)))
	}
	if s.Sent == 0 {
		verdict = "nothing sent"
	}
	line("expect", "%s: %s", s.Expect, verdict)
	if s.Interrupted {
		line("stopped", "%s", cs.Yellow("interrupted before the end"))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// FormatCodeCounts writes status counts as "500 ×2, 404 ×1", most frequent first.
func FormatCodeCounts(m map[int]int) string {
	codes := sortedCodes(m)
	sort.SliceStable(codes, func(i, j int) bool { return m[codes[i]] > m[codes[j]] })
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprintf("%d ×%d", c, m[c])
	}
	return strings.Join(parts, ", ")
}

// FormatErrorCounts writes error counts as "refused ×3, timeout ×1".
func FormatErrorCounts(m map[string]int) string {
	kinds := make([]string, 0, len(m))
	for k := range m {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool {
		if m[kinds[i]] != m[kinds[j]] {
			return m[kinds[i]] > m[kinds[j]]
		}
		return kinds[i] < kinds[j]
	})
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s ×%d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

func sortedCodes(m map[int]int) []int {
	codes := make([]int, 0, len(m))
	for c := range m {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	return codes
}

// StatusText is "200 OK", or the bare code for one net/http does not name.
func StatusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return strconv.Itoa(code) + " " + t
	}
	return strconv.Itoa(code)
}

// FormatDuration rounds for reading: 850µs, 12.3ms, 1.24s.
func FormatDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < 10*time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	case d < time.Second:
		return d.Round(100 * time.Microsecond).String()
	case d < time.Minute:
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

func formatRate(r float64) string {
	if r >= 100 {
		return strconv.FormatFloat(r, 'f', 0, 64)
	}
	return strconv.FormatFloat(r, 'f', 1, 64)
}

// stats accumulates results into a Summary; the Runner guards it.
type stats struct {
	s       Summary
	hist    histogram
	sum     time.Duration
	replied int
}

func newStats(expect string, concurrency int) *stats {
	return &stats{s: Summary{
		Expect:       expect,
		Replies:      map[int]int{},
		Unexpected:   map[int]int{},
		Errors:       map[string]int{},
		ErrorSamples: map[string]string{},
		Concurrency:  concurrency,
	}}
}

func (st *stats) record(r *Result) {
	s := &st.s
	s.Sent++
	s.Retries += r.Attempts - 1
	if r.Err != nil {
		s.Failed++
		s.Errors[r.ErrKind]++
		if _, ok := s.ErrorSamples[r.ErrKind]; !ok {
			s.ErrorSamples[r.ErrKind] = r.ErrText
		}
		return
	}
	s.Replies[r.Status]++
	st.replied++
	st.sum += r.Latency
	st.hist.add(r.Latency)
	if r.OK {
		s.OK++
	} else {
		s.Failed++
		s.Unexpected[r.Status]++
	}
}

func (st *stats) summary(elapsed time.Duration) *Summary {
	s := st.s // the maps are handed over: the run is over
	s.Elapsed = elapsed
	s.ElapsedMS = math.Round(float64(elapsed)/1e3) / 1e3
	if elapsed > 0 {
		s.RequestsPerSecond = math.Round(float64(s.Sent)/elapsed.Seconds()*10) / 10
	}
	if st.replied > 0 {
		s.Latency = Latency{
			P50:  st.hist.quantile(0.50),
			P95:  st.hist.quantile(0.95),
			P99:  st.hist.quantile(0.99),
			Max:  st.hist.max,
			Mean: st.sum / time.Duration(st.replied),
		}
	}
	if len(s.Unexpected) == 0 {
		s.Unexpected = nil
	}
	if len(s.Errors) == 0 {
		s.Errors, s.ErrorSamples = nil, nil
	}
	return &s
}

// histogram counts durations in microseconds in log-linear buckets: exact
// below 128µs, then 64 buckets per power of two (under 1.6% apart), so a
// quantile is within 1% of the true value with fixed memory.
type histogram struct {
	counts   [histBuckets]uint64
	n        uint64
	min, max time.Duration
}

const (
	histSubBits = 6
	histLinear  = 2 << histSubBits // values below this get a bucket each
	histBuckets = histLinear + 48<<histSubBits
)

func histIndex(us uint64) int {
	if us < histLinear {
		return int(us)
	}
	shift := bits.Len64(us) - histSubBits - 1 // ≥ 1
	top := us >> shift                        // in [64, 127]
	i := histLinear + (shift-1)<<histSubBits + int(top) - 1<<histSubBits
	return min(i, histBuckets-1)
}

// histValue is the middle of bucket i, in microseconds.
func histValue(i int) uint64 {
	if i < histLinear {
		return uint64(i)
	}
	i -= histLinear
	shift := i>>histSubBits + 1
	top := uint64(i&(1<<histSubBits-1) + 1<<histSubBits)
	return top<<shift + (uint64(1)<<shift)/2
}

func (h *histogram) add(d time.Duration) {
	if d < 0 {
		d = 0
	}
	if h.n == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	h.n++
	h.counts[histIndex(uint64(d/time.Microsecond))]++
}

// quantile returns the value at q (0..1), kept within [min, max].
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = max(rank, 1)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			d := time.Duration(histValue(i)) * time.Microsecond
			return min(max(d, h.min), h.max)
		}
	}
	return h.max
}
