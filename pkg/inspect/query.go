package inspect

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/smshook/smshook/pkg/capture"
)

// Query is a parsed search: terms that must all hold. The language is
// the one replay's flags speak, in words:
//
//	provider:twilio status:failed -verified "otp" kind:dlr profile:prod
//	since:2h until:2024-05-01 id:SM123 from:+4477 to:+1555 invalid unrouted
//
// key:value terms compare names case-insensitively (from, to and id match
// a part); the bare words verified, invalid, unchecked and unrouted select
// by verdict and routing; any other word, or a "quoted phrase", is text
// looked for in the body and the ids and numbers. A leading '-' negates a
// term. Requests that matched no route are left out unless the query asks
// for them with unrouted.
type Query struct {
	terms []term
	// unrouted: the query selects requests that matched no route.
	unrouted bool
}

type term struct {
	key   string // "" is text
	value string // lowercased
	neg   bool
	at    time.Time
}

// filterKeys are the key:value terms, each with what it matches.
var filterKeys = map[string]string{
	"provider": "the provider",
	"profile":  "the profile (the route's name)",
	"kind":     "the provider's kind or the normalized one (delivery, inbound, handshake)",
	"status":   "the normalized status",
	"id":       "part of the record id or message id",
	"from":     "part of the sender",
	"to":       "part of the recipient",
	"since":    "received at or after a time",
	"until":    "received before a time",
}

// flagWords are the bare words that select rather than search.
var flagWords = map[string]bool{"verified": true, "invalid": true, "unchecked": true, "unrouted": true}

// ParseQuery reads a query. Times (since:, until:) are RFC 3339, a date or
// date and time in loc, or a duration ago (2h), as replay's flags take.
func ParseQuery(s string, now time.Time, loc *time.Location) (*Query, error) {
	q := &Query{}
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	for _, t := range toks {
		tm := term{neg: t.neg}
		switch {
		case t.quoted:
			tm.value = strings.ToLower(t.text)
		case t.key != "":
			if _, ok := filterKeys[t.key]; !ok {
				return nil, fmt.Errorf("unknown filter %q: use %s", t.key+":", keyList())
			}
			if t.text == "" {
				return nil, fmt.Errorf("%s: needs a value, such as %s", t.key, example(t.key))
			}
			tm.key, tm.value = t.key, strings.ToLower(t.text)
			switch t.key {
			case "status":
				st, err := capture.ParseStatus(t.text)
				if err != nil {
					return nil, err
				}
				tm.value = string(st)
			case "since", "until":
				at, err := capture.ParseTime(t.text, now, loc)
				if err != nil {
					return nil, fmt.Errorf("%s: %v", t.key, err)
				}
				tm.at = at
			}
		case flagWords[strings.ToLower(t.text)]:
			tm.key = strings.ToLower(t.text)
			if tm.key == "unrouted" && !tm.neg {
				q.unrouted = true
			}
		default:
			tm.value = strings.ToLower(t.text)
		}
		if tm.key == "" && tm.value == "" {
			continue
		}
		q.terms = append(q.terms, tm)
	}
	return q, nil
}

func keyList() string {
	return "provider: profile: kind: status: id: from: to: since: until:, the words verified invalid unchecked unrouted, or text"
}

func example(key string) string {
	switch key {
	case "status":
		return "status:delivered"
	case "since", "until":
		return key + ":2h or " + key + ":2024-05-01"
	case "provider":
		return "provider:twilio"
	}
	return key + ":VALUE"
}

// Unrouted reports whether the query selects requests that matched no route.
func (q *Query) Unrouted() bool { return q.unrouted }

// NeedsBody reports whether matching may read the body: a text term.
func (q *Query) NeedsBody() bool {
	for _, t := range q.terms {
		if t.key == "" {
			return true
		}
	}
	return false
}

// Match reports whether s passes every term. body reads the record's body
// for text terms; it is called at most once, and only when the summary
// fields do not settle the match.
func (q *Query) Match(s *Summary, body func() []byte) bool {
	if s.Unrouted != q.unrouted {
		return false
	}
	var lowered []byte
	read := false
	for _, t := range q.terms {
		var ok bool
		switch t.key {
		case "":
			ok = containsFold(s.ID, t.value) || containsFold(s.MessageID, t.value) ||
				containsFold(s.From, t.value) || containsFold(s.To, t.value) || containsFold(s.Path, t.value)
			if !ok && body != nil {
				if !read {
					lowered, read = bytes.ToLower(body()), true
				}
				ok = bytes.Contains(lowered, []byte(t.value))
			}
		case "provider":
			ok = strings.EqualFold(s.Provider, t.value)
		case "profile":
			ok = strings.EqualFold(s.Profile, t.value)
		case "kind":
			ok = strings.EqualFold(s.Kind, t.value) || strings.EqualFold(s.EventKind, t.value)
		case "status":
			ok = s.Status == t.value
		case "id":
			ok = containsFold(s.ID, t.value) || containsFold(s.MessageID, t.value)
		case "from":
			ok = containsFold(s.From, t.value)
		case "to":
			ok = containsFold(s.To, t.value)
		case "since":
			ok = !s.Time.Before(t.at)
		case "until":
			ok = s.Time.Before(t.at)
		case "verified", "invalid", "unchecked":
			ok = s.Verdict == t.key
		case "unrouted":
			ok = s.Unrouted
		}
		if ok == t.neg {
			return false
		}
	}
	return true
}

func containsFold(s, lowerSub string) bool {
	return s != "" && strings.Contains(strings.ToLower(s), lowerSub)
}

type token struct {
	key, text   string
	neg, quoted bool
}

// tokenize splits on spaces; "double quotes" keep spaces (also after a
// key: provider:"a b"), and a leading '-' negates.
func tokenize(s string) ([]token, error) {
	var toks []token
	i := 0
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
			i++
		}
		if i >= len(s) {
			return toks, nil
		}
		var t token
		if s[i] == '-' && i+1 < len(s) && s[i+1] != ' ' {
			t.neg = true
			i++
		}
		if s[i] == '"' {
			text, next, err := quoted(s, i)
			if err != nil {
				return nil, err
			}
			t.text, t.quoted, i = text, true, next
			toks = append(toks, t)
			continue
		}
		start := i
		for i < len(s) && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '"' {
			i++
		}
		word := s[start:i]
		if k, v, ok := strings.Cut(word, ":"); ok && k != "" && isKeyWord(k) {
			t.key, t.text = strings.ToLower(k), v
			if v == "" && i < len(s) && s[i] == '"' {
				text, next, err := quoted(s, i)
				if err != nil {
					return nil, err
				}
				t.text, i = text, next
			}
		} else {
			t.text = word
			if i < len(s) && s[i] == '"' {
				return nil, fmt.Errorf("a quote in the middle of %q: put the whole phrase in \"double quotes\"", word)
			}
		}
		toks = append(toks, t)
	}
}

func isKeyWord(k string) bool {
	for i := 0; i < len(k); i++ {
		c := k[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// quoted reads a "phrase" starting at s[i] == '"'; \" and \\ escape.
func quoted(s string, i int) (string, int, error) {
	var b strings.Builder
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			if j+1 < len(s) {
				j++
				b.WriteByte(s[j])
			}
		case '"':
			return b.String(), j + 1, nil
		default:
			b.WriteByte(s[j])
		}
	}
	return "", 0, fmt.Errorf("a quote is not closed: end the phrase with \"")
}
