package provider

import (
	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/signing"
)

// cellcast posts inbound messages to a Receive URL and delivery reports to a
// Status URL, with HTTP Basic auth when a username and password are set.
func cellcast() *Provider {
	fields := codec.Fields{
		MessageID: "_id",
		From:      "sender",
		To:        "receiver",
		Text:      "message",
		Status:    "status",
	}
	return &Provider{
		Name:    "cellcast",
		Title:   "Cellcast",
		DocsURL: "https://developer.cellcast.com/getting-started/setup-webhook.html",
		Auth: signing.Spec{
			Scheme:   signing.SchemeBasic,
			Header:   "Authorization",
			Optional: true,
		},
		Kinds: []*Kind{
			{
				Name:        "receive",
				Description: "inbound message, sent to the Receive URL (MO)",
				Match:       codec.Match{Path: "type", Values: []string{"receive"}},
				Schema: codec.Schema{
					Format: codec.FormatJSON,
					Kind:   codec.KindInbound,
					Fields: fields,
				},
				Fixture: fixture("cellcast_receive.json"),
			},
			{
				Name:        "status",
				Description: "delivery report, sent to the Status URL (DLR)",
				Match:       codec.Match{Path: "type", Values: []string{"send"}},
				Schema: codec.Schema{
					Format: codec.FormatJSON,
					Kind:   codec.KindDelivery,
					Fields: fields,
				},
				Fixture: fixture("cellcast_status.json"),
			},
		},
		Notes: []string{
			"two URLs: Receive (type \"receive\") and Status (type \"send\")",
			"statuses: delivered, received, expired, dead (deleted), rejected, failed",
			"Basic auth only when a username and password are configured in the dashboard",
		},
		Demo: signing.Credentials{Username: "smshook-demo", Password: "smshook-demo-cellcast-password"},
	}
}
