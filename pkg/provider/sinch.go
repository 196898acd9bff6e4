package provider

import (
	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/signing"
)

// sinch posts JSON delivery reports and inbound messages (SMS API), signed
// with an HMAC over the body, a nonce and a timestamp when a webhook secret
// is configured.
func sinch() *Provider {
	return &Provider{
		Name:    "sinch",
		Title:   "Sinch",
		DocsURL: "https://developers.sinch.com/docs/sms/api-reference/sms/tag/Webhooks/",
		Auth:    signing.Spec{Scheme: signing.SchemeSinch, Header: "x-sinch-webhook-signature"},
		Kinds: []*Kind{
			{
				Name:        "delivery",
				Description: "recipient delivery report (DLR)",
				Match:       codec.Match{Path: "type", Values: []string{"recipient_delivery_report_sms", "recipient_delivery_report_mms"}},
				Schema: codec.Schema{
					Format: codec.FormatJSON,
					Kind:   codec.KindDelivery,
					Fields: codec.Fields{MessageID: "batch_id", To: "recipient", Status: "status", Timestamp: "at"},
					Statuses: map[string]codec.Status{
						"dispatched": codec.StatusSent, "aborted": codec.StatusFailed, "cancelled": codec.StatusFailed,
					},
				},
				Fixture: fixture("sinch_delivery.json"),
			},
			{
				Name:        "inbound",
				Description: "inbound message (MO)",
				Match:       codec.Match{Path: "type", Values: []string{"mo_text", "mo_binary", "mo_media"}},
				Schema: codec.Schema{
					Format:        codec.FormatJSON,
					Kind:          codec.KindInbound,
					Fields:        codec.Fields{MessageID: "id", From: "from", To: "to", Text: "body", Timestamp: "received_at"},
					DefaultStatus: codec.StatusReceived,
				},
				Fixture: fixture("sinch_inbound.json"),
			},
		},
		Notes: []string{
			"x-sinch-webhook-signature is base64 HMAC-SHA256 of \"<raw body>.<nonce>.<timestamp>\" with the nonce, timestamp and algorithm in x-sinch-webhook-signature-nonce, -timestamp, -algorithm",
			"SMS callbacks are signed only when the account manager enables it; otherwise they may use Basic auth",
			"statuses: Queued, Dispatched, Aborted, Cancelled, Rejected, Deleted, Delivered, Failed, Expired, Unknown",
			"answer 2xx: 5xx and 429 are retried with doubling delays for about 23 hours",
		},
		Delivery: Delivery{
			Retries: "5xx and 429 are retried 5 s after the first try, then after 10, 20, 40 s… doubling, the last 81,920 s (22 h 45 min) after the first failure; other 4xx are not retried",
			Source:  "https://developers.sinch.com/docs/sms/api-reference/sms/tag/Webhooks/",
		},
		Demo: signing.Credentials{Secrets: []string{"smshook-demo-sinch-secret"}},
	}
}
