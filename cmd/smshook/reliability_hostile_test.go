package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/smshook/smshook/pkg/capture"
)

// hostileCase is one request the listener must survive, and the answer
// README documents for it.
type hostileCase struct {
	name    string
	method  string
	path    string
	headers [][2]string
	body    []byte
	// What the listener answers: status, the reason in the JSON answer
	// and in the record ("" for a valid request), and part of the message.
	status  int
	reason  string
	message string
	// captured is false only where net/http refuses the request before the
	// listener sees it (431): nothing of it was read whole.
	captured bool
	check    func(t *testing.T, rec *capture.Record)
}

func TestListenHostileInput(t *testing.T) {
	dir := t.TempDir()
	env := cliEnv(dir)
	capturePath := dir + "/captures.jsonl"
	listen := startListen(t, dir, env, capturePath, "--max-body", "1KiB")
	addr := strings.TrimPrefix(listen.url, "http://")

	valid := []byte(dexatelBody)
	sig := hmacBase64(dexatelDemoSecret, dexatelBody)
	signed := func(body []byte) [][2]string {
		return [][2]string{{"Content-Type", "application/json"}, {"X-Dexatel-Signature", hmacBase64(dexatelDemoSecret, string(body))}}
	}
	invalidUTF8 := []byte("{\"data\":{\"event\":\"message\",\"text\":\"\xff\xfe\xc3\x28\"}}")
	notJSON := []byte("this is not JSON")
	big := bytes.Repeat([]byte("a"), 2048)

	cases := []hostileCase{
		{name: "valid", method: "POST", path: "/dexatel", headers: signed(valid), body: valid, status: 200, captured: true},
		{name: "oversized body", method: "POST", path: "/dexatel", headers: signed(big), body: big,
			status: 413, reason: "body_too_large", message: "larger than the limit of 1024 bytes", captured: true,
			check: func(t *testing.T, rec *capture.Record) {
				if body := rec.Body(); !rec.Truncated || !bytes.Equal(body, big[:1024]) {
					t.Errorf("want the first 1024 bytes kept and truncated: true; got %d bytes, truncated %v", len(body), rec.Truncated)
				}
			}},
		{name: "invalid UTF-8", method: "POST", path: "/dexatel", headers: signed(invalidUTF8), body: invalidUTF8, status: 200, captured: true,
			check: func(t *testing.T, rec *capture.Record) {
				if rec.BodyBase64 == "" || rec.BodyText != nil {
					t.Errorf("a body that is not UTF-8 must be stored as body_base64")
				}
			}},
		{name: "empty body signed", method: "POST", path: "/dexatel", headers: signed(nil), status: 200, captured: true,
			check: wantDecodeError},
		{name: "empty body unsigned", method: "POST", path: "/dexatel", headers: [][2]string{{"Content-Type", "application/json"}},
			status: 401, reason: "missing_header", message: "no X-Dexatel-Signature header", captured: true},
		{name: "wrong content type", method: "POST", path: "/dexatel",
			headers: [][2]string{{"Content-Type", "text/plain"}, {"X-Dexatel-Signature", sig}}, body: valid, status: 200, captured: true},
		{name: "duplicate signature headers", method: "POST", path: "/dexatel",
			headers: append(signed(valid), [2]string{"X-Dexatel-Signature", sig}), body: valid,
			status: 401, reason: "duplicate_header", message: "2 X-Dexatel-Signature headers", captured: true},
		{name: "huge header", method: "POST", path: "/dexatel",
			headers: append(signed(valid), [2]string{"X-Huge", strings.Repeat("h", 80<<10)}), body: valid, status: 431},
		{name: "dot-dot path", method: "POST", path: "/dexatel/../../etc/passwd", headers: signed(valid), body: valid,
			status: 404, reason: "no_route", message: "no route for POST /dexatel/../../etc/passwd", captured: true},
		{name: "encoded dot-dot path", method: "POST", path: "/%2e%2e/dexatel", headers: signed(valid), body: valid,
			status: 404, reason: "no_route", message: "no route", captured: true},
		{name: "non-JSON to a JSON provider", method: "POST", path: "/dexatel", headers: signed(notJSON), body: notJSON,
			status: 200, captured: true, check: wantDecodeError},
		{name: "wrong method", method: "GET", path: "/dexatel", status: 405, reason: "method_not_allowed", message: "use POST", captured: true},
		{name: "signature too short", method: "POST", path: "/dexatel",
			headers: [][2]string{{"Content-Type", "application/json"}, {"X-Dexatel-Signature", sig[:20]}}, body: valid,
			status: 401, reason: "malformed", message: "not a base64 or hex HMAC-SHA256 signature (20 characters)", captured: true},
		{name: "signature wrong alphabet", method: "POST", path: "/dexatel",
			headers: [][2]string{{"Content-Type", "application/json"}, {"X-Dexatel-Signature", strings.Repeat("!", len(sig))}}, body: valid,
			status: 401, reason: "malformed", message: "(44 characters)", captured: true},
		{name: "signature of another body", method: "POST", path: "/dexatel", headers: signed([]byte("{}")), body: valid,
			status: 401, reason: "mismatch", message: "does not match the body", captured: true},
	}

	// Slow headers (slowloris) hold connections open while the table runs:
	// the listener must keep answering others, and drop the slow ones.
	const slowConns = 4
	slowDone := make(chan error, slowConns)
	for range slowConns {
		go func() { slowDone <- slowHeaders(addr) }()
	}

	got := map[string]*http.Response{}
	for i := range cases {
		c := &cases[i]
		c.headers = append(c.headers, [2]string{"X-Case", c.name})
		resp, body, err := rawRequest(addr, c.method, c.path, c.headers, c.body)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got[c.name] = resp
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.name, resp.StatusCode, c.status, body)
			continue
		}
		if c.status/100 != 2 && c.status != 431 {
			if r := gjson.GetBytes(body, "reason").String(); r != c.reason {
				t.Errorf("%s: reason %q, want %q: %s", c.name, r, c.reason, body)
			}
			if m := gjson.GetBytes(body, "message").String() + gjson.GetBytes(body, "error").String(); !strings.Contains(m, c.message) {
				t.Errorf("%s: message %q does not say %q", c.name, m, c.message)
			}
		}
	}
	if allow := got["wrong method"].Header.Get("Allow"); allow != "POST" {
		t.Errorf("405 without Allow: POST (got %q)", allow)
	}

	for range slowConns {
		if err := <-slowDone; err != nil {
			t.Error(err)
		}
	}
	// Nothing crashed: the listener still answers, and stops cleanly.
	if status, err := postSigned(http.DefaultClient, listen.url+"/dexatel", "still-alive"); err != nil || status != 200 {
		t.Fatalf("after the hostile requests: %d %v", status, err)
	}
	if code := listen.interrupt(t); code != 130 {
		t.Fatalf("listen exited %d after SIGINT, want 130:\n%s", code, listen.stderr)
	}
	if strings.Contains(listen.stderr.String(), "panic") {
		t.Fatalf("listen panicked:\n%s", listen.stderr)
	}

	// Every request the listener read is captured, with the answer it got.
	records, bad := readCaptureLines(t, capturePath)
	if len(bad) > 0 {
		t.Fatalf("bad capture lines: %v", bad)
	}
	byCase := map[string]*capture.Record{}
	for _, rec := range records {
		name := rec.Headers.Get("X-Case")
		if name == "" && gjson.GetBytes(rec.Body(), "data.message_id").String() != "still-alive" {
			t.Errorf("a record of no request sent here (a slow-header connection?): %s %s", rec.Method, rec.URL)
		}
		byCase[name] = rec
	}
	for _, c := range cases {
		rec, ok := byCase[c.name]
		if ok != c.captured {
			t.Errorf("%s: captured %v, want %v", c.name, ok, c.captured)
			continue
		}
		if !ok {
			continue
		}
		if rec.Reply.Status != c.status {
			t.Errorf("%s: the record says the answer was %d, the client got %d", c.name, rec.Reply.Status, c.status)
		}
		if c.status/100 != 2 && rec.Verification.Reason != c.reason {
			t.Errorf("%s: the record's reason is %q, want %q", c.name, rec.Verification.Reason, c.reason)
		}
		if rec.Verification.Valid != (c.status/100 == 2) {
			t.Errorf("%s: the record says valid=%v for a %d answer", c.name, rec.Verification.Valid, c.status)
		}
		if c.status != 413 && !bytes.Equal(rec.Body(), c.body) {
			t.Errorf("%s: the captured body is not the bytes sent: %q", c.name, rec.Body())
		}
		if c.check != nil {
			c.check(t, rec)
		}
	}
}

func wantDecodeError(t *testing.T, rec *capture.Record) {
	t.Helper()
	if rec.DecodeError == "" {
		t.Errorf("the record has no decode_error")
	}
}

// rawRequest writes one request by hand (the path as given, headers
// repeated as given) and reads the answer.
func rawRequest(addr, method, path string, headers [][2]string, body []byte) (*http.Response, []byte, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method, path, addr)
	for _, h := range headers {
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
	}
	if method != "GET" || len(body) > 0 {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	if _, err := conn.Write(b.Bytes()); err != nil {
		return nil, nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	return resp, answer, err
}

// slowHeaders sends a request line and then a header byte a second,
// never finishing the headers, and expects the listener to close the
// connection without an answer within its header timeout (10 s) and a
// margin.
func slowHeaders(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	start := time.Now()
	if _, err := fmt.Fprintf(conn, "POST /dexatel HTTP/1.1\r\nHost: %s\r\nX-Slow: ", addr); err != nil {
		return err
	}
	limit := start.Add(15 * time.Second)
	buf := make([]byte, 512)
	for time.Now().Before(limit) {
		conn.SetReadDeadline(time.Now().Add(time.Second))
		n, err := conn.Read(buf)
		if n > 0 {
			return fmt.Errorf("slow headers: the listener answered %q before the headers ended", buf[:n])
		}
		if err == io.EOF || (err != nil && !isTimeout(err)) {
			return nil // closed by the listener: the defence worked
		}
		if _, err := conn.Write([]byte("a")); err != nil {
			return nil // the listener closed the connection
		}
	}
	return fmt.Errorf("slow headers: the connection was still open after %s", time.Since(start).Round(time.Second))
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
