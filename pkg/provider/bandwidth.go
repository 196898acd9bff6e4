package provider

import (
	"time"

	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/signing"
)

// bandwidth posts messaging callbacks as a JSON array of events, with HTTP
// Basic auth when the application has callback credentials.
//
// The normalized event reads the array's first element ("0.type" and so
// on): Bandwidth sends one event per callback in practice, and a capture
// keeps the whole array untouched whatever the decoder reads.
func bandwidth() *Provider {
	fields := codec.Fields{
		MessageID: "0.message.id",
		From:      "0.message.from",
		To:        "0.to",
		Text:      "0.message.text",
		Status:    "0.type",
		Timestamp: "0.time",
	}
	statuses := map[string]codec.Status{
		"message-sending":   codec.StatusSent,
		"message-delivered": codec.StatusDelivered,
		"message-failed":    codec.StatusFailed,
		"message-received":  codec.StatusReceived,
	}
	return &Provider{
		Name:    "bandwidth",
		Title:   "Bandwidth",
		DocsURL: "https://dev.bandwidth.com/docs/messaging/webhooks",
		Auth:    signing.Spec{Scheme: signing.SchemeBasic, Header: "Authorization", Optional: true},
		Kinds: []*Kind{
			{
				Name:        "status",
				Description: "message-delivered, message-failed or message-sending callback (DLR)",
				Match:       codec.Match{Path: "0.type", Values: []string{"message-delivered", "message-failed", "message-sending"}},
				Schema:      codec.Schema{Format: codec.FormatJSON, Kind: codec.KindDelivery, Fields: fields, Statuses: statuses},
				Fixture:     fixture("bandwidth_status.json"),
			},
			{
				Name:        "inbound",
				Description: "message-received callback (MO)",
				Match:       codec.Match{Path: "0.type", Values: []string{"message-received"}},
				Schema:      codec.Schema{Format: codec.FormatJSON, Kind: codec.KindInbound, Fields: fields, Statuses: statuses},
				Fixture:     fixture("bandwidth_inbound.json"),
			},
		},
		Notes: []string{
			"every callback is a JSON array of events; smshook's normalized event reads the first element, and the raw array is kept as sent",
			"no signature: set a callback username and password on the application to get HTTP Basic auth",
			"answer 2xx within 10 seconds; other answers are retried for 24 hours, so expect duplicates",
		},
		Delivery: Delivery{
			Timeout: 10 * time.Second,
			Retries: "retried over the next 24 hours until a 2xx reply; delivery is at least once, so duplicates happen",
			Source:  "https://dev.bandwidth.com/messaging/callbacks/messageFailed.html",
		},
		Demo: signing.Credentials{Username: "smshook-demo", Password: "smshook-demo-bandwidth-password"},
	}
}
