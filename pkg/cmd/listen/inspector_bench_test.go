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
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkListenInspector compares listen's requests/s with the inspector
// off, and on with one browser subscribed to its event stream: the
// fan-out must stay off the request path.
//
//	go test ./pkg/cmd/listen -run XXX -bench ListenInspector -benchtime 20000x
func BenchmarkListenInspector(b *testing.B) {
	// Without a capture file the inspector keeps a ring in memory and
	// listen is at its fastest; with one (the default) it follows the file.
	modes := []string{"no-ui", "ui", "ui+subscriber", "capture-no-ui", "capture-ui+subscriber"}
	// make bench runs this several times, every other one in reverse:
	// whatever a run's later modes lose to its earlier ones falls on both
	// sides (over 7 runs each, the subscriber's mode measured 0.94× of
	// inspector off when it ran first, 0.92× when it ran second).
	if os.Getenv("SMSHOOK_BENCH_ORDER") == "reverse" {
		slices.Reverse(modes)
	}
	for _, mode := range modes {
		b.Run(mode, func(b *testing.B) {
			f, _, _ := testFactory(b, nil, "")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			uiURL := make(chan string, 1)
			base, done := running(b, f, ctx, func(o *ListenOptions) {
				o.NoCapture = !strings.HasPrefix(mode, "capture-")
				o.NoUI = strings.HasSuffix(mode, "no-ui")
				o.inspecting = func(u string) { uiURL <- u }
			})
			events := make(chan int, 1)
			subscribed := strings.HasSuffix(mode, "ui+subscriber")
			if subscribed {
				resp, err := http.Get(<-uiURL + "api/stream")
				if err != nil {
					b.Fatal(err)
				}
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
					events <- n
				}()
			}
			sig := sign("smshook-demo-dexatel-secret", body)
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
			// load sends n requests over 8 connections and returns how long
			// they took.
			load := func(n int) time.Duration {
				const workers = 8
				var wg sync.WaitGroup
				jobs := make(chan struct{}, workers)
				start := time.Now()
				for range workers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for range jobs {
							req, _ := http.NewRequest("POST", base+"/dexatel", bytes.NewReader(body))
							req.Header.Set("X-Dexatel-Signature", sig)
							resp, err := client.Do(req)
							if err != nil {
								b.Error(err)
								return
							}
							io.Copy(io.Discard, resp.Body)
							resp.Body.Close()
						}
					}()
				}
				for range n {
					jobs <- struct{}{}
				}
				close(jobs)
				wg.Wait()
				return time.Since(start)
			}
			// The listener first answers as many requests unmeasured, as one
			// that has been up a while: the inspector's ring full, the heap
			// grown to its size (while it grew, page faults cost the
			// inspector's side a few percent).
			load(b.N)
			b.ResetTimer()
			elapsed := load(b.N)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
			time.Sleep(300 * time.Millisecond) // the stream sends at most every 100 ms
			cancel()
			<-done
			if subscribed {
				select {
				case n := <-events:
					b.ReportMetric(float64(2*b.N-n), "not-streamed")
				case <-time.After(5 * time.Second):
				}
			}
		})
	}
}
