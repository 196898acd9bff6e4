package capture

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/bits"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/smshook/smshook/pkg/codec"
)

// The listener encodes a record per request, so the writer encodes by hand
// instead of through reflection. The output is what encoding/json (with
// HTML escaping off) writes, byte for byte; a test holds it to that. Should
// a struct gain a field this file does not know, encoding falls back to
// encoding/json, so nothing is ever dropped.

// handEncodable says the hand encoder knows every field of the types it writes.
var handEncodable = fieldsAre(Record{}, "ID", "ReceivedAt", "Profile", "Provider", "Kind", "Method", "URL",
	"PublicURL", "RemoteAddr", "Headers", "BodyText", "BodyBase64", "Truncated", "Verification", "Event",
	"DecodeError", "Reply", "Forward") &&
	fieldsAre(Verification{}, "Valid", "Reason", "Message", "Diagnosis") &&
	fieldsAre(Diagnosis{}, "Cause", "URL", "Checks") &&
	fieldsAre(VerificationCheck{}, "Check", "Tried", "Match") &&
	fieldsAre(Reply{}, "Status", "Headers", "BodyText", "BodyBase64") &&
	fieldsAre(Forward{}, "URL", "Status", "Error", "DurationMS") &&
	fieldsAre(codec.Event{}, "Provider", "Kind", "EventName", "MessageID", "From", "To", "Text", "Channel",
		"Status", "RawStatus", "Timestamp", "Price", "Raw")

func fieldsAre(v any, names ...string) bool {
	t := reflect.TypeOf(v)
	if t.NumField() != len(names) {
		return false
	}
	for i := range t.NumField() {
		if t.Field(i).Name != names[i] {
			return false
		}
	}
	return true
}

// appendRecord appends r as one JSON line, newline included.
func appendRecord(dst []byte, r *Record) ([]byte, error) {
	if !handEncodable {
		b, err := json.Marshal(r)
		if err != nil {
			return dst, err
		}
		return append(append(dst, b...), '\n'), nil
	}
	if y := r.ReceivedAt.Year(); y < 0 || y > 9999 {
		return dst, &json.UnsupportedValueError{Str: "received_at year outside [0,9999]"}
	}
	b := append(dst, `{"id":`...)
	b = appendString(b, r.ID)
	b = append(b, `,"received_at":"`...)
	b = r.ReceivedAt.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","profile":`...)
	b = appendString(b, r.Profile)
	b = append(b, `,"provider":`...)
	b = appendString(b, r.Provider)
	b = append(b, `,"kind":`...)
	b = appendString(b, r.Kind)
	b = append(b, `,"method":`...)
	b = appendString(b, r.Method)
	b = append(b, `,"url":`...)
	b = appendString(b, r.URL)
	b = appendOptString(b, `,"public_url":`, r.PublicURL)
	b = appendOptString(b, `,"remote_addr":`, r.RemoteAddr)
	b = append(b, `,"headers":`...)
	b = appendHeader(b, r.Headers)
	if r.BodyText != nil {
		b = append(b, `,"body":`...)
		b = appendString(b, *r.BodyText)
	}
	b = appendOptString(b, `,"body_base64":`, r.BodyBase64)
	if r.Truncated {
		b = append(b, `,"truncated":true`...)
	}
	b = append(b, `,"verification":{"valid":`...)
	b = strconv.AppendBool(b, r.Verification.Valid)
	b = appendOptString(b, `,"reason":`, r.Verification.Reason)
	b = append(b, `,"message":`...)
	b = appendString(b, r.Verification.Message)
	if x := r.Verification.Diagnosis; x != nil {
		b = appendDiagnosis(b, x)
	}
	b = append(b, '}')
	if e := r.Event; e != nil {
		b = append(b, `,"event":{"provider":`...)
		b = appendString(b, e.Provider)
		b = append(b, `,"kind":`...)
		b = appendString(b, string(e.Kind))
		b = append(b, `,"event":`...)
		b = appendString(b, e.EventName)
		b = appendOptString(b, `,"message_id":`, e.MessageID)
		b = appendOptString(b, `,"from":`, e.From)
		b = appendOptString(b, `,"to":`, e.To)
		b = appendOptString(b, `,"text":`, e.Text)
		b = appendOptString(b, `,"channel":`, e.Channel)
		b = append(b, `,"status":`...)
		b = appendString(b, string(e.Status))
		b = appendOptString(b, `,"raw_status":`, e.RawStatus)
		b = appendOptString(b, `,"timestamp":`, e.Timestamp)
		b = appendOptString(b, `,"price":`, e.Price)
		b = append(b, '}')
	}
	b = appendOptString(b, `,"decode_error":`, r.DecodeError)
	b = append(b, `,"reply":{"status":`...)
	b = strconv.AppendInt(b, int64(r.Reply.Status), 10)
	if len(r.Reply.Headers) > 0 {
		b = append(b, `,"headers":`...)
		b = appendHeader(b, r.Reply.Headers)
	}
	if r.Reply.BodyText != nil {
		b = append(b, `,"body":`...)
		b = appendString(b, *r.Reply.BodyText)
	}
	b = appendOptString(b, `,"body_base64":`, r.Reply.BodyBase64)
	b = append(b, '}')
	if f := r.Forward; f != nil {
		b = append(b, `,"forward":{"url":`...)
		b = appendString(b, f.URL)
		b = append(b, `,"status":`...)
		b = strconv.AppendInt(b, int64(f.Status), 10)
		b = appendOptString(b, `,"error":`, f.Error)
		b = append(b, `,"duration_ms":`...)
		if math.IsInf(f.DurationMS, 0) || math.IsNaN(f.DurationMS) {
			return dst, &json.UnsupportedValueError{Str: "forward duration_ms is not a number"}
		}
		b = appendFloat(b, f.DurationMS)
		b = append(b, '}')
	}
	return append(b, '}', '\n'), nil
}

func appendOptString(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	return appendString(append(b, key...), s)
}

// appendHeader writes a header map as encoding/json does: keys sorted, nil as null.
func appendHeader(b []byte, h http.Header) []byte {
	if h == nil {
		return append(b, "null"...)
	}
	var stack [32]string
	keys := stack[:0]
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		values := h[k]
		if values == nil {
			b = append(b, "null"...)
			continue
		}
		b = append(b, '[')
		for j, v := range values {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendString(b, v)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// appendFloat formats as encoding/json does (ES6 number to string).
func appendFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const hexDigits = "0123456789abcdef"

// appendString quotes s as encoding/json does with HTML escaping off:
// control characters escaped, invalid UTF-8 as \ufffd, and U+2028 and
// U+2029 escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// Word-at-a-time constants for quotedLen.
const (
	low7s  = 0x7f7f7f7f7f7f7f7f
	highs  = 0x8080808080808080
	upTo20 = 0x6060606060606060 // 0x80 - 0x20 in each byte
)

// quotedLen is the length appendString writes for b, quotes included, when
// b is valid UTF-8. It counts control bytes eight at a time (the request
// path runs it on every body) and the rarer escapes with bytes.Count.
func quotedLen(b []byte) int {
	n := len(b) + 2
	controls := 0
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		// A byte's high bit ends up set iff the byte is below 0x20: its own
		// high bit is clear, and adding 0x60 to its low 7 bits does not carry
		// into bit 7 (no carry crosses bytes: 0x7f+0x60 < 0x100).
		controls += bits.OnesCount64(^(x | ((x & low7s) + upTo20)) & highs)
	}
	for _, c := range b[i:] {
		if c < 0x20 {
			controls++
		}
	}
	if controls > 0 {
		// \u00XX, except the five with a short form.
		short := 0
		for _, c := range []byte("\b\f\n\r\t") {
			short += bytes.Count(b, []byte{c})
		}
		n += 5*controls - 4*short
	}
	n += bytes.Count(b, []byte{'"'}) + bytes.Count(b, []byte{'\\'})
	if bytes.IndexByte(b, 0xE2) >= 0 { // U+2028 and U+2029 become \u2028, \u2029
		n += 3 * (bytes.Count(b, []byte("\u2028")) + bytes.Count(b, []byte("\u2029")))
	}
	return n
}

// sizeHint is a lower bound on the length of r's line, from its large
// fields, so that encoding a large record grows its buffer once rather than
// doubling it (and leaving each smaller copy behind as garbage).
func (r *Record) sizeHint() int {
	n := 1024 + len(r.URL) + len(r.BodyBase64) + len(r.Reply.BodyBase64)
	if r.BodyText != nil {
		n += len(*r.BodyText)
	}
	if r.Reply.BodyText != nil {
		n += len(*r.Reply.BodyText)
	}
	if r.Event != nil {
		n += len(r.Event.Text)
	}
	return n
}

// appendDiagnosis appends a verification's diagnosis, its empty fields left
// out as encoding/json leaves them.
func appendDiagnosis(b []byte, x *Diagnosis) []byte {
	b = append(b, `,"diagnosis":{`...)
	sep := ""
	if x.Cause != "" {
		b = appendString(append(b, `"cause":`...), x.Cause)
		sep = ","
	}
	if x.URL != "" {
		b = appendString(append(append(b, sep...), `"url":`...), x.URL)
		sep = ","
	}
	if len(x.Checks) > 0 {
		b = append(append(b, sep...), `"checks":[`...)
		for i, c := range x.Checks {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"check":`...)
			b = appendString(b, c.Check)
			b = append(b, `,"tried":`...)
			b = appendString(b, c.Tried)
			b = append(b, `,"match":`...)
			b = strconv.AppendBool(b, c.Match)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// AppendLine appends r as the Writer writes it: one JSON line, newline
// included. A store that keeps records in memory keeps them so: a line
// holds no pointers for the collector to follow, a Record dozens.
func AppendLine(dst []byte, r *Record) ([]byte, error) {
	return appendRecord(dst, r)
}
