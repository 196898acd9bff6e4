package sandbox

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/smshook/smshook/pkg/client"
	"github.com/smshook/smshook/pkg/signing"
)

// dexatelAPI plays Dexatel's Messages API: POST /v1/messages with
// {"data": {from, to: [], text, channel}} and the X-Dexatel-Key header;
// the answer lists one message per recipient; delivery webhooks go to
// the account's webhook URL signed with X-Dexatel-Signature. Shapes from
// Dexatel's developer pages (messages-add, messages-get, status and
// error codes) and public clients that agree on the request.
type dexatelAPI struct{}

func (dexatelAPI) name() string { return "dexatel" }

// Dexatel documents no retry of webhooks.
func (dexatelAPI) retriesAnyFailure() bool { return false }

func (dexatelAPI) retries() int { return 0 }

func (dexatelAPI) inboundStatus() string { return "received" }

func (dexatelAPI) sentStatus(st string) bool { return st != "enroute" && st != "failed" }

func (dexatelAPI) newID(s *Sandbox) string { return s.uuid() }

func (dexatelAPI) kinds() (string, string) { return "delivery", "message" }

func (dexatelAPI) defaultAccount(s *Sandbox, _ signing.Credentials) string { return s.dexatelAccount() }

// Dexatel's delivery webhook fires for the final status only; statuses
// as in its webhook examples (lowercase).
func (dexatelAPI) lifecycle(o Outcome) []Step {
	switch o {
	case OutcomeFailed, OutcomeUndelivered:
		return []Step{{Status: "sent", Silent: true}, {Status: "failed", Final: true}}
	case OutcomeExpired:
		return []Step{{Status: "sent", Silent: true}, {Status: "expired", Final: true}}
	case OutcomeRejected:
		return []Step{{Status: "rejected", Final: true}}
	case OutcomeNoFinal:
		return []Step{{Status: "sent", Silent: true}}
	}
	return []Step{{Status: "sent", Silent: true}, {Status: "delivered", Final: true}}
}

// dexatelError writes Dexatel's error list.
func dexatelError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	writeJSON(w, status, map[string]any{"errors": []map[string]any{{
		"timestamp": time.Now().UTC().Format("2006-01-02 15:04:05"),
		"path":      r.URL.Path,
		"method":    r.Method,
		"status":    status,
		"message":   msg,
		// Dexatel does not publish its specific codes: the HTTP status stands in.
		"code": status,
	}}})
}

func (d dexatelAPI) register(s *Sandbox, mux *http.ServeMux, prefix string) {
	mux.HandleFunc("POST "+prefix+"/v1/messages", func(w http.ResponseWriter, r *http.Request) { d.create(s, w, r) })
	mux.HandleFunc("GET "+prefix+"/v1/messages/{id}", func(w http.ResponseWriter, r *http.Request) { d.fetch(s, w, r) })
	mux.HandleFunc(prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		dexatelError(w, r, http.StatusNotFound, "Not Found")
	})
}

func (dexatelAPI) auth(s *Sandbox, w http.ResponseWriter, r *http.Request) bool {
	key := strings.TrimSpace(r.Header.Get("X-Dexatel-Key"))
	if key == "" {
		dexatelError(w, r, http.StatusUnauthorized, "Unauthorized: the X-Dexatel-Key header is missing")
		return false
	}
	if !s.apiKeyOK("dexatel", key) {
		dexatelError(w, r, http.StatusUnauthorized, "Unauthorized")
		return false
	}
	return true
}

var dexatelChannels = []string{"SMS", "VIBER", "WHATSAPP"}

func (d dexatelAPI) create(s *Sandbox, w http.ResponseWriter, r *http.Request) {
	if !d.auth(s, w, r) {
		return
	}
	var req struct {
		Data *struct {
			From    string     `json:"from"`
			To      stringList `json:"to"`
			Text    string     `json:"text"`
			Channel string     `json:"channel"`
		} `json:"data"`
	}
	if err := readJSONBody(r, &req); err != nil {
		dexatelError(w, r, http.StatusBadRequest, "Malformed JSON request: "+err.Error())
		return
	}
	bad := func(msg string) { dexatelError(w, r, http.StatusBadRequest, msg) }
	data := req.Data
	switch {
	case data == nil:
		bad("data is required")
		return
	case data.From == "":
		bad("data.from is required")
		return
	case len(data.To) == 0:
		bad("data.to is required")
		return
	case len(data.To) > 10:
		bad("data.to can hold up to 10 recipients")
		return
	case strings.TrimSpace(data.Text) == "":
		bad("data.text is required")
		return
	}
	channel := strings.ToUpper(data.Channel)
	if channel == "" {
		channel = "SMS"
	}
	if !containsString(dexatelChannels, channel) {
		bad(fmt.Sprintf("data.channel %q is invalid: use SMS, VIBER or WHATSAPP", data.Channel))
		return
	}
	for _, to := range data.To {
		if !internationalNumber.MatchString(to) {
			bad(fmt.Sprintf("data.to %q is not a valid phone number: digits with the country code", to))
			return
		}
	}
	creds := s.webhookCredentials("dexatel")
	out := []map[string]any{}
	for _, to := range data.To {
		m := &message{api: d, creds: creds, account: s.dexatelAccount(), extra: map[string]string{"channel": channel}}
		m.view = Message{ID: d.newID(s), Provider: "dexatel", From: data.From, To: to, Text: data.Text, Status: "enroute", CallbackURL: s.callbackURL("dexatel")}
		v := s.accept(m)
		out = append(out, d.resource(m, v))
	}
	writeJSON(w, http.StatusCreated, map[string]any{"data": out})
}

// dexatelAccount is the sandbox's Dexatel account id, fixed per run.
func (s *Sandbox) dexatelAccount() string { return s.accountID("dexatel") }

func (dexatelAPI) resource(m *message, v Message) map[string]any {
	return map[string]any{
		"id":             v.ID,
		"account_id":     m.account,
		"text":           v.Text,
		"from":           v.From,
		"to":             []string{v.To},
		"channel":        m.extra["channel"],
		"status":         v.Status,
		"segments_count": v.Segments,
		"encoding":       v.Encoding,
		"create_date":    v.CreatedAt.UTC().Format("2006-01-02 15:04:05"),
		"update_date":    v.UpdatedAt.UTC().Format("2006-01-02 15:04:05"),
	}
}

func (d dexatelAPI) fetch(s *Sandbox, w http.ResponseWriter, r *http.Request) {
	if !d.auth(s, w, r) {
		return
	}
	m, v, ok := s.store.get(r.PathValue("id"))
	if !ok || m.api.name() != "dexatel" {
		dexatelError(w, r, http.StatusNotFound, "Message not found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": d.resource(m, v)})
}

type dexatelDelivery struct {
	Data struct {
		AccountID string  `json:"account_id"`
		MessageID string  `json:"message_id"`
		Event     string  `json:"event"`
		Status    string  `json:"status"`
		Channel   string  `json:"channel"`
		To        string  `json:"to"`
		MCCMNC    string  `json:"mccmnc"`
		Price     float64 `json:"price"`
		Timestamp string  `json:"timestamp"`
	} `json:"data"`
}

// statusCallback is the delivery webhook, as in Dexatel's "Webhooks -
// Delivery" page: the number without +, the timestamp as yyyy-MM-dd HH:mm:ss.
func (dexatelAPI) statusCallback(m *message, st Step, u string, now time.Time) (*client.Request, error) {
	var b dexatelDelivery
	b.Data.AccountID, b.Data.MessageID, b.Data.Event = m.account, m.view.ID, "delivery"
	b.Data.Status, b.Data.Channel, b.Data.To = st.Status, m.extra["channel"], digitsOnly(m.view.To)
	b.Data.MCCMNC = "001001" // the ITU test network: no real operator
	b.Data.Price = 0.05 * float64(m.view.Segments)
	b.Data.Timestamp = now.UTC().Format("2006-01-02 15:04:05")
	return jsonCallback(u, b)
}

type dexatelMessage struct {
	Data struct {
		AccountID string `json:"account_id"`
		MessageID string `json:"message_id"`
		Event     string `json:"event"`
		From      string `json:"from"`
		To        string `json:"to"`
		Text      string `json:"text"`
		Channel   string `json:"channel"`
		Timestamp string `json:"timestamp"`
	} `json:"data"`
}

// inboundCallback is the message webhook of Dexatel's 2022 document.
func (dexatelAPI) inboundCallback(m *message, u string, now time.Time) (*client.Request, error) {
	var b dexatelMessage
	b.Data.AccountID, b.Data.MessageID, b.Data.Event = m.account, m.view.ID, "message"
	b.Data.From, b.Data.To, b.Data.Text = digitsOnly(m.view.From), digitsOnly(m.view.To), m.view.Text
	b.Data.Channel = "SMS"
	b.Data.Timestamp = now.UTC().Format("2006-01-02 15:04:05")
	return jsonCallback(u, b)
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
