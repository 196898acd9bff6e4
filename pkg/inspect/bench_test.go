package inspect

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/codec"
)

// writeBenchCapture writes n records as the listener writes them (without
// the fsyncs) and returns the file's size.
func writeBenchCapture(b *testing.B, path string, n int) int64 {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	now := time.Now().UTC()
	statuses := []codec.Status{codec.StatusAccepted, codec.StatusSent, codec.StatusDelivered, codec.StatusFailed}
	for i := range n {
		st := statuses[i%len(statuses)]
		body := fmt.Sprintf(`{"data":{"account_id":"acc-1","message_id":"m-%d","event":"delivery","status":"%s","channel":"SMS","to":"+447700900%03d","mccmnc":"23410","price":"0.0042","timestamp":"2024-05-01T10:00:00Z","payload":"x"}}`, i/4, st, i%1000)
		r := &capture.Record{
			ID: capture.NewID(now.Add(time.Duration(i))), ReceivedAt: now, Profile: "dexatel", Provider: "dexatel",
			Kind: "delivery", Method: "POST", URL: "http://127.0.0.1:8787/dexatel",
			Headers:      http.Header{"Content-Type": {"application/json"}, "X-Dexatel-Signature": {"3q2+7w3q2+7w3q2+7w3q2+7w3q2+7w3q2+7w3q2+7w0="}},
			Verification: capture.Verification{Valid: i%10 != 0, Message: "valid"},
			Event:        &codec.Event{Provider: "dexatel", Kind: codec.KindDelivery, EventName: "delivery", MessageID: fmt.Sprintf("m-%d", i/4), Status: st},
		}
		r.SetBody([]byte(body))
		r.Reply.Status = http.StatusOK
		if err := enc.Encode(r); err != nil {
			b.Fatal(err)
		}
	}
	w.Flush()
	f.Close()
	fi, _ := os.Stat(path)
	return fi.Size()
}

// BenchmarkIndexCapture: how fast `smshook inspect` indexes a capture
// file (MB/s is the figure).
func BenchmarkIndexCapture(b *testing.B) {
	path := filepath.Join(b.TempDir(), "c.jsonl")
	size := writeBenchCapture(b, path, 50000)
	b.SetBytes(size)
	b.ResetTimer()
	for range b.N {
		x, err := NewFileIndex(path)
		if err != nil {
			b.Fatal(err)
		}
		if n, err := x.Poll(); err != nil || n != 50000 {
			b.Fatalf("indexed %d: %v", n, err)
		}
		x.Close()
	}
}

// BenchmarkFilterMillion: one filter over a million summaries, as the
// list's first page asks when few events match.
func BenchmarkFilterMillion(b *testing.B) {
	x := NewRing(0)
	statuses := []string{"accepted", "sent", "delivered", "failed"}
	for i := range 1000000 {
		s := Summary{ID: fmt.Sprintf("id-%d", i), Time: t0, Provider: "dexatel", Profile: "dexatel", Kind: "delivery",
			EventKind: "delivery", MessageID: fmt.Sprintf("m-%d", i/4), Status: statuses[i%4], Verdict: "verified",
			Method: "POST", Path: "/dexatel"}
		if i == 8 {
			s.Verdict = "invalid" // one match, so the whole index is scanned
		}
		x.entries.push(x.pack(&s, -1, ""))
	}
	q, err := ParseQuery("provider:dexatel status:accepted -verified", time.Now(), time.UTC)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		p, _ := x.List(q, 0, 100)
		if len(p.Events) != 0 && p.Events[0].ID != "id-8" {
			b.Fatal(p.Events)
		}
	}
}

// BenchmarkObserve: what listen's request path pays to hand an event to
// the inspector, with and without a browser subscribed.
func BenchmarkObserve(b *testing.B) {
	for _, subscribed := range []bool{false, true} {
		b.Run(fmt.Sprintf("subscribed=%v", subscribed), func(b *testing.B) {
			s, err := New(Options{Index: NewBoundedRing(10000, 64<<20)})
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := contextWithCancel()
			defer cancel()
			go s.Run(ctx)
			if subscribed {
				sub := s.hub.subscribe()
				go func() {
					for range sub.wake {
						sub.take()
					}
				}()
			}
			rec := testRecord("01A", "m", "sent", t0, `{"data":{"status":"sent"}}`)
			b.ResetTimer()
			for range b.N {
				s.Observe(rec, time.Millisecond)
			}
			b.StopTimer()
			b.ReportMetric(float64(s.Dropped()), "dropped")
		})
	}
}

// BenchmarkNewestFirst: how long a large capture takes to show its newest
// events (the first step of indexing, from the end), whatever its size.
func BenchmarkNewestFirst(b *testing.B) {
	path := filepath.Join(b.TempDir(), "c.jsonl")
	writeBenchCapture(b, path, 200000)
	b.ResetTimer()
	for range b.N {
		x, err := NewFileIndex(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := x.PollStep(); err != nil || !x.Backfilling() {
			b.Fatal("the first step indexed the whole file", err)
		}
		x.Close()
	}
}

// BenchmarkIndexMemory: the index's memory per event, and what that makes
// for a 1 GB capture of the same records (MiB/GB).
func BenchmarkIndexMemory(b *testing.B) {
	path := filepath.Join(b.TempDir(), "c.jsonl")
	const n = 200000
	size := writeBenchCapture(b, path, n)
	var perEvent float64
	for range b.N {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		x, err := NewFileIndex(path)
		if err != nil {
			b.Fatal(err)
		}
		x.Poll()
		runtime.GC()
		runtime.ReadMemStats(&after)
		perEvent = float64(after.HeapAlloc-before.HeapAlloc) / n
		runtime.KeepAlive(x)
		x.Close()
	}
	b.ReportMetric(perEvent, "B/event")
	b.ReportMetric(perEvent*(1e9/(float64(size)/n))/(1<<20), "MiB/GB")
}
