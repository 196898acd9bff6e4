package cmdutil

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/config"
	"github.com/smshook/smshook/pkg/signing"
)

func TestParseRawRequest(t *testing.T) {
	tests := []struct {
		name       string
		raw        string
		wantMethod string
		wantURL    string
		wantBody   string
		wantHeader map[string]string
		wantErr    string
	}{
		{
			name:       "CRLF head with Content-Length",
			raw:        "POST /dexatel HTTP/1.1\r\nHost: 127.0.0.1:8787\r\nContent-Length: 8\r\nX-Dexatel-Signature: abc=\r\n\r\n{\"a\": 1}",
			wantMethod: "POST", wantURL: "http://127.0.0.1:8787/dexatel", wantBody: `{"a": 1}`,
			wantHeader: map[string]string{"X-Dexatel-Signature": "abc="},
		},
		{
			name:       "LF-only head",
			raw:        "POST /hook?x=1 HTTP/1.1\nHost: example.test\nContent-Type: application/json\nContent-Length: 2\n\n{}",
			wantMethod: "POST", wantURL: "http://example.test/hook?x=1", wantBody: "{}",
			wantHeader: map[string]string{"Content-Type": "application/json"},
		},
		{
			name:       "LF head, body with CRLF kept exactly",
			raw:        "POST / HTTP/1.1\nHost: h\nContent-Length: 12\n\n{\r\n\"a\": 1\r\n}\r\n",
			wantMethod: "POST", wantURL: "http://h/", wantBody: "{\r\n\"a\": 1\r\n}",
		},
		{
			name:       "no Content-Length: the rest of the file, trailing newline included",
			raw:        "POST /p HTTP/1.1\r\nHost: h\r\n\r\n{\"a\":1}\n\n",
			wantMethod: "POST", wantURL: "http://h/p", wantBody: "{\"a\":1}\n\n",
		},
		{
			name:       "bytes after Content-Length are not the body",
			raw:        "POST /p HTTP/1.1\nHost: h\nContent-Length: 3\n\nabc\n",
			wantMethod: "POST", wantURL: "http://h/p", wantBody: "abc",
		},
		{
			name:       "empty body",
			raw:        "GET /p HTTP/1.1\nHost: h\nAuthorization: Bearer t\n\n",
			wantMethod: "GET", wantURL: "http://h/p", wantBody: "",
			wantHeader: map[string]string{"Authorization": "Bearer t"},
		},
		{
			name:       "chunked body is de-chunked",
			raw:        "POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\n\r\n\r\n0\r\n\r\n",
			wantMethod: "POST", wantURL: "http://h/p", wantBody: "abc\r\n",
		},
		{
			name:       "absolute-form target",
			raw:        "POST https://hooks.example/sms?k=v HTTP/1.1\nHost: hooks.example\n\nx",
			wantMethod: "POST", wantURL: "https://hooks.example/sms?k=v", wantBody: "x",
		},
		{
			name:       "X-Forwarded-Proto https",
			raw:        "POST /sms HTTP/1.1\nHost: hooks.example\nX-Forwarded-Proto: https\n\nx",
			wantMethod: "POST", wantURL: "https://hooks.example/sms", wantBody: "x",
		},
		{
			name:       "binary body",
			raw:        "POST /p HTTP/1.1\nHost: h\nContent-Length: 4\n\n\x00\xff\r\n",
			wantMethod: "POST", wantURL: "http://h/p", wantBody: "\x00\xff\r\n",
		},
		{name: "Content-Length longer than the data", raw: "POST / HTTP/1.1\nHost: h\nContent-Length: 10\n\nabc", wantErr: "Content-Length is 10 but only 3 bytes follow the headers"},
		{name: "empty file", raw: " \n", wantErr: "it is empty"},
		{name: "a body, not a request", raw: "{\"data\": {}}\n", wantErr: `line 1 is "{\"data\": {}}", not a request line`},
		{name: "request line without version", raw: "POST /x\n\n", wantErr: "not a request line such as 'POST /path HTTP/1.1'"},
		{name: "head without blank line", raw: "POST /x HTTP/1.1\nHost: h\n", wantErr: "the headers do not end with a blank line"},
		{name: "header without colon", raw: "POST /x HTTP/1.1\nHost h\n\n", wantErr: "missing colon"},
		{name: "bad Content-Length", raw: "POST /x HTTP/1.1\nContent-Length: ten\n\n", wantErr: `bad Content-Length "ten"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := ParseRawRequest([]byte(tt.raw))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if req.Method != tt.wantMethod || req.URL != tt.wantURL {
				t.Errorf("got %s %s, want %s %s", req.Method, req.URL, tt.wantMethod, tt.wantURL)
			}
			if string(req.Body) != tt.wantBody {
				t.Errorf("body = %q, want %q", req.Body, tt.wantBody)
			}
			for name, want := range tt.wantHeader {
				if got := req.Header.Get(name); got != want {
					t.Errorf("header %s = %q, want %q", name, got, want)
				}
			}
		})
	}
}

func TestFormatHTTP(t *testing.T) {
	h := http.Header{}
	h.Set("X-Dexatel-Signature", "sig=")
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", "999") // computed, never copied
	h.Set("Accept", "*/*")
	got, err := FormatHTTP("POST", "http://127.0.0.1:8787/dexatel?x=1", h, []byte("{\n}\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := "POST /dexatel?x=1 HTTP/1.1\r\n" +
		"Host: 127.0.0.1:8787\r\n" +
		"Content-Type: application/json\r\n" +
		"Content-Length: 4\r\n" +
		"Accept: */*\r\n" +
		"X-Dexatel-Signature: sig=\r\n" +
		"\r\n" +
		"{\n}\n"
	if string(got) != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}

	if _, err := FormatHTTP("POST", "/relative", h, nil); err == nil {
		t.Error("a relative URL should be refused")
	}
}

func TestFormatHTTPParsesBack(t *testing.T) {
	for _, body := range testBodies() {
		h := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Basic dTpw"}}
		raw, err := FormatHTTP("PUT", "http://127.0.0.1:9/a/b?c=d", h, body)
		if err != nil {
			t.Fatal(err)
		}
		req, err := ParseRawRequest(raw)
		if err != nil {
			t.Fatalf("body %q: %v", short(body), err)
		}
		if !bytes.Equal(req.Body, body) || req.Method != "PUT" || req.URL != "http://127.0.0.1:9/a/b?c=d" ||
			req.Header.Get("Authorization") != "Basic dTpw" {
			t.Errorf("body %q: parsed back as %s %s %q", short(body), req.Method, req.URL, short(req.Body))
		}
	}
}

func TestShellQuote(t *testing.T) {
	tests := map[string]string{
		"POST":                          "POST",
		"http://127.0.0.1:8787/dexatel": "http://127.0.0.1:8787/dexatel",
		"":                              "''",
		"a b":                           "'a b'",
		"it's":                          `'it'\''s'`,
		"$HOME":                         "'$HOME'",
		"http://h/p?a=1&b=2":            "'http://h/p?a=1&b=2'",
		"X-Sig: a+b/c=":                 "'X-Sig: a+b/c='",
	}
	for in, want := range tests {
		if got := ShellQuote(in); got != want {
			t.Errorf("ShellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestFormatCurlText(t *testing.T) {
	h := http.Header{"Content-Type": {"application/json"}, "X-Dexatel-Signature": {"abc="}, "X-Empty": {""}}
	got := FormatCurl("POST", "http://127.0.0.1:8787/dexatel", h, []byte(`{"a":"it's"}`), "")
	want := `curl -X POST http://127.0.0.1:8787/dexatel \
  -H 'Content-Type: application/json' \
  -H 'X-Dexatel-Signature: abc=' \
  -H 'X-Empty;' \
  --data-raw '{"a":"it'\''s"}'`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}

	got = FormatCurl("POST", "http://h/p", h, []byte("ignored"), "my body.json")
	if !strings.HasSuffix(got, `--data-binary '@my body.json'`) {
		t.Errorf("a body from a file should be sent with --data-binary @FILE, got\n%s", got)
	}

	got = FormatCurl("POST", "http://h/p", nil, []byte("a\x00b"), "")
	if !strings.HasPrefix(got, `printf 'a\000b' | curl`) || !strings.HasSuffix(got, "--data-binary @-") {
		t.Errorf("a body with NUL should be piped from printf, got\n%s", got)
	}
}

// TestFormatCurlRoundTrip reads the printed command back the way a POSIX
// shell and printf do, and checks it sends the same method, URL, headers
// and bytes.
func TestFormatCurlRoundTrip(t *testing.T) {
	h := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer it's a 'token'"}}
	for _, body := range testBodies() {
		cmd := FormatCurl("POST", "http://127.0.0.1:8787/p?a=1&b=$x", h, body, "")
		method, url, headers, got, err := parseCurlCommand(cmd)
		if err != nil {
			t.Fatalf("body %q: %v\n%s", short(body), err, cmd)
		}
		if !bytes.Equal(got, body) {
			t.Errorf("body %q came back as %q from\n%s", short(body), short(got), cmd)
		}
		if method != "POST" || url != "http://127.0.0.1:8787/p?a=1&b=$x" {
			t.Errorf("got %s %s", method, url)
		}
		wantHeaders := []string{"Content-Type: application/json", "Authorization: Bearer it's a 'token'"}
		if strings.Join(headers, "\n") != strings.Join(wantHeaders, "\n") {
			t.Errorf("headers = %q, want %q", headers, wantHeaders)
		}
		if len(body) <= maxInlineBody && isPrintableText(body) && strings.HasPrefix(cmd, "printf") {
			t.Errorf("printable body %q should be inline, got\n%s", short(body), cmd)
		}
	}
}

// TestFormatCurlThroughShell runs the printed command with sh (and bash)
// and the real curl against a loopback server: the server must receive the
// exact bytes and headers.
func TestFormatCurlThroughShell(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not on PATH")
	}
	type received struct {
		method string
		header http.Header
		body   []byte
	}
	got := make(chan received, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- received{r.Method, r.Header, b}
	}))
	defer srv.Close()

	bodies := [][]byte{
		[]byte(`{"text":"it's 100% \"ok\" $HOME ` + "`id`" + ` \\n"}` + "\n"),
		[]byte("@not-a-file"),
		[]byte("-n"),
		[]byte("{\r\n\"a\":\"\x00\x01\xff\"\r\n}"),
		bytes.Repeat([]byte("0123456789abcdef"), maxInlineBody/16+10),
	}
	for _, shell := range []string{"sh", "bash"} {
		if _, err := exec.LookPath(shell); err != nil {
			continue
		}
		for _, body := range bodies {
			h := http.Header{"Content-Type": {"application/json"}, "X-Sig": {"a'b"}}
			line := FormatCurl("POST", srv.URL+"/hook", h, body, "")
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			cmd := exec.CommandContext(ctx, shell, "-c", line+" --silent --show-error --noproxy '*'")
			cmd.Env = []string{"PATH=" + pathEnv(), "HOME=" + t.TempDir()}
			out, err := cmd.CombinedOutput()
			cancel()
			if err != nil {
				t.Fatalf("%s: %v: %s\n%s", shell, err, out, line)
			}
			r := <-got
			if !bytes.Equal(r.body, body) {
				t.Errorf("%s sent %q, want %q, with\n%s", shell, short(r.body), short(body), line)
			}
			if r.method != "POST" || r.header.Get("X-Sig") != "a'b" || r.header.Get("Content-Type") != "application/json" {
				t.Errorf("%s: got %s with headers %v", shell, r.method, r.header)
			}
		}
	}
}

func pathEnv() string {
	curl, _ := exec.LookPath("curl")
	sh, _ := exec.LookPath("sh")
	return dir(curl) + ":" + dir(sh) + ":/usr/bin:/bin"
}

func dir(p string) string {
	if i := strings.LastIndexByte(p, '/'); i > 0 {
		return p[:i]
	}
	return "/usr/bin"
}

// testBodies covers what shells and curl treat specially, plus random bytes.
func testBodies() [][]byte {
	bodies := [][]byte{
		[]byte(`{"data":{"event":"delivery"}}`),
		[]byte("{\n    \"a\": 1\n}\n"),
		[]byte(`it's "quoted" $HOME ` + "`id` $(id) \\ \\n %s %% !! ~ * ? [a] {b} ;&|<> #"),
		[]byte("@file-looking"),
		[]byte("-leading-dash"),
		[]byte("tab\there"),
		[]byte("crlf\r\nbody\r\n"),
		[]byte("nul\x00inside"),
		[]byte("\xff\xfe invalid utf-8 \xc3"),
		[]byte("ctrl \x1b[31m red \x7f"),
		[]byte("unicode: héllo 📨 non-breaking\u00a0space, line sep\u2028"),
		[]byte("'"),
		[]byte("\\"),
		[]byte("%"),
		bytes.Repeat([]byte("x"), maxInlineBody+1),
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 7, 64, 1000} {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		bodies = append(bodies, b)
	}
	return bodies
}

func short(b []byte) string {
	if len(b) > 60 {
		return string(b[:60]) + "…"
	}
	return string(b)
}

// parseCurlCommand reads a command FormatCurl printed as a POSIX shell
// would (words, single quotes, backslash-newline, one pipe), runs printf's
// format escapes for a piped body, and returns what curl would send.
func parseCurlCommand(line string) (method, url string, headers []string, body []byte, err error) {
	words, err := shellWords(line)
	if err != nil {
		return "", "", nil, nil, err
	}
	var stdin []byte
	if len(words) > 0 && words[0] == "printf" {
		if len(words) < 4 || words[2] != "|" {
			return "", "", nil, nil, fmt.Errorf("expected printf FORMAT | curl, got %q", words)
		}
		if stdin, err = printfOutput(words[1]); err != nil {
			return "", "", nil, nil, err
		}
		words = words[3:]
	}
	if len(words) == 0 || words[0] != "curl" {
		return "", "", nil, nil, fmt.Errorf("not a curl command: %q", words)
	}
	for i := 1; i < len(words); i++ {
		w := words[i]
		next := func() string {
			i++
			if i < len(words) {
				return words[i]
			}
			return ""
		}
		switch w {
		case "-X":
			method = next()
		case "-H":
			headers = append(headers, next())
		case "--data-raw":
			body = []byte(next())
		case "--data-binary":
			v := next()
			if v != "@-" {
				return "", "", nil, nil, fmt.Errorf("unexpected --data-binary %q", v)
			}
			body = stdin
		default:
			if strings.HasPrefix(w, "-") {
				return "", "", nil, nil, fmt.Errorf("unexpected option %q", w)
			}
			url = w
		}
	}
	return method, url, headers, body, nil
}

func shellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("unterminated single quote")
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case c == '\\':
			if i+1 >= len(s) {
				return nil, fmt.Errorf("trailing backslash")
			}
			i++
			if s[i] != '\n' { // backslash-newline joins lines
				cur.WriteByte(s[i])
				inWord = true
			}
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '|':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
			words = append(words, "|")
		case strings.IndexByte("\"$`;&<>(){}*?[]#~!", c) >= 0:
			return nil, fmt.Errorf("unquoted shell metacharacter %q at %d", c, i)
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// printfOutput is what POSIX printf prints for a format with no arguments.
func printfOutput(format string) ([]byte, error) {
	var out []byte
	for i := 0; i < len(format); i++ {
		c := format[i]
		switch c {
		case '%':
			if i+1 >= len(format) || format[i+1] != '%' {
				return nil, fmt.Errorf("conversion in printf format at %d", i)
			}
			out = append(out, '%')
			i++
		case '\\':
			if i+1 >= len(format) {
				return nil, fmt.Errorf("trailing backslash in printf format")
			}
			i++
			switch e := format[i]; {
			case e == '\\':
				out = append(out, '\\')
			case e == 'n':
				out = append(out, '\n')
			case e == 't':
				out = append(out, '\t')
			case e >= '0' && e <= '7':
				j := i
				for j < len(format) && j < i+3 && format[j] >= '0' && format[j] <= '7' {
					j++
				}
				v, _ := strconv.ParseUint(format[i:j], 8, 8)
				out = append(out, byte(v))
				i = j - 1
			default:
				return nil, fmt.Errorf("unexpected escape \\%c in printf format", e)
			}
		default:
			out = append(out, c)
		}
	}
	return out, nil
}

func TestCheckCredentialFlags(t *testing.T) {
	hmac := signing.Spec{Scheme: signing.SchemeHMAC}
	basic := signing.Spec{Scheme: signing.SchemeBasic}
	bearer := signing.Spec{Scheme: signing.SchemeBearer}
	tests := []struct {
		spec    signing.Spec
		flags   config.CredentialFlags
		wantErr string
	}{
		{hmac, config.CredentialFlags{Secret: "s"}, ""},
		{hmac, config.CredentialFlags{}, ""},
		{hmac, config.CredentialFlags{Secret: "s", SecretFile: "f"}, "--secret and --secret-file both give the secret"},
		{hmac, config.CredentialFlags{Username: "u"}, "not a username and password"},
		{bearer, config.CredentialFlags{Password: "p"}, "not a username and password"},
		{basic, config.CredentialFlags{Username: "u", Password: "p"}, ""},
		{basic, config.CredentialFlags{SecretFile: "f"}, "takes no secret"},
	}
	for _, tt := range tests {
		err := CheckCredentialFlags("acme", tt.spec, tt.flags)
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("%s %+v: %v", tt.spec.Scheme, tt.flags, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) || ExitCode(err) != ExitUsage {
			t.Errorf("%s: error = %v (exit %d), want usage error containing %q", tt.spec.Scheme, err, ExitCode(err), tt.wantErr)
		}
	}
}
