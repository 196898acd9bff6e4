package client

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// TemplateHelp lists the placeholders a body may hold, for flag help and docs.
const TemplateHelp = `{{uuid}} random UUID v4, {{now}} the time in the provider's timestamp style (UTC),
{{unix}} unix seconds, {{seq}} the request's number (1, 2, …), {{rand N}} N random digits,
{{hex N}} N random lowercase hex characters (N from 1 to 64), {{like SAMPLE}} a random
value shaped like SAMPLE (its prefix kept, digits for digits, letters for letters)`

// Placeholder outputs are digits, hex, dashes, colons, spaces and the
// letters of a timestamp: they are safe inside a JSON string as they are, so
// rendering escapes nothing, except a space in a form body (written '+').
type placeholder uint8

const (
	literal placeholder = iota
	phUUID
	phNow
	phUnix
	phSeq
	phRand
	phHex
	phLike
)

const maxRandLen = 64

// A tmplPart is literal bytes or one placeholder.
type tmplPart struct {
	kind    placeholder
	literal []byte // literal bytes; for like, the sample's prefix
	n       int    // digits for rand and hex
	// like: one class per character after the prefix, and the characters
	// kept as they are (-, _, :, …), in order
	shape []charClass
	kept  []byte
}

// charClass is what one character of a {{like}} value is drawn from.
type charClass uint8

const (
	keepChar charClass = iota // the sample's own character (-, _, :, …)
	digitChar
	lowerHexChar
	upperHexChar
	lowerChar
	upperChar
)

// Template is a body with {{…}} placeholders, parsed once per run so that
// each request only renders its placeholders around literal bytes.
type Template struct {
	parts      []tmplPart
	timeLayout string
	form       bool // the body is form-encoded: {{now}}'s spaces are written as '+'
	size       int  // bytes of one rendering, for sizing the buffer once
}

// Time layouts {{now}} renders in. TimeLayoutUnix renders unix seconds.
const (
	TimeLayoutSQL  = "2006-01-02 15:04:05" // Dexatel and MOBtexting
	TimeLayoutUnix = "unix"
)

// LiteralTemplate renders body as it is, whatever it holds (--no-template).
func LiteralTemplate(body []byte) *Template {
	return &Template{parts: []tmplPart{{literal: body}}, size: len(body)}
}

// TemplateOptions say how placeholders render.
type TemplateOptions struct {
	// TimeLayout is what {{now}} renders: a Go time layout, or
	// TimeLayoutUnix; empty means RFC 3339.
	TimeLayout string
	// Form says the body is form-encoded, where a space is written '+'.
	Form bool
}

// ParseTemplate reads {{…}} placeholders in body.
func ParseTemplate(body []byte, opts TemplateOptions) (*Template, error) {
	if opts.TimeLayout == "" {
		opts.TimeLayout = time.RFC3339
	}
	t := &Template{timeLayout: opts.TimeLayout, form: opts.Form}
	rest := body
	offset := 0
	for len(rest) > 0 {
		open := bytes.Index(rest, []byte("{{"))
		if open < 0 {
			t.add(tmplPart{literal: rest})
			break
		}
		if open > 0 {
			t.add(tmplPart{literal: rest[:open]})
		}
		end := bytes.Index(rest[open:], []byte("}}"))
		if end < 0 {
			return nil, fmt.Errorf("the body has an unclosed {{ at byte %d: close it, or pass --no-template to send the body as it is", offset+open+1)
		}
		p, err := parsePlaceholder(string(rest[open+2 : open+end]))
		if err != nil {
			return nil, fmt.Errorf("the body's %s at byte %d: %v", rest[open:open+end+2], offset+open+1, err)
		}
		t.add(p)
		skip := open + end + 2
		rest = rest[skip:]
		offset += skip
	}
	return t, nil
}

func (t *Template) add(p tmplPart) {
	t.parts = append(t.parts, p)
	switch p.kind {
	case literal:
		t.size += len(p.literal)
	case phUUID:
		t.size += 36
	case phNow:
		t.size += len(t.timeLayout) + 16 // zone names and fractions can be longer than the layout
	case phUnix, phSeq:
		t.size += 20
	case phLike:
		t.size += len(p.literal) + len(p.shape)
	default:
		t.size += p.n
	}
}

func parsePlaceholder(inner string) (tmplPart, error) {
	fields := strings.Fields(inner)
	if len(fields) == 0 {
		return tmplPart{}, fmt.Errorf("is empty: use %s", placeholderNames)
	}
	name := fields[0]
	simple := map[string]placeholder{"uuid": phUUID, "now": phNow, "unix": phUnix, "seq": phSeq}
	if kind, ok := simple[name]; ok {
		if len(fields) != 1 {
			return tmplPart{}, fmt.Errorf("{{%s}} takes no argument", name)
		}
		return tmplPart{kind: kind}, nil
	}
	if name == "like" {
		if len(fields) != 2 || len(fields[1]) > 256 {
			return tmplPart{}, fmt.Errorf("write {{like SAMPLE}} with one sample value (no spaces, at most 256 characters), e.g. {{like SM0123456789abcdef}}")
		}
		return likePart(fields[1]), nil
	}
	sized := map[string]placeholder{"rand": phRand, "hex": phHex}
	kind, ok := sized[name]
	if !ok {
		return tmplPart{}, fmt.Errorf("unknown placeholder: use %s, or pass --no-template to send the body as it is", placeholderNames)
	}
	if len(fields) != 2 {
		return tmplPart{}, fmt.Errorf("write {{%s N}} with N the number of characters, e.g. {{%s 8}}", name, name)
	}
	n, err := strconv.Atoi(fields[1])
	if err != nil || n < 1 || n > maxRandLen {
		return tmplPart{}, fmt.Errorf("N must be a number from 1 to %d", maxRandLen)
	}
	return tmplPart{kind: kind, n: n}, nil
}

const placeholderNames = "{{uuid}}, {{now}}, {{unix}}, {{seq}}, {{rand N}}, {{hex N}} or {{like SAMPLE}}"

// likePart reads a {{like}} sample: a short leading word ("SM", "msg_") is
// kept, as providers use it to say what an id is; a hex rest becomes random
// hex of the same case; otherwise each digit becomes a random digit and each
// letter a random letter of its case, and other characters stay.
func likePart(sample string) tmplPart {
	p := tmplPart{kind: phLike}
	prefix := 0
	for prefix < len(sample) && isLetter(sample[prefix]) {
		prefix++
	}
	if prefix < len(sample) && (sample[prefix] == '_' || sample[prefix] == '-') {
		prefix++
	}
	if prefix > 5 || prefix == len(sample) || isLowerHex(sample[:prefix]) && !strings.ContainsAny(sample[:prefix], "_-") {
		prefix = 0 // a long word, the whole sample, or hex letters: part of the random value
	}
	p.literal = []byte(sample[:prefix])
	rest := sample[prefix:]
	// Digits alone stay digits: a numeric id is not hex.
	allLowerHex := isLowerHex(rest) && !isDigits(rest)
	allUpperHex := isUpperHex(rest) && !isDigits(rest)
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		switch {
		case allLowerHex && isHexDigit(c):
			p.shape = append(p.shape, lowerHexChar)
		case allUpperHex && isHexDigit(c):
			p.shape = append(p.shape, upperHexChar)
		case c >= '0' && c <= '9':
			p.shape = append(p.shape, digitChar)
		case c >= 'a' && c <= 'z':
			p.shape = append(p.shape, lowerChar)
		case c >= 'A' && c <= 'Z':
			p.shape = append(p.shape, upperChar)
		default:
			p.shape = append(p.shape, keepChar)
			p.kept = append(p.kept, c)
		}
	}
	return p
}

// Static reports whether the template has no placeholders: every request
// carries the same bytes.
func (t *Template) Static() bool {
	for _, p := range t.parts {
		if p.kind != literal {
			return false
		}
	}
	return true
}

// Fresh is what one rendering draws on: the request number, the clock and
// a random source. It is not safe for concurrent use.
type Fresh struct {
	Seq  int
	Now  time.Time
	Rand *rand.Rand
}

// NewRand returns a fast random source for fresh ids, seeded unpredictably.
// Fresh ids need to be unique, not secret.
func NewRand() *rand.Rand {
	var seed [32]byte
	for i := 0; i < len(seed); i += 8 {
		v := rand.Uint64() // the runtime's generator is seeded from the OS
		for j := 0; j < 8; j++ {
			seed[i+j] = byte(v >> (8 * j))
		}
	}
	return rand.New(rand.NewChaCha8(seed))
}

// Render returns a new rendering of the template.
func (t *Template) Render(f *Fresh) []byte {
	return t.Append(make([]byte, 0, t.size), f)
}

// Append renders the template onto dst.
func (t *Template) Append(dst []byte, f *Fresh) []byte {
	for _, p := range t.parts {
		switch p.kind {
		case literal:
			dst = append(dst, p.literal...)
		case phUUID:
			dst = appendUUID(dst, f.Rand)
		case phNow:
			now := f.Now.UTC()
			if t.timeLayout == TimeLayoutUnix {
				dst = strconv.AppendInt(dst, now.Unix(), 10)
				break
			}
			start := len(dst)
			dst = now.AppendFormat(dst, t.timeLayout)
			if t.form {
				for i := start; i < len(dst); i++ {
					if dst[i] == ' ' {
						dst[i] = '+'
					}
				}
			}
		case phUnix:
			dst = strconv.AppendInt(dst, f.Now.Unix(), 10)
		case phSeq:
			dst = strconv.AppendInt(dst, int64(f.Seq), 10)
		case phRand:
			for i := 0; i < p.n; i++ {
				dst = append(dst, byte('0'+f.Rand.IntN(10)))
			}
		case phHex:
			for i := 0; i < p.n; i++ {
				dst = append(dst, lowerHex[f.Rand.IntN(16)])
			}
		case phLike:
			dst = p.appendLike(dst, f.Rand)
		}
	}
	return dst
}

const (
	lowerHex = "0123456789abcdef"
	upperHex = "0123456789ABCDEF"
)

func (p *tmplPart) appendLike(dst []byte, r *rand.Rand) []byte {
	dst = append(dst, p.literal...)
	kept := p.kept
	for _, c := range p.shape {
		switch c {
		case keepChar:
			dst = append(dst, kept[0])
			kept = kept[1:]
		case digitChar:
			dst = append(dst, byte('0'+r.IntN(10)))
		case lowerHexChar:
			dst = append(dst, lowerHex[r.IntN(16)])
		case upperHexChar:
			dst = append(dst, upperHex[r.IntN(16)])
		case lowerChar:
			dst = append(dst, byte('a'+r.IntN(26)))
		case upperChar:
			dst = append(dst, byte('A'+r.IntN(26)))
		}
	}
	return dst
}

// appendUUID appends a random (version 4) UUID in its canonical form.
func appendUUID(dst []byte, r *rand.Rand) []byte {
	var u [16]byte
	for i := 0; i < 16; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8; j++ {
			u[i+j] = byte(v >> (8 * j))
		}
	}
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 9562 variant
	var s [36]byte
	hex.Encode(s[0:8], u[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], u[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], u[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], u[8:10])
	s[23] = '-'
	hex.Encode(s[24:], u[10:])
	return append(dst, s[:]...)
}

// TimeLayoutOf guesses the layout of a timestamp taken from a provider's
// payload, so that {{now}} looks like what the provider sends: the same
// number of fraction digits, "Z" or "+00:00". It returns "" when the value
// is not a timestamp it knows.
func TimeLayoutOf(value string) string {
	if _, err := time.Parse(TimeLayoutSQL, value); err == nil {
		return TimeLayoutSQL
	}
	if _, err := time.Parse(time.RFC3339Nano, value); err == nil {
		layout := "2006-01-02T15:04:05"
		if dot := strings.IndexByte(value, '.'); dot >= 0 {
			digits := 0
			for dot+1+digits < len(value) && value[dot+1+digits] >= '0' && value[dot+1+digits] <= '9' {
				digits++
			}
			layout += "." + strings.Repeat("0", digits)
		}
		if strings.HasSuffix(value, "Z") {
			return layout + "Z07:00"
		}
		return layout + "-07:00"
	}
	if len(value) == 10 && isDigits(value) {
		return TimeLayoutUnix
	}
	return ""
}

// FreshIDTemplate turns a message id taken from a fixture into a template
// for fresh ids of the same shape: every UUID in it becomes {{uuid}}
// (MOBtexting's "<uuid>:1" keeps its ":1"); any other id becomes
// {{like ID}} (Twilio's "SM" + 32 hex, Cellcast's 24 hex, "msg_…").
func FreshIDTemplate(id string) string {
	var b strings.Builder
	found := false
	for i := 0; i < len(id); {
		if i+36 <= len(id) && isUUID(id[i:i+36]) {
			b.WriteString("{{uuid}}")
			i += 36
			found = true
			continue
		}
		b.WriteByte(id[i])
		i++
	}
	switch {
	case strings.Contains(id, "{{") || strings.Contains(id, "}}"):
		return "{{uuid}}"
	case found:
		return b.String()
	case id != "" && len(id) <= 256 && !strings.ContainsAny(id, " \t\r\n"):
		return "{{like " + id + "}}"
	}
	return "{{uuid}}"
}

func isUUID(s string) bool {
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isHexDigit(s[i]) {
				return false
			}
		}
	}
	return true
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isUpperHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'A' && s[i] <= 'F') {
			return false
		}
	}
	return s != ""
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'f') {
			return false
		}
	}
	return s != ""
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
