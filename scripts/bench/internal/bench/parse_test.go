package bench

import (
	"io"
	"strings"
	"testing"
	"time"
)

const heyOutput = `
Summary:
  Total:	0.8534 secs
  Slowest:	0.0261 secs
  Fastest:	0.0001 secs
  Average:	0.0013 secs
  Requests/sec:	23435.6843

  Total data:	0 bytes
  Size/request:	0 bytes

Latency distribution:
  10% in 0.0003 secs
  50% in 0.0009 secs
  99% in 0.0071 secs

Status code distribution:
  [200]	19968 responses
  [401]	32 responses

Error distribution:
  [3]	Post "http://127.0.0.1:1/x": dial tcp 127.0.0.1:1: connect: connection refused
  [1]	Post "http://127.0.0.1:1/x": EOF
`

func TestParseHey(t *testing.T) {
	// hey v0.1.5, which make bench installs, prints "50%% in" (a doubled
	// format verb); a fixed hey would print "50% in".
	for _, out := range []string{strings.ReplaceAll(heyOutput, "% in", "%% in"), heyOutput} {
		l, err := parseHey([]byte(out))
		if err != nil {
			t.Fatal(err)
		}
		want := Load{Tool: "hey", Answers: 20000, Non2xx: 32, Errors: 4, RPS: 23435.6843, P50: 900 * time.Microsecond, P99: 7100 * time.Microsecond}
		if l != want {
			t.Fatalf("got %+v\nwant %+v", l, want)
		}
	}
	if _, err := parseHey([]byte("garbage")); err == nil {
		t.Fatal("no error for output without Requests/sec")
	}
}

func TestParseWrk(t *testing.T) {
	l, err := parseWrk([]byte("Running 5s test\nRESULT requests=100000 duration_us=5000000 non2xx=3 errors=2 p50_us=800 p99_us=4100\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := Load{Tool: "wrk", Answers: 100000, Non2xx: 3, Errors: 2, RPS: 20000, P50: 800 * time.Microsecond, P99: 4100 * time.Microsecond}
	if l != want || l.OK2xx() != 99997 {
		t.Fatalf("got %+v\nwant %+v", l, want)
	}
	if _, err := parseWrk([]byte("RESULT requests=1 duration_us=0 non2xx=0 errors=0 p50_us=0 p99_us=0")); err == nil {
		t.Fatal("no error for a run of no time")
	}
}

func TestParseBenchmarks(t *testing.T) {
	out := []byte(`goos: linux
BenchmarkVerify/bare-hmac/4096-2         	  105226	      3000 ns/op	1171.66 MB/s	     504 B/op	       6 allocs/op
BenchmarkVerify/bare-hmac/4096-2         	  119011	      2000 ns/op	1373.86 MB/s	     504 B/op	       6 allocs/op
BenchmarkVerify/bare-hmac/4096-2         	  111411	      4000 ns/op	1331.44 MB/s	     504 B/op	       6 allocs/op
BenchmarkSchemes/telnyx/bare/256         	    4638	    103054 ns/op	   2.48 MB/s	       0 B/op	       0 allocs/op
PASS
`)
	got := parseBenchmarks(out)
	if r := got["BenchmarkVerify/bare-hmac/4096"]; r != (benchResult{ns: 3000, bytes: 504, allocs: 6}) {
		t.Fatalf("median: got %+v", r)
	}
	if r, ok := got["BenchmarkSchemes/telnyx/bare/256"]; !ok || r.ns != 103054 {
		t.Fatalf("a name without the -N suffix: got %+v", r)
	}
}

func TestSelectMeasures(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "signing listen send replay process inspect sandbox"},
		{[]string{"process", "signing"}, "signing process"},
		{[]string{"inspect", "send"}, "send inspect"},
		{[]string{"send", "all"}, "signing listen send replay process inspect sandbox"},
		{[]string{"sandbox", "send"}, "send sandbox"},
	} {
		got, err := selectMeasures(c.args)
		if err != nil || joined(got) != c.want {
			t.Errorf("%v: got %v %v, want %s", c.args, got, err, c.want)
		}
	}
	if _, err := selectMeasures([]string{"nope"}); err == nil {
		t.Error("an unknown measure is accepted")
	}
}

func joined(s []string) string { return strings.Join(s, " ") }

func TestParseMetrics(t *testing.T) {
	out := []byte(`BenchmarkIndexCapture-2   	       3	 141221261 ns/op	 267.96 MB/s	142563233 B/op	 1600496 allocs/op
BenchmarkListenInspector/ui+subscriber-2 	   20000	     28920 ns/op	         0 not-streamed	     34578 req/s
BenchmarkListenInspector/ui+subscriber-2 	   20000	     25496 ns/op	         2 not-streamed	     39222 req/s
BenchmarkListenInspector/ui+subscriber-2 	   20000	     25000 ns/op	         1 not-streamed	     30000 req/s
`)
	m := parseMetrics(out)
	if m["BenchmarkIndexCapture"]["MB/s"] != 267.96 || m["BenchmarkListenInspector/ui+subscriber"]["req/s"] != 34578 ||
		m["BenchmarkListenInspector/ui+subscriber"]["not-streamed"] != 1 {
		t.Fatalf("parsed %v", m)
	}
}

// TestCountStreamed reads the inspector's event stream as the server
// writes it: an event counts one, a burst its count, the rest nothing.
func TestCountStreamed(t *testing.T) {
	stream := "retry: 2000\nevent: hello\ndata: {\"total\":3}\n\n" +
		"event: event\ndata: {\"seq\":4,\"id\":\"01A\"}\n\n" +
		"event: burst\ndata: {\"count\":250,\"newest\":{\"seq\":254}}\n\n" +
		"event: messages\ndata: {}\n\n" +
		"event: event\ndata: {\"seq\":255}\n\n"
	if got := countStreamed(io.NopCloser(strings.NewReader(stream))); got != 252 {
		t.Fatalf("counted %d events, want 252", got)
	}
}
