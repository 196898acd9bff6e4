// Package inspect is the inspector: a local web page over listen's events
// or a capture file. It indexes the capture file by streaming (an offset and
// summary fields per record), follows the file as it grows, reads a
// record's detail by offset, and serves a JSON API, a Server-Sent Events
// stream and the embedded page. It never prints and never exits.
package inspect

import (
	"strings"
	"time"

	"github.com/smshook/smshook/pkg/capture"
)

// Summary is one event as the list shows it: the fields filters use, small
// enough to keep for every record of a large file.
type Summary struct {
	// Seq is the event's place in the index, from 1; pages go back from it.
	Seq      int64     `json:"seq"`
	ID       string    `json:"id"`
	Time     time.Time `json:"time"`
	Profile  string    `json:"profile,omitempty"`
	Provider string    `json:"provider,omitempty"`
	// Kind is the provider's kind name; EventKind the normalized one.
	Kind      string `json:"kind,omitempty"`
	EventKind string `json:"event_kind,omitempty"`
	MessageID string `json:"message_id,omitempty"`
	From      string `json:"from,omitempty"`
	To        string `json:"to,omitempty"`
	Status    string `json:"status,omitempty"`
	RawStatus string `json:"raw_status,omitempty"`
	// EventTime is the provider's own timestamp, as sent.
	EventTime string `json:"event_time,omitempty"`
	Verdict   string `json:"verdict"`
	Reason    string `json:"reason,omitempty"`
	// ReplyStatus is what the listener answered (0 for a HAR entry without one).
	ReplyStatus int `json:"reply_status"`
	// LatencyMS is known only for events seen live by listen.
	LatencyMS *float64 `json:"latency_ms,omitempty"`
	Unrouted  bool     `json:"unrouted,omitempty"`
	Method    string   `json:"method"`
	// Path is the request's path without the query, which may carry a key.
	Path     string `json:"path"`
	BodySize int    `json:"body_size"`
}

// summarize reads rec's summary fields. An id-less record (a browser's HAR
// entry) gets "~SEQ", which no capture id can be.
func summarize(rec *capture.Record, seq int64) Summary {
	s := Summary{
		Seq:         seq,
		ID:          rec.ID,
		Time:        rec.ReceivedAt,
		Profile:     rec.Profile,
		Provider:    rec.Provider,
		Kind:        rec.Kind,
		Verdict:     string(rec.Verification.Verdict()),
		Reason:      rec.Verification.Reason,
		ReplyStatus: rec.Reply.Status,
		Unrouted:    rec.Unrouted(),
		Method:      rec.Method,
		BodySize:    rec.BodyLen(),
	}
	if s.ID == "" {
		s.ID = syntheticID(seq)
	}
	s.Path = pathOf(rec.URL)
	if e := rec.Event; e != nil {
		s.EventKind = string(e.Kind)
		s.MessageID = e.MessageID
		s.From, s.To = e.From, e.To
		s.Status = string(e.Status)
		s.RawStatus = e.RawStatus
		s.EventTime = e.Timestamp
	}
	return s
}

func syntheticID(seq int64) string {
	return "~" + itoa(seq)
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	if n == 0 {
		return "0"
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// pathOf is the path of a captured URL as it was received (escapes kept),
// without parsing the whole URL: every event is summarized, and the path
// is only shown and matched. "http://h:1/a%20b?q" → "/a%20b".
func pathOf(raw string) string {
	if i := strings.Index(raw, "://"); i >= 0 {
		rest := raw[i+3:]
		j := strings.IndexAny(rest, "/?#")
		if j < 0 || rest[j] != '/' {
			return ""
		}
		raw = rest[j:]
	}
	if k := strings.IndexAny(raw, "?#"); k >= 0 {
		raw = raw[:k]
	}
	return raw
}
