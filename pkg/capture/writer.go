package capture

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
)

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("capture file is closed")

// ErrLineTooLarge is returned by Append for a record whose line would be
// longer than DefaultMaxLineBytes: a Reader could not read it back.
var ErrLineTooLarge = errors.New("record is larger than a capture reader reads")

// CommitError is a batch of lines that could not be written or synced: its
// appends fail, and the file is cut back to its last committed size so that
// the next batch starts clean (a full disk that frees up recovers).
type CommitError struct {
	Path string
	Op   string // write, sync, or truncate (cutting a failed batch off)
	Err  error
}

func (e *CommitError) Error() string {
	err := e.Err
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err // the path is said once, first
	}
	return fmt.Sprintf("capture file %s: %s failed: %v (not stored; the next record is tried again)", e.Path, e.Op, err)
}

func (e *CommitError) Unwrap() error { return e.Err }

// storage is what the committer does to the file; tests put faults in it.
type storage interface {
	Write(b []byte) (int, error)
	// Sync makes what was written durable, size included.
	Sync() error
	Truncate(size int64) error
	Size() (int64, error)
}

type osStorage struct{ f *os.File }

func (s osStorage) Size() (int64, error) {
	info, err := s.f.Stat()
	if err != nil {
		return 0, err
	}
	return info.Size(), nil
}

func (s osStorage) Write(b []byte) (int, error) { return s.f.Write(b) }
func (s osStorage) Sync() error                 { return syncData(s.f) }
func (s osStorage) Truncate(size int64) error   { return s.f.Truncate(size) }

// Writer appends records to a capture file. Append returns only once the
// record's line is on disk (written and fsynced), and concurrent appends
// share fsyncs: one goroutine writes whatever lines are queued (small ones
// with one write), syncs once, and then releases every caller whose line was
// in that batch. Lines stay whole: the file is opened O_APPEND, and a batch
// that fails to write or sync is cut off again (see CommitError). One Writer
// per file: another process appending to it could lose lines to that cut.
type Writer struct {
	path  string
	f     *os.File
	store storage
	// maxLine is the longest line appended (DefaultMaxLineBytes; tests lower it).
	maxLine int

	// committed is the file's size after the last successful sync, and
	// dirty says bytes past it may be in the file: both belong to the
	// committer goroutine (and to Open and Close around it).
	committed int64
	dirty     bool

	mu      sync.Mutex
	pending *batch // lines waiting for the committer; nil when none
	// spares are committed batches' buffers for reuse. One batch fills
	// while another syncs, so two buffers take turns and appends under
	// load do not grow a fresh buffer per batch.
	spares  [][]byte
	closed  bool
	failing bool            // the last commit failed
	onState func(err error) // see OnStateChange

	wake   chan struct{} // capacity 1: "there may be work"
	exited chan struct{}

	repaired  bool
	tightened fs.FileMode
	records   atomic.Int64
	bytes     atomic.Int64
	syncs     atomic.Int64
}

// batch is the set of lines one sync makes durable. Small lines are copied
// into buf; large ones are written from their appender's buffer, which
// stays put until done, rather than copied a second time.
type batch struct {
	buf   []byte
	large [][]byte
	done  chan struct{}
	err   error
}

// largeLine is the size from which a line is not copied into its batch.
const largeLine = 64 << 10

// Open opens (or creates, mode 0600: captures hold auth headers) the capture
// file at path for appending. It refuses a symbolic link and anything but a
// regular file (a named pipe would block until read), and makes an existing
// file that others may read 0600 (TightenedMode reports it). A file that
// ends without a newline (a torn line left by a crash) gets one first, so
// that new records start on a line of their own; RepairedTornLine reports it.
func Open(path string) (*Writer, error) {
	f, created, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	w := &Writer{
		path:      path,
		f:         f,
		store:     osStorage{f},
		maxLine:   DefaultMaxLineBytes,
		committed: info.Size(),
		wake:      make(chan struct{}, 1),
		exited:    make(chan struct{}),
	}
	if w.tightened, err = makePrivate(f, info.Mode()); err != nil {
		f.Close()
		return nil, &fs.PathError{Op: "chmod", Path: path, Err: fmt.Errorf("others may read it (mode %04o) and it cannot be made 0600: %w", info.Mode().Perm(), err)}
	}
	if info.Size() > 0 {
		if w.repaired, err = endLine(path, f, info.Size()); err != nil {
			f.Close()
			return nil, err
		}
		if w.repaired {
			w.committed++
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

// notRegular is the error for a capture path that is not a regular file.
func notRegular(path string, mode fs.FileMode) error {
	what := "not a regular file"
	switch {
	case mode&fs.ModeSymlink != 0:
		what = "a symbolic link: give the file's own path"
	case mode.IsDir():
		what = "a directory"
	case mode&fs.ModeNamedPipe != 0:
		what = "a named pipe (FIFO), not a regular file"
	case mode&fs.ModeSocket != 0:
		what = "a socket, not a regular file"
	case mode&fs.ModeDevice != 0:
		what = "a device, not a regular file"
	}
	return &fs.PathError{Op: "open", Path: path, Err: errors.New("is " + what)}
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

// TightenedMode is the permissions the file had when Open made it 0600
// because others could read it; 0 when it was already private.
func (w *Writer) TightenedMode() fs.FileMode { return w.tightened }

// OnStateChange sets f to be told when a commit fails after the previous
// one succeeded (err is the CommitError) and when one succeeds after a
// failure (err is nil): once per change, in order, from the committer
// goroutine, so f must not block for long. Set it before the first Append.
func (w *Writer) OnStateChange(f func(err error)) {
	w.mu.Lock()
	w.onState = f
	w.mu.Unlock()
}

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
	line, err := appendRecord(slices.Grow((*buf)[:0], r.sizeHint()), r)
	if err != nil {
		return fmt.Errorf("encode capture record: %w", err)
	}
	if len(line) > w.maxLine {
		return fmt.Errorf("%w: %d bytes, the limit is %d", ErrLineTooLarge, len(line), w.maxLine)
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
	b := w.pending
	if b == nil {
		b = &batch{done: make(chan struct{})}
		if n := len(w.spares); n > 0 {
			b.buf, w.spares = w.spares[n-1][:0], w.spares[:n-1]
		}
		w.pending = b
	}
	if len(line) >= largeLine {
		b.large = append(b.large, line) // the caller's buffer waits for done below
	} else {
		b.buf = append(b.buf, line...)
	}
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
	size := int64(len(b.buf))
	lines := int64(bytes.Count(b.buf, []byte{'\n'}))
	for _, l := range b.large {
		size += int64(len(l))
		lines++
	}
	err := w.writeBatch(b)
	if err == nil {
		w.records.Add(lines)
		w.bytes.Add(size)
	}
	w.mu.Lock()
	var notify func(error)
	if failing := err != nil; failing != w.failing {
		w.failing, notify = failing, w.onState
	}
	if cap(b.buf) <= maxSpare && len(w.spares) < 2 {
		w.spares = append(w.spares, b.buf[:0])
	}
	w.mu.Unlock()
	b.err = err
	close(b.done)
	if notify != nil {
		notify(err)
	}
}

// writeBatch appends the batch and syncs it. When either fails, the file
// is cut back to its committed size, now or before the next batch, so that
// no part of a batch whose appends failed stays in it.
func (w *Writer) writeBatch(b *batch) error {
	if err := w.cutBack(); err != nil {
		return err
	}
	w.dirty = true
	if len(b.buf) > 0 {
		if _, err := w.store.Write(b.buf); err != nil {
			return w.failed("write", err)
		}
	}
	for _, l := range b.large {
		if _, err := w.store.Write(l); err != nil {
			return w.failed("write", err)
		}
	}
	if err := w.store.Sync(); err != nil {
		return w.failed("sync", err)
	}
	w.syncs.Add(1)
	w.dirty = false
	// The file's own size, not a sum: emptied by hand meanwhile (: > file),
	// a sum would have a later cut-back extend it with zeros.
	if size, err := w.store.Size(); err == nil {
		w.committed = size
	} else {
		w.committed += int64(len(b.buf))
		for _, l := range b.large {
			w.committed += int64(len(l))
		}
	}
	return nil
}

// failed cuts a failed batch off (best effort: cutBack tries again before
// the next batch) and returns the batch's error.
func (w *Writer) failed(op string, err error) error {
	w.cutBack()
	return &CommitError{Path: w.path, Op: op, Err: err}
}

// cutBack truncates the file to its committed size when a failed batch may
// have left bytes past it, and syncs the new size. After a failed sync the
// written pages' fate is unknown: cutting them off and syncing again leaves
// only what was committed.
func (w *Writer) cutBack() error {
	if !w.dirty {
		return nil
	}
	if err := w.store.Truncate(w.committed); err != nil {
		return &CommitError{Path: w.path, Op: "truncate", Err: err}
	}
	if err := w.store.Sync(); err != nil {
		return &CommitError{Path: w.path, Op: "sync", Err: err}
	}
	w.dirty = false
	return nil
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
	if err := w.cutBack(); err != nil { // the last batch failed: leave whole lines
		w.f.Close()
		return err
	}
	return w.f.Close()
}
