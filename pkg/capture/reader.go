package capture

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// DefaultMaxLineBytes bounds one line a Reader holds in memory: far above
// what a listener writes for its largest allowed body (base64 and JSON
// escaping included), small enough that a corrupt file cannot exhaust memory.
// A Writer refuses a longer line (ErrLineTooLarge), so that every record it
// stored can be read back.
const DefaultMaxLineBytes = 256 << 20

// ErrLineTooLong is the Err of a LineError for a line over the reader's limit.
var ErrLineTooLong = errors.New("line is longer than the reader's limit")

// LineError is a line that is not a valid record. The reader has consumed
// it: call Next again to go on with the following line.
type LineError struct {
	Line int
	// Torn says it is the file's last line and has no newline: a write
	// that was cut short (a crash, a full disk, a copy in progress).
	Torn bool
	Err  error
}

func (e *LineError) Error() string {
	if e.Torn {
		return fmt.Sprintf("line %d: torn last line (no newline at the end): %v", e.Line, e.Err)
	}
	return fmt.Sprintf("line %d: %v", e.Line, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// Reader streams records from a capture file, one line at a time, in memory
// bounded by the longest line. Blank lines are skipped.
type Reader struct {
	// MaxLineBytes bounds a line (DefaultMaxLineBytes when 0); longer lines
	// are skipped and reported with ErrLineTooLong.
	MaxLineBytes int

	br      *bufio.Reader
	buf     []byte
	line    int
	offset  int64
	tooLong bool
}

// NewReader reads records from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, 64<<10)}
}

// Reset makes r read from src as a new Reader would, keeping its buffers:
// a follower that reads a few new lines at a time need not allocate 64 KiB
// for each read.
func (r *Reader) Reset(src io.Reader) {
	r.br.Reset(src)
	r.buf = r.buf[:0]
	r.line, r.offset, r.tooLong = 0, 0, false
}

// Line is the line number (from 1) of the record or error Next last returned.
func (r *Reader) Line() int { return r.line }

// Offset is how many bytes of the input have been consumed, for progress.
func (r *Reader) Offset() int64 { return r.offset }

// Next returns the next record. At the end it returns io.EOF. A line that
// is not a valid record gives a *LineError and the reader moves past it;
// other errors come from the underlying reader.
func (r *Reader) Next() (*Record, error) {
	line, complete, err := r.NextLine()
	if err != nil {
		return nil, err
	}
	rec, perr := parseRecord(line)
	if perr != nil {
		return nil, &LineError{Line: r.line, Torn: !complete, Err: perr}
	}
	// A last line without its newline that is nonetheless a whole record
	// (say, a hand-edited file) is taken as it is.
	return rec, nil
}

// NextLine is Next without the decoding: the next line that is not
// blank, trimmed, valid until the next call; complete is false for a last
// line without its newline. ParseLine decodes it as Next would. A line
// over the limit gives a *LineError.
func (r *Reader) NextLine() (line []byte, complete bool, err error) {
	for {
		line, complete, err := r.readLine()
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, false, err
		}
		if len(line) == 0 && !complete && !r.tooLong {
			return nil, false, io.EOF
		}
		r.line++
		if r.tooLong {
			return nil, complete, &LineError{Line: r.line, Torn: !complete, Err: ErrLineTooLong}
		}
		trimmed := bytes.TrimSpace(line)
		if len(trimmed) == 0 {
			if !complete {
				return nil, false, io.EOF
			}
			continue
		}
		return trimmed, complete, nil
	}
}

// LineID is the id a Writer's line starts with ({"id":"…), read without
// decoding the line; ok is false for a line that does not start so. The
// bytes are the line's own.
func LineID(line []byte) (id []byte, ok bool) {
	const prefix = `{"id":"`
	if !bytes.HasPrefix(line, []byte(prefix)) {
		return nil, false
	}
	rest := line[len(prefix):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 || bytes.IndexByte(rest[:end], '\\') >= 0 {
		return nil, false
	}
	return rest[:end], true
}

// ParseLine reads one line (as AppendLine writes it) as Next would.
func ParseLine(line []byte) (*Record, error) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return nil, errors.New("an empty line")
	}
	return parseRecord(line)
}

// parseRecord decodes one line. Lines with bytes that are not UTF-8 are
// refused: JSON decoding would silently replace them and alter the body.
func parseRecord(line []byte) (*Record, error) {
	if !utf8.Valid(line) {
		return nil, errors.New("not valid UTF-8 (a body that is not UTF-8 belongs in body_base64)")
	}
	if line[0] != '{' {
		return nil, errors.New("not a JSON object")
	}
	rec, canonical := decodeCanonical(line) // the Writer's own lines, without reflection
	if !canonical {
		rec = &Record{}
		if err := json.Unmarshal(line, rec); err != nil {
			return nil, fmt.Errorf("not a capture record: %v", jsonError(err))
		}
	}
	if err := rec.Validate(); err != nil {
		return nil, err
	}
	return rec, nil
}

// jsonError shortens encoding/json's messages, which name Go types.
func jsonError(err error) string {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return fmt.Sprintf("invalid JSON at byte %d: %v", syntax.Offset, syntax)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Sprintf("field %q has a JSON %s", typ.Field, typ.Value)
	}
	return err.Error()
}

// readLine reads up to and including the next '\n'. complete says the
// newline was found; r.tooLong says the line was over the limit, in which
// case its bytes were dropped as they were read.
func (r *Reader) readLine() (line []byte, complete bool, err error) {
	max := r.MaxLineBytes
	if max <= 0 {
		max = DefaultMaxLineBytes
	}
	if cap(r.buf) > 1<<20 {
		r.buf = nil // do not keep one huge line's buffer for the rest of the file
	}
	r.buf = r.buf[:0]
	r.tooLong = false
	for {
		chunk, err := r.br.ReadSlice('\n')
		r.offset += int64(len(chunk))
		if !r.tooLong {
			if len(r.buf)+len(chunk) > max {
				r.tooLong, r.buf = true, r.buf[:0]
			} else {
				r.buf = append(r.buf, chunk...)
			}
		}
		switch {
		case err == nil:
			return r.buf, true, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return r.buf, false, err
		}
	}
}
