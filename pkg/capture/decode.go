package capture

import (
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/smshook/smshook/pkg/codec"
)

// The reader decodes a record per line, and replay sends as fast as the
// lines decode. decodeCanonical reads a line in exactly the form the Writer
// writes (appendRecord: fixed key order, optional keys left out, strings
// escaped as encoding/json escapes them) without reflection. Any other line,
// valid JSON or not, is refused (ok false) and the reader falls back to
// encoding/json, so what a line means never depends on which path read it;
// FuzzDecodeCanonical holds the two to the same result.

// decodeCanonical decodes line, or reports that it is not in canonical form.
func decodeCanonical(line []byte) (rec *Record, ok bool) {
	if !utf8.Valid(line) {
		return nil, false // encoding/json would replace the bytes: let it say so
	}
	d := &lineDecoder{b: line, ok: true}
	r := &Record{}
	d.expect(`{"id":`)
	r.ID = d.str()
	d.expect(`,"received_at":`)
	r.ReceivedAt = d.time()
	d.expect(`,"profile":`)
	r.Profile = d.str()
	d.expect(`,"provider":`)
	r.Provider = d.str()
	d.expect(`,"kind":`)
	r.Kind = d.str()
	d.expect(`,"method":`)
	r.Method = d.str()
	d.expect(`,"url":`)
	r.URL = d.str()
	if d.opt(`,"public_url":`) {
		r.PublicURL = d.str()
	}
	if d.opt(`,"remote_addr":`) {
		r.RemoteAddr = d.str()
	}
	d.expect(`,"headers":`)
	r.Headers = d.header()
	if d.opt(`,"body":`) {
		s := d.str()
		r.BodyText = &s
	}
	if d.opt(`,"body_base64":`) {
		r.BodyBase64 = d.str()
	}
	if d.opt(`,"truncated":`) {
		r.Truncated = d.boolean()
	}
	d.expect(`,"verification":{"valid":`)
	r.Verification.Valid = d.boolean()
	if d.opt(`,"reason":`) {
		r.Verification.Reason = d.str()
	}
	d.expect(`,"message":`)
	r.Verification.Message = d.str()
	if d.opt(`,"diagnosis":{`) {
		r.Verification.Diagnosis = d.diagnosis()
	}
	d.expect(`}`)
	if d.opt(`,"event":{"provider":`) {
		e := &codec.Event{Provider: d.str()}
		d.expect(`,"kind":`)
		e.Kind = codec.Kind(d.str())
		d.expect(`,"event":`)
		e.EventName = d.str()
		d.optStr(`,"message_id":`, &e.MessageID)
		d.optStr(`,"from":`, &e.From)
		d.optStr(`,"to":`, &e.To)
		d.optStr(`,"text":`, &e.Text)
		d.optStr(`,"channel":`, &e.Channel)
		d.expect(`,"status":`)
		e.Status = codec.Status(d.str())
		d.optStr(`,"raw_status":`, &e.RawStatus)
		d.optStr(`,"timestamp":`, &e.Timestamp)
		d.optStr(`,"price":`, &e.Price)
		d.expect(`}`)
		r.Event = e
	}
	d.optStr(`,"decode_error":`, &r.DecodeError)
	d.expect(`,"reply":{"status":`)
	r.Reply.Status = d.integer()
	if d.opt(`,"headers":`) {
		r.Reply.Headers = d.header()
	}
	if d.opt(`,"body":`) {
		s := d.str()
		r.Reply.BodyText = &s
	}
	d.optStr(`,"body_base64":`, &r.Reply.BodyBase64)
	d.expect(`}`)
	if d.opt(`,"forward":{"url":`) {
		f := &Forward{URL: d.str()}
		d.expect(`,"status":`)
		f.Status = d.integer()
		d.optStr(`,"error":`, &f.Error)
		d.expect(`,"duration_ms":`)
		f.DurationMS = d.float()
		d.expect(`}`)
		r.Forward = f
	}
	d.expect(`}`)
	return r, d.ok && d.i == len(d.b)
}

// lineDecoder reads a canonical line from the left; the first thing out of
// place clears ok, and every read after that is a no-op.
type lineDecoder struct {
	b  []byte
	i  int
	ok bool
}

func (d *lineDecoder) fail() { d.ok = false }

// opt consumes lit when the line continues with it.
func (d *lineDecoder) opt(lit string) bool {
	if !d.ok || len(d.b)-d.i < len(lit) || string(d.b[d.i:d.i+len(lit)]) != lit {
		return false
	}
	d.i += len(lit)
	return true
}

func (d *lineDecoder) expect(lit string) {
	if !d.opt(lit) {
		d.fail()
	}
}

func (d *lineDecoder) optStr(key string, dst *string) {
	if d.opt(key) {
		*dst = d.str()
	}
}

// str reads a JSON string. Escapes are decoded as encoding/json decodes
// them; a \u escape of a surrogate half is left to encoding/json.
func (d *lineDecoder) str() string {
	if !d.ok || d.i >= len(d.b) || d.b[d.i] != '"' {
		d.fail()
		return ""
	}
	start := d.i + 1
	// The common case: no escapes, the string is the bytes between the quotes.
	for j := start; j < len(d.b); j++ {
		switch c := d.b[j]; {
		case c == '"':
			d.i = j + 1
			return string(d.b[start:j])
		case c == '\\':
			return d.escapedStr(start, j)
		case c < 0x20:
			d.fail()
			return ""
		}
	}
	d.fail()
	return ""
}

func (d *lineDecoder) escapedStr(start, j int) string {
	out := append(make([]byte, 0, j-start+16), d.b[start:j]...)
	for j < len(d.b) {
		c := d.b[j]
		switch {
		case c == '"':
			d.i = j + 1
			return string(out)
		case c < 0x20:
			d.fail()
			return ""
		case c != '\\':
			out = append(out, c)
			j++
			continue
		}
		if j+1 >= len(d.b) {
			break
		}
		switch e := d.b[j+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if j+6 > len(d.b) {
				d.fail()
				return ""
			}
			r, err := strconv.ParseUint(string(d.b[j+2:j+6]), 16, 16)
			if err != nil || (r >= 0xD800 && r < 0xE000) {
				d.fail() // not hex, or half of a surrogate pair
				return ""
			}
			out = utf8.AppendRune(out, rune(r))
			j += 6
			continue
		default:
			d.fail()
			return ""
		}
		j += 2
	}
	d.fail()
	return ""
}

// time reads received_at as encoding/json does, through time.Time's own
// UnmarshalJSON.
func (d *lineDecoder) time() time.Time {
	var t time.Time
	start := d.i
	s := d.str()
	if !d.ok || len(s) != d.i-start-2 { // escapes: leave the line to encoding/json
		d.fail()
		return t
	}
	if err := t.UnmarshalJSON(d.b[start:d.i]); err != nil {
		d.fail()
	}
	return t
}

// header reads a header map: null, or names in strictly increasing order
// (as the Writer sorts them, so no name repeats) with arrays of strings.
func (d *lineDecoder) header() http.Header {
	if d.opt("null") {
		return nil
	}
	d.expect("{")
	h := http.Header{}
	if d.opt("}") {
		return h
	}
	prev := ""
	for d.ok {
		name := d.str()
		if len(h) > 0 && name <= prev {
			d.fail()
		}
		prev = name
		d.expect(":[")
		values := []string{}
		if !d.opt("]") {
			for d.ok {
				values = append(values, d.str())
				if d.opt("]") {
					break
				}
				d.expect(",")
			}
		}
		h[name] = values
		if d.opt("}") {
			return h
		}
		d.expect(",")
	}
	return nil
}

func (d *lineDecoder) boolean() bool {
	if d.opt("true") {
		return true
	}
	d.expect("false")
	return false
}

// number returns the JSON number at the cursor: -?(0|[1-9][0-9]*), then
// with fraction and exponent when float.
func (d *lineDecoder) number(float bool) string {
	if !d.ok {
		return ""
	}
	start, j := d.i, d.i
	digits := func() int {
		n := 0
		for j < len(d.b) && d.b[j] >= '0' && d.b[j] <= '9' {
			j++
			n++
		}
		return n
	}
	if j < len(d.b) && d.b[j] == '-' {
		j++
	}
	if j < len(d.b) && d.b[j] == '0' {
		j++
	} else if digits() == 0 {
		d.fail()
		return ""
	}
	if float {
		if j < len(d.b) && d.b[j] == '.' {
			j++
			if digits() == 0 {
				d.fail()
				return ""
			}
		}
		if j < len(d.b) && (d.b[j] == 'e' || d.b[j] == 'E') {
			j++
			if j < len(d.b) && (d.b[j] == '+' || d.b[j] == '-') {
				j++
			}
			if digits() == 0 {
				d.fail()
				return ""
			}
		}
	}
	d.i = j
	return string(d.b[start:j])
}

func (d *lineDecoder) integer() int {
	n, err := strconv.Atoi(d.number(false))
	if err != nil {
		d.fail()
	}
	return n
}

func (d *lineDecoder) float() float64 {
	f, err := strconv.ParseFloat(d.number(true), 64)
	if err != nil {
		d.fail()
	}
	return f
}

// diagnosis reads a verification's diagnosis after its opening brace.
func (d *lineDecoder) diagnosis() *Diagnosis {
	x := &Diagnosis{}
	sep := ""
	if d.opt(`"cause":`) {
		x.Cause, sep = d.str(), ","
	}
	if d.opt(sep + `"url":`) {
		x.URL, sep = d.str(), ","
	}
	if d.opt(sep + `"checks":[`) {
		for d.ok {
			c := VerificationCheck{}
			d.expect(`{"check":`)
			c.Check = d.str()
			d.expect(`,"tried":`)
			c.Tried = d.str()
			d.expect(`,"match":`)
			c.Match = d.boolean()
			d.expect(`}`)
			x.Checks = append(x.Checks, c)
			if !d.opt(`,`) {
				break
			}
		}
		d.expect(`]`)
	}
	d.expect(`}`)
	return x
}
