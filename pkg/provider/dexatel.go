package provider

import (
	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/signing"
)

// dexatel signs the raw JSON body with HMAC-SHA256 in X-Dexatel-Signature.
// Its 2022 document shows the digest in hex, its newer pages in base64, so
// verification takes both and signing defaults to the newer base64.
func dexatel() *Provider {
	return &Provider{
		Name:    "dexatel",
		Title:   "Dexatel",
		DocsURL: "https://developers.dexatel.com/docs/webhooks-delivery",
		Auth: signing.Spec{
			Scheme:          signing.SchemeHMAC,
			Header:          "X-Dexatel-Signature",
			Algorithm:       "sha256",
			Encoding:        signing.EncodingBase64,
			AcceptEncodings: []string{signing.EncodingBase64, signing.EncodingHex},
		},
		Kinds: []*Kind{
			{
				Name:        "delivery",
				Description: "delivery report for a message sent (DLR)",
				Match:       codec.Match{Path: "data.event", Values: []string{"delivery"}},
				Schema: codec.Schema{
					Format: codec.FormatJSON,
					Kind:   codec.KindDelivery,
					Fields: codec.Fields{
						MessageID: "data.message_id",
						To:        "data.to",
						Channel:   "data.channel",
						Status:    "data.status",
						Timestamp: "data.timestamp",
						Price:     "data.price",
					},
				},
				Fixture: fixture("dexatel_delivery.json"),
			},
			{
				Name:        "message",
				Description: "inbound message (MO)",
				Match:       codec.Match{Path: "data.event", Values: []string{"message"}},
				Schema: codec.Schema{
					Format: codec.FormatJSON,
					Kind:   codec.KindInbound,
					Fields: codec.Fields{
						MessageID: "data.message_id",
						From:      "data.from",
						To:        "data.to",
						Text:      "data.text",
						Channel:   "data.channel",
						Timestamp: "data.timestamp",
					},
					DefaultStatus: codec.StatusReceived,
				},
				Fixture: fixture("dexatel_message.json"),
			},
		},
		Notes: []string{
			"the signature is over the raw body bytes; verify before parsing the JSON",
			"statuses come as DELIVERED/FAILED/REJECTED/EXPIRED or lowercase: compare case-insensitively",
			"channels: SMS, VIBER, WHATSAPP, VOICE, TELEGRAM, G_RCS",
			"answer 200 OK",
		},
		Demo: signing.Credentials{Secrets: []string{"smshook-demo-dexatel-secret"}},
	}
}
