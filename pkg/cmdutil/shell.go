package cmdutil

// The shell door: everything smshook writes for a shell to run (curl
// commands, exported scripts, copy-as-curl) is built here. Every field goes
// in single quotes or is dropped, and comments hold only escaped text, so
// that a hostile id, header or body in a capture or HAR file cannot run
// code or change what curl sends.

import (
	"fmt"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/smshook/smshook/pkg/capture"
)

// maxInlineBody is the largest body FormatCurl puts in curl's own argument:
// Linux refuses a single exec argument over 128 KiB, while the printf builtin
// that feeds larger bodies through a pipe is not exec'd.
const maxInlineBody = 64 << 10

// FormatCurl returns a curl command that sends the request with exactly the
// bytes of body. When bodyFile is set curl reads the body from that file
// (--data-binary @FILE); otherwise printable UTF-8 text goes in single quotes,
// and any other body (control bytes, invalid UTF-8, NUL, or too long for one
// argument) is written as printf octal escapes piped into curl, which every
// POSIX shell (dash included) turns back into the same bytes. Host,
// Content-Length and Transfer-Encoding are left to curl: it derives them from
// the URL and the body.
//
// Every field is one single-quoted word. A URL that is not plainly http(s)
// is passed with --url so that curl never reads it as an option, and one
// with [ ] { } turns curl's globbing off (-g) so that it is sent as it is. A
// header line HTTP cannot carry (a name that is not a token, a value with
// CR, LF, NUL or another control byte) is dropped: curl would not send it
// as written.
func FormatCurl(method, rawURL string, h http.Header, body []byte, bodyFile string) string {
	var b strings.Builder
	pipe := bodyFile == "" && len(body) > 0 && (!isPrintableText(body) || len(body) > maxInlineBody)
	if pipe {
		b.WriteString("printf ")
		b.WriteString(printfFormat(body))
		b.WriteString(" | ")
	}
	b.WriteString("curl -X ")
	b.WriteString(ShellQuote(method))
	if strings.ContainsAny(rawURL, "[]{}") {
		b.WriteString(" -g")
	}
	b.WriteString(" ")
	if lower := strings.ToLower(rawURL); !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") {
		b.WriteString("--url ")
	}
	b.WriteString(ShellQuote(rawURL))
	for _, name := range headerOrder(h) {
		if !capture.ValidHeaderName(name) {
			continue
		}
		for _, v := range h.Values(name) {
			if !capture.ValidHeaderValue(v) {
				continue
			}
			line := name + ": " + v
			if v == "" {
				line = name + ";" // curl drops "Name:" but sends "Name;" as an empty header
			}
			b.WriteString(" \\\n  -H ")
			b.WriteString(ShellQuote(line))
		}
	}
	switch {
	case bodyFile != "":
		b.WriteString(" \\\n  --data-binary ")
		b.WriteString(ShellQuote("@" + bodyFile))
	case pipe:
		b.WriteString(" \\\n  --data-binary @-")
	case len(body) > 0:
		// --data-raw, unlike --data-binary, does not read a file when the
		// body happens to start with '@'.
		b.WriteString(" \\\n  --data-raw ")
		b.WriteString(ShellQuote(string(body)))
	}
	return b.String()
}

// ShellQuote quotes s as one POSIX shell word: bare when it only holds
// characters no shell treats specially, else in single quotes, where each
// single quote inside is closed, backslash-escaped and reopened. Single
// quotes keep every byte but NUL, which no argument can hold: it is dropped.
func ShellQuote(s string) string {
	s = strings.ReplaceAll(s, "\x00", "")
	if s != "" && strings.IndexFunc(s, func(r rune) bool { return !isShellSafe(r) }) < 0 {
		return s
	}
	// A word a terminal would act on when the script is printed (C1
	// controls, bidi overrides, bytes that are not UTF-8) is spelt as printf
	// octal escapes instead, so that the script shows as inert text and the
	// shell still rebuilds the same bytes. $(…) drops trailing newlines, so
	// a word ending in one stays in single quotes.
	if !isPrintableText([]byte(s)) && !strings.HasSuffix(s, "\n") {
		return `"$(printf ` + printfFormat([]byte(s)) + `)"`
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// ShellComment returns a comment line of fields, two spaces apart, without
// its newline. Whatever a field holds, the comment stays one line of inert
// text: newlines, CR, other control bytes, line separators and bytes that
// are not UTF-8 are written as visible escapes (\n, \x1b, \u2028).
func ShellComment(fields ...string) string {
	var b strings.Builder
	b.WriteString("#")
	for i, f := range fields {
		if i == 0 {
			b.WriteString(" ")
		} else {
			b.WriteString("  ")
		}
		writeEscaped(&b, f)
	}
	return b.String()
}

// writeEscaped writes s with every rune that is not a printable character
// or a space escaped as Go would quote it.
func writeEscaped(b *strings.Builder, s string) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(b, `\x%02x`, s[i])
		case r == '\\':
			b.WriteString(`\\`)
		case r == ' ' || unicode.IsPrint(r):
			b.WriteString(s[i : i+size])
		default:
			q := strings.Trim(fmt.Sprintf("%+q", string(r)), `"`) // \n, \x1b, \u2028
			b.WriteString(q)
		}
		i += size
	}
}

func isShellSafe(r rune) bool {
	return r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
		strings.ContainsRune("@%+=:,./-_", r))
}

// isPrintableText reports whether b is UTF-8 that shows as itself in a
// terminal: printable characters, newlines and tabs.
func isPrintableText(b []byte) bool {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			return false
		}
		if r != '\n' && r != '\t' && !unicode.IsPrint(r) {
			return false
		}
		b = b[size:]
	}
	return true
}

// printfFormat writes body as a single-quoted printf format that prints
// exactly body: printable characters as themselves, '%' and '\' doubled,
// newline and tab as \n and \t, and every other byte as a three-digit octal
// escape (POSIX printf reads \ddd in the format in every shell).
func printfFormat(body []byte) string {
	var b strings.Builder
	b.WriteByte('\'')
	for i := 0; i < len(body); {
		r, size := utf8.DecodeRune(body[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\%03o`, body[i])
		case r == '\'':
			b.WriteString(`'\''`)
		case r == '%':
			b.WriteString("%%")
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '-' && i == 0:
			b.WriteString(`\055`) // a format starting with '-' would read as an option
		case unicode.IsPrint(r):
			b.Write(body[i : i+size])
		default:
			for _, c := range body[i : i+size] {
				fmt.Fprintf(&b, `\%03o`, c)
			}
		}
		i += size
	}
	b.WriteByte('\'')
	return b.String()
}
