package capture

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/codec"
)

// seedLines are records as the listener writes them.
func seedLines(t testing.TB) []string {
	at := time.Date(2024, 5, 1, 10, 0, 0, 5, time.UTC)
	full := &Record{
		ID: NewID(at), ReceivedAt: at, Profile: "dexatel-dev", Provider: "dexatel", Kind: "delivery",
		Method: "POST", URL: "http://127.0.0.1:8787/dexatel-dev?x=1", RemoteAddr: "127.0.0.1:5555",
		Headers:      http.Header{"Content-Type": {"application/json"}, "X-Dexatel-Signature": {"tfoh9Q=="}},
		Verification: Verification{Valid: true, Message: "valid HMAC-SHA256"},
		Event: &codec.Event{Provider: "dexatel", Kind: codec.KindDelivery, EventName: "delivery",
			MessageID: "e4fb", To: "1222333333", Status: codec.StatusDelivered, RawStatus: "delivered"},
		Reply:   Reply{Status: 200, Headers: http.Header{"Content-Type": {"application/json"}}},
		Forward: &Forward{URL: "http://127.0.0.1:3000/hook", Status: 200, DurationMS: 2.25},
	}
	full.SetBody([]byte("{\n  \"data\": {\"message_id\": \"e4fb\", \"status\": \"delivered\"}\n}\n"))
	full.Reply.SetBody([]byte(`{"ok":true}`))
	binary := &Record{ID: "b", Headers: http.Header{}, Truncated: true,
		Verification: Verification{Reason: "body_too_large", Message: "too large"}, Reply: Reply{Status: 413}}
	binary.SetBody([]byte{0, 1, 2, 0xff, 0xfe})
	empty := &Record{ID: "e", Method: "GET", Verification: Verification{Reason: ReasonNotChecked}}
	empty.SetBody(nil)
	var lines []string
	for _, r := range []*Record{full, binary, empty} {
		line, err := appendRecord(nil, r)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, string(line))
	}
	return lines
}

// FuzzReader feeds arbitrary files to the reader: it must never panic or
// loop, must always make progress past bad lines, and every record it
// returns must be valid and survive a write and read back byte for byte.
func FuzzReader(f *testing.F) {
	lines := seedLines(f)
	f.Add([]byte(lines[0] + lines[1] + lines[2]))
	f.Add([]byte(lines[0] + lines[1][:len(lines[1])/2]))
	f.Add([]byte(lines[2] + "garbage\n" + lines[0]))
	f.Add([]byte("\n\n" + lines[1] + "\r\n"))
	f.Add([]byte(`{"body_base64":"AAE="}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data))
		r.MaxLineBytes = 4096
		lastLine := 0
		for calls := 0; ; calls++ {
			if calls > len(data)+1 {
				t.Fatal("reader returned more results than there are lines")
			}
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if r.Line() <= lastLine {
				t.Fatalf("line number did not advance: %d after %d", r.Line(), lastLine)
			}
			lastLine = r.Line()
			var le *LineError
			if errors.As(err, &le) {
				continue
			}
			if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if err := rec.Validate(); err != nil {
				t.Fatalf("reader returned an invalid record: %v", err)
			}
			body := rec.Body()
			again := &Record{}
			again.SetBody(body)
			back, err := NewReader(bytes.NewReader(mustLine(t, again))).Next()
			if err != nil {
				t.Fatalf("re-reading a record the reader accepted: %v", err)
			}
			if !bytes.Equal(back.Body(), body) {
				t.Fatalf("body changed on a round trip: %q → %q", body, back.Body())
			}
		}
		if r.Offset() != int64(len(data)) {
			t.Fatalf("Offset() = %d at EOF, want %d", r.Offset(), len(data))
		}
	})
}

func mustLine(t *testing.T, rec *Record) []byte {
	line, err := appendRecord(nil, rec)
	if err != nil {
		t.Fatal(err)
	}
	return line
}
