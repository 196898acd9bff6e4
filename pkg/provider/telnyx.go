package provider

import (
	"time"

	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/signing"
)

// Telnyx's demo key pair is public by design: it signs and verifies the
// local listener's defaults and nothing else. The private key is base64 of
// the 64-byte seed+public form; the public key is its second half.
const (
	telnyxDemoPrivateKey = "OZ1fNUxw/HTSmCxAUIbpTOqiWx+cLiXyg02Kk55AAmfVigACvW0bmdDXVXThpbQw8Rtp5FQ4a2UkYGT0efuWkg=="
	TelnyxDemoPublicKey  = "1YoAAr1tG5nQ11V04aW0MPEbaeRUOGtlJGBk9Hn7lpI="
)

// telnyx signs JSON events with Ed25519: the account's public key verifies.
func telnyx() *Provider {
	return &Provider{
		Name:    "telnyx",
		Title:   "Telnyx",
		DocsURL: "https://developers.telnyx.com/docs/messaging/messages/receiving-webhooks",
		Auth:    signing.Spec{Scheme: signing.SchemeTelnyx, Tolerance: 300 * time.Second},
		Kinds: []*Kind{
			{
				Name:        "delivery",
				Description: "outbound message sent or finalized (DLR)",
				Match:       codec.Match{Path: "data.event_type", Values: []string{"message.finalized", "message.sent"}},
				Schema: codec.Schema{
					Format: codec.FormatJSON,
					Kind:   codec.KindDelivery,
					Fields: codec.Fields{
						MessageID: "data.payload.id",
						From:      "data.payload.from.phone_number",
						To:        "data.payload.to.0.phone_number",
						Text:      "data.payload.text",
						Channel:   "data.payload.type",
						Status:    "data.payload.to.0.status",
						Timestamp: "data.occurred_at",
						Price:     "data.payload.cost.amount",
					},
					Statuses: map[string]codec.Status{
						"delivery_failed": codec.StatusFailed, "sending_failed": codec.StatusFailed,
						"delivery_unconfirmed": codec.StatusSent, "gw_timeout": codec.StatusFailed,
					},
				},
				Fixture: fixture("telnyx_delivery.json"),
			},
			{
				Name:        "inbound",
				Description: "message received (MO)",
				Match:       codec.Match{Path: "data.event_type", Values: []string{"message.received"}},
				Schema: codec.Schema{
					Format: codec.FormatJSON,
					Kind:   codec.KindInbound,
					Fields: codec.Fields{
						MessageID: "data.payload.id",
						From:      "data.payload.from.phone_number",
						To:        "data.payload.to.0.phone_number",
						Text:      "data.payload.text",
						Channel:   "data.payload.type",
						Timestamp: "data.occurred_at",
					},
					DefaultStatus: codec.StatusReceived,
				},
				Fixture: fixture("telnyx_inbound.json"),
			},
		},
		Notes: []string{
			"the signature is Ed25519 over \"<telnyx-timestamp>|<raw body>\"; verify with the account's public key (portal: Keys & Credentials), never a secret",
			"sign needs a private key: 'smshook keys generate telnyx' writes a test pair; the demo public key is " + TelnyxDemoPublicKey,
			"timestamps more than 300 s off are refused",
			"the delivery status is per recipient, in data.payload.to[].status: queued, sending, sent, delivered, sending_failed, delivery_failed, delivery_unconfirmed",
		},
		Delivery: Delivery{
			Timeout: 2 * time.Second,
			Retries: "retried when the reply is late or not 2xx, up to 3 attempts per URL, then sent to the failover URL if one is set",
			Source:  "https://developers.telnyx.com/docs/messaging/messages/receiving-webhooks",
		},
		Demo: signing.Credentials{Secrets: []string{telnyxDemoPrivateKey}},
	}
}
