package inspect

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/pretty"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/redact"
)

// Header is one header line as the page shows it.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	// Redacted says the value is hidden (a credential).
	Redacted bool `json:"redacted,omitempty"`
}

// Body is a body as the page shows it: one of its forms, by its content
// type and bytes.
type Body struct {
	Size        int    `json:"size"`
	ContentType string `json:"content_type,omitempty"`
	// Format is json, form, text, binary or empty.
	Format string `json:"format"`
	// Text is the body when it is UTF-8; Pretty the same JSON indented
	// (keys in their order, numbers as written).
	Text   *string `json:"text,omitempty"`
	Pretty string  `json:"pretty,omitempty"`
	Form   []Field `json:"form,omitempty"`
	// Hex is a hex dump of the first maxHexBytes of a binary body.
	Hex       string `json:"hex,omitempty"`
	Truncated bool   `json:"truncated,omitempty"`
}

// Field is one form field, decoded, in its order.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// maxHexBytes bounds the hex dump a binary body gets.
const maxHexBytes = 64 << 10

// Detail is one event in full, as GET /api/events/{id} returns it.
type Detail struct {
	Summary
	URL          string               `json:"url"`
	PublicURL    string               `json:"public_url,omitempty"`
	RemoteAddr   string               `json:"remote_addr,omitempty"`
	Headers      []Header             `json:"headers"`
	Body         Body                 `json:"body"`
	Verification capture.Verification `json:"verification"`
	Event        *codec.Event         `json:"event,omitempty"`
	DecodeError  string               `json:"decode_error,omitempty"`
	Reply        ReplyDetail          `json:"reply"`
	Forward      *capture.Forward     `json:"forward,omitempty"`
	// Curl sends the request again as captured (credentials hidden unless
	// revealed), quoted for a POSIX shell.
	Curl string `json:"curl,omitempty"`
	// Redactions says credentials are hidden; Revealed that they are shown.
	Redactions bool `json:"redactions,omitempty"`
	Revealed   bool `json:"revealed,omitempty"`
	// Scheme describes how the provider authenticates requests.
	Scheme string `json:"scheme,omitempty"`
	// CanResign says the inspector has credentials to re-sign it.
	CanResign bool `json:"can_resign"`
}

// ReplyDetail is the listener's answer.
type ReplyDetail struct {
	Status  int      `json:"status"`
	Headers []Header `json:"headers,omitempty"`
	Body    Body     `json:"body"`
}

func (s *Server) detail(rec *capture.Record, sum Summary, reveal bool) Detail {
	shown, hidden := redact.Record(rec, s.opts.Credentials, nil)
	if reveal {
		shown = rec
	}
	d := Detail{
		Summary:      sum,
		URL:          shown.URL,
		PublicURL:    shown.PublicURL,
		RemoteAddr:   rec.RemoteAddr,
		Headers:      headerList(shown.Headers, rec.Headers),
		Body:         describeBody(rec.Body(), rec.Headers.Get("Content-Type")),
		Verification: rec.Verification,
		Event:        rec.Event,
		DecodeError:  rec.DecodeError,
		Forward:      shown.Forward,
		Redactions:   hidden && !reveal,
		Revealed:     reveal && hidden,
	}
	d.Body.Truncated = rec.Truncated
	d.Reply = ReplyDetail{
		Status:  rec.Reply.Status,
		Headers: headerList(shown.Reply.Headers, rec.Reply.Headers),
		Body:    describeBody(rec.Reply.Body(), rec.Reply.Headers.Get("Content-Type")),
	}
	if s.opts.Curl != nil {
		d.Curl = s.opts.Curl(rec.Method, shown.URL, shown.Headers, rec.Body())
	}
	if s.opts.Describe != nil && rec.Provider != "" {
		d.Scheme = s.opts.Describe(rec.Provider, rec.Profile)
	}
	if s.opts.Signer != nil && rec.Provider != "" {
		_, _, err := s.opts.Signer(rec.Provider, rec.Profile)
		d.CanResign = err == nil
	}
	return d
}

// headerList is h in name order, each value marked when it differs from
// the original (hidden).
func headerList(shown, orig http.Header) []Header {
	names := make([]string, 0, len(shown))
	for name := range shown {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []Header
	for _, name := range names {
		for i, v := range shown[name] {
			red := i >= len(orig[name]) || orig[name][i] != v
			out = append(out, Header{Name: name, Value: v, Redacted: red})
		}
	}
	return out
}

// describeBody picks how the page shows b. The bytes are never altered:
// Pretty re-indents only, and is given only for valid JSON.
func describeBody(b []byte, contentType string) Body {
	body := Body{Size: len(b), ContentType: contentType}
	if len(b) == 0 {
		body.Format = "empty"
		return body
	}
	if !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 {
		body.Format = "binary"
		body.Hex = hex.Dump(b[:min(len(b), maxHexBytes)])
		return body
	}
	text := string(b)
	body.Text = &text
	media, _, _ := mime.ParseMediaType(contentType)
	switch {
	case json.Valid(b):
		body.Format = "json"
		body.Pretty = string(pretty.PrettyOptions(b, &pretty.Options{Width: 80, Indent: "  "}))
	case media == "application/x-www-form-urlencoded":
		if form, ok := formFields(text); ok {
			body.Format, body.Form = "form", form
			return body
		}
		body.Format = "text"
	default:
		body.Format = "text"
	}
	return body
}

// formFields decodes a form body keeping its order and repeated names.
func formFields(s string) ([]Field, bool) {
	var out []Field
	for _, pair := range strings.Split(s, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		name, err1 := url.QueryUnescape(k)
		value, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, false
		}
		out = append(out, Field{Name: name, Value: value})
	}
	return out, true
}
