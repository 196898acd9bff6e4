// Package codec decodes providers' webhook payloads into one normalized
// Event. Decoding reads the raw bytes and never changes them.
package codec

import "strings"

// Kind is what an event is about.
type Kind string

const (
	KindDelivery  Kind = "delivery"  // a delivery report (DLR) for a message sent
	KindInbound   Kind = "inbound"   // a message received (MO)
	KindHandshake Kind = "handshake" // a provider checking the endpoint
)

// Status is a normalized delivery status.
type Status string

const (
	StatusAccepted  Status = "accepted"
	StatusSent      Status = "sent"
	StatusDelivered Status = "delivered"
	StatusFailed    Status = "failed"
	StatusRejected  Status = "rejected"
	StatusExpired   Status = "expired"
	StatusDeleted   Status = "deleted"
	StatusReceived  Status = "received"
	StatusUnknown   Status = "unknown"
)

// Statuses lists every normalized status, for flags and help.
var Statuses = []Status{StatusAccepted, StatusSent, StatusDelivered, StatusFailed,
	StatusRejected, StatusExpired, StatusDeleted, StatusReceived, StatusUnknown}

// commonStatuses maps the raw statuses providers send, lowercased: plain
// words and the SMPP delivery-receipt states (DELIVRD, UNDELIV, …).
var commonStatuses = map[string]Status{
	"accepted": StatusAccepted, "acceptd": StatusAccepted, "queued": StatusAccepted,
	"scheduled": StatusAccepted, "pending": StatusAccepted, "submitted": StatusAccepted,
	"sent": StatusSent, "sending": StatusSent, "enroute": StatusSent, "send": StatusSent,
	"delivered": StatusDelivered, "delivrd": StatusDelivered, "delivery": StatusDelivered,
	"failed": StatusFailed, "undeliv": StatusFailed, "undelivered": StatusFailed, "undeliverable": StatusFailed,
	"rejected": StatusRejected, "rejectd": StatusRejected,
	"expired": StatusExpired,
	"deleted": StatusDeleted, "dead": StatusDeleted,
	"received": StatusReceived,
	"unknown":  StatusUnknown,
}

// NormalizeStatus maps a provider's raw status to a normalized one,
// case-insensitively; extra, when set, is consulted first (keys lowercase).
func NormalizeStatus(raw string, extra map[string]Status) Status {
	key := strings.ToLower(strings.TrimSpace(raw))
	if s, ok := extra[key]; ok {
		return s
	}
	if s, ok := commonStatuses[key]; ok {
		return s
	}
	return StatusUnknown
}

// Event is a webhook payload in normalized form.
type Event struct {
	Provider  string `json:"provider"`
	Kind      Kind   `json:"kind"`
	EventName string `json:"event"` // the provider's own name for the kind: delivery, dlr, receive…
	MessageID string `json:"message_id,omitempty"`
	From      string `json:"from,omitempty"`
	To        string `json:"to,omitempty"`
	Text      string `json:"text,omitempty"`
	Channel   string `json:"channel,omitempty"`
	Status    Status `json:"status"`
	RawStatus string `json:"raw_status,omitempty"`
	Timestamp string `json:"timestamp,omitempty"`
	Price     string `json:"price,omitempty"`
	// Raw is the payload exactly as received; it is not part of the JSON form
	// because the capture record stores the body on its own.
	Raw []byte `json:"-"`
}
