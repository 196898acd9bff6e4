package capture

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
)

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("capture file is closed")

// Writer appends records to a capture file. Append returns only once the
// record's line is on disk (written and fsynced), and concurrent appends
// share fsyncs: one goroutine writes whatever lines are queued with one
// write, syncs once, and then releases every caller whose line was in that
// batch. Lines are whole: the file is opened O_APPEND and a batch is one write.
type Writer struct {
	path string
	f    *os.File
	// sync makes written data durable; a field so tests can count calls.
	sync func(*os.File) error

	mu      sync.Mutex
	pending *batch // lines waiting for the committer; nil when none
	// spares are committed batches' buffers for reuse. One batch fills
	// while another syncs, so two buffers take turns and appends under
	// load do not grow a fresh buffer per batch.
	spares [][]byte
	closed bool
	err    error // a failed write or sync: the file may end mid-line now

	wake   chan struct{} // capacity 1: "there may be work"
	exited chan struct{}

	repaired bool
	records  atomic.Int64
	bytes    atomic.Int64
	syncs    atomic.Int64
}

// batch is the set of lines one write and one sync make durable.
type batch struct {
	buf  []byte
	done chan struct{}
	err  error
}

// Open opens (or creates, mode 0600: captures hold auth headers) the capture
// file at path for appending. A file that ends without a newline (a torn
// line left by a crash) gets one first, so that new records start on a line
// of their own; RepairedTornLine reports it.
func Open(path string) (*Writer, error) {
	_, statErr := os.Stat(path)
	created := errors.Is(statErr, fs.ErrNotExist)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	w := &Writer{
		path:   path,
		f:      f,
		sync:   syncData,
		wake:   make(chan struct{}, 1),
		exited: make(chan struct{}),
	}
	if info.Size() > 0 {
		if w.repaired, err = endLine(path, f, info.Size()); err != nil {
			f.Close()
			return nil, err
		}
	}
	if created {
		// The new file's name must survive a crash too.
		if err := syncDir(filepath.Dir(path)); err != nil {
			f.Close()
			return nil, err
		}
	}
	go w.commitLoop()
	return w, nil
}

// endLine appends a newline when the file's last byte is not one.
func endLine(path string, f *os.File, size int64) (bool, error) {
	r, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer r.Close()
	last := make([]byte, 1)
	if _, err := r.ReadAt(last, size-1); err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	if last[0] == '\n' {
		return false, nil
	}
	if _, err := f.Write([]byte{'\n'}); err != nil {
		return false, err
	}
	return true, syncData(f)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return err
	}
	return nil
}

// Path is the file's path.
func (w *Writer) Path() string { return w.path }

// RepairedTornLine reports whether Open found the file ending mid-line and
// ended that line.
func (w *Writer) RepairedTornLine() bool { return w.repaired }

// WriterStats count what a Writer made durable.
type WriterStats struct {
	Records int64 // lines appended
	Bytes   int64 // bytes appended
	Syncs   int64 // fsyncs: Records/Syncs is the average batch
}

// Stats returns the counts so far.
func (w *Writer) Stats() WriterStats {
	return WriterStats{Records: w.records.Load(), Bytes: w.bytes.Load(), Syncs: w.syncs.Load()}
}

// lineBuffers holds encoding buffers between appends.
var lineBuffers = sync.Pool{New: func() any { return new([]byte) }}

// Append writes r as one line and returns once it is durable, or with the
// error that kept it from being so. It is safe for concurrent use.
func (w *Writer) Append(r *Record) error {
	buf := lineBuffers.Get().(*[]byte)
	defer lineBuffers.Put(buf)
	line, err := appendRecord((*buf)[:0], r)
	if err != nil {
		return fmt.Errorf("encode capture record: %w", err)
	}
	if cap(line) <= 1<<20 {
		*buf = line // keep the grown buffer, but not a huge one
	}
	return w.appendLine(line)
}

func (w *Writer) appendLine(line []byte) error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return ErrClosed
	}
	if w.err != nil {
		err := w.err
		w.mu.Unlock()
		return err
	}
	b := w.pending
	if b == nil {
		b = &batch{done: make(chan struct{})}
		if n := len(w.spares); n > 0 {
			b.buf, w.spares = w.spares[n-1][:0], w.spares[:n-1]
		}
		w.pending = b
	}
	b.buf = append(b.buf, line...)
	w.mu.Unlock()

	select {
	case w.wake <- struct{}{}:
	default: // the committer is already woken
	}
	<-b.done
	return b.err
}

// commitLoop is the single goroutine that writes and syncs batches. While it
// syncs one batch, the next one fills.
func (w *Writer) commitLoop() {
	defer close(w.exited)
	for range w.wake {
		for {
			w.mu.Lock()
			b, closed := w.pending, w.closed
			w.pending = nil
			w.mu.Unlock()
			if b == nil {
				if closed {
					return
				}
				break
			}
			w.commit(b)
		}
	}
}

// maxSpare bounds the buffer kept between batches.
const maxSpare = 4 << 20

func (w *Writer) commit(b *batch) {
	lines := int64(bytes.Count(b.buf, []byte{'\n'}))
	_, err := w.f.Write(b.buf)
	if err == nil {
		err = w.sync(w.f)
		w.syncs.Add(1)
	}
	if err != nil {
		// The file may now end mid-line: refuse further appends rather
		// than glue a record to a torn one.
		err = fmt.Errorf("capture file %s: %w", w.path, err)
	} else {
		w.records.Add(lines)
		w.bytes.Add(int64(len(b.buf)))
	}
	w.mu.Lock()
	if err != nil && w.err == nil {
		w.err = err
	}
	if cap(b.buf) <= maxSpare && len(w.spares) < 2 {
		w.spares = append(w.spares, b.buf[:0])
	}
	w.mu.Unlock()
	b.err = err
	close(b.done)
}

// Close makes every appended record durable, stops the committer and closes
// the file. Appends after Close fail with ErrClosed. Close is idempotent.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	w.mu.Unlock()
	// Wake the committer to drain what is pending and exit. A full channel
	// already holds a wake-up it will read, or it has exited.
	select {
	case w.wake <- struct{}{}:
	default:
	}
	<-w.exited
	return w.f.Close()
}
