package capture

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// result is what Next gave for one call, compactly.
type result struct {
	id   string // record id, or "" for an error
	line int
	torn bool
	bad  string // a substring of the error
}

func collect(t *testing.T, r *Reader) []result {
	t.Helper()
	var out []result
	for i := 0; i < 1000; i++ {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		var le *LineError
		switch {
		case errors.As(err, &le):
			if le.Line != r.Line() {
				t.Errorf("LineError.Line %d != Reader.Line() %d", le.Line, r.Line())
			}
			out = append(out, result{line: le.Line, torn: le.Torn, bad: le.Err.Error()})
		case err != nil:
			t.Fatal(err)
		default:
			out = append(out, result{id: rec.ID, line: r.Line()})
		}
	}
	t.Fatal("reader did not reach the end")
	return nil
}

func TestReader(t *testing.T) {
	rec := func(id string) string { return `{"id":"` + id + `","body":"{}"}` + "\n" }
	tests := []struct {
		name  string
		input string
		want  []result
	}{
		{"empty file", "", nil},
		{"records", rec("a") + rec("b"), []result{{id: "a", line: 1}, {id: "b", line: 2}}},
		{"blank lines are skipped", "\n" + rec("a") + "  \n\n" + rec("b"), []result{{id: "a", line: 2}, {id: "b", line: 5}}},
		{"crlf line ends", strings.TrimSuffix(rec("a"), "\n") + "\r\n", []result{{id: "a", line: 1}}},
		{"torn last line", rec("a") + `{"id":"b","bo`, []result{{id: "a", line: 1}, {line: 2, torn: true, bad: "invalid JSON"}}},
		{"whole last record without newline", rec("a") + strings.TrimSuffix(rec("b"), "\n"), []result{{id: "a", line: 1}, {id: "b", line: 2}}},
		{"invalid line in the middle", rec("a") + "garbage\n" + rec("c"), []result{{id: "a", line: 1}, {line: 2, bad: "not a JSON object"}, {id: "c", line: 3}}},
		{"cut line in the middle", rec("a") + `{"id":"b",` + "\n" + rec("c"), []result{{id: "a", line: 1}, {line: 2, bad: "invalid JSON"}, {id: "c", line: 3}}},
		{"no body", `{"id":"a"}` + "\n", []result{{line: 1, bad: "neither body nor body_base64"}}},
		{"both bodies", `{"id":"a","body":"","body_base64":"AA=="}` + "\n", []result{{line: 1, bad: "both body and body_base64"}}},
		{"bad base64", `{"id":"a","body_base64":"%%%"}` + "\n", []result{{line: 1, bad: "not valid base64"}}},
		{"wrong field type", `{"id":7,"body":""}` + "\n", []result{{line: 1, bad: `field "id" has a JSON number`}}},
		{"two objects on a line", `{"id":"a","body":""}{"id":"b","body":""}` + "\n", []result{{line: 1, bad: "invalid JSON"}}},
		{"not utf-8", "{\"id\":\"a\",\"body\":\"\xff\"}\n", []result{{line: 1, bad: "not valid UTF-8"}}},
		{"json null", "null\n" + rec("b"), []result{{line: 1, bad: "not a JSON object"}, {id: "b", line: 2}}},
	}
	// A reader Reset after reading something else (ending torn, mid-line)
	// reads each input as a new one does.
	reused := NewReader(strings.NewReader(rec("x") + rec("y") + `{"id":"z",`))
	reused.Next()
	for _, tt := range tests {
		for _, fresh := range []bool{true, false} {
			r := NewReader(strings.NewReader(tt.input))
			if !fresh {
				collect(t, reused)
				reused.Reset(strings.NewReader(tt.input))
				r = reused
			}
			t.Run(fmt.Sprintf("%s/fresh=%v", tt.name, fresh), func(t *testing.T) {
				checkReader(t, r, tt.input, tt.want)
			})
		}
	}
}

func checkReader(t *testing.T, r *Reader, input string, want []result) {
	t.Helper()
	got := collect(t, r)
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.id != w.id || g.line != w.line || g.torn != w.torn || !strings.Contains(g.bad, w.bad) || (w.bad == "") != (g.bad == "") {
			t.Errorf("result %d = %+v, want %+v", i, g, w)
		}
	}
	if r.Offset() != int64(len(input)) {
		t.Errorf("Offset() = %d, want %d", r.Offset(), len(input))
	}
}

func TestReaderLongLines(t *testing.T) {
	big := &Record{ID: "big"}
	body := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB, far over bufio.Scanner's 64 KiB
	body[7] = 0xff                                          // not UTF-8: stored as base64
	big.SetBody(body)
	line := encodeLine(t, big)
	input := line + `{"id":"after","body":"x"}` + "\n"

	r := NewReader(strings.NewReader(input))
	rec, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rec.Body(), body) {
		t.Fatal("1 MiB base64 body did not come back byte for byte")
	}
	if rec, err := r.Next(); err != nil || rec.ID != "after" {
		t.Fatalf("next = %v, %v", rec, err)
	}

	// Over the reader's limit: the line is skipped and reported, the next one read.
	r = NewReader(strings.NewReader(input))
	r.MaxLineBytes = 1 << 20
	_, err = r.Next()
	var le *LineError
	if !errors.As(err, &le) || !errors.Is(err, ErrLineTooLong) || le.Line != 1 {
		t.Fatalf("Next() = %v, want ErrLineTooLong on line 1", err)
	}
	if rec, err := r.Next(); err != nil || rec.ID != "after" || r.Line() != 2 {
		t.Fatalf("after a long line: %v, %v (line %d)", rec, err, r.Line())
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("want EOF, got %v", err)
	}
}

type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

func TestReaderPassesReadErrors(t *testing.T) {
	boom := errors.New("device gone")
	if _, err := NewReader(failingReader{boom}).Next(); !errors.Is(err, boom) {
		t.Fatalf("Next() = %v, want the read error", err)
	}
}
