package capture

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func testRecord(i int) *Record {
	rec := &Record{
		ID:         fmt.Sprintf("rec-%04d", i),
		ReceivedAt: time.Date(2024, 5, 1, 10, 0, 0, i, time.UTC),
		Provider:   "dexatel", Profile: "dexatel", Kind: "delivery", Method: "POST",
		URL:     "http://127.0.0.1:8787/dexatel",
		Headers: map[string][]string{"Content-Type": {"application/json"}},
		Reply:   Reply{Status: 200},
	}
	rec.SetBody([]byte(fmt.Sprintf(`{"data": {"message_id": "m-%d"}}`, i)))
	return rec
}

func readAll(t *testing.T, path string) ([]*Record, []*LineError) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []*Record
	var bad []*LineError
	r := NewReader(f)
	for {
		rec, err := r.Next()
		var le *LineError
		switch {
		case errors.Is(err, io.EOF):
			return recs, bad
		case errors.As(err, &le):
			bad = append(bad, le)
		case err != nil:
			t.Fatal(err)
		default:
			recs = append(recs, rec)
		}
	}
}

func TestWriterConcurrentAppendsAreAllOnDisk(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.jsonl")
	w, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- w.Append(testRecord(i))
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// Every Append returned: each line must be in the file before Close.
	recs, bad := readAll(t, path)
	if len(recs) != n || len(bad) != 0 {
		t.Fatalf("read %d records and %d bad lines, want %d and 0", len(recs), len(bad), n)
	}
	st := w.Stats()
	if st.Records != n || st.Syncs < 1 || st.Syncs > n {
		t.Errorf("stats = %+v", st)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Append(testRecord(0)); !errors.Is(err, ErrClosed) {
		t.Errorf("Append after Close = %v, want ErrClosed", err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	info, _ := os.Stat(path)
	if info.Mode().Perm() != 0o600 {
		t.Errorf("capture file mode = %v, want 0600 (it holds auth headers)", info.Mode().Perm())
	}
}

// pendingLines counts lines queued for the next batch.
func (w *Writer) pendingLines() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.pending == nil {
		return 0
	}
	return strings.Count(string(w.pending.buf), "\n")
}

// waitFor polls cond, bounded in time, for states no channel announces.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		runtime.Gosched()
	}
}

func TestWriterGroupCommitSharesOneSync(t *testing.T) {
	w, err := Open(filepath.Join(t.TempDir(), "c.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	inSync, release := make(chan struct{}), make(chan struct{})
	var calls int
	hookSync(w, func(sync func() error) error {
		calls++ // only the committer goroutine calls sync
		if calls == 1 {
			close(inSync)
			<-release
		}
		return sync()
	})
	first := make(chan error, 1)
	go func() { first <- w.Append(testRecord(0)) }()
	<-inSync // the first batch is being synced; the next ones queue up

	const n = 50
	done := make(chan error, n)
	for i := 1; i <= n; i++ {
		go func(i int) { done <- w.Append(testRecord(i)) }(i)
	}
	waitFor(t, "appends to queue behind the sync", func() bool { return w.pendingLines() == n })
	select {
	case err := <-done:
		t.Fatalf("an append returned before its line was synced: %v", err)
	default:
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if st := w.Stats(); st.Syncs != 2 || st.Records != n+1 {
		t.Errorf("stats = %+v, want %d records in 2 syncs", st, n+1)
	}
}

func TestWriterCloseFlushesPendingAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.jsonl")
	w, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	inSync, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	hookSync(w, func(sync func() error) error {
		once.Do(func() { close(inSync); <-release })
		return sync()
	})
	results := make(chan error, 11)
	go func() { results <- w.Append(testRecord(0)) }()
	<-inSync
	for i := 1; i <= 10; i++ {
		go func(i int) { results <- w.Append(testRecord(i)) }(i)
	}
	waitFor(t, "appends to queue", func() bool { return w.pendingLines() == 10 })
	closed := make(chan error)
	go func() { closed <- w.Close() }()
	close(release)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 11; i++ {
		if err := <-results; err != nil {
			t.Fatalf("append queued before Close failed: %v", err)
		}
	}
	if recs, _ := readAll(t, path); len(recs) != 11 {
		t.Fatalf("after Close the file holds %d records, want 11", len(recs))
	}
}

func TestOpenRepairsTornLastLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.jsonl")
	good := encodeLine(t, testRecord(1))
	if err := os.WriteFile(path, []byte(good+`{"id":"torn","bo`), 0o600); err != nil {
		t.Fatal(err)
	}
	w, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if !w.RepairedTornLine() {
		t.Error("RepairedTornLine() = false for a file ending mid-line")
	}
	if err := w.Append(testRecord(2)); err != nil {
		t.Fatal(err)
	}
	w.Close()
	recs, bad := readAll(t, path)
	if len(recs) != 2 || len(bad) != 1 || bad[0].Line != 2 || bad[0].Torn {
		t.Fatalf("records %d, bad %+v: want 2 records and line 2 reported (no longer last, so not torn)", len(recs), bad)
	}

	// A file that ends with a newline is left as it is.
	w, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if w.RepairedTornLine() {
		t.Error("RepairedTornLine() = true for a whole file")
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(filepath.Join(dir, "missing", "c.jsonl")); err == nil {
		t.Error("Open in a missing directory succeeded")
	}
	if _, err := Open(dir); err == nil {
		t.Error("Open of a directory succeeded")
	}
}
