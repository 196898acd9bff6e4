package inspect

import (
	"sync"
	"time"

	"github.com/smshook/smshook/pkg/capture"
)

// observed is one of listen's events on its way to the index, made on
// listen's goroutine while the record is still in its cache: reading the
// record again in Run, on another core, cost twice as much (perf).
type observed struct {
	sum  Summary // with listen's latency; Seq is set when it is indexed
	noID bool    // the record has no id: it gets one from its place
	// For a ring: the record in its compact form, in one of the ring's
	// buffers, or, when it has none, the record.
	compact *[]byte
	rec     *capture.Record
}

// observe makes rec's observed with listen's latency (negative: unknown).
// For a ring it encodes rec into a buffer of the ring's, which addLocked
// copies into the ring and gives back.
func (x *Index) observe(rec *capture.Record, latency time.Duration) observed {
	o := observed{sum: summarize(rec, 0), noID: rec.ID == ""}
	if latency >= 0 {
		ms := float64(latency) / float64(time.Millisecond)
		o.sum.LatencyMS = &ms
	}
	if x.file != nil {
		return o
	}
	buf := x.ringBufs.Get().(*[]byte)
	var err error
	if *buf, err = capture.AppendCompact((*buf)[:0], rec); err != nil {
		x.ringBufs.Put(buf)
		o.rec = rec // no compact form: the ring keeps the record
		return o
	}
	o.compact = buf
	return o
}

// observedBuffer bounds the events waiting for Run, and maxQueuedBody the
// body bytes they hold; more are dropped and counted, never waited for.
const (
	observedBuffer = 16384
	maxQueuedBody  = 32 << 20
)

// batchGap and pollGap are the least time between two batches Run takes
// from the queue: a wake of Run per request cost listen more than
// indexing the event did. A ring's batch is encoded while its records are
// still in the cache, every millisecond (at 20 ms they were not, and
// listen lost as much again). Over a capture file each batch is a poll of
// the file, with system calls whatever the batch's size: every 20 ms (at
// 1 ms, polling cost listen about three times the CPU). The page shows an
// event at most that much later, inside the stream's own streamGap.
const (
	batchGap = time.Millisecond
	pollGap  = 20 * time.Millisecond
)

// observedQueue holds listen's events for Run. Adding takes a mutex and,
// only when the queue was empty, signals ready: under load one signal
// stands for a whole batch.
type observedQueue struct {
	mu    sync.Mutex
	items []observed
	spare []observed // the last batch's slice, reused
	// body is the body bytes of the records waiting, bounded by
	// maxQueuedBody.
	body    int64
	dropped int64
	ready   chan struct{} // cap 1
}

func newObservedQueue() *observedQueue {
	return &observedQueue{ready: make(chan struct{}, 1)}
}

// add queues o, whose record holds size body bytes, or drops it when the
// queue is full; it never waits for Run.
func (q *observedQueue) add(o observed, size int64) {
	q.mu.Lock()
	if len(q.items) >= observedBuffer || q.body+size > maxQueuedBody {
		q.dropped++
		q.mu.Unlock()
		return
	}
	q.items = append(q.items, o)
	q.body += size
	first := len(q.items) == 1
	q.mu.Unlock()
	if first {
		select {
		case q.ready <- struct{}{}:
		default:
		}
	}
}

// take empties the queue. The batch is valid until the next take.
func (q *observedQueue) take() []observed {
	q.mu.Lock()
	defer q.mu.Unlock()
	batch := q.items
	clear(q.spare) // let the records of the batch before go
	q.items, q.spare = q.spare[:0], batch
	q.body = 0
	return batch
}

// counts is the body bytes waiting, and how many events were dropped.
func (q *observedQueue) counts() (body, dropped int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.body, q.dropped
}
