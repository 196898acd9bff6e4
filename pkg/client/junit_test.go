package client

import (
	"context"
	"encoding/xml"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The report a CI system reads, parsed back with encoding/xml.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Name     string   `xml:"name,attr"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Suites   []struct {
		Name       string `xml:"name,attr"`
		Tests      int    `xml:"tests,attr"`
		Failures   int    `xml:"failures,attr"`
		Errors     int    `xml:"errors,attr"`
		Timestamp  string `xml:"timestamp,attr"`
		Properties []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Classname string `xml:"classname,attr"`
			Name      string `xml:"name,attr"`
			Time      string `xml:"time,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
			} `xml:"error"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestJUnitReportParsesBack(t *testing.T) {
	s := newSink(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		switch n {
		case 2:
			w.WriteHeader(500)
			w.Write([]byte("boom <&> \x01 \"quoted\""))
		case 3:
			w.WriteHeader(404)
		}
	})
	path := filepath.Join(t.TempDir(), "junit.xml")
	report, err := NewJUnitReport(path, JUnitOptions{
		Suite: `smshook send "dexatel" <&>`, Class: "dexatel.delivery", Expect: Expect{},
		Properties: [][2]string{{"url", s.URL + "?a=1&b=<2>"}},
		Start:      time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	r := testRunner(s)
	r.KeepReply = true
	r.OnResult = func(res *Result) {
		if err := report.Add(res); err != nil {
			t.Error(err)
		}
	}
	reqs := func(yield func(*Request, error) bool) {
		for i := 0; i < 4; i++ {
			if !yield(&Request{Method: "POST", URL: s.URL, Header: http.Header{}, Name: "id-\x02-<" + string(rune('a'+i)) + ">"}, nil) {
				return
			}
		}
		yield(&Request{Method: "POST", URL: closedURL(t), Header: http.Header{}}, nil)
	}
	sum, err := r.Run(context.Background(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	if err := report.Close(sum); err != nil {
		t.Fatal(err)
	}

	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc junitDoc
	if err := xml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("the report is not valid XML: %v\n%s", err, raw)
	}
	if doc.Tests != 5 || doc.Failures != 2 || doc.Errors != 1 || len(doc.Suites) != 1 {
		t.Fatalf("totals tests=%d failures=%d errors=%d\n%s", doc.Tests, doc.Failures, doc.Errors, raw)
	}
	suite := doc.Suites[0]
	if suite.Name != `smshook send "dexatel" <&>` || suite.Tests != 5 || suite.Timestamp != "2024-01-02T03:04:05" {
		t.Errorf("suite %+v", suite)
	}
	if len(suite.Properties) != 1 || suite.Properties[0].Value != s.URL+"?a=1&b=<2>" {
		t.Errorf("properties %+v", suite.Properties)
	}
	if len(suite.Cases) != 5 {
		t.Fatalf("%d test cases, want 5", len(suite.Cases))
	}
	var failures, errs []string
	for _, c := range suite.Cases {
		if c.Classname != "dexatel.delivery" || c.Time == "" || !strings.HasPrefix(c.Name, "#") {
			t.Errorf("test case %+v", c)
		}
		if c.Failure != nil {
			failures = append(failures, c.Failure.Message)
			if c.Failure.Type != "unexpected_status" {
				t.Errorf("failure type %q", c.Failure.Type)
			}
		}
		if c.Error != nil {
			errs = append(errs, c.Error.Type+": "+c.Error.Message)
		}
	}
	joined := strings.Join(failures, "|")
	if !strings.Contains(joined, "got 500 Internal Server Error, expected 2xx") || !strings.Contains(joined, "got 404 Not Found, expected 2xx") {
		t.Errorf("failures %q", failures)
	}
	if len(errs) != 1 || errs[0] != "refused: connection refused" {
		t.Errorf("errors %q", errs)
	}
	if !strings.Contains(string(raw), "boom &lt;&amp;&gt;") {
		t.Errorf("the reply body is not in the failure text:\n%s", raw)
	}
	// No temporary files stay behind.
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("files left: %v", entries)
	}
}

func TestJUnitReportUnwritableDirectory(t *testing.T) {
	_, err := NewJUnitReport(filepath.Join(t.TempDir(), "missing", "junit.xml"), JUnitOptions{})
	if err == nil || !strings.Contains(err.Error(), "cannot write the report") {
		t.Errorf("error = %v", err)
	}
}

// AddCase writes named cases: passed, failed with a type, and skipped,
// with the suite's skipped count.
func TestJUnitAddCase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "check.xml")
	j, err := NewJUnitReport(path, JUnitOptions{Suite: "smshook check dexatel", Class: "dexatel"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []JUnitCase{
		{Name: "genuine", Class: "dexatel.delivery", Time: 3 * time.Millisecond},
		{Name: "forged", Class: "dexatel.delivery", Failure: "got 200 OK, expected 4xx", Type: "security", Text: "why it matters"},
		{Name: "stale", Skipped: "n/a: dexatel signs no timestamp"},
	} {
		if err := j.AddCase(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(&Summary{}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	var doc junitDoc
	if err := xml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	s := doc.Suites[0]
	if doc.Tests != 3 || doc.Failures != 1 || len(s.Cases) != 3 || !strings.Contains(string(raw), `skipped="1"`) {
		t.Fatalf("counts: %+v\n%s", doc, raw)
	}
	if c := s.Cases[1]; c.Classname != "dexatel.delivery" || c.Failure == nil || c.Failure.Type != "security" || c.Failure.Text != "why it matters" {
		t.Errorf("failed case: %+v", c)
	}
	if c := s.Cases[2]; c.Classname != "dexatel" || !strings.Contains(string(raw), `<skipped message="n/a: dexatel signs no timestamp"></skipped>`) {
		t.Errorf("skipped case: %+v\n%s", c, raw)
	}
}
