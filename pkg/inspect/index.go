package inspect

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/codec"
)

// ErrNotFound is a record id the index does not hold.
var ErrNotFound = errors.New("no event with that id")

// entry is one indexed record: its summary, and where the record is: an
// offset in the file, or the record itself in a ring.
// Index holds a summary per record, newest last, and finds a record by id.
// It is one of two stores: a capture file it follows (NewFileIndex), or a
// bounded ring of records in memory (NewRing), for listen --no-capture and
// HAR files. It is safe for concurrent use.
type Index struct {
	mu      sync.RWMutex
	entries entries
	// first is the Seq of entries[0]: a ring drops its oldest.
	first int64
	byID  map[string]int64
	// ringMax bounds a ring's records (0: unbounded) and ringMaxBytes
	// their bodies; file indexes keep every record.
	ringMax, ringMaxBytes int
	ringBytes             int

	// The followed file.
	path string
	file *os.File
	pos  int64 // bytes indexed: the start of the first line not yet read
	// back is where indexing backwards has got to: the file's bytes
	// before it, there when it was opened, are not indexed yet.
	back    int64
	opened  bool
	skipped int // lines that are not records
	// unroutedCount counts the entries that matched no route.
	unroutedCount int
	// seen holds, during pollObserved, the summaries of listen's records
	// the poll is about to find in the file. Like reader, it belongs to
	// the one goroutine that polls.
	seen map[string]*observed

	// shapes are the interned shapes of entries (see pack).
	shapes    []shape
	shapeIDs  map[shape]uint32
	lastShape uint32 // the shape pack gave last

	// writer encodes and keeps a ring's records (see observe), under
	// writerMu: Run encodes its batches before it takes mu.
	writerMu sync.Mutex
	writer   ringWriter

	// reader reads the file for PollStep, which reuses it.
	reader *capture.Reader

	// onAdd is told how many summaries were added and the newest (the SSE
	// fan-out), once per Add, batch or poll; it must not block.
	onAdd func(added int, newest Summary)
}

// NewRing is an index of records added with Add, keeping the newest max
// (0 keeps all).
func NewRing(max int) *Index {
	return NewBoundedRing(max, 0)
}

// NewBoundedRing keeps the newest max records whose bodies hold at most
// maxBytes together (the newest is always kept).
func NewBoundedRing(max, maxBytes int) *Index {
	return &Index{byID: byIDUnlessBounded(max), ringMax: max, ringMaxBytes: maxBytes, first: 1, shapeIDs: map[shape]uint32{}}
}

// byIDUnlessBounded is the id map of a ring, which a bounded one does
// without: seqOf scans its few thousand entries when the page asks for
// one, where the map cost listen an insert and a delete on every event.
func byIDUnlessBounded(max int) map[string]int64 {
	if max > 0 {
		return nil
	}
	return map[string]int64{}
}

// seqOf is the Seq of the newest entry with the id; x.mu is held.
func (x *Index) seqOf(id string) (int64, bool) {
	if x.byID != nil {
		seq, ok := x.byID[id]
		return seq, ok
	}
	for i := x.entries.len() - 1; i >= 0; i-- {
		if x.entries.at(i).id() == id {
			return x.first + int64(i), true
		}
	}
	return 0, false
}

// NewFileIndex opens the capture file at path for indexing: each Poll
// (Server.Run polls at once, then now and then) indexes what was appended
// since the last. The file is kept open for reading records by offset.
func NewFileIndex(path string) (*Index, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return &Index{byID: map[string]int64{}, path: path, file: f, first: backSeq, seen: map[string]*observed{}, shapeIDs: map[shape]uint32{}}, nil
}

// Close releases the file.
func (x *Index) Close() error {
	if x.file == nil {
		return nil
	}
	return x.file.Close()
}

// Path is the followed file ("" for a ring).
func (x *Index) Path() string { return x.path }

// setOnAdd installs the fan-out; called before any Add or Poll it races with.
func (x *Index) setOnAdd(f func(int, Summary)) {
	x.mu.Lock()
	x.onAdd = f
	x.mu.Unlock()
}

// Add puts rec in a ring, with listen's latency (negative: unknown).
func (x *Index) Add(rec *capture.Record, latency time.Duration) Summary {
	o := x.observe(rec, latency)
	x.mu.Lock()
	defer x.mu.Unlock()
	x.addLocked(&o)
	s := o.summary()
	if x.onAdd != nil {
		x.onAdd(1, s)
	}
	return s
}

// addObserved puts a batch of listen's events in a ring under one lock,
// and tells the fan-out once.
func (x *Index) addObserved(batch []observed) {
	if len(batch) == 0 {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for i := range batch {
		x.addLocked(&batch[i])
	}
	if x.onAdd != nil {
		x.onAdd(len(batch), batch[len(batch)-1].summary())
	}
}

// addLocked puts o at the end of a ring, dropping the oldest entries past
// its bounds; x.mu is held.
func (x *Index) addLocked(o *observed) {
	seq := x.first + int64(x.entries.len())
	s := &o.sum
	s.number(seq, o.noID)
	kept := o.kept
	if o.noID && kept != "" { // a HAR entry's: its id is its place's
		fields := packedFieldsOf(s)
		x.writerMu.Lock()
		kept = x.writer.keep(fields[:], []byte(kept))
		x.writerMu.Unlock()
	}
	e := x.pack(s, o.latency, kept)
	if o.rec != nil {
		if e.more == nil {
			e.more = &extra{}
		}
		e.more.rec = o.rec
	}
	x.entries.push(e)
	if x.byID != nil {
		x.byID[e.id()] = seq // the key shares the packed string's bytes
	}
	if s.Unrouted {
		x.unroutedCount++
	}
	x.ringBytes += s.BodySize
	drop := 0
	if x.ringMax > 0 && x.entries.len() > x.ringMax {
		drop = x.entries.len() - x.ringMax
	}
	if x.ringMaxBytes > 0 {
		bytes := x.ringBytes
		for i := range drop {
			bytes -= int(x.entries.at(i).bodySize)
		}
		for bytes > x.ringMaxBytes && drop < x.entries.len()-1 {
			bytes -= int(x.entries.at(drop).bodySize)
			drop++
		}
	}
	if drop > 0 {
		for i := range drop {
			e := x.entries.at(i)
			if id := e.id(); x.byID != nil && x.byID[id] == x.first+int64(i) {
				delete(x.byID, id)
			}
			if x.unrouted(e) {
				x.unroutedCount--
			}
			x.ringBytes -= int(e.bodySize)
		}
		x.entries.dropFront(drop)
		x.first += int64(drop)
	}
}

// pollObserved polls the file with a batch of listen's records in hand.
// listen reports a record once it is on disk, so the poll finds each in
// the file: it takes the record's summary, made here from the record,
// instead of decoding its line again (most of what following the file
// cost listen), and listen's latency with it. A record a tick indexed
// before its batch came gets its latency then.
func (x *Index) pollObserved(batch []observed) (int, error) {
	clear(x.seen)
	for i := range batch {
		if o := &batch[i]; !o.noID {
			x.seen[o.sum.ID] = o
		}
	}
	n, err := x.PollStep()
	clear(x.seen) // a record not found (its write failed) is not waited for
	x.mu.Lock()
	defer x.mu.Unlock()
	for i := range batch {
		if o := &batch[i]; !o.noID && !o.indexed {
			if seq, ok := x.byID[o.sum.ID]; ok {
				if e := x.entryLocked(seq); e != nil && e.latency < 0 {
					e.latency = o.latency
				}
			}
		}
	}
	return n, err
}

func (x *Index) entryLocked(seq int64) *entry {
	i := seq - x.first
	if i < 0 || i >= int64(x.entries.len()) {
		return nil
	}
	return x.entries.at(int(i))
}

// pollChunk is how much of the file one read takes.
const pollChunk = 4 << 20

// Poll indexes what the file holds that the index does not: the
// complete lines appended since the last poll, and, the first time, the
// whole file, newest first (see PollStep). It returns how many records it
// added.
func (x *Index) Poll() (int, error) {
	added := 0
	for {
		n, err := x.PollStep()
		added += n
		if err != nil || !x.Backfilling() {
			return added, err
		}
	}
}

// backStep is how much of the file's past one PollStep indexes.
const backStep = 32 << 20

// PollStep indexes the complete lines appended since the last poll, then
// up to backStep bytes of what was in the file when it was opened, going
// back from its end: a large file shows its newest events at once and its
// oldest as they come. A last line without its newline is left for the
// next poll: the writer may be in the middle of it. A file that shrank or
// was replaced is indexed again.
func (x *Index) PollStep() (int, error) {
	if x.file == nil {
		return 0, nil
	}
	fi, err := x.file.Stat()
	if err != nil {
		return 0, err
	}
	if st, err := os.Stat(x.path); err == nil && !os.SameFile(fi, st) {
		// Replaced (a new capture file at the same path): follow the new one.
		f, err := os.Open(x.path)
		if err == nil {
			x.mu.Lock()
			old := x.file
			x.file, fi = f, st
			x.mu.Unlock()
			old.Close() // a record being read from it fails: the page asks again
			x.reset()
		}
	}
	size := fi.Size()
	if size < x.pos {
		x.reset()
	}
	if !x.opened {
		// What the file holds now is indexed backwards; what comes after,
		// forwards.
		end, err := x.lineEnd(0, size)
		if err != nil {
			return 0, err
		}
		x.opened, x.pos, x.back = true, end, end
	}
	added := 0
	for x.pos < size {
		end, err := x.lineEnd(x.pos, min(size, x.pos+pollChunk))
		if err != nil {
			return added, err
		}
		if end == x.pos && end+pollChunk < size {
			end, err = x.lineEnd(x.pos, size) // a line longer than a chunk
			if err != nil {
				return added, err
			}
		}
		if end == x.pos {
			break // only an unfinished last line is left
		}
		n, err := x.index(x.pos, end, false)
		added += n
		if err != nil {
			return added, err
		}
		x.pos = end
	}
	for stepped := int64(0); x.back > 0 && stepped < backStep; {
		start, err := x.lineStart(max(0, x.back-pollChunk))
		if err != nil {
			return added, err
		}
		n, err := x.index(start, x.back, true)
		added += n
		if err != nil {
			return added, err
		}
		x.mu.Lock()
		stepped += x.back - start
		x.back = start
		x.mu.Unlock()
	}
	return added, nil
}

// Backfilling reports whether the file's past is still being indexed.
func (x *Index) Backfilling() bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.back > 0
}

// backSeq is where a file index's sequence numbers start: records found
// going back take the numbers below it, appended ones those above.
const backSeq = 1 << 40

func (x *Index) reset() {
	x.mu.Lock()
	x.entries, x.byID, x.first, x.pos, x.skipped, x.unroutedCount = entries{}, map[string]int64{}, backSeq, 0, 0, 0
	x.shapes, x.shapeIDs, x.lastShape = nil, map[shape]uint32{}, 0
	x.back, x.opened = 0, false
	x.mu.Unlock()
}

// lineEnd is the offset just after the last newline in [from, to), or
// from when there is none.
func (x *Index) lineEnd(from, to int64) (int64, error) {
	buf := make([]byte, 64<<10)
	for scan := to; scan > from; {
		lo := max(from, scan-int64(len(buf)))
		n, err := x.file.ReadAt(buf[:scan-lo], lo)
		if err != nil && !errors.Is(err, io.EOF) {
			return 0, err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			return lo + int64(i) + 1, nil
		}
		scan = lo
	}
	return from, nil
}

// lineStart is the offset where the line holding byte at begins.
func (x *Index) lineStart(at int64) (int64, error) {
	if at == 0 {
		return 0, nil
	}
	end, err := x.lineEnd(0, at)
	return end, err
}

// indexed is a line's summary before it has its place in the index. The
// summary, not the record, is kept: a range may hold many records with
// large bodies, and only their summaries are indexed.
type indexed struct {
	sum     *Summary // a pointer: the slice of a large range stays small
	noID    bool     // the record has no id: it gets one from its place
	latency float32  // listen's, in ms, for a record it reported; else -1
	off     int64
}

// numbered is the summary at seq.
func (f *indexed) numbered(seq int64) Summary {
	s := *f.sum
	s.number(seq, f.noID)
	return s
}

// number gives s its place seq, and an id from it if its record has none.
func (s *Summary) number(seq int64, noID bool) {
	s.Seq = seq
	if noID {
		s.ID = syntheticID(seq)
	}
}

// index reads the whole lines in [start, end) and adds their records: at
// the end of the index (published to the page), or, going back, in front.
func (x *Index) index(start, end int64, back bool) (int, error) {
	var recs []indexed
	skipped := 0
	section := io.NewSectionReader(x.file, start, end-start)
	if x.reader == nil {
		x.reader = capture.NewReader(section)
	} else {
		x.reader.Reset(section)
	}
	r := x.reader
	for {
		off := start + r.Offset()
		line, _, err := r.NextLine()
		if errors.Is(err, io.EOF) {
			break
		}
		var le *capture.LineError
		if errors.As(err, &le) {
			skipped++
			continue
		}
		if err != nil {
			return 0, err
		}
		if len(x.seen) > 0 {
			if id, ok := capture.LineID(line); ok {
				if o, seen := x.seen[string(id)]; seen {
					o.indexed = true
					recs = append(recs, indexed{&o.sum, false, o.latency, off})
					continue
				}
			}
		}
		rec, err := capture.ParseLine(line)
		if err != nil {
			skipped++
			continue
		}
		sum := summarize(rec, 0)
		recs = append(recs, indexed{&sum, rec.ID == "", -1, off})
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.skipped += skipped
	if back {
		for i := len(recs) - 1; i >= 0; i-- {
			x.first--
			s := recs[i].numbered(x.first)
			e := x.pack(&s, recs[i].latency, "")
			e.offset = recs[i].off
			x.entries.pushFront(e)
			if _, newer := x.byID[s.ID]; !newer {
				x.byID[e.id()] = s.Seq
			}
			if s.Unrouted {
				x.unroutedCount++
			}
		}
		return len(recs), nil
	}
	var newest Summary
	for _, f := range recs {
		seq := x.first + int64(x.entries.len())
		s := f.numbered(seq)
		e := x.pack(&s, f.latency, "")
		e.offset = f.off
		x.entries.push(e)
		x.byID[e.id()] = seq
		if s.Unrouted {
			x.unroutedCount++
		}
		newest = s
	}
	if x.onAdd != nil && len(recs) > 0 {
		x.onAdd(len(recs), newest)
	}
	return len(recs), nil
}

// Skipped is how many lines of the file are not records.
func (x *Index) Skipped() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.skipped
}

// Len is how many events the index holds, routed or not.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.entries.len()
}

// Get returns the record with the id and its summary.
func (x *Index) Get(id string) (*capture.Record, Summary, error) {
	x.mu.RLock()
	seq, ok := x.seqOf(id)
	var e entry
	var sum Summary
	if ok {
		e = *x.entryLocked(seq)
		sum = withLatency(&e, x.unpack(&e, seq))
	}
	f := x.file
	x.mu.RUnlock()
	if !ok {
		return nil, Summary{}, ErrNotFound
	}
	rec, err := x.read(f, &e)
	return rec, sum, err
}

// read returns the entry's record: from the ring, or from the file at its
// offset.
func (x *Index) read(f *os.File, e *entry) (*capture.Record, error) {
	if c := e.compact(); c != "" {
		return capture.ParseCompact(c)
	}
	if rec := e.record(); rec != nil {
		return rec, nil
	}
	r := capture.NewReader(io.NewSectionReader(f, e.offset, 1<<62))
	rec, err := r.Next()
	if err != nil {
		return nil, fmt.Errorf("reading the record at byte %d of %s: %w", e.offset, x.path, err)
	}
	return rec, nil
}

// Page is one page of a listing, newest first.
type Page struct {
	Events []Summary `json:"events"`
	// Next is the cursor of the following (older) page; 0 when none.
	Next int64 `json:"next,omitempty"`
	// Total is how many events the index holds; Unrouted how many of them
	// matched no route.
	Total    int `json:"total"`
	Unrouted int `json:"unrouted"`
}

// List returns up to limit summaries matching q, newest first, older than
// the cursor before (0: from the newest).
func (x *Index) List(q *Query, before int64, limit int) (Page, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var p Page
	p.Events = []Summary{}
	p.Total = x.entries.len()
	i := x.entries.len() - 1
	if before > 0 {
		i = min(i, int(before-x.first)-1)
	}
	needBody := q.NeedsBody()
	for ; i >= 0; i-- {
		e := x.entries.at(i)
		var body func() []byte
		if needBody {
			body = func() []byte {
				rec, err := x.read(x.file, e) // x.mu is held
				if err != nil {
					return nil
				}
				return rec.Body()
			}
		}
		s := x.unpack(e, x.first+int64(i))
		if !q.Match(&s, body) {
			continue
		}
		if len(p.Events) == limit {
			p.Next = s.Seq + 1
			break
		}
		p.Events = append(p.Events, withLatency(e, s))
	}
	p.Unrouted = x.unroutedCount
	return p, nil
}

// ByMessage returns, oldest first, every routed event of the provider
// with the message id.
func (x *Index) ByMessage(provider, messageID string) []Summary {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var out []Summary
	for i := range x.entries.len() {
		e := x.entries.at(i)
		if e.big() == nil && e.field(1) != messageID {
			continue // most entries: no need to unpack
		}
		s := x.unpack(e, x.first+int64(i))
		if s.MessageID == messageID && s.Provider == provider && !s.Unrouted {
			out = append(out, withLatency(e, s))
		}
	}
	return out
}

// Conversation returns, oldest first, the provider's inbound messages
// between the two numbers, either way.
func (x *Index) Conversation(provider, a, b string) []Summary {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var out []Summary
	for i := range x.entries.len() {
		e := x.entries.at(i)
		s := x.unpack(e, x.first+int64(i))
		if s.EventKind != string(codec.KindInbound) || s.Provider != provider {
			continue
		}
		if s.From == a && s.To == b || s.From == b && s.To == a {
			out = append(out, withLatency(e, s))
		}
	}
	return out
}

// maxExport bounds the records one export holds.
const maxExport = 100000

// Select calls f with each record matching q, oldest first, up to max.
func (x *Index) Select(q *Query, max int, f func(*capture.Record) error) error {
	x.mu.RLock()
	var picked []entry
	for i := range x.entries.len() {
		e := x.entries.at(i)
		var body func() []byte
		if q.NeedsBody() {
			body = func() []byte {
				rec, err := x.read(x.file, e) // x.mu is held
				if err != nil {
					return nil
				}
				return rec.Body()
			}
		}
		s := x.unpack(e, x.first+int64(i))
		if q.Match(&s, body) {
			picked = append(picked, *e)
			if len(picked) == max {
				break
			}
		}
	}
	file := x.file
	x.mu.RUnlock()
	for i := range picked {
		rec, err := x.read(file, &picked[i])
		if err != nil {
			return err
		}
		if err := f(rec); err != nil {
			return err
		}
	}
	return nil
}

// chunkEntries is how many entries a chunk holds. Chunks keep appends
// from copying the whole index as it grows (a million summaries are a
// few hundred MB), and let a ring drop its oldest in place.
const chunkEntries = 4096

// entries is a list of entries in fixed-size chunks.
type entries struct {
	chunks [][]entry
	head   int // the first live entry's place in chunks[0]
	n      int
}

func (es *entries) len() int { return es.n }

func (es *entries) at(i int) *entry {
	j := es.head + i
	return &es.chunks[j/chunkEntries][j%chunkEntries]
}

// pushFront puts e before the first entry.
func (es *entries) pushFront(e entry) {
	if es.head == 0 {
		es.chunks = append([][]entry{make([]entry, chunkEntries)}, es.chunks...)
		es.head = chunkEntries
	}
	es.head--
	es.n++
	*es.at(0) = e
}

func (es *entries) push(e entry) {
	j := es.head + es.n
	if j/chunkEntries == len(es.chunks) {
		es.chunks = append(es.chunks, make([]entry, chunkEntries))
	}
	es.chunks[j/chunkEntries][j%chunkEntries] = e
	es.n++
}

// dropFront drops the k oldest entries, releasing their records.
func (es *entries) dropFront(k int) {
	for i := range k {
		*es.at(i) = entry{}
	}
	es.head += k
	es.n -= k
	for es.head >= chunkEntries {
		es.chunks[0] = nil
		es.chunks = es.chunks[1:]
		es.head -= chunkEntries
	}
}
