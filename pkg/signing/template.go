package signing

import (
	"fmt"
	"io"
	"strings"
)

// A part of the signed content: literal text or one field of the request.
type part struct {
	literal string
	field   string // body, method, url, timestamp or id; empty for a literal
}

var templateFields = map[string]bool{"body": true, "method": true, "url": true}

// parseTemplate splits a signed-content template such as "{method}{url}.{body}"
// into parts once, so signing does no string work per request.
func parseTemplate(t string) ([]part, error) { return parseTemplateWith(t, false, false) }

// parseTemplateWith is parseTemplate that also takes {timestamp} and {id},
// when the scheme has somewhere to read them from.
func parseTemplateWith(t string, timestamp, id bool) ([]part, error) {
	if t == "" {
		return []part{{field: "body"}}, nil
	}
	var parts []part
	for t != "" {
		open := strings.IndexByte(t, '{')
		if open < 0 {
			parts = append(parts, part{literal: t})
			break
		}
		if open > 0 {
			parts = append(parts, part{literal: t[:open]})
		}
		end := strings.IndexByte(t[open:], '}')
		if end < 0 {
			return nil, fmt.Errorf("signed-content template %q has an unclosed '{'", t)
		}
		name := t[open+1 : open+end]
		switch {
		case templateFields[name]:
		case name == "timestamp" && timestamp, name == "id" && id:
		case name == "timestamp":
			return nil, fmt.Errorf("signed-content template %q: unknown field {timestamp}: set timestamp_header, or a header_format with {timestamp}, to sign a timestamp", t)
		case name == "id":
			return nil, fmt.Errorf("signed-content template %q: unknown field {id}: set id_header to sign a message id", t)
		default:
			return nil, fmt.Errorf("signed-content template %q: unknown field {%s}: use {body}, {method}, {url}, {timestamp} or {id}", t, name)
		}
		parts = append(parts, part{field: name})
		t = t[open+end+1:]
	}
	return parts, nil
}

// writeContent writes the signed content of req to w (a hash) part by part;
// timestamp and id are what {timestamp} and {id} stand for.
func writeContent(w io.Writer, parts []part, req *Request, timestamp, id string) {
	for _, p := range parts {
		switch p.field {
		case "body":
			w.Write(req.Body)
		case "method":
			io.WriteString(w, req.Method)
		case "url":
			io.WriteString(w, req.URL)
		case "timestamp":
			io.WriteString(w, timestamp)
		case "id":
			io.WriteString(w, id)
		default:
			io.WriteString(w, p.literal)
		}
	}
}
