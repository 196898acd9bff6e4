package provider

import (
	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/signing"
)

// plivo posts form-encoded message status callbacks and incoming messages,
// signed V2 (over the URL without its query and a nonce) and V3 (also over
// the query and the POST parameters).
func plivo() *Provider {
	return &Provider{
		Name:           "plivo",
		Title:          "Plivo",
		DocsURL:        "https://www.plivo.com/docs/messaging/concepts/signature-validation",
		Auth:           signing.Spec{Scheme: signing.SchemePlivo, Header: "X-Plivo-Signature-V2"},
		QueryCallbacks: true,
		Kinds: []*Kind{
			{
				Name:        "status",
				Description: "message status callback (DLR), to the message's url",
				Match:       codec.Match{Path: "Status", Values: []string{"queued", "sent", "delivered", "undelivered", "failed", "rejected", "read"}},
				Schema: codec.Schema{
					Format:   codec.FormatForm,
					Kind:     codec.KindDelivery,
					Fields:   codec.Fields{MessageID: "MessageUUID", From: "From", To: "To", Status: "Status", Price: "TotalAmount"},
					Statuses: map[string]codec.Status{"read": codec.StatusDelivered},
				},
				Fixture: formFixture("plivo_status.form"),
			},
			{
				Name:        "inbound",
				Description: "incoming message (MO), to the application's message URL",
				Schema: codec.Schema{
					Format:        codec.FormatForm,
					Kind:          codec.KindInbound,
					Fields:        codec.Fields{MessageID: "MessageUUID", From: "From", To: "To", Text: "Text", Channel: "Type"},
					DefaultStatus: codec.StatusReceived,
				},
				Fixture: formFixture("plivo_inbound.form"),
			},
		},
		Notes: []string{
			"X-Plivo-Signature-V2 is HMAC-SHA256 of the URL without its query followed by X-Plivo-Signature-V2-Nonce, keyed with the auth token: verify with the public URL (verify --url, listen --public-url)",
			"V2 does not sign the body: only the URL and the nonce; X-Plivo-Signature-V3 (nonce in X-Plivo-Signature-V3-Nonce) also signs the query and the POST parameters, sorted: sign sets both; verify and listen accept either, and check each one the request carries",
			"statuses: queued, sent, delivered, undelivered, failed, rejected",
		},
		Demo: signing.Credentials{Secrets: []string{"smshook-demo-plivo-auth-token"}},
	}
}
