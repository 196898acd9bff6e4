package iostreams

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSafeLineAndText(t *testing.T) {
	tests := []struct {
		name, in, line, text string
	}{
		{"plain", "hello world", "hello world", "hello world"},
		{"empty", "", "", ""},
		{"unicode stays", "→ ✓ héllo 日本 😀", "→ ✓ héllo 日本 😀", "→ ✓ héllo 日本 😀"},
		{"clear screen", "\x1b[2J", `\x1b[2J`, `\x1b[2J`},
		{"window title", "\x1b]0;title\x07", `\x1b]0;title\x07`, `\x1b]0;title\x07`},
		{"clipboard", "\x1b]52;c;Zm9v\x07", `\x1b]52;c;Zm9v\x07`, `\x1b]52;c;Zm9v\x07`},
		{"line overwrite", "\r\x1b[2K200 OK", `\r\x1b[2K200 OK`, `\r\x1b[2K200 OK`},
		{"wrap off", "\x1b[?7l", `\x1b[?7l`, `\x1b[?7l`},
		{"a hostile colour", "\x1b[31mred", `\x1b[31mred`, `\x1b[31mred`},
		{"NUL and DEL", "a\x00b\x7fc", `a\x00b\x7fc`, `a\x00b\x7fc`},
		{"newline and tab", "a\nb\tc", `a\nb\tc`, "a\nb\tc"},
		{"CRLF", "a\r\nb", `a\r\nb`, "a\\r\nb"},
		{"C1 CSI as UTF-8", "a\u009b2Jb", `a\x9b2Jb`, `a\x9b2Jb`},
		{"C1 NEL", "a\u0085b", `a\x85b`, `a\x85b`},
		{"first and last C1", "\u0080\u009f", `\x80\x9f`, `\x80\x9f`},
		{"U+00A0 is not C1", "a\u00a0b", "a\u00a0b", "a\u00a0b"},
		{"raw 8-bit CSI byte", "a\x9bb", `a\x9bb`, `a\x9bb`},
		{"invalid UTF-8", "\xff\xfe\xc3\x28", `\xff\xfe\xc3(`, `\xff\xfe\xc3(`},
		{"truncated rune", "ab\xe2\x80", `ab\xe2\x80`, `ab\xe2\x80`},
		{"bidi override", "abc\u202edef", `abc\u202edef`, `abc\u202edef`},
		{"bidi isolates", "\u2066x\u2069", `\u2066x\u2069`, `\u2066x\u2069`},
		{"bidi embedding", "\u202ax\u202c", `\u202ax\u202c`, `\u202ax\u202c`},
		{"zero-width joiner stays", "a\u200db", "a\u200db", "a\u200db"},
		{"backslashes stay", `a\x1b`, `a\x1b`, `a\x1b`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SafeLine(tt.in); got != tt.line {
				t.Errorf("SafeLine(%q) = %q, want %q", tt.in, got, tt.line)
			}
			if got := SafeText(tt.in); got != tt.text {
				t.Errorf("SafeText(%q) = %q, want %q", tt.in, got, tt.text)
			}
			if got := string(AppendSafeLine([]byte("x:"), tt.in)); got != "x:"+tt.line {
				t.Errorf("AppendSafeLine(%q) = %q, want %q", tt.in, got, "x:"+tt.line)
			}
			// Through the door twice is through it once.
			if got := SafeLine(SafeLine(tt.in)); got != tt.line {
				t.Errorf("SafeLine is not idempotent on %q: %q", tt.in, got)
			}
		})
	}
}

// checkTerminalSafe fails when s holds a byte or rune that drives a
// terminal: C0 other than those allowed, DEL, C1, a bidi control, or a
// byte that is not UTF-8.
func checkTerminalSafe(t *testing.T, in, s, allowed string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("%q: output %q is not UTF-8", in, s)
	}
	for _, r := range s {
		bad := r < 0x20 && !strings.ContainsRune(allowed, r) || r == 0x7f || r >= 0x80 && r <= 0x9f ||
			r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
		if bad {
			t.Fatalf("%q: output %q holds %U", in, s, r)
		}
	}
}

func FuzzSafeLine(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b[2J", "\x1b]0;t\x07", "\r\n\t", "\u009b", "\xff", "\u202e", "é\xc3", "\x7f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		line, text := SafeLine(s), SafeText(s)
		checkTerminalSafe(t, s, line, "")
		checkTerminalSafe(t, s, text, "\n\t")
		if strings.Count(text, "\n") != strings.Count(s, "\n") {
			t.Fatalf("%q: SafeText changed the number of lines: %q", s, text)
		}
		if got := string(AppendSafeLine(nil, s)); got != line {
			t.Fatalf("%q: AppendSafeLine %q != SafeLine %q", s, got, line)
		}
		if SafeLine(line) != line || SafeText(text) != text {
			t.Fatalf("%q: the door is not idempotent", s)
		}
		// Nothing to escape: the very same string comes back.
		if line == s && utf8.ValidString(s) && strings.ContainsAny(s, "\x1b\r\n\t\x7f") {
			t.Fatalf("%q: came back unescaped", s)
		}
		// JSON of any string stays the same JSON after SafeJSON, and safe.
		js, _ := json.Marshal(s)
		safe := SafeJSON(js)
		checkTerminalSafe(t, s, string(safe), "")
		var back string
		if err := json.Unmarshal(safe, &back); err != nil {
			t.Fatalf("%q: SafeJSON broke the JSON %s: %v", s, safe, err)
		}
		var want string
		json.Unmarshal(js, &want)
		if back != want {
			t.Fatalf("%q: SafeJSON changed the value: %q != %q", s, back, want)
		}
		// A body for reading: escaped, whether or not it is JSON.
		checkTerminalSafe(t, s, string(PrettyBody([]byte(s), false)), "\n\t")
		checkTerminalSafe(t, s, string(PrettyBody(js, false)), "\n\t")
	})
}

func TestSafeJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":"b"}`, `{"a":"b"}`},
		{"{\"a\":\"x\x7fy\"}", `{"a":"x\u007fy"}`},
		{"{\"a\":\"\u009b2J\"}", `{"a":"\u009b2J"}`},
		{"{\"a\":\"\u202e\"}", `{"a":"\u202e"}`},
		{"{\"a\":\"\xff\"}", `{"a":"\ufffd"}`}, // a RawMessage may carry it
		{`{"a":"\u001b"}`, `{"a":"\u001b"}`},
	}
	for _, tt := range tests {
		if got := string(SafeJSON([]byte(tt.in))); got != tt.want {
			t.Errorf("SafeJSON(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	var buf bytes.Buffer
	if err := WriteJSONLine(&buf, map[string]string{"m": "a\x1b\x7f\u009b\u202e"}); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), `{"m":"a\u001b\u007f\u009b\u202e"}`+"\n"; got != want {
		t.Errorf("WriteJSONLine = %q, want %q", got, want)
	}
	buf.Reset()
	WriteJSON(&buf, map[string]string{"m": "\u009b"}, true)
	if strings.Contains(buf.String(), "\u009b") {
		t.Errorf("colored WriteJSON keeps a raw C1: %q", buf.String())
	}
}

func TestPrettyBodyEscapesBeforePainting(t *testing.T) {
	for _, tt := range []struct{ name, body, want string }{
		{"JSON with raw DEL and C1", "{\"t\":\"a\x7fb\u009bc\"}", `"a\x7fb\x9bc"`},
		{"JSON not UTF-8", "{\"t\":\"\xff\"}", `"\xff"`},
		{"text", "hi \x1b[2J\r\x07 there\nnext", "hi \\x1b[2J\\r\\x07 there\nnext"},
		{"not UTF-8 text", "a\xffb", `a\xffb`},
	} {
		for _, color := range []bool{false, true} {
			got := string(PrettyBody([]byte(tt.body), color))
			if !strings.Contains(got, tt.want) && !color {
				t.Errorf("%s: PrettyBody = %q, want it to hold %q", tt.name, got, tt.want)
			}
			plain := stripSGR(got)
			checkTerminalSafe(t, tt.body, plain, "\n\t")
		}
	}
	if got := PrettyBody([]byte("plain text"), false); string(got) != "plain text" {
		t.Errorf("a plain body changed: %q", got)
	}
}

// stripSGR removes colour codes (ESC [ … m), and only those.
func stripSGR(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == ';') {
				j++
			}
			if j < len(s) && s[j] == 'm' {
				i = j
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func TestSafeLineDoesNotAllocate(t *testing.T) {
	s := "e4fb1353-8ded-4ec7-991e-a757ea213106 → +15550002 héllo"
	if n := testing.AllocsPerRun(100, func() { _ = SafeLine(s); _ = SafeText(s) }); n != 0 {
		t.Errorf("SafeLine of a clean string allocates %v times", n)
	}
	buf := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(100, func() { buf = AppendSafeLine(buf[:0], s) }); n != 0 {
		t.Errorf("AppendSafeLine allocates %v times", n)
	}
}

func BenchmarkSafeLine(b *testing.B) {
	for _, bc := range []struct{ name, s string }{
		{"clean", "e4fb1353-8ded-4ec7-991e-a757ea213106"},
		{"unicode", "héllo → 日本語のテキスト ✓"},
		{"hostile", "\x1b]0;title\x07\r\x1b[2K200 OK\u009b"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			buf := make([]byte, 0, 256)
			b.ReportAllocs()
			for b.Loop() {
				buf = AppendSafeLine(buf[:0], bc.s)
			}
		})
	}
}

func TestVisibleWidth(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want int
	}{
		{"", 0}, {"abc", 3}, {"héllo", 5}, {"\x1b[1mPATH\x1b[0m", 4}, {"\x1b[36mdexatel\x1b[0m", 7},
		{"\x1b[1;94mx\x1b[0m", 1}, {"✓ ok", 4},
	} {
		if got := VisibleWidth(tt.s); got != tt.want {
			t.Errorf("VisibleWidth(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
}

func TestTableAlignsByVisibleWidth(t *testing.T) {
	render := func(color bool) []string {
		cs := NewColorScheme(color)
		var buf bytes.Buffer
		tw := NewTable(&buf)
		tw.Row(cs.Bold("NAME"), cs.Bold("KINDS"), cs.Bold("AUTH"))
		tw.Row(cs.Cyan("dexatel"), "delivery, message", "HMAC")
		tw.Row(cs.Cyan("mobtexting-long"), "dlr", "Bearer")
		if err := tw.Flush(); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		for i := range lines {
			lines[i] = stripSGR(lines[i])
		}
		return lines
	}
	plain, painted := render(false), render(true)
	want := []string{
		"NAME             KINDS              AUTH",
		"dexatel          delivery, message  HMAC",
		"mobtexting-long  dlr                Bearer",
	}
	for i := range want {
		if plain[i] != want[i] {
			t.Errorf("plain line %d = %q, want %q", i, plain[i], want[i])
		}
		if painted[i] != want[i] {
			t.Errorf("painted line %d (colour codes stripped) = %q, want %q", i, painted[i], want[i])
		}
	}
}
