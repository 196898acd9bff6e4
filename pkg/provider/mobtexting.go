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
		},
		Delivery: Delivery{
			Retries: "retried 3 times, 30 minutes apart, unless the reply is 200 or 202",
			Source:  "the MOBtexting webhook documentation (DLR push)",
		},
		Demo: signing.Credentials{Secrets: []string{"smshook-demo-mobtexting-secret"}},
	}
}
