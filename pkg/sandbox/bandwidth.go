package sandbox

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/smshook/smshook/pkg/client"
	"github.com/smshook/smshook/pkg/signing"
)

// bandwidthAPI plays Bandwidth's Messaging API v2: POST
// /api/v2/users/{accountId}/messages with JSON {applicationId, to: [],
// from, text, media, tag, priority, expiration} and GET
// …/messages/{messageId}?; Basic auth; answers 202 with the message;
// errors {type, description, fieldErrors}. Callbacks go to the
// application's callback URL (the profile's url, or --callback-url) as JSON
// arrays of one event (message-delivered, message-failed with errorCode),
// with the application's callback Basic credentials, retried until 2xx.
// The error shapes are from Bandwidth's error codes page and its SDKs'
// CreateMessageRequestError; the rest is medium (its docs, seen once).
type bandwidthAPI struct{}

func (bandwidthAPI) name() string { return "bandwidth" }

// Bandwidth retries for 24 hours until a 2xx; the sandbox makes 3 more
// attempts, paced by the latency.
func (bandwidthAPI) retries() int            { return 3 }
func (bandwidthAPI) retriesAnyFailure() bool { return true }
func (bandwidthAPI) inboundStatus() string   { return "message-received" }
func (bandwidthAPI) kinds() (string, string) { return "status", "inbound" }
func (bandwidthAPI) sentStatus(st string) bool {
	return st == "message-sending" || st == "message-delivered"
}

// newID is Bandwidth's message id: milliseconds then 16 lower-case letters
// and digits.
func (bandwidthAPI) newID(s *Sandbox) string {
	const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	h := s.randomHex(16)
	b := make([]byte, 16)
	for i := range b {
		b[i] = alnum[(h[2*i]*7+h[2*i+1])%36]
	}
	return fmt.Sprintf("%d%s", s.now().UnixMilli(), b)
}

func (bandwidthAPI) defaultAccount(*Sandbox, signing.Credentials) string { return "9900000" }

// Bandwidth reports delivered or failed (with its error codes: 4720
// invalid destination, 4700 carrier service unavailable, 9902 timed out
// waiting for the receipt, 4770 rejected as spam); SMS has no
// message-sending event (MMS and group messages do).
func (bandwidthAPI) lifecycle(o Outcome) []Step {
	switch o {
	case OutcomeFailed:
		return []Step{{Status: "message-failed", Final: true, Error: "4720"}}
	case OutcomeUndelivered:
		return []Step{{Status: "sent", Silent: true}, {Status: "message-failed", Final: true, Error: "4700"}}
	case OutcomeExpired:
		return []Step{{Status: "sent", Silent: true}, {Status: "message-failed", Final: true, Error: "9902"}}
	case OutcomeRejected:
		return []Step{{Status: "message-failed", Final: true, Error: "4770"}}
	case OutcomeNoFinal:
		return []Step{{Status: "sent", Silent: true}}
	}
	return []Step{{Status: "sent", Silent: true}, {Status: "message-delivered", Final: true}}
}

var bandwidthErrorText = map[string]string{
	"4700": "Carrier Service Unavailable",
	"4720": "Carrier Rejected as Invalid Destination Address",
	"4770": "Carrier Rejected as SPAM",
	"9902": "Timed out waiting for delivery receipt",
}

func bandwidthError(w http.ResponseWriter, status int, typ, desc string, fields ...string) {
	body := map[string]any{"type": typ, "description": desc}
	if len(fields) > 0 {
		var fe []map[string]string
		for i := 0; i+1 < len(fields); i += 2 {
			fe = append(fe, map[string]string{"fieldName": fields[i], "description": fields[i+1]})
		}
		body["fieldErrors"] = fe
	}
	writeJSON(w, status, body)
}

func (b bandwidthAPI) register(s *Sandbox, mux *http.ServeMux, prefix string) {
	base := prefix + "/api/v2/users/{account}/messages"
	mux.HandleFunc("POST "+base, func(w http.ResponseWriter, r *http.Request) { b.create(s, w, r) })
	mux.HandleFunc(prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		bandwidthError(w, http.StatusNotFound, "not-found", "The requested resource was not found")
	})
}

func (bandwidthAPI) auth(s *Sandbox, w http.ResponseWriter, r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok || user == "" || pass == "" || !s.apiKeyOK("bandwidth", user) || !s.apiSecretOK("bandwidth", pass) {
		bandwidthError(w, http.StatusUnauthorized, "unauthorized", "Authentication Failed")
		return false
	}
	return true
}

func (b bandwidthAPI) create(s *Sandbox, w http.ResponseWriter, r *http.Request) {
	if !b.auth(s, w, r) {
		return
	}
	var req struct {
		ApplicationID string     `json:"applicationId"`
		To            stringList `json:"to"`
		From          string     `json:"from"`
		Text          string     `json:"text"`
		Media         []string   `json:"media"`
		Tag           string     `json:"tag"`
		Priority      string     `json:"priority"`
	}
	if err := readJSONBody(r, &req); err != nil {
		bandwidthError(w, http.StatusBadRequest, "request-validation", "Your request could not be accepted: the body is not valid JSON")
		return
	}
	invalid := func(field, desc string) {
		bandwidthError(w, http.StatusBadRequest, "request-validation", "Your request could not be accepted", field, desc)
	}
	switch {
	case req.ApplicationID == "":
		invalid("applicationId", "applicationId is required")
		return
	case len(req.To) == 0:
		invalid("to", "to is required")
		return
	case req.From == "":
		invalid("from", "from is required")
		return
	case req.Text == "" && len(req.Media) == 0:
		invalid("text", "text or media is required")
		return
	case len([]rune(req.Text)) > 2048:
		invalid("text", "text must be at most 2048 characters")
		return
	case req.Priority != "" && req.Priority != "default" && req.Priority != "high":
		invalid("priority", fmt.Sprintf("'%s' must be one of default, high", req.Priority))
		return
	case !e164.MatchString(req.From) && !shortCode.MatchString(req.From):
		invalid("from", fmt.Sprintf("'%s' must be replaced with a valid E164 formatted telephone number", req.From))
		return
	}
	for _, to := range req.To {
		if !e164.MatchString(to) && !shortCode.MatchString(to) {
			invalid("to", fmt.Sprintf("'%s' must be replaced with a valid E164 formatted telephone number", to))
			return
		}
	}
	creds := s.webhookCredentials("bandwidth")
	id := b.newID(s)
	var view Message
	for i, to := range req.To {
		m := &message{api: b, creds: creds, account: r.PathValue("account"), extra: map[string]string{
			"applicationId": req.ApplicationID, "tag": req.Tag, "to": strings.Join(req.To, ","),
		}}
		if len(req.To) > 1 {
			m.key = fmt.Sprintf("%s/%d", id, i)
		}
		m.view = Message{ID: id, Provider: "bandwidth", From: req.From, To: to, Text: req.Text, Status: "accepted", CallbackURL: s.callbackURL("bandwidth")}
		view = s.accept(m)
	}
	priority := req.Priority
	if priority == "" {
		priority = "default"
	}
	media := req.Media
	if media == nil {
		media = []string{}
	}
	writeJSON(w, http.StatusAccepted, map[string]any{
		"id": id, "owner": req.From, "applicationId": req.ApplicationID,
		"time": view.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"), "segmentCount": view.Segments,
		"direction": "out", "to": []string(req.To), "from": req.From, "media": media, "text": req.Text,
		"tag": req.Tag, "priority": priority,
	})
}

type bandwidthMessage struct {
	ID            string   `json:"id"`
	Owner         string   `json:"owner"`
	ApplicationID string   `json:"applicationId"`
	Time          string   `json:"time"`
	SegmentCount  int      `json:"segmentCount"`
	Direction     string   `json:"direction"`
	To            []string `json:"to"`
	From          string   `json:"from"`
	Text          string   `json:"text"`
	Tag           string   `json:"tag,omitempty"`
}

type bandwidthEvent struct {
	Type        string           `json:"type"`
	Time        string           `json:"time"`
	Description string           `json:"description"`
	To          string           `json:"to"`
	ErrorCode   int              `json:"errorCode,omitempty"`
	Message     bandwidthMessage `json:"message"`
}

// statusCallback is a one-event array; the message's text is left out of
// delivery callbacks, as Bandwidth does.
func (bandwidthAPI) statusCallback(m *message, st Step, u string, now time.Time) (*client.Request, error) {
	ev := bandwidthEvent{Type: st.Status, Time: now.UTC().Format("2006-01-02T15:04:05.000Z"), Description: "ok", To: m.view.To,
		Message: bandwidthMessage{ID: m.view.ID, Owner: m.view.From, ApplicationID: m.extra["applicationId"],
			Time: m.view.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"), SegmentCount: m.view.Segments, Direction: "out",
			To: strings.Split(m.extra["to"], ","), From: m.view.From, Text: "", Tag: m.extra["tag"]}}
	if st.Error != "" {
		fmt.Sscan(st.Error, &ev.ErrorCode)
		ev.Description = bandwidthErrorText[st.Error]
	}
	return jsonCallback(u, []bandwidthEvent{ev})
}

// inboundCallback is message-received.
func (bandwidthAPI) inboundCallback(m *message, u string, now time.Time) (*client.Request, error) {
	ts := now.UTC().Format("2006-01-02T15:04:05.000Z")
	ev := bandwidthEvent{Type: "message-received", Time: ts, Description: "Incoming message received", To: m.view.To,
		Message: bandwidthMessage{ID: m.view.ID, Owner: m.view.To, ApplicationID: m.extra["applicationId"], Time: ts,
			SegmentCount: m.view.Segments, Direction: "in", To: []string{m.view.To}, From: m.view.From, Text: m.view.Text}}
	return jsonCallback(u, []bandwidthEvent{ev})
}

func (bandwidthAPI) sendAPI() SendAPI {
	return SendAPI{
		Request:   "POST /api/v2/users/{accountId}/messages, JSON {applicationId, to: [], from, text, media, tag, priority}",
		Auth:      "Basic API user and password: the profile's api_key and api_secret when set (else any); a wrong pair gets 401 Authentication Failed",
		Callbacks: "to the application's callback URL: [{type: message-delivered | message-failed (errorCode), time, description, to, message}], the application's callback Basic credentials; retried until 2xx (3 more attempts here)",
		Evidence:  EvidenceDocs,
		Note:      "errors ({type: request-validation | unauthorized, description, fieldErrors}) follow Bandwidth's error codes page and its SDKs' CreateMessageRequestError; the message and callback shapes and the delivery error codes (4720, 4700, 9902, 4770) are medium: its docs, seen once",
	}
}
