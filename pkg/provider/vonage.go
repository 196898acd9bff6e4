package provider

import (
	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/signing"
)

// vonage (formerly Nexmo) sends SMS delivery receipts and inbound messages
// as parameters; with signed webhooks enabled they carry sig, timestamp and
// nonce. smshook sends them as form POSTs (the dashboard's "POST" method);
// verify also reads GET query parameters and POST-JSON bodies.
func vonage() *Provider {
	return &Provider{
		Name:           "vonage",
		Title:          "Vonage SMS API (Nexmo)",
		DocsURL:        "https://developer.vonage.com/en/getting-started/concepts/signing-messages",
		Auth:           signing.Spec{Scheme: signing.SchemeVonage, Algorithm: "md5hash"},
		QueryCallbacks: true,
		Kinds: []*Kind{
			{
				Name:        "dlr",
				Description: "delivery receipt (DLR), to the account's delivery receipt URL",
				Match:       codec.Match{Path: "status", Values: []string{"delivered", "expired", "failed", "rejected", "accepted", "buffered", "unknown"}},
				Schema: codec.Schema{
					Format: codec.FormatForm,
					Kind:   codec.KindDelivery,
					// In a receipt msisdn is the recipient and to the sender.
					Fields:   codec.Fields{MessageID: "messageId", From: "to", To: "msisdn", Status: "status", Timestamp: "message-timestamp", Price: "price"},
					Statuses: map[string]codec.Status{"buffered": codec.StatusSent},
				},
				Fixture: formFixture("vonage_dlr.form"),
			},
			{
				Name:        "inbound",
				Description: "inbound message (MO), to the number's inbound webhook URL",
				Match:       codec.Match{Path: "type", Values: []string{"text", "unicode", "binary"}},
				Schema: codec.Schema{
					Format:        codec.FormatForm,
					Kind:          codec.KindInbound,
					Fields:        codec.Fields{MessageID: "messageId", From: "msisdn", To: "to", Text: "text", Timestamp: "message-timestamp"},
					DefaultStatus: codec.StatusReceived,
				},
				Fixture: formFixture("vonage_inbound.form"),
			},
		},
		Notes: []string{
			"the signature is the sig parameter, beside timestamp and nonce: sign adds all three to the body (or the query of a GET), which is what Vonage sends",
			"signed string: &name=value for every parameter but sig, sorted by name, '&' and '=' in values replaced by '_'",
			"blank values (client-ref=) are signed as &client-ref=, as the Node, PHP and Python libraries do; verify also accepts them left out, as the Java library signs",
			"the account's signature method decides the hash: md5hash (MD5 of the string and the secret, the default), or HMAC md5, sha1, sha256, sha512: set auth algorithm in a config provider to change it",
			"enable signed webhooks with Vonage support; the secret is the account's signature secret, not the API secret",
		},
		GetCallbacks: true,
		Demo:         signing.Credentials{Secrets: []string{"smshook-demo-vonage-signature-secret"}},
	}
}
