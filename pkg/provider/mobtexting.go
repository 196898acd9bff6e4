package provider

import (
	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/signing"
)

// mobtexting (also sold as BICS CPaaS and ThunderSMS) checks a new webhook
// with a validation handshake and may send a configured secret as a Bearer
// token; there is no signature over the body.
func mobtexting() *Provider {
	return &Provider{
		Name:    "mobtexting",
		Title:   "MOBtexting",
		DocsURL: "https://www.mobtexting.com/",
		Auth: signing.Spec{
			Scheme:   signing.SchemeBearer,
			Header:   "Authorization",
			Optional: true,
		},
		Kinds: []*Kind{
			{
				Name:        "dlr",
				Description: "delivery report for a message sent (DLR)",
				Schema: codec.Schema{
					Format: codec.FormatJSON,
					Kind:   codec.KindDelivery,
					Fields: codec.Fields{
						MessageID: "id",
						To:        "mobile",
						Status:    "status",
						Timestamp: "deliv_time",
						Price:     "credits",
					},
				},
				Fixture: fixture("mobtexting_dlr.json"),
			},
			{
				// The platform's "Interact" virtual numbers (VMN): a message
				// to the number or its keyword goes to the webhook assigned
				// to it (github.com/mobtexting/docs v2/vmn/webhook.md).
				Name:        "inbound",
				Description: "message received on a virtual number (vmn:message:in, MO)",
				Match:       codec.Match{Path: "event", Values: []string{"vmn:message:in"}},
				Schema: codec.Schema{
					Format: codec.FormatJSON,
					Kind:   codec.KindInbound,
					Fields: codec.Fields{
						MessageID: "payload.id",
						From:      "payload.recipient.from",
						To:        "payload.channels.0.to",
						Text:      "payload.message.payload.text",
						Channel:   "payload.channels.0.name",
					},
					DefaultStatus: codec.StatusReceived,
				},
				Fixture: fixture("mobtexting_inbound.json"),
			},
		},
		Handshake: &Handshake{
			QueryParam:     "token",
			KeyField:       "validation_key",
			ChallengeField: "challenge",
			Fixture:        fixture("mobtexting_handshake.json"),
		},
		SuccessStatuses: []int{200, 202},
		Notes: []string{
			"on webhook creation the platform POSTs to the URL with ?token=<validation key>: answer 200 with JSON holding validation_key (and challenge)",
			"the optional secret arrives as Authorization: Bearer <secret> on every request",
			"only 200 and 202 count as success; the platform retries 3 times, 30 minutes apart",
			"ids are <uuid>:<part>; times are YYYY-MM-DD HH:MM:SS",
			"messages to a virtual number (VMN) or its keyword come as JSON {event: vmn:message:in, payload: {id, channels: [{name, to}], recipient: {from}, message: {payload: {text}}}} to the webhook assigned to the number (mobtexting/docs v2/vmn/webhook.md)",
		},
		Delivery: Delivery{
			Retries: "retried 3 times, 30 minutes apart, unless the reply is 200 or 202",
			Source:  "the MOBtexting webhook documentation (DLR push)",
		},
		Demo: signing.Credentials{Secrets: []string{"smshook-demo-mobtexting-secret"}},
	}
}
