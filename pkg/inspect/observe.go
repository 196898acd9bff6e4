package inspect

import (
	"strings"
	"sync"
	"time"

	"github.com/smshook/smshook/pkg/capture"
)

// observed is an event on its way into the index: made by Run from a
// record listen queued (see Server.Observe), or by Add.
type observed struct {
	sum     Summary // without the latency; Seq is set when it is indexed
	latency float32 // listen's, in ms; negative: unknown
	noID    bool    // the record has no id: it gets one from its place
	indexed bool    // over a file: its line was found by pollObserved
	// For a ring: the entry's packed fields and the record's compact form,
	// kept in one of the ring's chunks (see keep), or, when the record has
	// no compact form, the record. An id-less record's kept has no fields.
	kept string
	rec  *capture.Record
}

// observe makes rec's observed with listen's latency (negative: unknown).
// For a ring it encodes rec and keeps it with the entry's packed fields,
// in x's writer.
func (x *Index) observe(rec *capture.Record, latency time.Duration) observed {
	o := observed{sum: summarize(rec, 0), latency: -1, noID: rec.ID == ""}
	if latency >= 0 {
		o.latency = float32(float64(latency) / float64(time.Millisecond))
	}
	if x.file != nil {
		return o
	}
	x.writerMu.Lock()
	defer x.writerMu.Unlock()
	w := &x.writer
	var err error
	if w.buf, err = capture.AppendCompact(w.buf[:0], rec); err != nil {
		o.rec = rec // no compact form: the ring keeps the record
	} else if o.noID {
		o.kept = w.keep(nil, w.buf) // its fields wait for its id (see addLocked)
	} else {
		fields := packedFieldsOf(&o.sum)
		o.kept = w.keep(fields[:], w.buf)
	}
	if cap(w.buf) > ringChunkSize {
		w.buf = nil // a large one is not kept for the next
	}
	return o
}

// ringChunkSize is the size of the chunks a ring keeps its entries'
// strings in (see ringWriter.keep).
const ringChunkSize = 64 << 10

// A ringWriter encodes records and keeps them in its chunk.
type ringWriter struct {
	buf   []byte // a record's compact form
	chunk strings.Builder
}

// keep appends a ring entry's packed fields and its record's compact form
// to w's chunk and returns them as one string: one allocation per chunk
// instead of one per event. A chunk is only appended to (strings.Builder
// never changes what it has written), and a ring drops its oldest entries
// first, so a chunk is freed soon after its last entry is. Chunks hold no
// pointers, which the collector need not scan, where a record's header
// maps and strings are dozens it must follow on every cycle: with a full
// ring of listen's events kept as records, a cycle's mark phase took 20 ms
// instead of 3.
func (w *ringWriter) keep(fields []string, compact []byte) string {
	n := len(compact)
	for _, f := range fields {
		n += len(f)
	}
	c := &w.chunk
	switch {
	case n > ringChunkSize/4:
		c = new(strings.Builder) // a large one has a chunk of its own
		c.Grow(n)
	case c.Cap()-c.Len() < n:
		c.Reset()
		c.Grow(ringChunkSize)
	}
	start := c.Len()
	for _, f := range fields {
		c.WriteString(f)
	}
	c.Write(compact)
	return c.String()[start:]
}

// summary is o's summary with its latency.
func (o *observed) summary() Summary { return latencyAdded(o.sum, o.latency) }

// observedBuffer bounds the records waiting for Run, and maxQueuedBody the
// body bytes they hold; more are dropped and counted, never waited for.
const (
	observedBuffer = 16384
	maxQueuedBody  = 32 << 20
)

// batchGap and pollGap are the least time between two batches Run takes
// from the queue: a wake of Run per request cost listen more than
// indexing the event did. A ring's batch is encoded and filed every 10 ms
// (at 1 ms, perf saw Run take a third more CPU, in its wakes and selects).
// Over a capture file each batch is a poll of the file, with system calls
// whatever the batch's size: every 20 ms (at 1 ms, polling cost listen
// about three times the CPU). The page shows an event at most that much
// later, inside the stream's own streamGap.
const (
	batchGap = 10 * time.Millisecond
	pollGap  = 20 * time.Millisecond
)

// queued is a record listen handed over, with its latency.
type queued struct {
	rec     *capture.Record
	latency time.Duration
}

// observedQueue holds listen's records for Run. Adding takes a mutex and,
// only when the queue was empty, signals ready: under load one signal
// stands for a whole batch.
type observedQueue struct {
	mu    sync.Mutex
	items []queued
	spare []queued // the last batch's slice, reused
	// body is the body bytes of the records waiting, bounded by
	// maxQueuedBody.
	body    int64
	dropped int64
	ready   chan struct{} // cap 1
}

func newObservedQueue() *observedQueue {
	return &observedQueue{ready: make(chan struct{}, 1)}
}

// add queues rec, or drops it when the queue is full; it never waits for
// Run.
func (q *observedQueue) add(rec *capture.Record, latency time.Duration) {
	size := int64(rec.BodyLen())
	q.mu.Lock()
	if len(q.items) >= observedBuffer || q.body+size > maxQueuedBody {
		q.dropped++
		q.mu.Unlock()
		return
	}
	q.items = append(q.items, queued{rec, latency})
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
func (q *observedQueue) take() []queued {
	q.mu.Lock()
	defer q.mu.Unlock()
	batch := q.items
	clear(q.spare) // let the records of the batch before go
	q.items, q.spare = q.spare[:0], batch
	q.body = 0
	return batch
}

// counts is the body bytes waiting, and how many records were dropped.
func (q *observedQueue) counts() (body, dropped int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.body, q.dropped
}
