package signing

import (
	"fmt"
	"io"
	"strings"
)

// A part of the signed content: literal text or one field of the request.
type part struct {
	literal string
	field   string // body, method or url; empty for a literal
}

var templateFields = map[string]bool{"body": true, "method": true, "url": true}

// parseTemplate splits a signed-content template such as "{method}{url}.{body}"
// into parts once, so signing does no string work per request.
func parseTemplate(t string) ([]part, error) {
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
		if !templateFields[name] {
			return nil, fmt.Errorf("signed-content template %q: unknown field {%s}: use {body}, {method} or {url}", t, name)
		}
		parts = append(parts, part{field: name})
		t = t[open+end+1:]
	}
	return parts, nil
}

// writeContent writes the signed content of req to w (a hash) part by part.
func writeContent(w io.Writer, parts []part, req *Request) {
	for _, p := range parts {
		switch p.field {
		case "body":
			w.Write(req.Body)
		case "method":
			io.WriteString(w, req.Method)
		case "url":
			io.WriteString(w, req.URL)
		default:
			io.WriteString(w, p.literal)
		}
	}
}
