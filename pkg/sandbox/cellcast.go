package sandbox

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/smshook/smshook/pkg/client"
	"github.com/smshook/smshook/pkg/signing"
)

// cellcastAPI plays Cellcast's v3 API: POST /api/v3/send-sms with
// {sms_text, numbers, from} and the APPKEY header, GET /api/v3/get-sms;
// answers {meta: {code, status}, msg, data}. Status callbacks go to the
// account's Status URL in the shape of Cellcast's webhook page (seed 004),
// with Basic auth when a username and password are configured. The API's
// shapes are from public clients and a public summary of Cellcast's v3
// documentation; Cellcast publishes no SDK.
type cellcastAPI struct{}

func (cellcastAPI) name() string { return "cellcast" }

// Cellcast documents no retry of webhooks.
func (cellcastAPI) retriesAnyFailure() bool { return false }

func (cellcastAPI) retries() int { return 0 }

func (cellcastAPI) inboundStatus() string { return "received" }

func (cellcastAPI) kinds() (string, string) { return "status", "receive" }

func (cellcastAPI) sentStatus(st string) bool { return st != "queued" && st != "failed" }

// newID is Cellcast's message_id shape: an upper-case GUID.
func (cellcastAPI) newID(s *Sandbox) string { return strings.ToUpper(s.uuid()) }

func (cellcastAPI) defaultAccount(*Sandbox, signing.Credentials) string { return "" }

// Cellcast reports the final status; statuses as its webhook page lists
// them (delivered, expired, rejected, failed …).
func (cellcastAPI) lifecycle(o Outcome) []Step {
	switch o {
	case OutcomeFailed, OutcomeUndelivered:
		return []Step{{Status: "dispatched", Silent: true}, {Status: "failed", Final: true}}
	case OutcomeExpired:
		return []Step{{Status: "expired", Final: true}}
	case OutcomeRejected:
		return []Step{{Status: "rejected", Final: true}}
	case OutcomeNoFinal:
		return []Step{{Status: "dispatched", Silent: true}}
	}
	return []Step{{Status: "dispatched", Silent: true}, {Status: "delivered", Final: true}}
}

// cellcastError writes Cellcast's envelope with an error status.
func cellcastError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"meta": map[string]any{"code": status, "status": code}, "msg": msg, "data": []any{}})
}

func (c cellcastAPI) register(s *Sandbox, mux *http.ServeMux, prefix string) {
	mux.HandleFunc("POST "+prefix+"/api/v3/send-sms", func(w http.ResponseWriter, r *http.Request) { c.create(s, w, r) })
	mux.HandleFunc("GET "+prefix+"/api/v3/get-sms", func(w http.ResponseWriter, r *http.Request) { c.fetch(s, w, r) })
	mux.HandleFunc(prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		cellcastError(w, http.StatusNotFound, "NOT_FOUND", "Not found")
	})
}

func (cellcastAPI) auth(s *Sandbox, w http.ResponseWriter, r *http.Request) bool {
	key := strings.TrimSpace(r.Header.Get("APPKEY"))
	if key == "" {
		cellcastError(w, http.StatusUnauthorized, "AUTH_FAILED", "APPKEY is missing: send it in the APPKEY header")
		return false
	}
	if !s.apiKeyOK("cellcast", key) {
		cellcastError(w, http.StatusUnauthorized, "AUTH_FAILED", "Invalid APPKEY")
		return false
	}
	return true
}

var (
	auMobile     = regexp.MustCompile(`^04[0-9]{8}$`)
	cellcastFrom = regexp.MustCompile(`^([A-Za-z0-9 -]{1,11}|[0-9]{1,16})$`)
)

// cellcastNumber is an E.164 number, or an Australian mobile as 04…
// (written +614… in answers and callbacks).
func cellcastNumber(n string) (string, bool) {
	n = strings.TrimSpace(n)
	switch {
	case auMobile.MatchString(n):
		return "+61" + n[1:], true
	case e164.MatchString(n):
		return n, true
	}
	return "", false
}

func (c cellcastAPI) create(s *Sandbox, w http.ResponseWriter, r *http.Request) {
	if !c.auth(s, w, r) {
		return
	}
	var req struct {
		Text    string     `json:"sms_text"`
		Numbers stringList `json:"numbers"`
		From    string     `json:"from"`
	}
	if err := readJSONBody(r, &req); err != nil {
		cellcastError(w, http.StatusBadRequest, "FIELD_INVALID", "Invalid JSON: "+err.Error())
		return
	}
	invalid := func(msg string) { cellcastError(w, http.StatusBadRequest, "FIELD_INVALID", msg) }
	parts, enc := Segments(req.Text)
	switch {
	case strings.TrimSpace(req.Text) == "":
		invalid("sms_text is required")
		return
	case len(req.Numbers) == 0:
		invalid("numbers is required")
		return
	case len(req.Numbers) > 1000:
		invalid("numbers can hold up to 1000 numbers per call")
		return
	case enc == EncodingGSM && parts > 6, enc == EncodingUCS2 && parts > 6:
		invalid("sms_text is too long: at most 918 GSM characters or 402 Unicode characters")
		return
	case req.From != "" && !cellcastFrom.MatchString(req.From):
		invalid(fmt.Sprintf("from %q is invalid: up to 11 letters, digits, spaces or dashes, or up to 16 digits", req.From))
		return
	}
	numbers := make([]string, len(req.Numbers))
	for i, n := range req.Numbers {
		e, ok := cellcastNumber(n)
		if !ok {
			invalid(fmt.Sprintf("numbers: %q is not a valid mobile number (+614NNNNNNNN or 04NNNNNNNN)", n))
			return
		}
		numbers[i] = e
	}
	creds := s.webhookCredentials("cellcast")
	var msgs []map[string]any
	credits := 0
	for _, to := range numbers {
		m := &message{api: c, creds: creds, extra: map[string]string{}}
		m.view = Message{ID: c.newID(s), Provider: "cellcast", From: req.From, To: to, Text: req.Text, Status: "queued", CallbackURL: s.callbackURL("cellcast")}
		v := s.accept(m)
		credits += v.Segments
		from := v.From
		if from == "" {
			from = "Regular ID" // Cellcast's shared number when no sender is given
		}
		msgs = append(msgs, map[string]any{
			"message_id": v.ID, "from": from, "to": v.To, "body": v.Text,
			"date": v.CreatedAt.UTC().Format("2006-01-02 15:04:05"), "custom_string": "", "direction": "out",
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"meta": map[string]any{"code": 200, "status": "SUCCESS"},
		"msg":  "Queued",
		"data": map[string]any{"messages": msgs, "total_numbers": len(numbers), "success_number": len(numbers), "credits_used": credits},
	})
}

// fetch is get-sms?message_id=, statuses capitalized as Cellcast's API shows them.
func (c cellcastAPI) fetch(s *Sandbox, w http.ResponseWriter, r *http.Request) {
	if !c.auth(s, w, r) {
		return
	}
	id := r.URL.Query().Get("message_id")
	m, v, ok := s.store.get(id)
	if id == "" || !ok || m.api.name() != "cellcast" {
		cellcastError(w, http.StatusNotFound, "NOT_FOUND", "No record found")
		return
	}
	sent := ""
	if v.SentAt != nil {
		sent = v.SentAt.UTC().Format("2006-01-02 15:04:05")
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"meta": map[string]any{"code": 200, "status": "SUCCESS"},
		"msg":  "Record founded",
		"data": []map[string]any{{"to": v.To, "body": v.Text, "sent_time": sent, "message_id": v.ID,
			"status": strings.ToUpper(v.Status[:1]) + v.Status[1:], "subaccount_id": ""}},
	})
}

type cellcastStatus struct {
	ID       string `json:"_id"`
	Status   string `json:"status"`
	Type     string `json:"type"`
	Sender   string `json:"sender"`
	Receiver string `json:"receiver"`
}

// statusCallback is the Status URL's payload of Cellcast's webhook page.
func (cellcastAPI) statusCallback(m *message, st Step, u string, _ time.Time) (*client.Request, error) {
	sender := m.view.From
	if sender == "" {
		sender = "cellcast"
	}
	return jsonCallback(u, cellcastStatus{ID: m.view.ID, Status: st.Status, Type: "send", Sender: sender, Receiver: m.view.To})
}

type cellcastReceive struct {
	ID       string `json:"_id"`
	Status   string `json:"status"`
	Type     string `json:"type"`
	Message  string `json:"message"`
	Sender   string `json:"sender"`
	Receiver string `json:"receiver"`
}

// inboundCallback is the Receive URL's payload.
func (cellcastAPI) inboundCallback(m *message, u string, _ time.Time) (*client.Request, error) {
	return jsonCallback(u, cellcastReceive{ID: m.view.ID, Status: "received", Type: "receive", Message: m.view.Text, Sender: m.view.From, Receiver: m.view.To})
}
