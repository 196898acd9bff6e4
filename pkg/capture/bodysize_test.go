package capture

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestQuotedLenIsWhatAppendStringWrites(t *testing.T) {
	alphabet := []string{"a", "é", "🙂", "\"", "\\", "\n", "\t", "\r", "\b", "\f", "\x00", "\x01", "\x1f", "\x7f", " ", "\u2028", "\u2029", "\u2027", "\xe2\x80"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		var sb strings.Builder
		for range rng.IntN(40) {
			sb.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		s := sb.String()
		if !utf8.ValidString(s) {
			continue
		}
		if got, want := quotedLen([]byte(s)), len(appendString(nil, s)); got != want {
			t.Fatalf("case %d: quotedLen(%q) = %d, appendString writes %d", i, s, got, want)
		}
	}
}

// A body's field in the line is never much longer than base64 would make
// it, whatever its bytes: JSON escaping costs up to 6 bytes per byte.
func TestBodyFieldIsNoLongerThanBase64(t *testing.T) {
	const n = 4096
	tests := []struct {
		name     string
		body     []byte
		wantText bool
	}{
		{"control bytes", bytes.Repeat([]byte{0x01}, n), false},
		{"nul bytes", make([]byte, n), false},
		{"every control byte", bytes.Repeat([]byte("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f"), n/32), false},
		{"escape sequences", bytes.Repeat([]byte("\x1b[2J\x1b]0;x\x07"), n/10), false},
		{"quotes", bytes.Repeat([]byte(`"`), n), false},
		{"line separators", bytes.Repeat([]byte("\u2028"), n/3), false},
		{"json", bytes.Repeat([]byte(`{"data": {"status": "delivered", "to": "15550001"}}`), n/50), true},
		{"pretty json", bytes.Repeat([]byte("{\n  \"data\": {\n    \"status\": \"delivered\",\n    \"to\": \"15550001\"\n  }\n}\n"), n/64), true},
		{"form", bytes.Repeat([]byte("To=%2B15550001&Body=hello+there&"), n/32), true},
		{"not utf-8", bytes.Repeat([]byte{0xff}, n), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &Record{ID: "x", Headers: http.Header{}}
			rec.SetBody(tt.body)
			if (rec.BodyText != nil) != tt.wantText {
				t.Errorf("stored as text: %v, want %v", rec.BodyText != nil, tt.wantText)
			}
			if !bytes.Equal(rec.Body(), tt.body) {
				t.Fatal("body does not read back")
			}
			line := encodeLine(t, rec)
			empty := &Record{ID: "x", Headers: http.Header{}}
			empty.SetBody(nil)
			overhead := len(encodeLine(t, empty)) + len(`_base64`)
			if limit := overhead + base64.StdEncoding.EncodedLen(len(tt.body)); len(line) > limit {
				t.Errorf("line of %d bytes for a %d-byte body, want at most %d (base64 and the record)", len(line), len(tt.body), limit)
			}
			back, err := parseRecord([]byte(strings.TrimSuffix(line, "\n")))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(back.Body(), tt.body) {
				t.Fatal("body read back from the line differs")
			}
		})
	}
	// A reply body follows the same rule.
	var r Reply
	r.SetBody(bytes.Repeat([]byte{0x02}, n))
	if r.BodyText != nil || !bytes.Equal(r.Body(), bytes.Repeat([]byte{0x02}, n)) {
		t.Error("a reply of control bytes is not stored as base64")
	}
}

func BenchmarkSetBody(b *testing.B) {
	body := []byte(`{"data":{"account_id":"72e47e47-95b9-41c2-bdcd-55dd9bb04e14","message_id":"e4fb1353-8ded-4ec7-991e-a757ea213106","event":"delivery","status":"delivered","channel":"sms","to":"1222333333","mccmnc":"310670","price":0.123,"timestamp":"2022-03-01 13:00:00","payload":"testing payload"}}`)
	b.ReportAllocs()
	var rec Record
	for b.Loop() {
		rec.SetBody(body)
	}
}
