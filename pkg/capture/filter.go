package capture

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/smshook/smshook/pkg/codec"
)

// Filter selects records. Its zero value selects every record. A record
// must pass every field that is set; within a list field, any value passes.
// Names compare case-insensitively.
type Filter struct {
	// IDs match the record's id or its event's message id.
	IDs       []string
	Providers []string
	Profiles  []string
	// Kinds match the provider's kind name (delivery, dlr, receive,
	// handshake…) or the normalized kind (delivery, inbound, handshake).
	Kinds []string
	// Statuses match the event's normalized status.
	Statuses []codec.Status
	// Since (inclusive) and Until (exclusive) bound ReceivedAt; zero is open.
	Since, Until time.Time
	// Verdicts match the verification outcome.
	Verdicts []Verdict
	// BodyContains matches bodies holding these bytes (case-sensitive).
	BodyContains string
}

// Match reports whether the filter selects r.
func (f *Filter) Match(r *Record) bool {
	if len(f.IDs) > 0 {
		ok := anyFold(f.IDs, r.ID)
		if !ok && r.Event != nil && r.Event.MessageID != "" {
			ok = anyFold(f.IDs, r.Event.MessageID)
		}
		if !ok {
			return false
		}
	}
	if len(f.Providers) > 0 && !anyFold(f.Providers, r.Provider) {
		return false
	}
	if len(f.Profiles) > 0 && !anyFold(f.Profiles, r.Profile) {
		return false
	}
	if len(f.Kinds) > 0 {
		ok := anyFold(f.Kinds, r.Kind)
		if !ok && r.Event != nil {
			ok = anyFold(f.Kinds, string(r.Event.Kind))
		}
		if !ok {
			return false
		}
	}
	if len(f.Statuses) > 0 {
		if r.Event == nil || !anyFold(statusStrings(f.Statuses), string(r.Event.Status)) {
			return false
		}
	}
	if !f.Since.IsZero() && r.ReceivedAt.Before(f.Since) {
		return false
	}
	if !f.Until.IsZero() && !r.ReceivedAt.Before(f.Until) {
		return false
	}
	if len(f.Verdicts) > 0 {
		v := r.Verification.Verdict()
		ok := false
		for _, want := range f.Verdicts {
			ok = ok || want == v
		}
		if !ok {
			return false
		}
	}
	if f.BodyContains != "" {
		if r.BodyText != nil {
			return strings.Contains(*r.BodyText, f.BodyContains)
		}
		return bytes.Contains(r.Body(), []byte(f.BodyContains))
	}
	return true
}

func anyFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

func statusStrings(statuses []codec.Status) []string {
	out := make([]string, len(statuses))
	for i, s := range statuses {
		out[i] = string(s)
	}
	return out
}

// ParseVerdict reads verified, invalid or unchecked.
func ParseVerdict(s string) (Verdict, error) {
	switch v := Verdict(strings.ToLower(strings.TrimSpace(s))); v {
	case VerdictVerified, VerdictInvalid, VerdictUnchecked:
		return v, nil
	}
	return "", fmt.Errorf("unknown verification %q: use verified, invalid or unchecked", s)
}

// ParseStatus reads a normalized status name.
func ParseStatus(s string) (codec.Status, error) {
	want := strings.ToLower(strings.TrimSpace(s))
	for _, st := range codec.Statuses {
		if string(st) == want {
			return st, nil
		}
	}
	return "", fmt.Errorf("unknown status %q: use %s", s, strings.Join(statusStrings(codec.Statuses), ", "))
}

// timeLayouts are the absolute forms ParseTime takes; those without a zone
// are in loc.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
}

// ParseTime reads a --since/--until value: RFC 3339 (2024-05-01T10:00:00Z),
// a date or date and time in loc (2024-05-01, 2024-05-01 10:00), or a
// duration meaning that long before now (90m, 2h, 36h).
func ParseTime(s string, now time.Time, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("time %q: a duration means that long ago, so it cannot be negative", s)
		}
		return now.Add(-d), nil
	}
	for _, layout := range timeLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q: use RFC 3339 (2024-05-01T10:00:00Z), a date (2024-05-01), a date and time (2024-05-01 10:00) or a duration ago (2h)", s)
}

// IsZero reports whether the filter selects every record: no filter given.
func (f *Filter) IsZero() bool {
	return len(f.IDs) == 0 && len(f.Providers) == 0 && len(f.Profiles) == 0 && len(f.Kinds) == 0 &&
		len(f.Statuses) == 0 && f.Since.IsZero() && f.Until.IsZero() && len(f.Verdicts) == 0 && f.BodyContains == ""
}
