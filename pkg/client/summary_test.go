package client

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/iostreams"
)

func TestHistogramQuantilesWithinOnePercent(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	dists := map[string]func() time.Duration{
		"uniform 0-10ms": func() time.Duration { return time.Duration(r.Int64N(int64(10 * time.Millisecond))) },
		"log-normal": func() time.Duration {
			return time.Duration(math.Exp(r.NormFloat64()*1.5+7) * float64(time.Microsecond))
		},
		"bimodal": func() time.Duration {
			if r.IntN(10) == 0 {
				return 2*time.Second + time.Duration(r.IntN(1000))*time.Millisecond
			}
			return 300*time.Microsecond + time.Duration(r.IntN(200))*time.Microsecond
		},
	}
	for name, draw := range dists {
		t.Run(name, func(t *testing.T) {
			var h histogram
			values := make([]time.Duration, 50000)
			for i := range values {
				values[i] = draw()
				h.add(values[i])
			}
			sort.Slice(values, func(i, j int) bool { return values[i] < values[j] })
			for _, q := range []float64{0.5, 0.95, 0.99} {
				exact := values[int(math.Ceil(q*float64(len(values))))-1]
				got := h.quantile(q)
				tolerance := max(time.Duration(float64(exact)*0.01), time.Microsecond)
				if d := got - exact; d > tolerance || -d > tolerance {
					t.Errorf("p%v = %v, exact %v", q*100, got, exact)
				}
			}
			if h.max != values[len(values)-1] {
				t.Errorf("max = %v, want %v", h.max, values[len(values)-1])
			}
		})
	}
}

func TestHistogramIndexIsMonotonic(t *testing.T) {
	prev := -1
	for us := uint64(0); us < 1<<22; us += 1 + us/97 {
		i := histIndex(us)
		if i < prev {
			t.Fatalf("index of %dµs is %d, below %d", us, i, prev)
		}
		if v := histValue(i); us >= histLinear && (float64(v) < float64(us)*0.98 || float64(v) > float64(us)*1.02) {
			t.Fatalf("bucket value %d for %dµs is more than 2%% off", v, us)
		}
		prev = i
	}
	if histIndex(math.MaxUint64) != histBuckets-1 {
		t.Error("huge values do not land in the last bucket")
	}
}

func sampleSummary() *Summary {
	st := newStats("2xx", 4)
	req := &Request{Method: "POST", URL: "http://x/"}
	for i := 0; i < 8; i++ {
		st.record(&Result{Seq: i + 1, Request: req, Status: 200, OK: true, Attempts: 1, Latency: time.Duration(i+1) * time.Millisecond})
	}
	st.record(&Result{Seq: 9, Request: req, Status: 500, Attempts: 3, Latency: 40 * time.Millisecond})
	st.record(&Result{Seq: 10, Request: req, Attempts: 2, Err: errors.New("x"), ErrKind: ErrRefused, ErrText: "connection refused"})
	return st.summary(2 * time.Second)
}

func TestSummaryCounts(t *testing.T) {
	s := sampleSummary()
	if s.Sent != 10 || s.OK != 8 || s.Failed != 2 || s.Retries != 3 || s.AllOK() {
		t.Errorf("sent=%d ok=%d failed=%d retries=%d", s.Sent, s.OK, s.Failed, s.Retries)
	}
	if s.Replies[200] != 8 || s.Replies[500] != 1 || s.Unexpected[500] != 1 || s.Errors[ErrRefused] != 1 {
		t.Errorf("replies=%v unexpected=%v errors=%v", s.Replies, s.Unexpected, s.Errors)
	}
	if p50 := s.Latency.P50; s.RequestsPerSecond != 5 || s.Latency.Max != 40*time.Millisecond || p50 < 4950*time.Microsecond || p50 > 5050*time.Microsecond {
		t.Errorf("rps=%v latency=%+v", s.RequestsPerSecond, s.Latency)
	}
}

func TestSummaryJSON(t *testing.T) {
	b, err := json.Marshal(sampleSummary())
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Sent       int                `json:"sent"`
		Replies    map[string]int     `json:"replies"`
		Unexpected map[string]int     `json:"unexpected"`
		Errors     map[string]int     `json:"errors"`
		Samples    map[string]string  `json:"error_samples"`
		LatencyMS  map[string]float64 `json:"latency_ms"`
		RPS        float64            `json:"requests_per_second"`
		DurationMS float64            `json:"duration_ms"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Sent != 10 || got.Replies["200"] != 8 || got.Unexpected["500"] != 1 || got.Errors["refused"] != 1 ||
		got.Samples["refused"] != "connection refused" || got.LatencyMS["max"] != 40 || got.DurationMS != 2000 || got.RPS != 5 {
		t.Errorf("JSON %s", b)
	}
}

func TestSummaryText(t *testing.T) {
	var b strings.Builder
	if err := sampleSummary().WriteText(&b, iostreams.NewColorScheme(false)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"sent      10 in 2s (concurrency 4, 5.0 requests/s)",
		"replies   200 ×8  500 ×1",
		"errors    refused ×1",
		"retries   3",
		"latency   p50 5.0",
		"expect    2xx: 8 ok, 2 failed",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
}
