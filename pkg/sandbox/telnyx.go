package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tidwall/sjson"

	"github.com/smshook/smshook/pkg/client"
	"github.com/smshook/smshook/pkg/signing"
)

// telnyxAPI plays Telnyx's Messaging API v2: POST /v2/messages (JSON:
// to, from or messaging_profile_id, text, webhook_url,
// webhook_failover_url …) and GET /v2/messages/{id}, Bearer auth, errors
// as {"errors": [{code, title, detail, source, meta}]} with Telnyx's codes;
// webhooks message.sent then message.finalized, Ed25519-signed, sent up
// to 3 times, then to the failover URL. Shapes from the Telnyx SDKs and
// developer docs (API and messaging error codes).
type telnyxAPI struct{}

func (telnyxAPI) name() string { return "telnyx" }

// Telnyx tries a webhook 3 times when the answer is late or not 2xx.
func (telnyxAPI) retries() int            { return 2 }
func (telnyxAPI) retriesAnyFailure() bool { return true }
func (telnyxAPI) inboundStatus() string   { return "webhook_delivered" }
func (telnyxAPI) kinds() (string, string) { return "delivery", "inbound" }
func (telnyxAPI) sentStatus(st string) bool {
	return st == "sent" || st == "delivered" || st == "delivery_failed" || st == "delivery_unconfirmed"
}
func (telnyxAPI) newID(s *Sandbox) string { return s.uuid() }
func (telnyxAPI) defaultAccount(s *Sandbox, _ signing.Credentials) string {
	return s.accountID("telnyx")
}

// Telnyx's recipient statuses and delivery error codes (messaging error
// code reference): sending_failed never left Telnyx; delivery_failed did.
func (telnyxAPI) lifecycle(o Outcome) []Step {
	sent := Step{Status: "sent"}
	switch o {
	case OutcomeFailed:
		return []Step{{Status: "sending_failed", Final: true, Error: "40008"}}
	case OutcomeUndelivered:
		return []Step{sent, {Status: "delivery_failed", Final: true, Error: "40006"}}
	case OutcomeExpired:
		return []Step{{Status: "expired", Final: true, Error: "40005"}}
	case OutcomeRejected:
		return []Step{sent, {Status: "delivery_failed", Final: true, Error: "40004"}}
	case OutcomeNoFinal:
		return []Step{sent}
	}
	return []Step{sent, {Status: "delivered", Final: true}}
}

var telnyxErrorTitle = map[string]string{
	"10003": "Invalid URL",
	"10004": "Missing required parameter",
	"10005": "Resource not found",
	"10009": "Authentication failed",
	"10015": "Bad Request",
	"10016": "Phone number must be in +E.164 format",
	"40004": "Rejected by destination",
	"40005": "Message expired",
	"40006": "Recipient unavailable",
	"40008": "Undeliverable",
	"40310": "Invalid 'to' address",
}

func telnyxErrorObject(code, detail, pointer string) map[string]any {
	e := map[string]any{
		"code":   code,
		"title":  telnyxErrorTitle[code],
		"detail": detail,
		"meta":   map[string]string{"url": "https://developers.telnyx.com/docs/overview/errors/" + code},
	}
	if pointer != "" {
		e["source"] = map[string]string{"pointer": pointer}
	}
	return e
}

func telnyxError(w http.ResponseWriter, status int, code, detail, pointer string) {
	writeJSON(w, status, map[string]any{"errors": []any{telnyxErrorObject(code, detail, pointer)}})
}

func (t telnyxAPI) register(s *Sandbox, mux *http.ServeMux, prefix string) {
	mux.HandleFunc("POST "+prefix+"/v2/messages", func(w http.ResponseWriter, r *http.Request) { t.create(s, w, r) })
	mux.HandleFunc("GET "+prefix+"/v2/messages/{id}", func(w http.ResponseWriter, r *http.Request) { t.fetch(s, w, r) })
	mux.HandleFunc(prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		telnyxError(w, http.StatusNotFound, "10005", "The requested resource or URL could not be found.", "")
	})
}

func (telnyxAPI) auth(s *Sandbox, w http.ResponseWriter, r *http.Request) bool {
	h := r.Header.Get("Authorization")
	key := strings.TrimSpace(strings.TrimPrefix(h, "Bearer "))
	if !strings.HasPrefix(h, "Bearer ") || key == "" {
		telnyxError(w, http.StatusUnauthorized, "10009", "The required authentication headers were either invalid or not included in the request.", "")
		return false
	}
	if !s.apiKeyOK("telnyx", key) {
		telnyxError(w, http.StatusUnauthorized, "10009", "Could not understand the provided credentials.", "")
		return false
	}
	return true
}

func (t telnyxAPI) create(s *Sandbox, w http.ResponseWriter, r *http.Request) {
	if !t.auth(s, w, r) {
		return
	}
	var req struct {
		To                 stringList `json:"to"`
		From               string     `json:"from"`
		MessagingProfileID string     `json:"messaging_profile_id"`
		Text               string     `json:"text"`
		Subject            string     `json:"subject"`
		MediaURLs          []string   `json:"media_urls"`
		WebhookURL         string     `json:"webhook_url"`
		WebhookFailoverURL string     `json:"webhook_failover_url"`
		Type               string     `json:"type"`
	}
	if err := readJSONBody(r, &req); err != nil {
		telnyxError(w, http.StatusBadRequest, "10015", "The request failed because it was not well-formed: "+err.Error(), "")
		return
	}
	bad := func(code, detail, pointer string) { telnyxError(w, http.StatusBadRequest, code, detail, pointer) }
	switch {
	case len(req.To) == 0 || req.To[0] == "":
		bad("10004", "The 'to' parameter is required.", "/to")
	case len(req.To) > 1 || !(e164.MatchString(req.To[0]) || shortCode.MatchString(req.To[0])):
		bad("40310", "The 'to' address should be a single valid number.", "/to")
	case req.From == "" && req.MessagingProfileID == "":
		bad("10004", "The 'from' parameter is required (or messaging_profile_id, to send from its number pool).", "/from")
	case req.From != "" && !validSender(req.From):
		bad("10016", "The 'from' parameter must be a +E.164 number, a short code or an alphanumeric sender ID.", "/from")
	case req.Text == "" && len(req.MediaURLs) == 0:
		bad("10004", "The 'text' parameter is required (or media_urls).", "/text")
	case req.WebhookURL != "" && !httpURL(req.WebhookURL):
		bad("10003", "The URL provided was invalid, malformed, or too long.", "/webhook_url")
	case req.WebhookFailoverURL != "" && !httpURL(req.WebhookFailoverURL):
		bad("10003", "The URL provided was invalid, malformed, or too long.", "/webhook_failover_url")
	default:
		from := req.From
		if from == "" {
			from = "+18445550001" // a number from the profile's pool
		}
		profileID := req.MessagingProfileID
		if profileID == "" {
			profileID = s.accountID("telnyx-profile")
		}
		callback := req.WebhookURL
		if callback == "" {
			callback = s.callbackURL("telnyx")
		}
		typ := "SMS"
		if len(req.MediaURLs) > 0 {
			typ = "MMS"
		}
		m := &message{api: t, creds: telnyxSigningKey(s), account: s.accountID("telnyx"), extra: map[string]string{
			"profile": profileID, "failover": req.WebhookFailoverURL, "webhook_url": req.WebhookURL, "type": typ, "subject": req.Subject,
		}}
		m.view = Message{ID: t.newID(s), Provider: "telnyx", From: from, To: req.To[0], Text: req.Text, Status: "queued", CallbackURL: callback}
		v := s.accept(m)
		writeJSON(w, http.StatusOK, map[string]any{"data": t.resource(m, v, v.Status, "")})
	}
}

// telnyxSigningKey signs webhooks: the profile's key when it is a private
// key (a public one only verifies), else the demo key listen --demo checks.
func telnyxSigningKey(s *Sandbox) signing.Credentials {
	if c := s.endpoint("telnyx").Credentials; len(c.Secrets) > 0 {
		if _, priv, err := signing.ParseEd25519Key(c.Secrets[0]); err == nil && priv != nil {
			return c
		}
	}
	return s.webhookCredentials("telnyx-demo")
}

// resource is the message object of answers and webhook payloads, with
// the recipient's status and error.
func (telnyxAPI) resource(m *message, v Message, status, errCode string) map[string]any {
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000-07:00") }
	var sent, completed, cost any
	if v.SentAt != nil {
		sent = ts(*v.SentAt)
		cost = map[string]string{"amount": fmt.Sprintf("%.4f", 0.004*float64(v.Segments)), "currency": "USD"}
	}
	if v.Final {
		completed = ts(v.UpdatedAt)
	}
	errs := []any{}
	if errCode != "" {
		errs = append(errs, telnyxErrorObject(errCode, telnyxErrorTitle[errCode], ""))
	}
	var subject any
	if m.extra["subject"] != "" {
		subject = m.extra["subject"]
	}
	nullable := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	return map[string]any{
		"record_type":          "message",
		"direction":            "outbound",
		"id":                   v.ID,
		"type":                 m.extra["type"],
		"messaging_profile_id": m.extra["profile"],
		"organization_id":      m.account,
		"from":                 map[string]string{"phone_number": v.From, "carrier": "TELNYX LLC", "line_type": "VoIP"},
		"to":                   []map[string]string{{"phone_number": v.To, "status": status, "carrier": "", "line_type": "Wireless"}},
		"cc":                   []any{},
		"text":                 v.Text,
		"subject":              subject,
		"media":                []any{},
		"webhook_url":          nullable(m.extra["webhook_url"]),
		"webhook_failover_url": nullable(m.extra["failover"]),
		"encoding":             v.Encoding,
		"parts":                v.Segments,
		"tags":                 []any{},
		"cost":                 cost,
		"received_at":          ts(v.CreatedAt),
		"sent_at":              sent,
		"completed_at":         completed,
		"valid_until":          ts(v.CreatedAt.Add(4 * time.Hour)),
		"errors":               errs,
	}
}

func (t telnyxAPI) fetch(s *Sandbox, w http.ResponseWriter, r *http.Request) {
	if !t.auth(s, w, r) {
		return
	}
	m, v, ok := s.store.get(r.PathValue("id"))
	if !ok || m.api.name() != "telnyx" {
		telnyxError(w, http.StatusNotFound, "10005", "The requested resource or URL could not be found.", "")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": t.resource(m, v, v.Status, v.Error)})
}

// telnyxEvent is a webhook's envelope, fields in Telnyx's order.
type telnyxEvent struct {
	Data struct {
		EventType  string         `json:"event_type"`
		ID         string         `json:"id"`
		OccurredAt string         `json:"occurred_at"`
		Payload    map[string]any `json:"payload"`
		RecordType string         `json:"record_type"`
	} `json:"data"`
	Meta struct {
		Attempt     int    `json:"attempt"`
		DeliveredTo string `json:"delivered_to"`
	} `json:"meta"`
}

func (telnyxAPI) event(eventType, id, u string, now time.Time, payload map[string]any) telnyxEvent {
	var e telnyxEvent
	e.Data.EventType, e.Data.ID = eventType, id
	e.Data.OccurredAt = now.UTC().Format("2006-01-02T15:04:05.000-07:00")
	e.Data.Payload, e.Data.RecordType = payload, "event"
	e.Meta.Attempt, e.Meta.DeliveredTo = 1, u
	return e
}

// numberAttempt writes a retry's number in meta.attempt: the sandbox's
// own callback body, rebuilt per attempt as Telnyx sends each one anew.
func (telnyxAPI) numberAttempt(body []byte, n int) ([]byte, error) {
	return sjson.SetBytes(body, "meta.attempt", n)
}

// statusCallback is message.sent for "sent", message.finalized for the rest.
func (t telnyxAPI) statusCallback(m *message, st Step, u string, now time.Time) (*client.Request, error) {
	eventType := "message.finalized"
	if st.Status == "sent" {
		eventType = "message.sent"
	}
	v := m.view.clone()
	v.Final = st.Final
	if st.Final {
		v.UpdatedAt = now
	}
	if v.SentAt == nil && t.sentStatus(st.Status) {
		v.SentAt = &now
	}
	payload := t.resource(m, v, st.Status, st.Error)
	return jsonCallback(u, t.event(eventType, eventID(m.view.ID, st), u, now, payload))
}

// eventID is a stable UUID-shaped id per message and status, so that a
// duplicate (chaos) carries the same event id, as Telnyx's retries do.
func eventID(messageID string, st Step) string {
	b, _ := json.Marshal(st.Status)
	h := fnv64(messageID + string(b))
	return fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", uint32(h>>32), uint16(h>>16), uint16(h)&0xfff, uint16(h>>4)&0xfff, h&0xffffffffffff)
}

func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// inboundCallback is message.received.
func (telnyxAPI) inboundCallback(m *message, u string, now time.Time) (*client.Request, error) {
	v := &m.view
	payload := map[string]any{
		"direction":            "inbound",
		"encoding":             v.Encoding,
		"from":                 map[string]string{"carrier": "", "line_type": "Wireless", "phone_number": v.From},
		"id":                   v.ID,
		"messaging_profile_id": m.extra["profile"],
		"parts":                v.Segments,
		"received_at":          now.UTC().Format("2006-01-02T15:04:05.000-07:00"),
		"record_type":          "message",
		"text":                 v.Text,
		"to":                   []map[string]string{{"carrier": "TELNYX LLC", "line_type": "VoIP", "phone_number": v.To, "status": "webhook_delivered"}},
		"type":                 "SMS",
	}
	return jsonCallback(u, telnyxAPI{}.event("message.received", eventID(v.ID, Step{Status: "received"}), u, now, payload))
}

func (telnyxAPI) sendAPI() SendAPI {
	return SendAPI{
		Request:   "POST /v2/messages, JSON {to, from or messaging_profile_id, text, media_urls, webhook_url, webhook_failover_url …}; GET /v2/messages/{id}",
		Auth:      "Authorization: Bearer API_KEY: the profile's api_key when set (else any); a wrong key gets 401, error 10009",
		Callbacks: "to webhook_url (else the profile's): message.sent, then message.finalized (delivered, delivery_failed, sending_failed, expired); Ed25519 in telnyx-signature-ed25519 over timestamp|body; 3 attempts (meta.attempt 1, 2, 3, each signed anew), then webhook_failover_url (attempt 1 there: how Telnyx numbers failover attempts is not documented)",
		Evidence:  EvidenceSDK + " and " + EvidenceDocs,
		Note:      "signed with the profile's key when it is a private key (a public key only verifies), else the demo key 'smshook listen --demo' checks",
	}
}
