package provider

import (
	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/signing"
)

// standardWebhooks is any sender following the Standard Webhooks spec
// (Svix among them). The spec fixes the signature, not the payload: the
// example payloads use its recommended {type, timestamp, data} envelope.
func standardWebhooks() *Provider {
	return &Provider{
		Name:    "standard-webhooks",
		Title:   "Standard Webhooks (Svix and others)",
		DocsURL: "https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md",
		Auth:    signing.Spec{Scheme: signing.SchemeStandardWebhooks},
		Kinds: []*Kind{
			{
				Name:        "status",
				Description: "message status update (DLR)",
				Match:       codec.Match{Path: "type", Values: []string{"message.status"}},
				Schema: codec.Schema{
					Format: codec.FormatJSON,
					Kind:   codec.KindDelivery,
					Fields: codec.Fields{MessageID: "data.id", From: "data.from", To: "data.to", Status: "data.status", Timestamp: "timestamp"},
				},
				Fixture: fixture("standardwebhooks_status.json"),
			},
			{
				Name:        "inbound",
				Description: "message received (MO)",
				Match:       codec.Match{Path: "type", Values: []string{"message.received"}},
				Schema: codec.Schema{
					Format:        codec.FormatJSON,
					Kind:          codec.KindInbound,
					Fields:        codec.Fields{MessageID: "data.id", From: "data.from", To: "data.to", Text: "data.text", Timestamp: "timestamp"},
					DefaultStatus: codec.StatusReceived,
				},
				Fixture: fixture("standardwebhooks_inbound.json"),
			},
		},
		Notes: []string{
			"signed content is \"<webhook-id>.<webhook-timestamp>.<body>\"; webhook-signature holds space-separated v1,<base64> entries and any one may match",
			"the secret is whsec_<base64 key>: the key is the decoded bytes, not the text",
			"Svix sends the same scheme as svix-id, svix-timestamp and svix-signature: verify reads either",
			"timestamps more than 5 minutes off either way are refused; the same webhook-id on a retry means the same message",
		},
		// whsec_ followed by base64 of "smshook-demo-standard-webhooks"
		Demo: signing.Credentials{Secrets: []string{"whsec_c21zaG9vay1kZW1vLXN0YW5kYXJkLXdlYmhvb2tz"}},
	}
}
