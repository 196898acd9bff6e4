package har

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/iostreams"
)

// Creator names the program that wrote a HAR file.
type Creator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Writer writes a HAR 1.2 log one entry at a time.
type Writer struct {
	w       *bufio.Writer
	entries int
	err     error
}

// NewWriter starts a HAR log on w; call Close to finish it.
func NewWriter(w io.Writer, creator Creator) (*Writer, error) {
	hw := &Writer{w: bufio.NewWriter(w)}
	head, err := json.Marshal(creator)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(hw.w, "{\n  \"log\": {\n    \"version\": \"1.2\",\n    \"creator\": %s,\n    \"entries\": [", head)
	return hw, nil
}

// Write appends one record as an entry.
func (w *Writer) Write(r *capture.Record) error {
	if w.err != nil {
		return w.err
	}
	b, err := json.Marshal(FromRecord(r))
	if err != nil {
		return err
	}
	// A HAR file is read with cat and less as often as by tools: DEL, C1
	// controls and bidi overrides inside its strings are written as \u
	// escapes, which mean the same to a JSON reader.
	b = iostreams.SafeJSON(b)
	if w.entries > 0 {
		w.w.WriteByte(',')
	}
	w.w.WriteString("\n      ")
	_, w.err = w.w.Write(b)
	w.entries++
	return w.err
}

// Close ends the log and flushes it.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	if w.entries > 0 {
		w.w.WriteString("\n    ")
	}
	w.w.WriteString("]\n  }\n}\n")
	return w.w.Flush()
}

// Reader reads a HAR file's entries one at a time.
type Reader struct {
	dec     *json.Decoder
	started bool
	index   int
}

// NewReader reads HAR from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{dec: json.NewDecoder(bufio.NewReader(r))}
}

// Next returns the next entry as a capture record, and io.EOF after the
// last. An entry that cannot become a record is an *EntryError naming its
// index; reading can go on past it.
func (r *Reader) Next() (*capture.Record, error) {
	if !r.started {
		if err := r.seekEntries(); err != nil {
			return nil, err
		}
		r.started = true
	}
	if !r.dec.More() {
		return nil, io.EOF
	}
	var e Entry
	index := r.index
	r.index++
	if err := r.dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("HAR entry %d: %v", index, err)
	}
	rec, err := e.ToRecord()
	if err != nil {
		return nil, &EntryError{Index: index, Err: err}
	}
	return rec, nil
}

// EntryError is an entry that could not be read as a request.
type EntryError struct {
	Index int
	Err   error
}

func (e *EntryError) Error() string { return fmt.Sprintf("HAR entry %d: %v", e.Index, e.Err) }
func (e *EntryError) Unwrap() error { return e.Err }

// seekEntries walks the tokens to the start of log.entries, skipping
// whatever else the log holds (pages, browser, comments) without keeping it.
func (r *Reader) seekEntries() error {
	if err := r.expectDelim('{'); err != nil {
		return err
	}
	if err := r.seekKey("log"); err != nil {
		return err
	}
	if err := r.expectDelim('{'); err != nil {
		return err
	}
	if err := r.seekKey("entries"); err != nil {
		return err
	}
	return r.expectDelim('[')
}

func (r *Reader) expectDelim(want json.Delim) error {
	tok, err := r.dec.Token()
	if err != nil {
		return notHAR(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return notHAR(fmt.Errorf("expected %q, found %v", want, tok))
	}
	return nil
}

// seekKey advances inside an object to the value of key.
func (r *Reader) seekKey(key string) error {
	for r.dec.More() {
		tok, err := r.dec.Token()
		if err != nil {
			return notHAR(err)
		}
		if tok == key {
			return nil
		}
		var skip json.RawMessage
		if err := r.dec.Decode(&skip); err != nil {
			return notHAR(err)
		}
	}
	return notHAR(fmt.Errorf("no %q", key))
}

// ErrNotHAR wraps input that is not a HAR log.
var ErrNotHAR = errors.New("not a HAR file")

func notHAR(err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%w: %v", ErrNotHAR, err)
}
