package provider

import (
	"time"

	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/signing"
)

// twilio posts form-encoded status callbacks and incoming messages signed
// with X-Twilio-Signature over the full URL and the sorted parameters.
func twilio() *Provider {
	return &Provider{
		Name:           "twilio",
		Title:          "Twilio",
		DocsURL:        "https://www.twilio.com/docs/usage/webhooks/webhooks-security",
		Auth:           signing.Spec{Scheme: signing.SchemeTwilio, Header: "X-Twilio-Signature"},
		QueryCallbacks: true,
		Kinds: []*Kind{
			{
				Name:        "status",
				Description: "message status callback (DLR), to the StatusCallback URL",
				Match: codec.Match{Path: "MessageStatus", Values: []string{"accepted", "scheduled", "queued", "sending", "sent",
					"delivered", "undelivered", "failed", "read", "canceled", "partially_delivered"}},
				Schema: codec.Schema{
					Format: codec.FormatForm,
					Kind:   codec.KindDelivery,
					Fields: codec.Fields{MessageID: "MessageSid", From: "From", To: "To", Status: "MessageStatus"},
					Statuses: map[string]codec.Status{
						"read": codec.StatusDelivered, "canceled": codec.StatusFailed, "partially_delivered": codec.StatusSent,
					},
				},
				Fixture: formFixture("twilio_status.form"),
			},
			{
				Name:        "inbound",
				Description: "incoming message (MO), to the number's messaging webhook",
				Match:       codec.Match{Path: "SmsStatus", Values: []string{"received"}},
				Schema: codec.Schema{
					Format:        codec.FormatForm,
					Kind:          codec.KindInbound,
					Fields:        codec.Fields{MessageID: "MessageSid", From: "From", To: "To", Text: "Body"},
					DefaultStatus: codec.StatusReceived,
				},
				Fixture: formFixture("twilio_inbound.form"),
			},
		},
		Notes: []string{
			"the signature covers the full URL Twilio was given (scheme, host, path and query) and the POST parameters sorted by name: verify with that public URL (verify --url, listen --public-url), not the local one",
			"JSON bodies carry bodySHA256=<hex sha256 of the body> in the URL, and the signature covers the URL alone",
			"Twilio may sign the URL with or without the port; both are accepted",
			"the secret is the account's auth token; statuses: queued, sending, sent, delivered, undelivered, failed, read",
		},
		Delivery: Delivery{
			Timeout: 15 * time.Second,
			Retries: "by default one retry when the connection fails (connection overrides rc and rp change it); 15 s is the default read and total time, 5 s of it to connect",
			Source:  "https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides",
		},
		Demo: signing.Credentials{Secrets: []string{"smshook-demo-twilio-auth-token"}},
	}
}
