package codec

import (
	"bytes"
	"reflect"
	"testing"
)

func TestNormalizeStatus(t *testing.T) {
	tests := []struct {
		raw   string
		extra map[string]Status
		want  Status
	}{
		{"DELIVERED", nil, StatusDelivered},
		{"delivered", nil, StatusDelivered},
		{" Delivered ", nil, StatusDelivered},
		{"DELIVRD", nil, StatusDelivered},
		{"UNDELIV", nil, StatusFailed},
		{"FAILED", nil, StatusFailed},
		{"REJECTD", nil, StatusRejected},
		{"REJECTED", nil, StatusRejected},
		{"EXPIRED", nil, StatusExpired},
		{"dead", nil, StatusDeleted},
		{"DELETED", nil, StatusDeleted},
		{"ACCEPTD", nil, StatusAccepted},
		{"ENROUTE", nil, StatusSent},
		{"received", nil, StatusReceived},
		{"", nil, StatusUnknown},
		{"weird", nil, StatusUnknown},
		{"weird", map[string]Status{"weird": StatusSent}, StatusSent},
		{"DELIVERED", map[string]Status{"delivered": StatusFailed}, StatusFailed},
	}
	for _, tt := range tests {
		if got := NormalizeStatus(tt.raw, tt.extra); got != tt.want {
			t.Errorf("NormalizeStatus(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

func TestSchemaDecode(t *testing.T) {
	jsonSchema := Schema{
		Format: FormatJSON,
		Kind:   KindDelivery,
		Fields: Fields{MessageID: "data.message_id", To: "data.to", Status: "data.status", Price: "data.price", Timestamp: "data.timestamp"},
	}
	inbound := Schema{Format: FormatJSON, Kind: KindInbound, Fields: Fields{From: "from", Text: "text"}, DefaultStatus: StatusReceived}
	form := Schema{Format: FormatForm, Kind: KindDelivery, Fields: Fields{MessageID: "MessageSid", Status: "MessageStatus", To: "To"}}

	tests := []struct {
		name    string
		schema  Schema
		raw     string
		want    Event
		wantErr string
	}{
		{"json delivery", jsonSchema,
			`{"data":{"message_id":"m1","to":"1222333333","status":"DELIVERED","price":0.123,"timestamp":"2022-03-01 13:00:00"}}`,
			Event{Kind: KindDelivery, MessageID: "m1", To: "1222333333", Status: StatusDelivered, RawStatus: "DELIVERED", Price: "0.123", Timestamp: "2022-03-01 13:00:00"}, ""},
		{"missing fields stay empty", jsonSchema, `{"data":{}}`, Event{Kind: KindDelivery, Status: StatusUnknown}, ""},
		{"inbound default status", inbound, `{"from":"+1","text":"héllo"}`, Event{Kind: KindInbound, From: "+1", Text: "héllo", Status: StatusReceived}, ""},
		{"inbound is received whatever its raw status", Schema{Format: FormatJSON, Kind: KindInbound, Fields: Fields{Status: "status"}},
			`{"status":"delivered","type":"receive"}`, Event{Kind: KindInbound, Status: StatusReceived, RawStatus: "delivered"}, ""},
		{"form body", form, "MessageSid=SM1&MessageStatus=undelivered&To=%2B15551234567",
			Event{Kind: KindDelivery, MessageID: "SM1", To: "+15551234567", Status: StatusFailed, RawStatus: "undelivered"}, ""},
		{"empty body", jsonSchema, "", Event{Kind: KindDelivery}, "empty body"},
		{"blank body", jsonSchema, " \n", Event{Kind: KindDelivery}, "empty body"},
		{"not json", jsonSchema, "status=ok", Event{Kind: KindDelivery}, "body is not valid JSON"},
		{"bad form", form, "a=%zz", Event{Kind: KindDelivery}, "body is not form-encoded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := []byte(tt.raw)
			orig := bytes.Clone(raw)
			got, err := tt.schema.Decode(raw)
			if tt.wantErr != "" {
				if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tt.wantErr)) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(raw, orig) {
				t.Fatal("Decode changed the raw bytes")
			}
			if len(raw) > 0 && &got.Raw[0] != &raw[0] {
				t.Error("Event.Raw is a copy, not the bytes received")
			}
			got.Raw = nil
			if tt.wantErr == "" && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	m := Match{Path: "data.event", Values: []string{"delivery"}}
	for raw, want := range map[string]bool{
		`{"data":{"event":"delivery"}}`: true,
		`{"data":{"event":"DELIVERY"}}`: true,
		`{"data":{"event":"message"}}`:  false,
		`{"data":{}}`:                   false,
		`not json`:                      false,
	} {
		if got := m.Matches(FormatJSON, []byte(raw)); got != want {
			t.Errorf("Matches(%s) = %v, want %v", raw, got, want)
		}
	}
	if !(Match{}).Matches(FormatJSON, []byte("anything")) {
		t.Error("the zero Match must take any payload")
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"data":{"message_id":"m","status":"DELIVRD","price":1}}`))
	f.Add([]byte("MessageSid=SM1&MessageStatus=sent"))
	f.Add([]byte{0xff, 0xfe})
	schemas := []Schema{
		{Format: FormatJSON, Kind: KindDelivery, Fields: Fields{MessageID: "data.message_id", Status: "data.status", Price: "data.price"}},
		{Format: FormatForm, Kind: KindDelivery, Fields: Fields{MessageID: "MessageSid", Status: "MessageStatus"}},
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		orig := bytes.Clone(raw)
		for _, s := range schemas {
			ev, _ := s.Decode(raw)
			if ev.Status == "" {
				t.Fatal("status must never be empty")
			}
		}
		if !bytes.Equal(raw, orig) {
			t.Fatal("Decode changed the raw bytes")
		}
	})
}
