package provider

import (
	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/signing"
)

// messagebird (now Bird) posts conversation message events as JSON with an
// HS256 JWT in MessageBird-Signature-JWT that binds the URL and the body.
func messagebird() *Provider {
	fields := codec.Fields{
		MessageID: "message.id",
		From:      "message.from",
		To:        "message.to",
		Text:      "message.content.text",
		Channel:   "message.platform",
		Status:    "message.status",
		Timestamp: "message.updatedDatetime",
	}
	return &Provider{
		Name:           "messagebird",
		Title:          "MessageBird (Bird)",
		DocsURL:        "https://developers.messagebird.com/api/#verifying-http-requests",
		Auth:           signing.Spec{Scheme: signing.SchemeMessageBird, Header: "MessageBird-Signature-JWT"},
		QueryCallbacks: true,
		// The SMS API's status reports: a GET with the report in the query.
		QueryFields:   &codec.Fields{MessageID: "id", To: "recipient", Status: "status", Timestamp: "statusDatetime"},
		QueryStatuses: map[string]codec.Status{"scheduled": codec.StatusAccepted, "buffered": codec.StatusSent, "delivery_failed": codec.StatusFailed},
		Kinds: []*Kind{
			{
				Name:        "status",
				Description: "status update of a message sent (message.updated, DLR)",
				Match:       codec.Match{Path: "message.direction", Values: []string{"sent"}},
				Schema:      codec.Schema{Format: codec.FormatJSON, Kind: codec.KindDelivery, Fields: fields, Statuses: map[string]codec.Status{"read": codec.StatusDelivered}},
				Fixture:     fixture("messagebird_status.json"),
			},
			{
				Name:        "inbound",
				Description: "message received (message.created, MO)",
				Match:       codec.Match{Path: "message.direction", Values: []string{"received"}},
				Schema:      codec.Schema{Format: codec.FormatJSON, Kind: codec.KindInbound, Fields: fields, DefaultStatus: codec.StatusReceived},
				Fixture:     fixture("messagebird_inbound.json"),
			},
		},
		Notes: []string{
			"MessageBird-Signature-JWT is an HS256 JWT signed with the signing key (not the API key): iss MessageBird, nbf, exp, jti, url_hash = hex sha256 of the full URL, payload_hash = hex sha256 of the body",
			"url_hash binds the public URL MessageBird was given: verify with it (verify --url, listen --public-url); a proxy that changes the URL breaks verification",
			"tokens live a minute: nbf and exp are checked with a 5 s leeway, as MessageBird's Node validator does, unless --tolerance says otherwise; a token without nbf or exp is refused (it would never expire) unless --tolerance is negative",
			"url_hash and payload_hash are hex in either case; a bodyless request has no payload_hash",
			"SMS status reports may come as GET with id, reference, recipient, status and statusDatetime in the query: listen reads them from it",
		},
		Demo: signing.Credentials{Secrets: []string{"smshook-demo-messagebird-signing-key"}},
	}
}
