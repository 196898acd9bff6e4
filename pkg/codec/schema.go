package codec

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/tidwall/gjson"
)

// Format is how a payload is encoded.
type Format string

const (
	FormatJSON Format = "json" // application/json
	FormatForm Format = "form" // application/x-www-form-urlencoded
)

// ContentType is the Content-Type header value of a format.
func (f Format) ContentType() string {
	if f == FormatForm {
		return "application/x-www-form-urlencoded"
	}
	return "application/json"
}

// Fields says where each normalized field sits in a payload: a gjson path
// for JSON (e.g. "data.message_id"), a parameter name for form bodies.
// Empty means the payload has no such field.
type Fields struct {
	MessageID string `json:"message_id,omitempty" mapstructure:"message_id"`
	From      string `json:"from,omitempty" mapstructure:"from"`
	To        string `json:"to,omitempty" mapstructure:"to"`
	Text      string `json:"text,omitempty" mapstructure:"text"`
	Channel   string `json:"channel,omitempty" mapstructure:"channel"`
	Status    string `json:"status,omitempty" mapstructure:"status"`
	Timestamp string `json:"timestamp,omitempty" mapstructure:"timestamp"`
	Price     string `json:"price,omitempty" mapstructure:"price"`
}

// Match picks an event kind from a payload: the field at Path equals one of
// Values, case-insensitively. The zero Match matches every payload.
type Match struct {
	Path   string   `json:"path,omitempty" mapstructure:"path"`
	Values []string `json:"values,omitempty" mapstructure:"values"`
}

// Schema decodes one kind of a provider's payloads.
type Schema struct {
	Format Format
	Kind   Kind
	Fields Fields
	// Statuses maps raw statuses (lowercase) particular to the provider.
	Statuses map[string]Status
	// DefaultStatus applies when the payload has no status, and to every
	// inbound message (received when not set), whatever its raw status.
	DefaultStatus Status
}

// ErrEmptyBody is returned for a payload with no bytes.
var ErrEmptyBody = errors.New("empty body")

// payload reads fields out of a body in its format without copying the body.
type payload struct {
	format Format
	json   []byte
	form   url.Values
}

func parse(format Format, raw []byte) (payload, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return payload{}, ErrEmptyBody
	}
	switch format {
	case FormatForm:
		form, err := url.ParseQuery(string(raw))
		if err != nil {
			return payload{}, fmt.Errorf("body is not form-encoded: %w", err)
		}
		return payload{format: format, form: form}, nil
	default:
		if !gjson.ValidBytes(raw) {
			return payload{}, errors.New("body is not valid JSON")
		}
		return payload{format: FormatJSON, json: raw}, nil
	}
}

func (p payload) get(path string) string {
	if path == "" {
		return ""
	}
	if p.format == FormatForm {
		return p.form.Get(path)
	}
	return gjson.GetBytes(p.json, path).String()
}

// Matches reports whether a payload in format is selected by m. JSON is
// read without validating it first: gjson reads broken JSON safely, and
// Decode validates once, so detecting a kind costs one lookup, not a pass
// over the whole body per kind.
func (m Match) Matches(format Format, raw []byte) bool {
	if m.Path == "" {
		return true
	}
	var got string
	if format == FormatForm {
		p, err := parse(format, raw)
		if err != nil {
			return false
		}
		got = p.get(m.Path)
	} else {
		got = gjson.GetBytes(raw, m.Path).String()
	}
	for _, v := range m.Values {
		if strings.EqualFold(got, v) {
			return true
		}
	}
	return false
}

// Decode reads raw into an Event. The event's Raw is raw itself: decoding
// neither copies nor changes the bytes.
func (s Schema) Decode(raw []byte) (Event, error) {
	ev := Event{Kind: s.Kind, Raw: raw, Status: StatusUnknown}
	p, err := parse(s.Format, raw)
	if err != nil {
		return ev, err
	}
	f := s.Fields
	ev.MessageID = p.get(f.MessageID)
	ev.From = p.get(f.From)
	ev.To = p.get(f.To)
	ev.Text = p.get(f.Text)
	ev.Channel = p.get(f.Channel)
	ev.RawStatus = p.get(f.Status)
	ev.Timestamp = p.get(f.Timestamp)
	ev.Price = p.get(f.Price)
	switch {
	case s.Kind == KindInbound:
		// An inbound message was received, whatever its raw status says
		// (Cellcast's carry "delivered"); RawStatus keeps that.
		ev.Status = StatusReceived
		if s.DefaultStatus != "" {
			ev.Status = s.DefaultStatus
		}
	case ev.RawStatus != "":
		ev.Status = NormalizeStatus(ev.RawStatus, s.Statuses)
	case s.DefaultStatus != "":
		ev.Status = s.DefaultStatus
	default:
		ev.Status = StatusUnknown
	}
	return ev, nil
}
