package signing

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file rewrites a JSON body the way common serializers write it, so
// that Explain can say which one produced the signed bytes (or the bytes
// given). It runs only after a mismatch and never touches the body itself.

// maxDiagnoseBody bounds the bodies Explain parses and re-serializes: each
// candidate costs a copy and a signature over it.
const maxDiagnoseBody = 1 << 20

// jsonNode is a parsed JSON value that keeps what re-serializing needs:
// key order, duplicate keys and each number's literal text.
type jsonNode struct {
	kind  byte // '{', '[', '"' (string), '0' (number), 'l' (literal: true, false, null)
	text  string
	keys  []string
	items []*jsonNode
	num   *jsonNumber // for numbers
}

// jsonNumber is a number literal read once, for every profile to write.
type jsonNumber struct {
	isInt   bool // no fraction or exponent
	isInt64 bool // and fits in an int64
	float   float64
	finite  bool   // float is the literal's value as a finite double
	digits  string // float's shortest decimal digits
	point   int    // float = 0.digits × 10^point
}

func readJSONNumber(lit string) *jsonNumber {
	n := &jsonNumber{isInt: !strings.ContainsAny(lit, ".eE")}
	if n.isInt {
		_, err := strconv.ParseInt(lit, 10, 64)
		n.isInt64 = err == nil
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err == nil && !math.IsInf(f, 0) {
		n.float, n.finite = f, true
		n.digits, n.point = shortestFloatDigits(math.Abs(f))
	}
	return n
}

// parseJSONTree reads exactly one JSON value (surrounding whitespace
// allowed) and nothing else.
func parseJSONTree(b []byte) (*jsonNode, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	n, err := readJSONNode(dec)
	if err != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return n, true
}

var errNotJSON = errors.New("not a JSON value")

func readJSONNode(dec *json.Decoder) (*jsonNode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &jsonNode{kind: '{'}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, ok := k.(string)
				if !ok {
					return nil, errNotJSON
				}
				v, err := readJSONNode(dec)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, key)
				n.items = append(n.items, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return n, nil
		case '[':
			n := &jsonNode{kind: '['}
			for dec.More() {
				v, err := readJSONNode(dec)
				if err != nil {
					return nil, err
				}
				n.items = append(n.items, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return n, nil
		}
		return nil, errNotJSON
	case string:
		return &jsonNode{kind: '"', text: t}, nil
	case json.Number:
		return &jsonNode{kind: '0', text: string(t), num: readJSONNumber(string(t))}, nil
	case bool:
		return &jsonNode{kind: 'l', text: strconv.FormatBool(t)}, nil
	case nil:
		return &jsonNode{kind: 'l', text: "null"}, nil
	}
	return nil, errNotJSON
}

// escapeStyle is how a serializer writes characters inside strings.
type escapeStyle int

const (
	escapeMinimal  escapeStyle = iota // Node, Ruby, Python ensure_ascii=False: only what JSON requires
	escapeASCII                       // Python ensure_ascii: non-ASCII and DEL as \uxxxx
	escapePHP                         // PHP: \/ and non-ASCII as \uxxxx
	escapeGo                          // Go: <, >, & and U+2028/9 as \u003c ...
	escapeGoNoHTML                    // Go with SetEscapeHTML(false): U+2028/9 only
	escapeDotNet                      // System.Text.Json default encoder: all but safe ASCII as \uXXXX
	escapeJackson                     // Jackson: characters beyond U+FFFF as \uXXXX pairs, control bytes upper-case hex
)

// numberStyle is how a serializer writes a number it parsed.
type numberStyle int

const (
	numbersKept    numberStyle = iota // the literal as given (System.Text.Json's JsonNode)
	numbersJS                         // every number a double, JavaScript's Number#toString
	numbersPython                     // integers exact, floats as repr()
	numbersRuby                       // integers exact, floats as Float#to_s
	numbersPHP                        // integers exact (int64), floats shortest, 1.0e-6, no ".0"
	numbersJackson                    // integers exact, floats as Java's Double.toString
	numbersGo                         // every number a float64, as encoding/json writes one
)

// jsonProfile is one serializer with one set of options.
type jsonProfile struct {
	name     string // as people know it: "Python's json.dumps"
	indent   string // "" for one line
	comma    string // between items on one line
	colon    string // between a key and its value
	sortKeys bool
	// sortOf names the profile this one is with keys sorted: when both
	// write the same bytes (the keys were in order), only that one is named.
	sortOf  string
	escape  escapeStyle
	numbers numberStyle
	// rubyEmpty writes an empty array "[\n\n<indent>]" and an empty
	// object "{\n<indent>}", as Ruby's json before 2.7 pretty-prints them.
	rubyEmpty bool
	// indexKeysFirst puts keys that are array indices ("3", "20") first, in
	// numeric order, as JavaScript objects keep them.
	indexKeysFirst bool
	// jackson is Jackson's DefaultPrettyPrinter: "key" : value, arrays on one
	// line ([ 1, 2 ]), empty containers as [ ] and { }.
	jackson bool
}

// jsonProfiles is the fixed list of serializers Explain tries, the most
// used first (a message names at most three). Each was checked against the
// real serializer's output (testdata/reserialized).
var jsonProfiles = []jsonProfile{
	{name: "Node's JSON.stringify", comma: ",", colon: ":", escape: escapeMinimal, numbers: numbersJS, indexKeysFirst: true},
	{name: "Node's JSON.stringify(value, null, 2)", indent: "  ", colon: ": ", escape: escapeMinimal, numbers: numbersJS, indexKeysFirst: true},
	{name: "Python's json.dumps", comma: ", ", colon: ": ", escape: escapeASCII, numbers: numbersPython},
	{name: "Python's json.dumps(sort_keys=True)", sortOf: "Python's json.dumps", comma: ", ", colon: ": ", sortKeys: true, escape: escapeASCII, numbers: numbersPython},
	{name: "Python's json.dumps(indent=2)", indent: "  ", colon: ": ", escape: escapeASCII, numbers: numbersPython},
	{name: "Python's json.dumps(indent=4)", indent: "    ", colon: ": ", escape: escapeASCII, numbers: numbersPython},
	{name: "Python's json.dumps(indent=2, sort_keys=True)", sortOf: "Python's json.dumps(indent=2)", indent: "  ", colon: ": ", sortKeys: true, escape: escapeASCII, numbers: numbersPython},
	{name: "Python's json.dumps(indent=4, sort_keys=True)", sortOf: "Python's json.dumps(indent=4)", indent: "    ", colon: ": ", sortKeys: true, escape: escapeASCII, numbers: numbersPython},
	{name: "Go's encoding/json", comma: ",", colon: ":", sortKeys: true, escape: escapeGo, numbers: numbersGo},
	{name: "Go's json.MarshalIndent", indent: "  ", colon: ": ", sortKeys: true, escape: escapeGo, numbers: numbersGo},
	{name: "PHP's json_encode", comma: ",", colon: ":", escape: escapePHP, numbers: numbersPHP},
	{name: "PHP's json_encode(JSON_PRETTY_PRINT)", indent: "    ", colon: ": ", escape: escapePHP, numbers: numbersPHP},
	{name: "Ruby's JSON.generate (to_json)", comma: ",", colon: ":", escape: escapeMinimal, numbers: numbersRuby},
	{name: "Ruby's JSON.pretty_generate", indent: "  ", colon: ": ", escape: escapeMinimal, numbers: numbersRuby, rubyEmpty: true},
	// json 2.7 and later (Ruby 3.3+) write empty containers as [] and {};
	// not checked against a real run (Debian 12 has json 2.6.1).
	{name: "Ruby's JSON.pretty_generate", indent: "  ", colon: ": ", escape: escapeMinimal, numbers: numbersRuby},
	{name: "Java's Jackson", comma: ",", colon: ":", escape: escapeJackson, numbers: numbersJackson},
	{name: "Java's Jackson (writerWithDefaultPrettyPrinter)", indent: "  ", colon: " : ", escape: escapeJackson, numbers: numbersJackson, jackson: true},
	{name: ".NET's System.Text.Json", comma: ",", colon: ":", escape: escapeDotNet, numbers: numbersKept},
	// Python web frameworks' JSON responses, checked against Flask 2.2,
	// Starlette 0.26 and Django REST framework 3.14 (Flask adds a newline).
	{name: "Flask's jsonify", comma: ",", colon: ":", sortKeys: true, escape: escapeASCII, numbers: numbersPython},
	{name: "FastAPI's JSONResponse", comma: ",", colon: ":", escape: escapeMinimal, numbers: numbersPython},
	{name: "Django REST framework's JSONRenderer", comma: ",", colon: ":", escape: escapeGoNoHTML, numbers: numbersPython},
}

// write appends n as the profile's serializer writes it; false when that
// serializer would fail or the value is out of what it can represent here.
func (p *jsonProfile) write(buf []byte, n *jsonNode, depth int) ([]byte, bool) {
	switch n.kind {
	case '"':
		return appendJSONString(buf, n.text, p.escape), true
	case '0':
		return appendJSONNumber(buf, n.text, n.num, p.numbers)
	case 'l':
		return append(buf, n.text...), true
	}
	open, closing := byte('['), byte(']')
	if n.kind == '{' {
		open, closing = '{', '}'
	}
	buf = append(buf, open)
	if len(n.items) == 0 {
		switch {
		case p.jackson:
			buf = append(buf, ' ')
		case p.rubyEmpty:
			if n.kind == '[' {
				buf = append(buf, '\n')
			}
			buf = appendIndentLine(buf, p.indent, depth)
		}
		return append(buf, closing), true
	}
	if n.kind == '[' && p.jackson {
		return p.writeJacksonArray(buf, n, depth)
	}
	var order []int // nil: as given
	if n.kind == '{' && (p.sortKeys || p.indexKeysFirst && slices.ContainsFunc(n.keys, isJSArrayIndex)) {
		order = p.keyOrder(n)
	}
	var ok bool
	for j := range n.items {
		i := j
		if order != nil {
			i = order[j]
		}
		if j > 0 {
			if p.indent != "" {
				buf = append(buf, ',')
			} else {
				buf = append(buf, p.comma...)
			}
		}
		if p.indent != "" {
			buf = appendIndentLine(buf, p.indent, depth+1)
		}
		if n.kind == '{' {
			buf = appendJSONString(buf, n.keys[i], p.escape)
			buf = append(buf, p.colon...)
		}
		if buf, ok = p.write(buf, n.items[i], depth+1); !ok {
			return nil, false
		}
	}
	if p.indent != "" {
		buf = appendIndentLine(buf, p.indent, depth)
	}
	return append(buf, closing), true
}

// keyOrder is the order the profile writes an object's keys in.
func (p *jsonProfile) keyOrder(n *jsonNode) []int {
	order := make([]int, len(n.items))
	for i := range order {
		order[i] = i
	}
	if p.sortKeys {
		slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(n.keys[a], n.keys[b]) })
	}
	if p.indexKeysFirst {
		slices.SortStableFunc(order, func(a, b int) int {
			ia, aok := jsArrayIndex(n.keys[a])
			ib, bok := jsArrayIndex(n.keys[b])
			switch {
			case aok && bok:
				return cmp.Compare(ia, ib)
			case aok:
				return -1
			case bok:
				return 1
			}
			return 0
		})
	}
	return order
}

// writeJacksonArray writes a non-empty array on one line, as Jackson's
// default pretty printer does; objects inside still break lines.
func (p *jsonProfile) writeJacksonArray(buf []byte, n *jsonNode, depth int) ([]byte, bool) {
	var ok bool
	for i, item := range n.items {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, ' ')
		if buf, ok = p.write(buf, item, depth); !ok { // an array adds no indent level
			return nil, false
		}
	}
	return append(buf, " ]"...), true
}

// jsArrayIndex reads a key that JavaScript treats as an array index: a
// canonical decimal below 2³²−1.
func jsArrayIndex(key string) (uint64, bool) {
	if key == "" || len(key) > 10 || (len(key) > 1 && key[0] == '0') {
		return 0, false
	}
	v, err := strconv.ParseUint(key, 10, 64)
	return v, err == nil && v < 1<<32-1
}

func isJSArrayIndex(key string) bool {
	_, ok := jsArrayIndex(key)
	return ok
}

func appendIndentLine(buf []byte, indent string, depth int) []byte {
	buf = append(buf, '\n')
	for range depth {
		buf = append(buf, indent...)
	}
	return buf
}

const jsonLowerHex, jsonUpperHex = "0123456789abcdef", "0123456789ABCDEF"

func appendUEscape(buf []byte, r rune, hex string) []byte {
	return append(buf, '\\', 'u', hex[r>>12&0xF], hex[r>>8&0xF], hex[r>>4&0xF], hex[r&0xF])
}

// appendUEscapes writes r as one \u escape, or two (a UTF-16 surrogate pair)
// beyond U+FFFF.
func appendUEscapes(buf []byte, r rune, hex string) []byte {
	if r > 0xFFFF {
		r -= 0x10000
		buf = appendUEscape(buf, 0xD800+(r>>10), hex)
		return appendUEscape(buf, 0xDC00+(r&0x3FF), hex)
	}
	return appendUEscape(buf, r, hex)
}

func appendJSONString(buf []byte, s string, style escapeStyle) []byte {
	hex := jsonLowerHex
	if style == escapeDotNet || style == escapeJackson {
		hex = jsonUpperHex
	}
	buf = append(buf, '"')
	for _, r := range s {
		switch {
		case r == '"' && style == escapeDotNet:
			buf = appendUEscape(buf, r, hex)
		case r == '"' || r == '\\':
			buf = append(buf, '\\', byte(r))
		case r == '\b':
			buf = append(buf, `\b`...)
		case r == '\f':
			buf = append(buf, `\f`...)
		case r == '\n':
			buf = append(buf, `\n`...)
		case r == '\r':
			buf = append(buf, `\r`...)
		case r == '\t':
			buf = append(buf, `\t`...)
		case r < 0x20:
			buf = appendUEscape(buf, r, hex)
		case r == '/' && style == escapePHP:
			buf = append(buf, `\/`...)
		case (r == '<' || r == '>' || r == '&') && (style == escapeGo || style == escapeDotNet):
			buf = appendUEscape(buf, r, hex)
		case (r == '\'' || r == '+' || r == '`') && style == escapeDotNet:
			buf = appendUEscape(buf, r, hex)
		case r == 0x7F && (style == escapeASCII || style == escapeDotNet):
			buf = appendUEscape(buf, r, hex)
		case r < 0x80:
			buf = append(buf, byte(r))
		case style == escapeASCII || style == escapePHP || style == escapeDotNet:
			buf = appendUEscapes(buf, r, hex)
		case (r == 0x2028 || r == 0x2029) && (style == escapeGo || style == escapeGoNoHTML):
			buf = appendUEscape(buf, r, hex)
		case r > 0xFFFF && style == escapeJackson:
			buf = appendUEscapes(buf, r, hex)
		default:
			buf = utf8.AppendRune(buf, r)
		}
	}
	return append(buf, '"')
}

// appendJSONNumber writes a number literal as the style's language reads
// and writes it back.
func appendJSONNumber(buf []byte, lit string, n *jsonNumber, style numberStyle) ([]byte, bool) {
	switch style {
	case numbersKept:
		return append(buf, lit...), true
	case numbersPython, numbersRuby, numbersJackson:
		if n.isInt {
			return appendExactInt(buf, lit), true
		}
	case numbersPHP:
		if n.isInt64 {
			return appendExactInt(buf, lit), true
		}
	}
	if !n.finite {
		return nil, false // out of a double's range: each language fails its own way
	}
	f := n.float
	if style == numbersGo {
		abs, format := math.Abs(f), byte('f')
		if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
			format = 'e'
		}
		start := len(buf)
		buf = strconv.AppendFloat(buf, f, format, -1, 64)
		if format == 'e' { // Go writes 1e-7, not 1e-07
			if i := bytes.Index(buf[start:], []byte("e-0")); i >= 0 {
				buf = append(buf[:start+i+2], buf[start+i+3:]...)
			}
		}
		return buf, true
	}
	if math.Signbit(f) && !(f == 0 && style == numbersJS) {
		buf = append(buf, '-') // JavaScript writes -0 as 0
	}
	digits, point := n.digits, n.point
	abs := math.Abs(f)
	switch style {
	case numbersJS:
		return appendJSFloat(buf, digits, point), true
	case numbersPython:
		return appendLangFloat(buf, digits, point, langFloatFormat{decimal: -4 < point && point <= 16, wholeFraction: true, exp: "e", expPlus: true, expDigits: 2}), true
	case numbersRuby:
		return appendLangFloat(buf, digits, point, langFloatFormat{decimal: -4 < point && point <= 15, wholeFraction: true, expFraction: true, exp: "e", expPlus: true, expDigits: 2}), true
	case numbersPHP:
		return appendLangFloat(buf, digits, point, langFloatFormat{decimal: -3 <= point && point <= 17, expFraction: true, exp: "e", expPlus: true, expDigits: 1}), true
	case numbersJackson:
		if abs == math.SmallestNonzeroFloat64 {
			digits, point = "49", -323 // Double.toString's 4.9E-324
		}
		return appendLangFloat(buf, digits, point, langFloatFormat{decimal: abs == 0 || (abs >= 1e-3 && abs < 1e7), wholeFraction: true, expFraction: true, exp: "E", expDigits: 1}), true
	}
	return nil, false
}

// appendExactInt writes an integer literal as a language with big or
// 64-bit integers writes it back: "-0" becomes "0".
func appendExactInt(buf []byte, lit string) []byte {
	if strings.Trim(lit, "-0") == "" {
		return append(buf, '0')
	}
	return append(buf, lit...)
}

// floatZeros pads decimals: a double's point is at most 309 digits from its digits.
var floatZeros = strings.Repeat("0", 330)

// shortestFloatDigits gives the shortest decimal digits that read back as f
// (f >= 0) and where the point goes: f = 0.digits × 10^point.
func shortestFloatDigits(f float64) (string, int) {
	s := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mant, exp, _ := strings.Cut(s, "e")
	e, _ := strconv.Atoi(exp)
	return strings.Replace(mant, ".", "", 1), e + 1
}

// appendJSFloat follows ECMAScript's Number::toString.
func appendJSFloat(buf []byte, digits string, n int) []byte {
	k := len(digits)
	switch {
	case k <= n && n <= 21:
		buf = append(buf, digits...)
		return append(buf, floatZeros[:n-k]...)
	case 0 < n && n <= 21:
		return append(append(append(buf, digits[:n]...), '.'), digits[n:]...)
	case -6 < n && n <= 0:
		buf = append(buf, "0."...)
		return append(append(buf, floatZeros[:-n]...), digits...)
	}
	buf = append(buf, digits[0])
	if k > 1 {
		buf = append(append(buf, '.'), digits[1:]...)
	}
	buf = append(buf, 'e')
	if n-1 >= 0 {
		buf = append(buf, '+')
	}
	return strconv.AppendInt(buf, int64(n-1), 10)
}

// langFloatFormat is where Python's repr, Ruby's Float#to_s, PHP's and Java's
// float formats differ: when they switch to an exponent, whether a single
// digit keeps ".0", the exponent's letter, sign and least digits.
type langFloatFormat struct {
	decimal       bool // no exponent for this value
	wholeFraction bool // 1.0 rather than 1
	expFraction   bool // 1.0e-06 rather than 1e-06
	exp           string
	expPlus       bool // e+21 rather than e21
	expDigits     int
}

func appendLangFloat(buf []byte, digits string, n int, f langFloatFormat) []byte {
	k := len(digits)
	if f.decimal {
		switch {
		case n >= k:
			buf = append(buf, digits...)
			buf = append(buf, floatZeros[:n-k]...)
			if f.wholeFraction {
				buf = append(buf, ".0"...)
			}
			return buf
		case n > 0:
			return append(append(append(buf, digits[:n]...), '.'), digits[n:]...)
		}
		buf = append(buf, "0."...)
		return append(append(buf, floatZeros[:-n]...), digits...)
	}
	buf = append(buf, digits[0])
	switch {
	case k > 1:
		buf = append(append(buf, '.'), digits[1:]...)
	case f.expFraction:
		buf = append(buf, ".0"...)
	}
	buf = append(buf, f.exp...)
	e := n - 1
	switch {
	case e < 0:
		buf = append(buf, '-')
		e = -e
	case f.expPlus:
		buf = append(buf, '+')
	}
	s := strconv.Itoa(e)
	if len(s) < f.expDigits {
		buf = append(buf, floatZeros[:f.expDigits-len(s)]...)
	}
	return append(buf, s...)
}

// explainSerializer tries the given JSON body as each serializer in
// jsonProfiles writes it, then with a trailing newline, and on a match says
// which serializer(s) write the signed bytes and, when it can tell, which
// wrote the bytes given. try.Body is left as it was.
func explainSerializer(s Scheme, try *Request, c Credentials, tree *jsonNode) (string, bool) {
	given := try.Body
	defer func() { try.Body = given }()
	// One buffer for every candidate: each is written over the last.
	buf := make([]byte, 0, 2*len(given)+64)
	for i := range jsonProfiles {
		body, ok := jsonProfiles[i].write(buf[:0], tree, 0)
		if !ok {
			continue
		}
		buf = body[:0]
		for _, newline := range []bool{false, true} {
			if newline {
				body = append(body, '\n')
			}
			if bytes.Equal(body, given) {
				continue
			}
			try.Body = body
			if !s.Verify(try, c).Valid {
				continue
			}
			signedBy := profilesWriting(tree, body, newline)
			msg := "matches the body as " + namesWrite(signedBy)
			if newline {
				msg += ", with a trailing newline"
			}
			msg += ", not the bytes given"
			if givenBy := profilesWriting(tree, bytes.TrimRight(given, "\r\n"), false); len(givenBy) > 0 && len(givenBy) <= 3 {
				msg += " (written as " + joinSerializerNames(givenBy) + " writes JSON)"
			}
			return msg + ": something parsed the JSON and wrote it again between signing and this check (most often your framework); verify the raw request bytes as received", true
		}
	}
	return "", false
}

// sortedKeyProfiles find a sender that signed JSON with its keys sorted and
// numbers as written, which no serializer above writes (Go's numbers
// differ): Go's encoder without HTML escaping, over json.Number.
var sortedKeyProfiles = []struct {
	what    string
	profile jsonProfile
}{
	{"as JSON with its keys in another order (compact)", jsonProfile{comma: ",", colon: ":", sortKeys: true, escape: escapeGoNoHTML, numbers: numbersKept}},
	{"as JSON with its keys in another order (indented)", jsonProfile{indent: "  ", colon: ": ", sortKeys: true, escape: escapeGoNoHTML, numbers: numbersKept}},
}

func trySortedKeys(s Scheme, try *Request, c Credentials, tree *jsonNode) (string, bool) {
	given := try.Body
	defer func() { try.Body = given }()
	for _, v := range sortedKeyProfiles {
		body, ok := v.profile.write(nil, tree, 0)
		if !ok || bytes.Equal(body, given) {
			continue
		}
		try.Body = body
		if s.Verify(try, c).Valid {
			return v.what, true
		}
	}
	return "", false
}

// profilesWriting names every serializer whose output for tree is body.
func profilesWriting(tree *jsonNode, body []byte, newline bool) []string {
	var names []string
	buf := make([]byte, 0, len(body)+1)
	for i := range jsonProfiles {
		out, ok := jsonProfiles[i].write(buf[:0], tree, 0)
		if ok {
			buf = out[:0]
		}
		if newline {
			out = append(out, '\n')
		}
		if ok && bytes.Equal(out, body) && !slices.Contains(names, jsonProfiles[i].name) {
			names = append(names, jsonProfiles[i].name)
		}
	}
	return slices.DeleteFunc(names, func(name string) bool {
		i := slices.IndexFunc(jsonProfiles, func(p jsonProfile) bool { return p.name == name })
		return jsonProfiles[i].sortOf != "" && slices.Contains(names, jsonProfiles[i].sortOf)
	})
}

// namesWrite says who writes a body: "as A or B writes it", or, beyond three,
// "as A, B, C or 2 other serializers write it".
func namesWrite(names []string) string {
	if len(names) <= 3 {
		return joinSerializerNames(names) + " writes it"
	}
	return fmt.Sprintf("%s or %d other serializers write it", strings.Join(names[:3], ", "), len(names)-3)
}

// joinSerializerNames lists names as people do: "A", "A or B", "A, B or C".
func joinSerializerNames(names []string) string {
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
