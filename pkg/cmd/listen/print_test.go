package listen

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/iostreams"
	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/server"
)

var sgrCode = regexp.MustCompile("\x1b\\[[0-9;]*m")

func lineEvent(t testing.TB, rec capture.Record) *server.Event {
	dexatel, err := provider.Builtin().Lookup("dexatel")
	if err != nil {
		t.Fatal(err)
	}
	route := &server.Route{Path: "/dexatel", Endpoint: &server.Endpoint{Name: "dexatel", Provider: dexatel}}
	return &server.Event{Record: &rec, Route: route, Latency: 850 * time.Microsecond}
}

// TestLineEscapesHostileFields: what a sender put in the fields of the line
// shows escaped, before it is painted, and pads as it shows.
func TestLineEscapesHostileFields(t *testing.T) {
	hostile := "\x1b]0;t\x07\r\x1b[2K\u009b\x7f\n\x1b[31m"
	shown := `\x1b]0;t\x07\r\x1b[2K\x9b\x7f\n\x1b[31m`
	ev := lineEvent(t, capture.Record{ReceivedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Profile: "dexatel",
		Kind: "k\x1b", Method: "POST", URL: "http://127.0.0.1:8787/dexatel",
		Event:        &codec.Event{MessageID: hostile, From: hostile, To: hostile, Status: codec.Status(hostile)},
		Verification: capture.Verification{Reason: hostile}, Reply: capture.Reply{Status: 401}})
	for _, mode := range []iostreams.ColorMode{iostreams.ColorNever, iostreams.ColorAlways} {
		ios, _, _, _ := iostreams.Test()
		ios.SetColorMode(mode)
		p := &printer{o: &ListenOptions{IO: ios}, cs: ios.ColorScheme(), colors: ios.ColorEnabled(), nameWidth: 10}
		line := string(p.appendLine(nil, ev))
		plain := sgrCode.ReplaceAllString(line, "")
		if strings.ContainsAny(plain, "\x1b\x07\r\n\x7f\u009b") {
			t.Errorf("%s: a raw control reaches the line: %q", mode, line)
		}
		if n := strings.Count(plain, shown); n != 5 {
			t.Errorf("%s: want the hostile text shown escaped 5 times (id, from, to, status, reason), got %d: %q", mode, n, plain)
		}
		if !strings.Contains(plain, `k\x1b      `) {
			t.Errorf("%s: the kind is not escaped and padded to 9: %q", mode, plain)
		}
	}
}

func TestBodyTextEscapes(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	p := &printer{o: &ListenOptions{IO: ios}, cs: ios.ColorScheme()}
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	for _, tt := range []struct {
		name   string
		header http.Header
		body   string
		want   string
	}{
		{"form field", form, "Body=%1B%5B2J%0Dx&To%1B=1", "Body: \\x1b[2J\\rx\nTo\\x1b: 1\n"},
		{"text", http.Header{}, "hi\x1b]0;t\x07\r\nnext\tline", "hi\\x1b]0;t\\x07\\r\nnext\tline"},
		{"JSON with raw DEL and C1", http.Header{}, "{\"a\":\"x\x7f\u009b\u202e\"}", "{\n  \"a\": \"x\\x7f\\x9b\\u202e\"\n}\n"},
		{"JSON not UTF-8", http.Header{}, "{\"a\":\"\xff\"}", "{\n  \"a\": \"\\xff\"\n}\n"},
	} {
		rec := &capture.Record{Headers: tt.header}
		rec.SetBody([]byte(tt.body))
		if got := p.bodyText(rec); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// BenchmarkEventLine is listen's line per request: the terminal door must
// not cost an allocation when the fields are clean.
func BenchmarkEventLine(b *testing.B) {
	ev := lineEvent(b, capture.Record{ReceivedAt: time.Now(), Profile: "dexatel", Kind: "delivery", Method: "POST",
		URL:          "http://127.0.0.1:8787/dexatel",
		Event:        &codec.Event{MessageID: "e4fb1353-8ded-4ec7-991e-a757ea213106", From: "sender", To: "15550002", Status: codec.StatusDelivered},
		Verification: capture.Verification{Valid: true}, Reply: capture.Reply{Status: 200}})
	ios, _, _, _ := iostreams.Test()
	p := &printer{o: &ListenOptions{IO: ios}, cs: ios.ColorScheme(), nameWidth: 10}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = p.appendLine(buf[:0], ev)
	}
}

// TestStderrLinesEscape: net/http's log lines and listen's warnings may
// quote what a client sent.
func TestStderrLinesEscape(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	p := &printer{o: &ListenOptions{IO: ios}, ecs: ios.ErrColorScheme()}
	msg := "http: bad request from 1.2.3.4: \x1b]0;t\x07\r\u009b\n"
	if n, err := p.lockedErr().Write([]byte(msg)); n != len(msg) || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	p.warn("capture \x1b[2J")
	want := "http: bad request from 1.2.3.4: \\x1b]0;t\\x07\\r\\x9b\nwarning: capture \\x1b[2J\n"
	if got := errOut.String(); got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
}

// The why: line and the --public-url hint carry URLs and names that came
// with the request: they go through the terminal door.
func TestWhyLineAndHintEscape(t *testing.T) {
	hostile := "https://a.example/\x1b[2J\u009b\u202e"
	ios, _, _, stderr := iostreams.Test()
	p := &printer{o: &ListenOptions{IO: ios}, cs: ios.ColorScheme(), ecs: ios.ErrColorScheme()}
	var out strings.Builder
	p.why(&out, capture.Verification{Reason: "mismatch", Message: "the signature matches " + hostile,
		Diagnosis: &capture.Diagnosis{Cause: "url_variant", URL: hostile}})
	p.forwardedHint(hostile)
	for name, got := range map[string]string{"why": out.String(), "hint": stderr.String()} {
		if strings.ContainsAny(got, "\x1b\u009b\u202e") || !strings.Contains(got, `\x1b[2J\x9b\u202e`) {
			t.Errorf("%s: %q", name, got)
		}
	}
	out.Reset()
	p.why(&out, capture.Verification{Reason: "mismatch", Message: "does not match"})
	p.why(&out, capture.Verification{Valid: true, Message: "valid", Diagnosis: &capture.Diagnosis{Cause: "forwarded_url"}})
	if out.Len() != 0 {
		t.Errorf("a why: line without a cause, or on a valid request: %q", out.String())
	}
}
