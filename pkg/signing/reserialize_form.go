package signing

import (
	"bytes"
	"slices"
	"unicode/utf8"
)

// Form bodies (application/x-www-form-urlencoded) re-encoded between signing
// and verifying: spaces as + or %20, which characters are escaped, the
// parameters sorted, or the text in another charset. Schemes that sign the
// decoded parameters (Twilio) see only the charset; schemes that sign the
// raw bytes see every one.

// formProfile is one form encoder: the bytes it leaves unescaped besides
// letters and digits, and how it writes a space.
type formProfile struct {
	name     string
	safe     string
	plus     bool // space as +, not %20
	sortKeys bool
}

// formProfiles is the fixed list Explain tries; each was checked against the
// real encoder's output (testdata/reserialized/form).
var formProfiles = []formProfile{
	{name: "Python's urllib.parse.urlencode", safe: "-_.~", plus: true},
	{name: "Go's url.Values.Encode", safe: "-_.~", plus: true, sortKeys: true},
	{name: "PHP's http_build_query", safe: "-_.", plus: true},
	{name: "PHP's http_build_query(PHP_QUERY_RFC3986)", safe: "-_.~"},
	{name: "Python's urlencode(quote_via=quote)", safe: "-_.~"},
	{name: "Node's URLSearchParams", safe: "*-._", plus: true},
	{name: "Ruby's URI.encode_www_form", safe: "*-._", plus: true},
	{name: "Java's URLEncoder", safe: "*-._", plus: true},
}

func (p *formProfile) write(pairs []formPair) []byte {
	order := make([]formPair, len(pairs))
	copy(order, pairs)
	if p.sortKeys {
		sortFormPairsByName(order)
	}
	var buf []byte
	for i, pair := range order {
		if i > 0 {
			buf = append(buf, '&')
		}
		buf = p.escape(buf, pair.name)
		buf = append(buf, '=')
		buf = p.escape(buf, pair.value)
	}
	return buf
}

// sortFormPairsByName sorts by name only, keeping each name's values in
// their order, as url.Values.Encode does.
func sortFormPairsByName(pairs []formPair) {
	slices.SortStableFunc(pairs, func(a, b formPair) int { return bytes.Compare(a.name, b.name) })
}

func (p *formProfile) escape(buf, b []byte) []byte {
	for _, c := range b {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			buf = append(buf, c)
		case c == ' ' && p.plus:
			buf = append(buf, '+')
		case c < 0x80 && bytes.IndexByte([]byte(p.safe), c) >= 0:
			buf = append(buf, c)
		default:
			buf = append(buf, '%', jsonUpperHex[c>>4], jsonUpperHex[c&0xF])
		}
	}
	return buf
}

// formEdit is a change to the raw form bytes that keeps everything else.
type formEdit struct {
	what string
	edit func(b []byte, pairs []formPair) ([]byte, bool)
}

var formEdits = []formEdit{
	{"with spaces written as %20, not + as given", func(b []byte, _ []formPair) ([]byte, bool) {
		return bytes.ReplaceAll(b, []byte("+"), []byte("%20")), bytes.IndexByte(b, '+') >= 0
	}},
	{"with spaces written as +, not %20 as given", func(b []byte, _ []formPair) ([]byte, bool) {
		return bytes.ReplaceAll(b, []byte("%20"), []byte("+")), bytes.Contains(b, []byte("%20"))
	}},
	{"with its text percent-encoded as UTF-8 (%C3%A9 for é), not Latin-1 (%E9) as given", latin1ToUTF8},
	{"with its text percent-encoded as Latin-1 (%E9 for é), not UTF-8 (%C3%A9) as given", utf8ToLatin1},
}

// latin1ToUTF8 re-encodes each escaped byte above 0x7F as the UTF-8 of the
// Latin-1 character it stands for; only for forms that are not UTF-8.
func latin1ToUTF8(b []byte, pairs []formPair) ([]byte, bool) {
	if formIsUTF8(pairs) {
		return nil, false
	}
	var out []byte
	for i := 0; i < len(b); i++ {
		if v, ok := formEscapedByte(b, i); ok && v >= 0x80 {
			for _, u := range utf8.AppendRune(nil, rune(v)) {
				out = append(out, '%', jsonUpperHex[u>>4], jsonUpperHex[u&0xF])
			}
			i += 2
			continue
		}
		out = append(out, b[i])
	}
	return out, true
}

// utf8ToLatin1 re-encodes each escaped UTF-8 sequence as the one Latin-1
// byte of its character; only when every character fits in Latin-1.
func utf8ToLatin1(b []byte, pairs []formPair) ([]byte, bool) {
	if !formIsUTF8(pairs) {
		return nil, false
	}
	var out []byte
	changed := false
	for i := 0; i < len(b); {
		v, ok := formEscapedByte(b, i)
		if !ok || v < 0x80 {
			out = append(out, b[i])
			i++
			continue
		}
		var seq []byte // the escaped bytes of one character
		for j := i; len(seq) < utf8.UTFMax; j += 3 {
			w, ok := formEscapedByte(b, j)
			if !ok {
				break
			}
			seq = append(seq, w)
			if utf8.FullRune(seq) {
				break
			}
		}
		r, size := utf8.DecodeRune(seq)
		if r == utf8.RuneError || r > 0xFF {
			return nil, false
		}
		out = append(out, '%', jsonUpperHex[r>>4], jsonUpperHex[r&0xF])
		i += 3 * size
		changed = true
	}
	return out, changed
}

func formIsUTF8(pairs []formPair) bool {
	for _, p := range pairs {
		if !utf8.Valid(p.name) || !utf8.Valid(p.value) {
			return false
		}
	}
	return true
}

// formEscapedByte reads a %XY escape at b[i].
func formEscapedByte(b []byte, i int) (byte, bool) {
	if i+2 >= len(b) || b[i] != '%' {
		return 0, false
	}
	hi, ok1 := formUnhex(b[i+1])
	lo, ok2 := formUnhex(b[i+2])
	return hi<<4 | lo, ok1 && ok2
}

func formUnhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// explainForm tries the edits, then the encoders, on a form body. try.Body
// is left as it was.
func explainForm(s Scheme, try *Request, c Credentials) (string, bool) {
	raw := try.Body
	defer func() { try.Body = raw }()
	// A file saved by an editor ends in a newline a form never has.
	given, nl := bytes.TrimRight(raw, "\r\n"), ""
	if len(given) < len(raw) {
		nl = " (and without the trailing newline given)"
	}
	if len(given) > maxDiagnoseBody || bytes.IndexByte(given, '=') < 0 || bytes.ContainsAny(given, " \t\r\n{[") {
		return "", false
	}
	pairs, err := appendFormPairs(nil, given)
	if err != nil || len(pairs) == 0 {
		return "", false
	}
	const advice = ": something decoded the form and encoded it again between signing and this check (most often your framework); verify the raw request bytes as received"
	for _, e := range formEdits {
		body, ok := e.edit(given, pairs)
		if !ok || bytes.Equal(body, raw) {
			continue
		}
		try.Body = body
		if s.Verify(try, c).Valid {
			return "matches the form " + e.what + nl + advice, true
		}
	}
	for i := range formProfiles {
		body := formProfiles[i].write(pairs)
		if bytes.Equal(body, raw) {
			continue
		}
		try.Body = body
		if !s.Verify(try, c).Valid {
			continue
		}
		msg := "matches the form as " + joinSerializerNames(formProfilesWriting(pairs, body)) + " writes it, not the bytes given" + nl
		if givenBy := formProfilesWriting(pairs, given); len(givenBy) > 0 && len(givenBy) <= 3 {
			msg += " (written as " + joinSerializerNames(givenBy) + " writes forms)"
		}
		return msg + advice, true
	}
	return "", false
}

func formProfilesWriting(pairs []formPair, body []byte) []string {
	var names []string
	for i := range formProfiles {
		if bytes.Equal(formProfiles[i].write(pairs), body) {
			names = append(names, formProfiles[i].name)
		}
	}
	return names
}
