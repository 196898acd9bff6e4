package provider

import (
	"bytes"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/signing"
)

func beyondRegistry(t *testing.T) *Registry {
	t.Helper()
	// Registered beside the built-ins: the names must not clash, and every
	// fixture must be detected as its own kind.
	all := Builtins()
	for _, p := range beyondSeeds() {
		if !containsName(all, p.Name) { // not yet registered in Builtins
			all = append(all, p)
		}
	}
	reg, err := NewRegistry(all...)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func containsName(list []*Provider, name string) bool {
	for _, p := range list {
		if p.Name == name {
			return true
		}
	}
	return false
}

func TestBeyondFixturesDecode(t *testing.T) {
	tests := []struct {
		provider, kind, file string
		want                 codec.Event
	}{
		{"twilio", "status", "twilio_status.form", codec.Event{Kind: codec.KindDelivery, MessageID: "SM1f0e8ae6ade43cb3c0ce4525424e404f",
			From: "+15017122661", To: "+15558675310", Status: codec.StatusDelivered, RawStatus: "delivered"}},
		{"twilio", "inbound", "twilio_inbound.form", codec.Event{Kind: codec.KindInbound, MessageID: "SM3f2ea4b4a1c1a7f0c9a3a5d6e0b7c8d9",
			From: "+15558675310", To: "+15017122661", Text: "Hello from my phone!", Status: codec.StatusReceived}},
		{"standard-webhooks", "status", "standardwebhooks_status.json", codec.Event{Kind: codec.KindDelivery, MessageID: "msg_2bXkZ3cVfE4gH5iJ6kL7mN8oP9q",
			From: "+15550100", To: "+15550123", Status: codec.StatusDelivered, RawStatus: "delivered", Timestamp: "2024-03-01T13:00:05Z"}},
		{"standard-webhooks", "inbound", "standardwebhooks_inbound.json", codec.Event{Kind: codec.KindInbound, MessageID: "msg_2bXkZ9aBcD1eF2gH3iJ4kL5mN6o",
			From: "+15550123", To: "+15550100", Text: "Hello there", Status: codec.StatusReceived, Timestamp: "2024-03-01T13:00:00Z"}},
		{"telnyx", "delivery", "telnyx_delivery.json", codec.Event{Kind: codec.KindDelivery, MessageID: "40385f64-5717-4562-b3fc-2c963f66afa6",
			From: "+18445550001", To: "+18665550001", Text: "Hello, World!", Channel: "SMS", Status: codec.StatusDelivered, RawStatus: "delivered",
			Timestamp: "2019-12-09T21:32:14.148+00:00", Price: "0.0051"}},
		{"telnyx", "inbound", "telnyx_inbound.json", codec.Event{Kind: codec.KindInbound, MessageID: "7ee4241c-f127-47e5-9c34-3aac291f8058",
			From: "+18665550001", To: "+18445550001", Text: "Hello, World!", Channel: "SMS", Status: codec.StatusReceived, Timestamp: "2019-01-23T18:10:02.574Z"}},
		{"plivo", "status", "plivo_status.form", codec.Event{Kind: codec.KindDelivery, MessageID: "db3ce55a-7f1d-11e1-8ea7-1231380bc196",
			From: "14155550100", To: "14155550123", Status: codec.StatusDelivered, RawStatus: "delivered", Price: "0.00350"}},
		{"plivo", "inbound", "plivo_inbound.form", codec.Event{Kind: codec.KindInbound, MessageID: "7a6e4c4e-8f1d-11e1-9ea7-1231380bc196",
			From: "14155550123", To: "14155550100", Text: "Hello there", Channel: "sms", Status: codec.StatusReceived}},
		{"vonage", "dlr", "vonage_dlr.form", codec.Event{Kind: codec.KindDelivery, MessageID: "0A0000001234567B",
			From: "AcmeInc", To: "447700900000", Status: codec.StatusDelivered, RawStatus: "delivered", Timestamp: "2024-03-01 13:00:05", Price: "0.03330000"}},
		{"vonage", "inbound", "vonage_inbound.form", codec.Event{Kind: codec.KindInbound, MessageID: "0A0000000123ABCD1",
			From: "447700900001", To: "447700900000", Text: "Hello world", Status: codec.StatusReceived, Timestamp: "2024-03-01 13:00:00"}},
		{"sinch", "delivery", "sinch_delivery.json", codec.Event{Kind: codec.KindDelivery, MessageID: "01FC66621XXXXX119Z8PMV1QPQ",
			To: "+44231235674", Status: codec.StatusDelivered, RawStatus: "Delivered", Timestamp: "2024-03-01T13:00:05.123Z"}},
		{"sinch", "inbound", "sinch_inbound.json", codec.Event{Kind: codec.KindInbound, MessageID: "01FC66621VHDBN119Z8PMV1QPA",
			From: "+44231235674", To: "12345", Text: "Hello, I'd like to know more", Status: codec.StatusReceived, Timestamp: "2024-03-01T13:00:00.000Z"}},
		{"messagebird", "status", "messagebird_status.json", codec.Event{Kind: codec.KindDelivery, MessageID: "5f3437fdb8444583aea093a047ac014b",
			From: "+31687654321", To: "+31612345678", Text: "Your code is 1234", Channel: "sms", Status: codec.StatusDelivered, RawStatus: "delivered", Timestamp: "2024-03-01T13:00:05Z"}},
		{"messagebird", "inbound", "messagebird_inbound.json", codec.Event{Kind: codec.KindInbound, MessageID: "6b0bfd1d7ed54e4f8f4d3d1b0a9c8e7f",
			From: "+31612345678", To: "+31687654321", Text: "STOP", Channel: "sms", Status: codec.StatusReceived, RawStatus: "received", Timestamp: "2024-03-01T13:01:00Z"}},
		{"bandwidth", "status", "bandwidth_status.json", codec.Event{Kind: codec.KindDelivery, MessageID: "1589228074636lm4k2je7j7jklbn2",
			From: "+15550100", To: "+15550123", Status: codec.StatusDelivered, RawStatus: "message-delivered", Timestamp: "2024-03-01T13:00:05.000Z"}},
		{"bandwidth", "inbound", "bandwidth_inbound.json", codec.Event{Kind: codec.KindInbound, MessageID: "1661365814859loidf7mcwd4qacn7",
			From: "+15550123", To: "+15550100", Text: "Hello world", Status: codec.StatusReceived, RawStatus: "message-received", Timestamp: "2024-03-01T13:01:00.000Z"}},
	}
	reg := beyondRegistry(t)
	for _, tt := range tests {
		t.Run(tt.provider+"/"+tt.kind, func(t *testing.T) {
			p, err := reg.Lookup(tt.provider)
			if err != nil {
				t.Fatal(err)
			}
			k, err := p.Kind(tt.kind)
			if err != nil {
				t.Fatal(err)
			}
			onDisk, err := os.ReadFile("fixtures/" + tt.file)
			if err != nil || !bytes.Equal(onDisk, k.Fixture) {
				t.Fatalf("fixture differs from fixtures/%s (%v)", tt.file, err)
			}
			if k.Schema.Format == codec.FormatForm && bytes.HasSuffix(k.Fixture, []byte("\n")) {
				t.Error("a form fixture must not end in a newline: it would be part of the last value")
			}
			ev, err := p.Decode(k.Fixture, "")
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			want.Provider, want.EventName, want.Raw = tt.provider, tt.kind, k.Fixture
			if ev.Provider != want.Provider || ev.EventName != want.EventName || ev.Kind != want.Kind || ev.MessageID != want.MessageID ||
				ev.From != want.From || ev.To != want.To || ev.Text != want.Text || ev.Channel != want.Channel || ev.Status != want.Status ||
				ev.RawStatus != want.RawStatus || ev.Timestamp != want.Timestamp || ev.Price != want.Price || !bytes.Equal(ev.Raw, want.Raw) {
				t.Errorf("got  %+v\nwant %+v", ev, want)
			}
		})
	}
}

// Each provider's own status words reach the normalized statuses.
func TestBeyondStatusVocabulary(t *testing.T) {
	tests := []struct {
		provider, kind, body string
		want                 codec.Status
	}{
		{"twilio", "status", "MessageStatus=undelivered&MessageSid=SM1", codec.StatusFailed},
		{"twilio", "status", "MessageStatus=read", codec.StatusDelivered},
		{"twilio", "status", "MessageStatus=queued", codec.StatusAccepted},
		{"twilio", "status", "MessageStatus=canceled", codec.StatusFailed},
		{"telnyx", "delivery", `{"data":{"event_type":"message.finalized","payload":{"to":[{"status":"delivery_failed"}]}}}`, codec.StatusFailed},
		{"telnyx", "delivery", `{"data":{"event_type":"message.sent","payload":{"to":[{"status":"sent"}]}}}`, codec.StatusSent},
		{"telnyx", "delivery", `{"data":{"event_type":"message.finalized","payload":{"to":[{"status":"delivery_unconfirmed"}]}}}`, codec.StatusSent},
		{"plivo", "status", "Status=undelivered", codec.StatusFailed},
		{"plivo", "status", "Status=rejected", codec.StatusRejected},
		{"vonage", "dlr", "status=buffered", codec.StatusSent},
		{"vonage", "dlr", "status=expired", codec.StatusExpired},
		{"sinch", "delivery", `{"type":"recipient_delivery_report_sms","status":"Dispatched"}`, codec.StatusSent},
		{"sinch", "delivery", `{"type":"recipient_delivery_report_sms","status":"Aborted"}`, codec.StatusFailed},
		{"sinch", "delivery", `{"type":"recipient_delivery_report_sms","status":"Queued"}`, codec.StatusAccepted},
		{"messagebird", "status", `{"message":{"direction":"sent","status":"failed"}}`, codec.StatusFailed},
		{"messagebird", "status", `{"message":{"direction":"sent","status":"pending"}}`, codec.StatusAccepted},
		{"bandwidth", "status", `[{"type":"message-failed","errorCode":4432}]`, codec.StatusFailed},
		{"bandwidth", "status", `[{"type":"message-sending"}]`, codec.StatusSent},
		{"standard-webhooks", "status", `{"type":"message.status","data":{"status":"rejected"}}`, codec.StatusRejected},
	}
	reg := beyondRegistry(t)
	for _, tt := range tests {
		p, _ := reg.Lookup(tt.provider)
		ev, err := p.Decode([]byte(tt.body), "")
		if err != nil || ev.EventName != tt.kind || ev.Status != tt.want {
			t.Errorf("%s %s: got %s/%s (%v), want %s/%s", tt.provider, tt.body, ev.EventName, ev.Status, err, tt.kind, tt.want)
		}
	}
}

// The demo credentials sign and verify every kind, at the listener's
// default URL, and what Sign changes (vonage's body, twilio's URL for JSON)
// still decodes as the same kind.
func TestBeyondDemoRoundTrip(t *testing.T) {
	for _, p := range beyondRegistry(t).All() {
		for _, k := range p.Kinds {
			t.Run(p.Name+"/"+k.Name, func(t *testing.T) {
				req := &signing.Request{Method: k.Method, URL: "http://127.0.0.1:8787/" + p.Name, Header: http.Header{},
					Body: append([]byte(nil), k.Fixture...)}
				req.Header.Set("Content-Type", k.ContentType())
				if err := p.Scheme().Sign(req, p.Demo); err != nil {
					t.Fatal(err)
				}
				if r := p.Scheme().Verify(req, p.Demo); !r.Valid {
					t.Fatalf("%s: %s", r.Reason, r.Message)
				}
				if got := p.DetectKind(req.Body); got != k {
					t.Errorf("the signed body is no longer detected as %s", k.Name)
				}
				// Ten minutes later a timestamped scheme says the request is too old.
				if p.Auth.UsesTimestamp() {
					req.Now = time.Now().Add(10 * time.Minute)
					if r := p.Scheme().Verify(req, p.Demo); r.Reason != signing.ReasonTimestampTooOld {
						t.Errorf("10 minutes later: %s %s", r.Reason, r.Message)
					}
				}
			})
		}
	}
}

// Telnyx's demo public key is the public half of its demo private key.
func TestTelnyxDemoKeyPair(t *testing.T) {
	_, priv, err := signing.ParseEd25519Key(telnyxDemoPrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	pub, _, err := signing.ParseEd25519Key(TelnyxDemoPublicKey)
	if err != nil || !pub.Equal(priv.Public()) {
		t.Fatalf("the demo public key is not the private key's: %v", err)
	}
	p := telnyx()
	NewRegistry(p)
	req := &signing.Request{Header: http.Header{}, Body: p.Kinds[0].Fixture}
	p.Scheme().Sign(req, p.Demo)
	if r := p.Scheme().Verify(req, signing.Credentials{Secrets: []string{TelnyxDemoPublicKey}}); !r.Valid {
		t.Errorf("the demo public key does not verify: %s", r.Message)
	}
}

func TestBeyondNotesAndDocs(t *testing.T) {
	for _, p := range beyondSeeds() {
		if p.Title == "" || !strings.HasPrefix(p.DocsURL, "https://") || len(p.Notes) == 0 || p.Demo.IsZero() {
			t.Errorf("%s: title, https docs URL, notes and demo credentials are all needed", p.Name)
		}
	}
}
