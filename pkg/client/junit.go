package client

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"
	"unicode/utf8"
)

// JUnitOptions describe the report's one test suite.
type JUnitOptions struct {
	// Suite names the suite, e.g. "smshook send dexatel".
	Suite string
	// Class is every test case's classname, e.g. "dexatel.delivery".
	Class string
	// Expect is what a reply had to meet; failures quote it.
	Expect Expect
	// Properties are name/value pairs recorded in the suite (URL, expect…).
	Properties [][2]string
	// Start is when the run began; zero means when the report was created.
	Start time.Time
}

// JUnitReport writes a JUnit XML report with one test case per request: a
// <failure> for a reply that missed the expectation, an <error> for a
// request that got no reply. Test cases stream to a temporary file next to
// the report as results come, so memory stays flat however long the run;
// Close writes the report with its totals and renames it into place.
type JUnitReport struct {
	path string
	opts JUnitOptions
	tmp  *os.File
	buf  *bufio.Writer
	enc  *xml.Encoder

	tests, failures, errors, skipped int
}

// NewJUnitReport starts a report at path. It fails early when the report's
// directory is not writable.
func NewJUnitReport(path string, opts JUnitOptions) (*JUnitReport, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".cases-*")
	if err != nil {
		return nil, fmt.Errorf("cannot write the report %s: %v", path, unwrapPath(err))
	}
	if opts.Start.IsZero() {
		opts.Start = time.Now()
	}
	buf := bufio.NewWriterSize(tmp, 64<<10)
	enc := xml.NewEncoder(buf)
	enc.Indent("    ", "  ")
	return &JUnitReport{path: path, opts: opts, tmp: tmp, buf: buf, enc: enc}, nil
}

type junitCase struct {
	XMLName   xml.Name      `xml:"testcase"`
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// Add records one request's result.
func (j *JUnitReport) Add(r *Result) error {
	c := junitCase{Classname: j.opts.Class, Name: r.Label(), Time: seconds(r.Latency)}
	switch {
	case r.Err != nil:
		msg := r.Failure(j.opts.Expect)
		c.Error = &junitProblem{Message: msg, Type: r.ErrKind, Text: r.Label() + ": " + msg}
		j.errors++
	case !r.OK:
		msg := r.Failure(j.opts.Expect)
		text := r.Label() + ": " + msg
		if len(r.Body) > 0 {
			text += "\nreply body:\n" + excerpt(r.Body, 4096)
		}
		c.Failure = &junitProblem{Message: msg, Type: "unexpected_status", Text: text}
		j.failures++
	}
	j.tests++
	return j.enc.Encode(c)
}

// JUnitCase is one test case of a report that is not one case per request
// (smshook check: one per conformance case).
type JUnitCase struct {
	Name string
	// Class overrides the report's classname when set.
	Class string
	Time  time.Duration
	// Failure, when set, fails the case: Type classifies it and Text
	// explains it.
	Failure, Type, Text string
	// Skipped, when set, says why the case did not run.
	Skipped string
}

// AddCase records one named test case.
func (j *JUnitReport) AddCase(c JUnitCase) error {
	jc := junitCase{Classname: j.opts.Class, Name: c.Name, Time: seconds(c.Time)}
	if c.Class != "" {
		jc.Classname = c.Class
	}
	switch {
	case c.Skipped != "":
		jc.Skipped = &junitSkipped{Message: c.Skipped}
		j.skipped++
	case c.Failure != "":
		jc.Failure = &junitProblem{Message: c.Failure, Type: c.Type, Text: c.Text}
		j.failures++
	}
	j.tests++
	return j.enc.Encode(jc)
}

// Close writes the report at its path, totals first as JUnit readers
// want, and removes the temporary file. s gives the suite's duration.
func (j *JUnitReport) Close(s *Summary) (err error) {
	defer j.Discard()
	if err := j.enc.Flush(); err != nil {
		return j.writeErr(err)
	}
	if err := j.buf.Flush(); err != nil {
		return j.writeErr(err)
	}
	if _, err := j.tmp.Seek(0, io.SeekStart); err != nil {
		return j.writeErr(err)
	}

	out, err := os.CreateTemp(filepath.Dir(j.path), "."+filepath.Base(j.path)+".report-*")
	if err != nil {
		return j.writeErr(err)
	}
	defer func() {
		if err != nil {
			out.Close()
			os.Remove(out.Name())
		}
	}()
	w := bufio.NewWriterSize(out, 64<<10)
	var elapsed time.Duration
	if s != nil {
		elapsed = s.Elapsed
	}
	counts := []xml.Attr{
		{Name: xml.Name{Local: "tests"}, Value: strconv.Itoa(j.tests)},
		{Name: xml.Name{Local: "failures"}, Value: strconv.Itoa(j.failures)},
		{Name: xml.Name{Local: "errors"}, Value: strconv.Itoa(j.errors)},
		{Name: xml.Name{Local: "time"}, Value: seconds(elapsed)},
	}
	suites := xml.StartElement{Name: xml.Name{Local: "testsuites"},
		Attr: append([]xml.Attr{{Name: xml.Name{Local: "name"}, Value: j.opts.Suite}}, counts...)}
	suite := xml.StartElement{Name: xml.Name{Local: "testsuite"},
		Attr: append(append([]xml.Attr{{Name: xml.Name{Local: "name"}, Value: j.opts.Suite}}, counts...),
			xml.Attr{Name: xml.Name{Local: "skipped"}, Value: strconv.Itoa(j.skipped)},
			xml.Attr{Name: xml.Name{Local: "timestamp"}, Value: j.opts.Start.UTC().Format("2006-01-02T15:04:05")})}

	io.WriteString(w, xml.Header)
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	enc.EncodeToken(suites)
	enc.EncodeToken(suite)
	if len(j.opts.Properties) > 0 {
		type property struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		}
		props := struct {
			XMLName xml.Name   `xml:"properties"`
			List    []property `xml:"property"`
		}{}
		for _, p := range j.opts.Properties {
			props.List = append(props.List, property{p[0], p[1]})
		}
		enc.Encode(props)
	}
	if err := enc.Flush(); err != nil {
		return j.writeErr(err)
	}
	// The streamed test cases go between the suite's tags as they are, on
	// a line of their own: the encoder starts a stream with no newline.
	if j.tests > 0 {
		io.WriteString(w, "\n")
	}
	if _, err := io.Copy(w, j.tmp); err != nil {
		return j.writeErr(err)
	}
	io.WriteString(w, "\n  </testsuite>\n</testsuites>\n")
	if err := w.Flush(); err != nil {
		return j.writeErr(err)
	}
	if err := out.Close(); err != nil {
		return j.writeErr(err)
	}
	if err := os.Rename(out.Name(), j.path); err != nil {
		return j.writeErr(err)
	}
	return nil
}

// Discard removes the temporary file without writing the report. Close
// calls it; call it alone when the run is abandoned.
func (j *JUnitReport) Discard() {
	if j.tmp != nil {
		j.tmp.Close()
		os.Remove(j.tmp.Name())
		j.tmp = nil
	}
}

func (j *JUnitReport) writeErr(err error) error {
	return fmt.Errorf("cannot write the report %s: %v", j.path, unwrapPath(err))
}

func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
}

// excerpt is the start of a reply body as text for a report.
func excerpt(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
		for i := 0; i < utf8.UTFMax && !utf8.Valid(b); i++ {
			b = b[:len(b)-1] // a character cut in two
		}
	}
	if !utf8.Valid(b) {
		return fmt.Sprintf("(%d bytes, not UTF-8)", len(b))
	}
	return string(b)
}

func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
