package client

import (
	"bytes"
	"context"
	"io"
	"iter"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// The send path against a bare net/http client doing the same work, in the
// same run against the same sink:
//
//	go test -run '^$' -bench 'Send' -benchmem ./pkg/client
//
// bare: 32 goroutines, one shared transport, one static signed request (what
// hey does). runner-static: the Runner sending that same static request.
// runner-dexatel: what `smshook send dexatel` does, a fresh body and
// signature per request.

const benchConcurrency = 32

func benchSink(b *testing.B) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
	}))
	b.Cleanup(s.Close)
	return s
}

func BenchmarkSend(b *testing.B) {
	s := benchSink(b)
	bld := dexatelBuilder(b, "")
	bld.URL = s.URL
	static, err := bld.Build(1)
	if err != nil {
		b.Fatal(err)
	}

	b.Run("bare", func(b *testing.B) {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = benchConcurrency
		c := &http.Client{Transport: tr}
		var next atomic.Int64
		var wg sync.WaitGroup
		b.ReportAllocs()
		b.ResetTimer()
		for range benchConcurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= int64(b.N) {
					req, _ := http.NewRequest("POST", s.URL, bytes.NewReader(static.Body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("X-Dexatel-Signature", static.Header.Get("X-Dexatel-Signature"))
					resp, err := c.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}()
		}
		wg.Wait()
		tr.CloseIdleConnections()
	})

	run := func(b *testing.B, reqs func(n int) iter.Seq2[*Request, error]) {
		r := &Runner{Client: NewHTTPClient(nil, HTTPOptions{Concurrency: benchConcurrency}), Concurrency: benchConcurrency}
		b.ReportAllocs()
		b.ResetTimer()
		sum, err := r.Run(context.Background(), reqs(b.N))
		if err != nil || sum.OK != b.N {
			b.Fatalf("err %v, %d of %d ok", err, sum.OK, b.N)
		}
		r.Client.CloseIdleConnections()
	}
	b.Run("runner-static", func(b *testing.B) {
		run(b, func(n int) iter.Seq2[*Request, error] {
			return func(yield func(*Request, error) bool) {
				for i := 0; i < n && yield(static, nil); i++ {
				}
			}
		})
	})
	b.Run("runner-dexatel", func(b *testing.B) {
		bld := dexatelBuilder(b, "")
		bld.URL, bld.Name = s.URL, nil
		run(b, bld.Requests)
	})
}

// BenchmarkBuild is the per-request work of `send` before the network: a
// fresh body rendered and signed.
func BenchmarkBuild(b *testing.B) {
	bld := dexatelBuilder(b, "")
	bld.Name = nil
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := bld.Build(i); err != nil {
			b.Fatal(err)
		}
	}
}
