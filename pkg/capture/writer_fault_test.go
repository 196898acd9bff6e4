package capture

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// hookedStorage puts faults in a Writer's file operations; a nil hook
// passes the call through.
type hookedStorage struct {
	storage
	write    func(b []byte, next func([]byte) (int, error)) (int, error)
	sync     func(next func() error) error
	truncate func(size int64, next func(int64) error) error
}

func (h *hookedStorage) Write(b []byte) (int, error) {
	if h.write != nil {
		return h.write(b, h.storage.Write)
	}
	return h.storage.Write(b)
}

func (h *hookedStorage) Sync() error {
	if h.sync != nil {
		return h.sync(h.storage.Sync)
	}
	return h.storage.Sync()
}

func (h *hookedStorage) Truncate(size int64) error {
	if h.truncate != nil {
		return h.truncate(size, h.storage.Truncate)
	}
	return h.storage.Truncate(size)
}

// hook wraps w's storage; set it before the first Append.
func hook(w *Writer) *hookedStorage {
	h := &hookedStorage{storage: w.store}
	w.store = h
	return h
}

func hookSync(w *Writer, f func(next func() error) error) { hook(w).sync = f }

// faults are one-shot failures, armed by the test and spent by the
// committer goroutine.
type faults struct {
	mu   sync.Mutex
	left map[string]int
}

func (f *faults) take(op string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.left[op] > 0 {
		f.left[op]--
		return true
	}
	return false
}

func (f *faults) arm(op string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.left[op] += n
}

func faultyWriter(t *testing.T) (*Writer, *faults, string) {
	t.Helper()
	path := t.TempDir() + "/c.jsonl"
	w, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	fl := &faults{left: map[string]int{}}
	h := hook(w)
	h.write = func(b []byte, next func([]byte) (int, error)) (int, error) {
		switch {
		case fl.take("write-half"): // a full disk takes part of a write
			n, _ := next(b[:len(b)/2])
			return n, syscall.ENOSPC
		case fl.take("write"):
			return 0, syscall.ENOSPC
		}
		return next(b)
	}
	h.sync = func(next func() error) error {
		if fl.take("sync") {
			next() // the bytes reached the file; their durability did not
			return syscall.EIO
		}
		return next()
	}
	h.truncate = func(size int64, next func(int64) error) error {
		if fl.take("truncate") {
			return syscall.EIO
		}
		return next(size)
	}
	return w, fl, path
}

// largeRecord has a body over largeLine, so its line is written from the
// appender's buffer rather than copied into the batch.
func largeRecord(i int) *Record {
	rec := testRecord(i)
	rec.SetBody([]byte(strings.Repeat(fmt.Sprintf("%d", i%10), largeLine)))
	return rec
}

func TestWriterRecoversAfterAFailedCommit(t *testing.T) {
	tests := []struct {
		name   string
		faults map[string]int
		record func(int) *Record
	}{
		{"write fails with nothing written", map[string]int{"write": 1}, testRecord},
		{"write fails halfway", map[string]int{"write-half": 1}, testRecord},
		{"large line fails halfway", map[string]int{"write-half": 1}, largeRecord},
		{"sync fails", map[string]int{"sync": 1}, testRecord},
		{"sync fails and so does cutting the batch off", map[string]int{"sync": 1, "truncate": 1}, testRecord},
		{"write fails twice", map[string]int{"write-half": 2}, testRecord},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, fl, path := faultyWriter(t)
			var states []error
			w.OnStateChange(func(err error) { states = append(states, err) })

			if err := w.Append(tt.record(1)); err != nil {
				t.Fatal(err)
			}
			for op, n := range tt.faults {
				fl.arm(op, n)
			}
			failed := 0
			for i := 2; ; i++ {
				err := w.Append(tt.record(i))
				if err == nil {
					break
				}
				var ce *CommitError
				if !errors.As(err, &ce) || !strings.Contains(err.Error(), "the next record is tried again") {
					t.Fatalf("Append = %v, want a CommitError that says it recovers", err)
				}
				if failed++; failed > 3 {
					t.Fatalf("still failing after the faults were spent: %v", err)
				}
			}
			if err := w.Append(tt.record(100)); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}

			recs, bad := readAll(t, path)
			if len(bad) > 0 {
				t.Fatalf("torn or invalid lines after recovery: %v", bad[0])
			}
			var ids []string
			for _, r := range recs {
				ids = append(ids, r.ID)
			}
			want := []string{"rec-0001", fmt.Sprintf("rec-%04d", failed+2), "rec-0100"}
			if strings.Join(ids, " ") != strings.Join(want, " ") {
				t.Errorf("records %v, want exactly the committed ones %v", ids, want)
			}
			if len(states) != 2 || states[0] == nil || states[1] != nil {
				t.Errorf("state changes %v, want the failure then nil (recovered)", states)
			}
			if st := w.Stats(); st.Records != 3 {
				t.Errorf("stats count %d records, want 3", st.Records)
			}
		})
	}
}

// Every append of a failed batch fails: none of them was acknowledged.
func TestWriterFailedBatchFailsEveryAppend(t *testing.T) {
	w, _, path := faultyWriter(t)
	inSync, release := make(chan struct{}), make(chan struct{})
	calls := 0 // only the committer syncs
	w.store.(*hookedStorage).sync = func(next func() error) error {
		switch calls++; calls {
		case 1: // the first batch: hold it while the next one fills
			close(inSync)
			<-release
		case 2: // the second batch, and its appends, fail
			next()
			return syscall.EIO
		}
		return next()
	}
	first := make(chan error, 1)
	go func() { first <- w.Append(testRecord(0)) }()
	<-inSync
	const n = 20
	done := make(chan error, n)
	for i := 1; i <= n; i++ {
		go func(i int) { done <- w.Append(testRecord(i)) }(i)
	}
	waitFor(t, "appends to queue behind the sync", func() bool { return w.pendingLines() == n })
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	for range n {
		if err := <-done; err == nil {
			t.Fatal("an append of the failed batch succeeded")
		}
	}
	if err := w.Append(testRecord(99)); err != nil {
		t.Fatal(err)
	}
	w.Close()
	recs, bad := readAll(t, path)
	if len(recs) != 2 || len(bad) != 0 {
		t.Fatalf("%d records and %d bad lines, want the 2 acknowledged ones only", len(recs), len(bad))
	}
}

func TestWriterRefusesALineAReaderCannotRead(t *testing.T) {
	w, _, path := faultyWriter(t)
	w.maxLine = 4096
	if err := w.Append(largeRecord(1)); !errors.Is(err, ErrLineTooLarge) {
		t.Fatalf("Append = %v, want ErrLineTooLarge", err)
	}
	if err := w.Append(testRecord(2)); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if recs, bad := readAll(t, path); len(recs) != 1 || len(bad) != 0 {
		t.Fatalf("%d records, %d bad lines; want 1 and 0", len(recs), len(bad))
	}
}

func TestWriterLargeLinesAreWrittenWhole(t *testing.T) {
	w, _, path := faultyWriter(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := testRecord(i)
			if i%2 == 0 {
				rec = largeRecord(i)
			}
			if err := w.Append(rec); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	w.Close()
	recs, bad := readAll(t, path)
	if len(recs) != 8 || len(bad) != 0 {
		t.Fatalf("%d records, %d bad lines; want 8 and 0", len(recs), len(bad))
	}
	for _, r := range recs {
		if want := largeRecord(0).BodyLen(); r.ID[len(r.ID)-1]%2 == 0 && r.BodyLen() != want {
			t.Errorf("%s: body of %d bytes, want %d", r.ID, r.BodyLen(), want)
		}
	}
}

// A file emptied by hand while the writer runs (: > file) is not extended
// with zeros when a later batch is cut off.
func TestWriterCutBackAfterTheFileWasEmptied(t *testing.T) {
	w, fl, path := faultyWriter(t)
	for i := range 5 {
		if err := w.Append(testRecord(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	if err := w.Append(testRecord(10)); err != nil {
		t.Fatal(err)
	}
	fl.arm("write-half", 1)
	if err := w.Append(testRecord(11)); err == nil {
		t.Fatal("the faulty write succeeded")
	}
	if err := w.Append(testRecord(12)); err != nil {
		t.Fatal(err)
	}
	w.Close()
	recs, bad := readAll(t, path)
	if len(recs) != 2 || len(bad) != 0 || recs[0].ID != "rec-0010" || recs[1].ID != "rec-0012" {
		t.Fatalf("%d records, bad lines %v; want rec-0010 and rec-0012 only", len(recs), bad)
	}
}
