package inspect

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/codec"
)

// testRecord is a routed dexatel delivery report.
func testRecord(id, messageID, status string, at time.Time, body string) *capture.Record {
	r := &capture.Record{
		ID:           id,
		ReceivedAt:   at,
		Profile:      "dexatel",
		Provider:     "dexatel",
		Kind:         "delivery",
		Method:       "POST",
		URL:          "http://127.0.0.1:8787/dexatel/delivery",
		Headers:      http.Header{"Content-Type": {"application/json"}, "X-Dexatel-Signature": {"sig"}},
		Verification: capture.Verification{Valid: true, Message: "signature valid"},
		Event: &codec.Event{Provider: "dexatel", Kind: codec.KindDelivery, EventName: "delivery",
			MessageID: messageID, Status: codec.Status(status)},
		Reply: capture.Reply{Status: 200},
	}
	r.SetBody([]byte(body))
	return r
}

func recordLine(t testing.TB, r *capture.Record) []byte {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

func appendFile(t testing.TB, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

var t0 = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

func renameFile(from, to string) error { return os.Rename(from, to) }

func contextWithCancel() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}
