package cmdutil

import (
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestShellComment(t *testing.T) {
	tests := []struct {
		fields []string
		want   string
	}{
		{[]string{"01J", "dexatel delivery", "2026-11-21T10:00:00Z"}, "# 01J  dexatel delivery  2026-11-21T10:00:00Z"},
		{[]string{"a\ntouch pwned\r\n", "k\x1b]0;t\x07\u2028\u0085 x", "\xff\\"}, `# a\ntouch pwned\r\n  k\x1b]0;t\a\u2028\u0085 x  \xff\\`},
	}
	for _, tt := range tests {
		got := ShellComment(tt.fields...)
		if got != tt.want {
			t.Errorf("ShellComment(%q) = %q, want %q", tt.fields, got, tt.want)
		}
		if strings.ContainsAny(got, "\n\r\x00\x1b\x07\u2028\u0085") {
			t.Errorf("ShellComment(%q) holds a raw control: %q", tt.fields, got)
		}
	}
}

func TestFormatCurlKeepsCurlFromReadingFields(t *testing.T) {
	h := http.Header{
		"X-Ok":          {"a"},
		"X-Crlf":        {"v\r\nX-Injected: 1"},
		"X-Nul":         {"a\x00b"},
		"@/etc/passwd":  {"x"},
		"X-Sp ace":      {"x"},
		"Content-Type":  {"text/plain"},
		"Authorization": {"Bearer t"},
	}
	got := FormatCurl("POST", "http://h/p?x={a,b}&y=[1-2]", h, []byte("b"), "")
	want := "curl -X POST -g 'http://h/p?x={a,b}&y=[1-2]' \\\n  -H 'Content-Type: text/plain' \\\n  -H 'Authorization: Bearer t' \\\n  -H 'X-Ok: a' \\\n  --data-raw b"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := FormatCurl("POST", "-o/tmp/x", nil, nil, ""); got != "curl -X POST --url -o/tmp/x" {
		t.Errorf("a URL that reads as an option: %s", got)
	}
	if got := ShellQuote("a\x00b'"); got != `'ab'\'''` {
		t.Errorf("ShellQuote kept a NUL or lost a quote: %q", got)
	}
}

// A word a terminal would act on is written as printf escapes: the script
// holds no C1 control, bidi override or invalid byte when printed, and the
// shell rebuilds the exact word.
func TestShellQuoteKeepsTerminalEscapesOutOfTheScript(t *testing.T) {
	for _, word := range []string{
		"X-A: \u009b2J",
		"right\u202eleft",
		"bad \xff\xfe byte",
		"it's 100% \\ fine\u0085",
		"-dash \u2066",
		"plain 'quoted' text",
	} {
		quoted := ShellQuote(word)
		if !utf8.ValidString(quoted) || strings.ContainsAny(quoted, "\u009b\u202e\u0085\u2066") {
			t.Errorf("ShellQuote(%q) = %q: the script would carry the raw character", word, quoted)
		}
		got, err := exec.Command("sh", "-c", "printf %s "+quoted).Output()
		if err != nil {
			t.Fatalf("sh -c printf %%s %s: %v", quoted, err)
		}
		if string(got) != word {
			t.Errorf("the shell rebuilt %q from %s, want %q", got, quoted, word)
		}
	}
}
