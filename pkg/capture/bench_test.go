package capture

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// naiveWriter is the baseline: one write and one fsync per append, under a
// lock. Durable, like Writer, but nothing is shared.
type naiveWriter struct {
	mu sync.Mutex
	f  *os.File
}

func (n *naiveWriter) Append(r *Record) error {
	line, err := appendRecord(nil, r)
	if err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, err := n.f.Write(line); err != nil {
		return err
	}
	return syncData(n.f)
}

// BenchmarkWriter compares durable appends with group commit against one
// fsync per append, from 32 concurrent appenders (like as many requests).
func BenchmarkWriter(b *testing.B) {
	rec := testRecord(1)
	for _, tc := range []struct {
		name string
		open func(path string) (interface{ Append(*Record) error }, func() error, error)
	}{
		{"group-commit", func(path string) (interface{ Append(*Record) error }, func() error, error) {
			w, err := Open(path)
			if err != nil {
				return nil, nil, err
			}
			return w, w.Close, nil
		}},
		{"fsync-per-append", func(path string) (interface{ Append(*Record) error }, func() error, error) {
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
			if err != nil {
				return nil, nil, err
			}
			return &naiveWriter{f: f}, f.Close, nil
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			w, closeFn, err := tc.open(filepath.Join(b.TempDir(), "c.jsonl"))
			if err != nil {
				b.Fatal(err)
			}
			defer closeFn()
			b.SetParallelism(16) // 16 × GOMAXPROCS appenders
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := w.Append(rec); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
			if gw, ok := w.(*Writer); ok {
				st := gw.Stats()
				b.ReportMetric(float64(st.Records)/float64(max(st.Syncs, 1)), "records/fsync")
			}
		})
	}
}

// BenchmarkAppendRecord is the encoding alone, against encoding/json.
func BenchmarkAppendRecord(b *testing.B) {
	rec := testRecord(1)
	b.Run("hand", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf, _ = appendRecord(buf[:0], rec)
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			stdEncode(b, rec)
		}
	})
}
