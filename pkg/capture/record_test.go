package capture

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/codec"
)

func TestRecordBodyRoundTrip(t *testing.T) {
	tests := []struct {
		name      string
		body      []byte
		wantField string // the JSON field that must hold it
	}{
		{"json", []byte(`{"data": {"status": "delivered"}}` + "\n"), `"body":"{\"data\": {\"status\": \"delivered\"}}\n"`},
		{"empty", []byte{}, `"body":""`},
		{"crlf and tabs", []byte("a=1\r\nb=\t2"), `"body":"a=1\r\nb=\t2"`},
		{"html characters", []byte(`<a href="x">&</a>`), `"body":"<a href=\"x\">&</a>"`},
		{"not utf-8", []byte{0xff, 0xfe, 'h', 'i', 0x00}, `"body_base64":"//5oaQA="`},
		{"nul bytes are utf-8", []byte{'a', 0, 'b'}, `"body":"a\u0000b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &Record{ID: "x", Headers: http.Header{}}
			rec.SetBody(tt.body)
			if got := rec.Body(); !bytes.Equal(got, tt.body) {
				t.Fatalf("Body() = %q, want %q", got, tt.body)
			}
			if got := rec.BodyLen(); got != len(tt.body) {
				t.Errorf("BodyLen() = %d, want %d", got, len(tt.body))
			}
			line := encodeLine(t, rec)
			if !strings.Contains(line, tt.wantField) {
				t.Errorf("line %s does not hold %s", line, tt.wantField)
			}
			if strings.Contains(line, `"body":`) == strings.Contains(line, `"body_base64":`) {
				t.Errorf("line %s must hold exactly one of body and body_base64", line)
			}
			back, err := parseRecord([]byte(strings.TrimSuffix(line, "\n")))
			if err != nil {
				t.Fatal(err)
			}
			if got := back.Body(); !bytes.Equal(got, tt.body) {
				t.Fatalf("read back %q, want %q", got, tt.body)
			}
		})
	}
}

func TestRecordJSONShape(t *testing.T) {
	at := time.Date(2024, 5, 1, 10, 0, 0, 123456789, time.UTC)
	rec := &Record{
		ID: NewID(at), ReceivedAt: at, Profile: "dexatel", Provider: "dexatel", Kind: "delivery",
		Method: "POST", URL: "http://127.0.0.1:8787/dexatel?x=1",
		Headers:      http.Header{"X-Dexatel-Signature": {"abc="}},
		Verification: Verification{Valid: true, Message: "valid"},
		Event:        &codec.Event{Provider: "dexatel", Kind: codec.KindDelivery, EventName: "delivery", Status: codec.StatusDelivered},
		Reply:        Reply{Status: 200},
		Forward:      &Forward{URL: "http://127.0.0.1:3000/", Status: 204, DurationMS: 1.5},
	}
	rec.SetBody([]byte(`{}`))
	var m map[string]any
	if err := json.Unmarshal([]byte(encodeLine(t, rec)), &m); err != nil {
		t.Fatal(err)
	}
	if got := m["received_at"]; got != "2024-05-01T10:00:00.123456789Z" {
		t.Errorf("received_at = %v, want RFC 3339 with nanoseconds", got)
	}
	for _, key := range []string{"id", "profile", "provider", "kind", "method", "url", "headers", "body", "verification", "event", "reply", "forward"} {
		if _, ok := m[key]; !ok {
			t.Errorf("record has no %q field", key)
		}
	}
	for _, key := range []string{"body_base64", "truncated", "public_url", "decode_error"} {
		if _, ok := m[key]; ok {
			t.Errorf("record has %q, which should be left out when empty", key)
		}
	}
	reply := m["reply"].(map[string]any)
	if _, ok := reply["body"]; ok {
		t.Errorf("an empty reply body should be left out: %v", reply)
	}
	if ev := m["event"].(map[string]any); ev["status"] != "delivered" || ev["event"] != "delivery" {
		t.Errorf("event = %v", ev)
	}
}

func TestReplyBody(t *testing.T) {
	var r Reply
	r.SetBody(nil)
	if r.BodyText != nil || r.BodyBase64 != "" || r.Body() != nil {
		t.Errorf("empty reply body should store nothing")
	}
	r.SetBody([]byte{0xff})
	if !bytes.Equal(r.Body(), []byte{0xff}) || r.BodyBase64 == "" {
		t.Errorf("binary reply body not kept as base64: %+v", r)
	}
	r.SetBody([]byte("ok"))
	if string(r.Body()) != "ok" || r.BodyBase64 != "" {
		t.Errorf("text reply body: %+v", r)
	}
}

func TestVerdict(t *testing.T) {
	tests := []struct {
		v    Verification
		want Verdict
	}{
		{Verification{Valid: true}, VerdictVerified},
		{Verification{Reason: "mismatch"}, VerdictInvalid},
		{Verification{Reason: "no_route"}, VerdictInvalid},
		{Verification{Reason: ReasonNotChecked}, VerdictUnchecked},
	}
	for _, tt := range tests {
		if got := tt.v.Verdict(); got != tt.want {
			t.Errorf("%+v.Verdict() = %s, want %s", tt.v, got, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	text := "x"
	tests := []struct {
		name string
		rec  Record
		ok   bool
	}{
		{"text", Record{BodyText: &text}, true},
		{"base64", Record{BodyBase64: "AAE="}, true},
		{"both", Record{BodyText: &text, BodyBase64: "AAE="}, false},
		{"neither", Record{}, false},
		{"bad base64", Record{BodyBase64: "!!"}, false},
	}
	for _, tt := range tests {
		if err := tt.rec.Validate(); (err == nil) != tt.ok {
			t.Errorf("%s: Validate() = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestNewIDSortsByTime(t *testing.T) {
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	var ids []string
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		id := NewID(base.Add(time.Duration(i) * time.Millisecond))
		if len(id) != 26 || strings.Trim(id, crockford) != "" {
			t.Fatalf("id %q is not 26 Crockford base32 characters", id)
		}
		if seen[id] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[id] = true
		ids = append(ids, id)
	}
	if !sort.StringsAreSorted(ids) {
		t.Errorf("ids of increasing times do not sort in order")
	}
	// Known prefix: the first 10 digits are the milliseconds.
	if got := NewID(time.UnixMilli(1))[:10]; got != "0000000001" {
		t.Errorf("time part of 1ms = %s, want 0000000001", got)
	}
}

func encodeLine(t *testing.T, rec *Record) string {
	t.Helper()
	line, err := appendRecord(nil, rec)
	if err != nil {
		t.Fatal(err)
	}
	return string(line)
}
