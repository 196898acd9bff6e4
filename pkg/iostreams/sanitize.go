package iostreams

// The terminal door. Everything a request carries, and everything read back
// from a capture or HAR file, is untrusted: before it is shown to a person it
// goes through SafeLine (one-line fields) or SafeText (multi-line blocks), so
// that its bytes are shown rather than obeyed. Escaped visibly: C0 controls
// (a line keeps none; a block keeps newline and tab), DEL, C1 controls,
// Unicode bidi overrides and isolates (they reorder what a person reads),
// and bytes that are not UTF-8. Our own colour codes are added after a field
// passes the door, so they are the only escapes that reach the terminal.
//
// What is stored, forwarded or sent never goes through here: raw bytes are
// sacred, only their display is escaped.

import "unicode/utf8"

// SafeLine returns s safe to print as one field of a line: every control
// byte, newline and tab included, is escaped, so a field cannot fake a new
// line. s itself comes back (no allocation) when nothing needs escaping.
func SafeLine(s string) string { return safe(s, false) }

// SafeText returns s safe to print as a block of lines (a body): like
// SafeLine, but newlines and tabs stay.
func SafeText(s string) string { return safe(s, true) }

// AppendSafeLine appends SafeLine(s) to b without allocating a string.
func AppendSafeLine(b []byte, s string) []byte {
	i := unsafeIndex(s, false)
	if i < 0 {
		return append(b, s...)
	}
	return appendEscaped(append(b, s[:i]...), s[i:], false)
}

func safe(s string, block bool) string {
	i := unsafeIndex(s, block)
	if i < 0 {
		return s
	}
	b := make([]byte, 0, len(s)+16)
	return string(appendEscaped(append(b, s[:i]...), s[i:], block))
}

// unsafeIndex is the index of the first byte of s that must be escaped, or
// -1. Printable ASCII is checked a byte at a time; only bytes ≥ 0x80 decode
// a rune.
func unsafeIndex(s string, block bool) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			if block && (c == '\n' || c == '\t') {
				i++
				continue
			}
			return i
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if mustEscapeRune(r, size) {
			return i
		}
		i += size
	}
	return -1
}

// mustEscapeRune reports whether a non-ASCII rune (or an invalid byte, size
// 1) is escaped: invalid UTF-8, C1 controls, bidi overrides and isolates.
func mustEscapeRune(r rune, size int) bool {
	switch {
	case r == utf8.RuneError && size == 1:
		return true
	case r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

const hexDigits = "0123456789abcdef"

func appendEscaped(b []byte, s string, block bool) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			b = append(b, c)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			switch {
			case block && (c == '\n' || c == '\t'):
				b = append(b, c)
			case c == '\n':
				b = append(b, `\n`...)
			case c == '\t':
				b = append(b, `\t`...)
			case c == '\r':
				b = append(b, `\r`...)
			default: // other C0 controls and DEL
				b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
		case r >= 0x80 && r <= 0x9f:
			b = append(b, '\\', 'x', hexDigits[r>>4], hexDigits[r&0xf])
		case mustEscapeRune(r, size):
			b = append(b, `\u`...)
			b = append(b, hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}

// SafeJSON makes encoded JSON safe for a terminal without changing what it
// means. encoding/json escapes C0 controls but leaves DEL, C1 controls and
// bidi overrides raw inside strings (JSON allows them), and a
// json.RawMessage may carry bytes that are not UTF-8. Outside strings JSON
// is ASCII, so each such rune is inside a string, where \u escapes it (and
// \ufffd replaces an invalid byte, as encoding/json does for strings).
// WriteJSON and WriteJSONLine use it; so can any JSON written whole where a
// person may read it. The input comes back when nothing needs escaping.
func SafeJSON(js []byte) []byte {
	i := unsafeJSONIndex(js)
	if i < 0 {
		return js
	}
	out := make([]byte, 0, len(js)+16)
	out = append(out, js[:i]...)
	for i < len(js) {
		c := js[i]
		if c < utf8.RuneSelf {
			if c == 0x7f {
				out = append(out, `\u007f`...)
			} else {
				out = append(out, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(js[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			out = append(out, `\ufffd`...)
		case mustEscapeRune(r, size):
			out = append(out, `\u`...)
			out = append(out, hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
		default:
			out = append(out, js[i:i+size]...)
		}
		i += size
	}
	return out
}

func unsafeJSONIndex(js []byte) int {
	for i := 0; i < len(js); {
		c := js[i]
		if c < utf8.RuneSelf {
			if c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(js[i:])
		if mustEscapeRune(r, size) {
			return i
		}
		i += size
	}
	return -1
}

// VisibleWidth is the number of runes s shows on a terminal: SGR colour
// sequences (ESC [ … m) count for nothing.
func VisibleWidth(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == ';') {
				j++
			}
			if j < len(s) && s[j] == 'm' {
				i = j + 1
				continue
			}
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	return n
}
