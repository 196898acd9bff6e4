package listen

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkListenInspector compares listen's requests/s with the inspector
// off, and on with one browser subscribed to its event stream: the
// fan-out must stay off the request path. Two listeners, one of each, run
// in this process at once: each first answers 4×N requests unmeasured (a
// listener up a while: the ring full, the heap grown), then they take
// bursts of N requests in turn, ABBA, with a pause before each. Each pair
// of bursts, a fraction of a second apart, gives a ratio, and the median
// of them is reported; listeners measured one after the other, seconds
// apart, drifted by several percent between runs. The two share this
// process's collector, so the ring's part in its cycles falls on both:
// make bench also measures listen as processes of their own.
// SMSHOOK_BENCH_BURSTS sets the bursts each listener takes (20).
//
//	go test ./pkg/cmd/listen -run XXX -bench 'ListenInspector/no-capture' -benchtime 5000x
func BenchmarkListenInspector(b *testing.B) {
	bursts := 20
	if v := os.Getenv("SMSHOOK_BENCH_BURSTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("SMSHOOK_BENCH_BURSTS=%q: want a count of bursts", v)
		}
		bursts = n
	}
	// Without a capture file the inspector keeps a ring in memory and
	// listen is at its fastest; with one (the default) it follows the file.
	for _, mode := range []string{"no-capture", "capture"} {
		b.Run(mode, func(b *testing.B) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			off := startBenchListener(b, ctx, mode == "no-capture", false)
			on := startBenchListener(b, ctx, mode == "no-capture", true)
			off.load(4 * b.N)
			on.load(4 * b.N)
			var offRates, onRates, ratios []float64
			b.ResetTimer()
			for i := range bursts {
				first, second := off, on
				if i%2 == 1 {
					first, second = on, off
				}
				time.Sleep(burstPause)
				r1 := first.load(b.N)
				time.Sleep(burstPause)
				r2 := second.load(b.N)
				offRate, onRate := r1, r2
				if first == on {
					offRate, onRate = r2, r1
				}
				offRates, onRates = append(offRates, offRate), append(onRates, onRate)
				ratios = append(ratios, onRate/offRate)
			}
			b.StopTimer()
			streamed := on.stop()
			off.stop()
			b.ReportMetric(median(offRates), "off-req/s")
			b.ReportMetric(median(onRates), "on-req/s")
			b.ReportMetric(median(ratios), "ratio")
			b.ReportMetric(float64(on.sent.Load()-int64(streamed)), "not-streamed")
		})
	}
}

// burstPause is the quiet before each burst, so that what one listener
// left running after its burst (a collection, the inspector's last
// batch) is not charged to the other's.
const burstPause = 30 * time.Millisecond

// benchListener is one listener of BenchmarkListenInspector, and a
// browser's reader of its event stream when it is subscribed.
type benchListener struct {
	b      *testing.B
	base   string
	client *http.Client
	sig    string
	sent   atomic.Int64 // requests answered 2xx
	events chan int     // what the reader counted, once the stream ended
	cancel context.CancelFunc
	done   <-chan error
}

func startBenchListener(b *testing.B, parent context.Context, noCapture, subscribed bool) *benchListener {
	f, _, _ := testFactory(b, nil, "")
	f.IOStreams.Out, f.IOStreams.ErrOut = io.Discard, io.Discard // like a terminal's output sent to /dev/null
	ctx, cancel := context.WithCancel(parent)
	uiURL := make(chan string, 1)
	base, done := running(b, f, ctx, func(o *ListenOptions) {
		o.NoCapture = noCapture
		o.NoUI = !subscribed
		o.inspecting = func(u string) { uiURL <- u }
	})
	l := &benchListener{b: b, base: base, cancel: cancel, done: done, sig: sign("smshook-demo-dexatel-secret", body),
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}}
	if subscribed {
		resp, err := http.Get(<-uiURL + "api/stream")
		if err != nil {
			b.Fatal(err)
		}
		l.events = make(chan int, 1)
		go func() { // a browser reading the stream
			defer resp.Body.Close()
			n, kind, sc := 0, "", bufio.NewScanner(resp.Body)
			for sc.Scan() {
				line := sc.Text()
				switch {
				case strings.HasPrefix(line, "event: "):
					kind = line[7:]
				case kind == "event" && strings.HasPrefix(line, "data: "):
					n++
				case kind == "burst" && strings.HasPrefix(line, "data: "):
					var burst struct{ Count int }
					json.Unmarshal([]byte(line[6:]), &burst)
					n += burst.Count
				}
			}
			l.events <- n
		}()
	}
	return l
}

// load sends n requests over 8 connections and returns the requests/s.
func (l *benchListener) load(n int) float64 {
	const workers = 8
	var wg sync.WaitGroup
	jobs := make(chan struct{}, workers)
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				req, _ := http.NewRequest("POST", l.base+"/dexatel", bytes.NewReader(body))
				req.Header.Set("X-Dexatel-Signature", l.sig)
				resp, err := l.client.Do(req)
				if err != nil {
					l.b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode/100 == 2 {
					l.sent.Add(1)
				}
			}
		}()
	}
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}

// stop stops the listener and returns how many events its reader
// counted (0 when it has none).
func (l *benchListener) stop() int {
	time.Sleep(300 * time.Millisecond) // the stream sends at most every 100 ms
	l.cancel()
	<-l.done
	if l.events == nil {
		return 0
	}
	select {
	case n := <-l.events:
		return n
	case <-time.After(5 * time.Second):
		return 0
	}
}

func median(vs []float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
