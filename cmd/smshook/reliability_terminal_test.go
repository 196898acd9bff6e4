package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// Untrusted bytes never drive the terminal: a sender (or a capture, or a
// handler's reply) that puts escape sequences in its fields gets them shown,
// escaped, in every line smshook prints, and only smshook's own colour
// codes reach the terminal. The capture keeps the exact bytes.

// hostileField is what a sender puts in a field, and how smshook must show it.
// lineOnly fields show escaped only in one-line fields: a body keeps its
// newlines and tabs.
type hostileField struct {
	raw, shown string
	lineOnly   bool
}

var hostileFields = []hostileField{
	{"\x1b[2J", `\x1b[2J`, false},                            // clear the screen
	{"\x1b]0;title\x07", `\x1b]0;title\x07`, false},          // rename the window
	{"\x1b]52;c;Zm9v\x07", `\x1b]52;c;Zm9v\x07`, false},      // write the clipboard
	{"\r\x1b[2K200 OK", `\r\x1b[2K200 OK`, false},            // overwrite the line
	{"\x1b[?7l", `\x1b[?7l`, false},                          // turn off line wrap
	{"\x1b[31mFAKE", `\x1b[31mFAKE`, false},                  // a colour code of its own: an SGR, yet not ours
	{"del\x7fdel", `del\x7fdel`, false},                      // DEL
	{"c1\u009b2J", `c1\x9b2J`, false},                        // C1 CSI, as UTF-8
	{"bidi\u202eevil", `bidi\u202eevil`, false},              // right-to-left override
	{"nl\nfake line", `nl\nfake line`, true},                 // a new line inside a one-line field
	{"bell\x07tab\tend", `bell\x07tab\tend`, true},           // BEL, and a tab in a field
	{"\x1b[1;32m✓\x1b[0m fake", `\x1b[1;32m✓\x1b[0m`, false}, // a fake check mark
}

// hostileJoined is every hostile field in one string.
func hostileJoined() string {
	var b strings.Builder
	for i, f := range hostileFields {
		fmt.Fprintf(&b, "[%d]%s", i, f.raw)
	}
	return b.String()
}

// sgr is one of the colour codes smshook itself writes: ESC [ digits;… m.
var sgr = regexp.MustCompile(`^\x1b\[[0-9;]*m`)

// sgrAnywhere finds the same codes anywhere, to strip them.
var sgrAnywhere = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// checkTerminalSafe fails when out holds a byte or rune that would drive a
// terminal: an ESC that does not start an SGR colour code, a C0 control other
// than newline and tab (with crlf, CR is allowed right before LF: the framing
// of -o http), DEL, a C1 control, a bidi override, or a byte that is not UTF-8.
// A hostile SGR passes this check: hostile fields hold one, and the callers
// check it shows escaped.
func checkTerminalSafe(t *testing.T, where, out string, crlf bool) {
	t.Helper()
	if crlf {
		out = strings.ReplaceAll(out, "\r\n", "\n")
	}
	if !utf8.ValidString(out) {
		t.Errorf("%s: output is not UTF-8: %q", where, out)
	}
	for i := 0; i < len(out); i++ {
		c := out[i]
		switch {
		case c == 0x1b:
			m := sgr.FindString(out[i:])
			if m == "" {
				t.Errorf("%s: a raw escape sequence reaches the terminal at byte %d: %q", where, i, around(out, i))
				return
			}
			i += len(m) - 1
		case c == '\n' || c == '\t':
		case c < 0x20 || c == 0x7f:
			t.Errorf("%s: control byte %#x reaches the terminal at byte %d: %q", where, c, i, around(out, i))
			return
		}
	}
	for i, r := range out {
		if r >= 0x80 && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
			t.Errorf("%s: rune %U reaches the terminal at byte %d: %q", where, r, i, around(out, i))
			return
		}
	}
}

func around(s string, i int) string {
	return s[max(i-40, 0):min(i+40, len(s))]
}

// checkShown fails unless every hostile field shows escaped in out; in a
// body (block) newlines and tabs stay.
func checkShown(t *testing.T, where, out string, block bool) {
	t.Helper()
	for _, f := range hostileFields {
		if block && f.lineOnly {
			continue
		}
		if !strings.Contains(out, f.shown) {
			t.Errorf("%s: %q is not shown escaped as %s:\n%s", where, f.raw, f.shown, out)
		}
	}
}

// hostileRequest is one request sent to the listener.
type hostileRequest struct {
	name, path, contentType string
	body                    []byte
}

func hostileRequests(t *testing.T) []hostileRequest {
	h := hostileJoined()
	dexatel := func(data map[string]any) []byte {
		b, err := json.Marshal(map[string]any{"data": data}) // \u001b for C0, DEL and C1 raw: JSON allows them
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	form := url.Values{"MessageSid": {h}, "From": {h}, "To": {h}, "MessageStatus": {"delivered"}, "Body": {h}, "AccountSid": {h}}
	return []hostileRequest{
		{"dexatel delivery", "/dexatel", "application/json",
			dexatel(map[string]any{"event": "delivery", "message_id": h, "to": h, "status": "DELIVERED", "channel": h, "payload": h})},
		{"dexatel message", "/dexatel", "application/json",
			dexatel(map[string]any{"event": "message", "from": h, "to": h, "text": h})},
		{"dexatel hostile kind", "/dexatel", "application/json", dexatel(map[string]any{"event": h, "message_id": "k"})},
		{"twilio form", "/twilio", "application/x-www-form-urlencoded", []byte(form.Encode())},
		{"not JSON", "/dexatel", "text/plain", []byte("plain " + h + " end")},
		{"JSON, not UTF-8", "/dexatel", "application/json", []byte("{\"data\":{\"event\":\"message\",\"text\":\"\xff\xfe\xc3\x28 " + "\x7f" + "\"}}")},
	}
}

func TestTerminalHostileBytes(t *testing.T) {
	dir := t.TempDir()
	env := cliEnv(dir)
	requests := hostileRequests(t)

	// listen, painted (--color always) and --print all; then -o json.
	capturePath := filepath.Join(dir, "captures.jsonl")
	for _, mode := range [][]string{{"--color", "always", "--print", "all"}, {"-o", "json"}} {
		name := strings.Join(mode, " ")
		path := capturePath
		if mode[0] == "-o" {
			path = filepath.Join(dir, "json.jsonl")
		}
		listen := startListen(t, dir, env, path, mode...)
		addr := strings.TrimPrefix(listen.url, "http://")
		for _, r := range requests {
			headers := [][2]string{{"Content-Type", r.contentType}, {"X-Case", r.name}, {"X-Hostile", "c1\u009b2J bidi\u202e"}}
			resp, body, err := rawRequest(addr, "POST", r.path, headers, r.body)
			if err != nil {
				t.Fatalf("%s: %v", r.name, err)
			}
			if resp.StatusCode != 401 {
				t.Errorf("%s: unsigned request answered %d, want 401: %s", r.name, resp.StatusCode, body)
			}
		}
		if code := listen.interrupt(t); code != 130 {
			t.Fatalf("listen %s exited %d after SIGINT:\n%s", name, code, listen.stderr)
		}
		stdout, stderr := listen.stdout.String(), listen.stderr.String()
		checkTerminalSafe(t, "listen "+name+" stdout", stdout, false)
		checkTerminalSafe(t, "listen "+name+" stderr", stderr, false)
		if mode[0] == "-o" {
			checkListenJSON(t, stdout, requests)
			continue
		}
		checkShown(t, "listen "+name, stdout, false)
		if !strings.Contains(stdout, `c1\x9b2J bidi\u202e`) {
			t.Errorf("listen %s: the hostile header is not shown escaped:\n%s", name, stdout)
		}
	}

	// Raw bytes are sacred: the capture holds exactly what was sent.
	records, bad := readCaptureLines(t, capturePath)
	if len(bad) > 0 || len(records) != len(requests) {
		t.Fatalf("capture: %d records, %d bad lines; want %d records", len(records), len(bad), len(requests))
	}
	sent := map[string][]byte{}
	for _, r := range requests {
		sent[r.name] = r.body
	}
	for _, rec := range records {
		name := rec.Headers.Get("X-Case")
		if want, ok := sent[name]; !ok || !bytes.Equal(rec.Body(), want) {
			t.Errorf("%q: the capture does not hold the bytes sent:\n got %q\nwant %q", name, rec.Body(), want)
		}
		if got := rec.Headers.Get("X-Hostile"); got != "c1\u009b2J bidi\u202e" {
			t.Errorf("%q: the capture does not hold the header sent: %q", name, got)
		}
	}

	// replay of that capture to a handler that answers with hostile bytes.
	hostile := hostileServer(t)
	for _, args := range [][]string{
		{"replay", capturePath, "--demo", "--to", hostile, "--color", "always"},
		{"replay", capturePath, "--demo", "--to", hostile, "--color", "always", "-v"},
		{"replay", capturePath, "--to", hostile, "--as-captured", "-v"},
		{"replay", capturePath, "--demo", "--to", hostile, "-o", "json"},
		{"replay", capturePath, "--demo", "--dry-run", "--color", "always"},
		{"replay", capturePath, "--demo", "--dry-run", "-o", "http"},
		{"replay", capturePath, "--demo", "--dry-run", "-o", "curl"},
		{"replay", capturePath, "--as-captured", "--dry-run", "-o", "http"},
		{"replay", capturePath, "--demo", "--dry-run", "-o", "json"},
	} {
		res := runCLI(t, dir, env, args...)
		where := strings.Join(args[2:], " ")
		dryRun := strings.Contains(where, "--dry-run")
		if want := map[bool]int{true: 0, false: 1}[dryRun]; res.code != want {
			t.Errorf("replay %s: exit %d, want %d:\n%s", where, res.code, want, res)
		}
		crlf := dryRun && !strings.Contains(where, "-o ") || strings.Contains(where, "-o http") // -o http's framing
		checkTerminalSafe(t, "replay "+where+" stdout", res.stdout, crlf)
		checkTerminalSafe(t, "replay "+where+" stderr", res.stderr, false)
		switch {
		case strings.Contains(where, "-o json"):
			checkJSONLines(t, "replay "+where, res.stdout)
		case strings.Contains(where, "-o curl"):
			// printf octal escapes carry the body's control bytes.
		case dryRun:
			checkShown(t, "replay "+where, res.stdout, true)
		case strings.Contains(where, "-v"):
			// The request's name (the message id) is in each line.
			if !strings.Contains(res.stderr, `\x1b]0;title\x07`) {
				t.Errorf("replay %s: the record's message id is not shown escaped:\n%s", where, res)
			}
		}
	}

	// A capture whose ids, kinds, providers and URLs hold escape sequences:
	// replay's lines and errors show them escaped.
	h := hostileJoined()
	rec := func(id, provider, kind, url string) string {
		b, _ := json.Marshal(map[string]any{"id": id, "received_at": "2024-01-01T00:00:00Z", "profile": "p", "provider": provider,
			"kind": kind, "method": "POST", "url": url, "headers": map[string][]string{"Content-Type": {"application/json"}},
			"body": "{}", "verification": map[string]any{"valid": true}, "reply": map[string]any{"status": 200}})
		return string(b) + "\n"
	}
	badIDs := writeFile(t, dir, "bad-ids.jsonl",
		rec(h, "nosuch"+h, h, "http://127.0.0.1:1/dexatel")+
			rec("rec-"+h, "", h, "http://127.0.0.1:1/dexatel"))
	hostileURL := writeFile(t, dir, "bad-url.jsonl", rec("url", "dexatel", "delivery", "http://127.0.0.1:1/dexatel?q="+url.QueryEscape(h)+h))
	for _, args := range [][]string{
		{"replay", badIDs, "--to", hostile, "--color", "always"},
		{"replay", badIDs, "--to", hostile, "-v"}, // a line per skipped record
		{"replay", badIDs, "--demo", "--dry-run"},
		{"replay", badIDs, "--as-captured", "--to", closedURL(t), "-v", "--color", "always"},
		{"replay", hostileURL, "--as-captured", "--dry-run"},
		{"replay", hostileURL, "--as-captured", "--to", "http://127.0.0.1:1", "-v", "--color", "always"},
		{"replay", "--import-har", writeFile(t, dir, "bad.har", `{"log":{"entries":[{"request":{"method":"POST","url":`+quoteJSON(h)+`}}]}}`), "--as-captured", "--dry-run"},
	} {
		res := runCLI(t, dir, env, args...)
		where := "replay " + strings.Join(args[2:], " ")
		if res.code == 0 && !strings.Contains(where, "dry-run") {
			t.Errorf("%s: exit 0:\n%s", where, res)
		}
		checkTerminalSafe(t, where+" stdout", res.stdout, strings.Contains(where, "dry-run"))
		checkTerminalSafe(t, where+" stderr", res.stderr, false)
	}

	// send -v to a handler that answers with hostile headers and bodies.
	for _, c := range []struct{ path, shown string }{
		{"/json", `c1\x9b2J`}, // raw inside a JSON string
		{"/json", `bidi\u202eevil`},
		{"/text", `\x1b]52;c;Zm9v\x07`},
		{"/text", `X-C1: c1\x9b2J bidi\u202eevil`}, // a reply header
		{"/fail", ""},
		{"/rawheader", ""}, // net/http refuses the reply: its error quotes it
	} {
		for _, extra := range [][]string{{"-v", "--color", "always"}, {"-v"}, {"--count", "2", "-v"}} {
			args := append([]string{"send", "dexatel", "--demo", "--to", hostile + c.path}, extra...)
			res := runCLI(t, dir, env, args...)
			where := strings.Join(args, " ")
			checkTerminalSafe(t, where+" stdout", res.stdout, false)
			checkTerminalSafe(t, where+" stderr", res.stderr, false)
			if c.shown != "" && extra[0] == "-v" && !strings.Contains(res.stdout+res.stderr, c.shown) {
				t.Errorf("%s: the reply does not show %s:\n%s", where, c.shown, res)
			}
		}
	}

	// A handshake's reply is quoted on one line, and its problems in the error.
	for _, extra := range [][]string{{"--color", "always"}, {"-v"}} {
		args := append([]string{"send", "mobtexting", "--demo", "--handshake", "--to", hostile + "/text"}, extra...)
		res := runCLI(t, dir, env, args...)
		where := strings.Join(args, " ")
		if res.code != 1 {
			t.Errorf("%s: exit %d, want 1 (the reply echoes no key):\n%s", where, res.code, res)
		}
		checkTerminalSafe(t, where+" stdout", res.stdout, false)
		checkTerminalSafe(t, where+" stderr", res.stderr, false)
		if !strings.Contains(res.stdout, `\x1b]52;c;Zm9v\x07`) {
			t.Errorf("%s: the reply is not shown escaped:\n%s", where, res)
		}
	}
}

// hostileServer answers with hostile bytes: /json a JSON body whose strings
// hold DEL, C1 and bidi runes raw (JSON allows them) and C0 ones escaped,
// /text a text body of raw escape sequences, anything else 500 with one;
// every answer carries hostile headers.
func hostileServer(t *testing.T) string {
	t.Helper()
	h := hostileJoined()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		buf.ReadFrom(r.Body)
		hj, ok := w.(http.Hijacker)
		if !ok {
			t.Error("cannot hijack")
			return
		}
		conn, rw, err := hj.Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		status, body := "500 Internal Server Error", []byte("fail "+h)
		switch r.URL.Path {
		case "/json":
			status = "200 OK"
			body, _ = json.Marshal(map[string]string{"message": h})
		case "/text":
			status = "200 OK"
			body = []byte("text " + h)
		}
		// Written raw: net/http would refuse some of these header bytes.
		fmt.Fprintf(rw, "HTTP/1.1 %s\r\nContent-Length: %d\r\nConnection: close\r\n", status, len(body))
		fmt.Fprintf(rw, "X-C1: c1\u009b2J bidi\u202eevil\r\n")
		if r.URL.Path == "/rawheader" {
			fmt.Fprintf(rw, "X-Esc: \x1b]52;c;Zm9v\x07\r\nX-Title: \x1b]0;title\x07\r\n")
		}
		fmt.Fprintf(rw, "\r\n")
		rw.Write(body)
		rw.Flush()
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// checkListenJSON parses each line listen -o json printed: JSON, whose body
// is the exact text sent.
func checkListenJSON(t *testing.T, stdout string, requests []hostileRequest) {
	t.Helper()
	lines := checkJSONLines(t, "listen -o json", stdout)
	if len(lines) != len(requests) {
		t.Fatalf("listen -o json printed %d lines, want %d:\n%s", len(lines), len(requests), stdout)
	}
	byName := map[string][]byte{}
	for _, r := range requests {
		byName[r.name] = r.body
	}
	for _, line := range lines {
		var ev struct {
			Body    string              `json:"body"`
			Headers map[string][]string `json:"headers"`
		}
		json.Unmarshal(line, &ev)
		name := strings.Join(ev.Headers["X-Case"], "")
		want, ok := byName[name]
		if !ok {
			t.Errorf("listen -o json: a line of no request sent: %s", line)
			continue
		}
		if utf8.Valid(want) && ev.Body != string(want) {
			t.Errorf("listen -o json: request %q: body %q, want %q", name, ev.Body, want)
		}
	}
}

// checkJSONLines checks out is JSON values (one per line, or one indented)
// and returns them.
func checkJSONLines(t *testing.T, where, out string) []json.RawMessage {
	t.Helper()
	var values []json.RawMessage
	dec := json.NewDecoder(bufio.NewReader(strings.NewReader(out)))
	for dec.More() {
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Errorf("%s: not JSON: %v:\n%s", where, err, out)
			return values
		}
		values = append(values, v)
	}
	if len(values) == 0 {
		t.Errorf("%s: no JSON:\n%s", where, out)
	}
	return values
}

func quoteJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestColorTablesAlign: the tables of providers, config list and the listen
// banner line up the same with --color always as without colour: colour
// codes take no room on the terminal, so they must not count as width.
func TestColorTablesAlign(t *testing.T) {
	dir := t.TempDir()
	env := cliEnv(dir)
	if res := runCLI(t, dir, env, "config", "init"); res.code != 0 {
		t.Fatalf("config init: %s", res)
	}
	for _, args := range [][]string{{"providers"}, {"config", "list"}} {
		plain := runCLI(t, dir, env, append(args, "--color", "never")...)
		painted := runCLI(t, dir, env, append(args, "--color", "always")...)
		if plain.code != 0 || painted.code != 0 {
			t.Fatalf("%s\n%s", plain, painted)
		}
		if !strings.Contains(painted.stdout, "\x1b[") {
			t.Fatalf("--color always painted nothing: %s", painted)
		}
		if got := sgrAnywhere.ReplaceAllString(painted.stdout, ""); got != plain.stdout {
			t.Errorf("%s: the painted table is not the plain one:\n%s\nwant\n%s", strings.Join(args, " "), got, plain.stdout)
		}
		checkColumns(t, strings.Join(args, " "), plain.stdout)
	}

	// The banner's table of routes (the lines up to the first blank line
	// after the PATH header), with the built-in routes.
	dir = t.TempDir()
	env = cliEnv(dir)
	banner := func(color string) string {
		l := startListen(t, dir, env, filepath.Join(dir, color+".jsonl"), "--demo", "--color", color)
		l.interrupt(t)
		out := sgrAnywhere.ReplaceAllString(l.stderr.String(), "")
		start := strings.Index(out, "  PATH")
		if start < 0 {
			t.Fatalf("no table in the banner:\n%s", l.stderr)
		}
		table, _, _ := strings.Cut(out[start:], "\n\n")
		return table
	}
	plain, painted := banner("never"), banner("always")
	if painted != plain {
		t.Errorf("listen banner: the painted table is not the plain one:\n%s\nwant\n%s", painted, plain)
	}
	checkColumns(t, "listen banner", plain)
}

// checkColumns fails unless every line of the table starts its second
// column at the same rune as the header does.
func checkColumns(t *testing.T, where, table string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(table, "\n"), "\n")
	col := regexp.MustCompile(`^\s*\S+( \S+)*\s{2,}`)
	want := utf8.RuneCountInString(col.FindString(lines[0]))
	for _, line := range lines[1:] {
		if got := utf8.RuneCountInString(col.FindString(line)); got != want {
			t.Errorf("%s: the second column starts at %d, not %d as in the header:\n%s", where, got, want, table)
			return
		}
	}
}
