package sandbox

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/client"
	"github.com/smshook/smshook/pkg/signing"
)

// sinchAPI plays Sinch's SMS REST API (xms v1): POST
// /xms/v1/{service_plan_id}/batches with JSON {from, to: [], body, type,
// delivery_report, callback_url, client_reference, expire_at …}, GET
// …/batches/{batch_id}, Bearer auth; answers 201 with the batch; errors
// {code, text} (syntax_invalid_json, syntax_invalid_parameter_format,
// syntax_constraint_violation; 403 missing_callback_url). Delivery reports
// as asked: none (the default), per_recipient (each status of each
// recipient), per_recipient_final, or summary / full (one report per
// batch once every recipient's status is final), signed with the webhook
// secret (x-sinch-webhook-signature). Shapes from the Sinch SDKs and the
// xms API reference.
type sinchAPI struct {
	mu      sync.Mutex
	batches map[string]*sinchBatch
}

// sinchBatch gathers a batch's final statuses for its summary report.
type sinchBatch struct {
	total, final int
	statuses     map[string]*sinchStatusCount // by status
	order        []string
}

type sinchStatusCount struct {
	Code       int      `json:"code"`
	Status     string   `json:"status"`
	Count      int      `json:"count"`
	Recipients []string `json:"recipients,omitempty"`
}

func (*sinchAPI) name() string { return "sinch" }

// Sinch retries 5xx and 429 for about 23 hours, doubling from 5 s; the
// sandbox makes 3 more attempts, paced by the latency.
func (*sinchAPI) retries() int            { return 3 }
func (*sinchAPI) retriesAnyFailure() bool { return false }
func (*sinchAPI) inboundStatus() string   { return "received" }
func (*sinchAPI) kinds() (string, string) { return "delivery", "inbound" }
func (*sinchAPI) sentStatus(st string) bool {
	return st == "Dispatched" || st == "Delivered" || st == "Expired"
}

// newID is a batch id: 26 characters of Crockford base32, like Sinch's.
func (*sinchAPI) newID(s *Sandbox) string { return capture.NewID(s.now()) }

func (*sinchAPI) defaultAccount(*Sandbox, signing.Credentials) string { return "" }

// Sinch's recipient statuses with its delivery report codes (400 queued,
// 401 dispatched, 402 unroutable, 404 temporary delivery failure, 406
// expiry, 408 rejected, 0 delivered).
func (*sinchAPI) lifecycle(o Outcome) []Step {
	dispatched := Step{Status: "Dispatched", Error: "401"}
	switch o {
	case OutcomeFailed:
		return []Step{{Status: "Failed", Final: true, Error: "402"}}
	case OutcomeUndelivered:
		return []Step{dispatched, {Status: "Failed", Final: true, Error: "404"}}
	case OutcomeExpired:
		return []Step{dispatched, {Status: "Expired", Final: true, Error: "406"}}
	case OutcomeRejected:
		return []Step{{Status: "Rejected", Final: true, Error: "408"}}
	case OutcomeNoFinal:
		return []Step{dispatched}
	}
	return []Step{dispatched, {Status: "Delivered", Final: true, Error: "0"}}
}

func sinchError(w http.ResponseWriter, status int, code, text string) {
	writeJSON(w, status, map[string]string{"code": code, "text": text})
}

func (a *sinchAPI) register(s *Sandbox, mux *http.ServeMux, prefix string) {
	base := prefix + "/xms/v1/{plan}/batches"
	mux.HandleFunc("POST "+base, func(w http.ResponseWriter, r *http.Request) { a.create(s, w, r) })
	mux.HandleFunc("GET "+base+"/{id}", func(w http.ResponseWriter, r *http.Request) { a.fetch(s, w, r) })
	mux.HandleFunc(prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		sinchError(w, http.StatusNotFound, "not_found", "Not found")
	})
}

func (*sinchAPI) auth(s *Sandbox, w http.ResponseWriter, r *http.Request) bool {
	h := r.Header.Get("Authorization")
	token := strings.TrimSpace(strings.TrimPrefix(h, "Bearer "))
	if !strings.HasPrefix(h, "Bearer ") || token == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="xms"`)
		sinchError(w, http.StatusUnauthorized, "unauthorized", "Unauthorized: send Authorization: Bearer API_TOKEN")
		return false
	}
	if !s.apiKeyOK("sinch", token) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="xms", error="invalid_token"`)
		sinchError(w, http.StatusUnauthorized, "unauthorized", "Unauthorized")
		return false
	}
	return true
}

var sinchReports = []string{"none", "summary", "full", "per_recipient", "per_recipient_final"}

func (a *sinchAPI) create(s *Sandbox, w http.ResponseWriter, r *http.Request) {
	if !a.auth(s, w, r) {
		return
	}
	var req struct {
		From            string   `json:"from"`
		To              []string `json:"to"`
		Body            *string  `json:"body"`
		Type            string   `json:"type"`
		DeliveryReport  string   `json:"delivery_report"`
		CallbackURL     string   `json:"callback_url"`
		ClientReference string   `json:"client_reference"`
		ExpireAt        string   `json:"expire_at"`
		SendAt          string   `json:"send_at"`
		FlashMessage    bool     `json:"flash_message"`
	}
	if err := readJSONBody(r, &req); err != nil {
		sinchError(w, http.StatusBadRequest, "syntax_invalid_json", "The JSON in the request is invalid: "+err.Error())
		return
	}
	constraint := func(text string) { sinchError(w, http.StatusBadRequest, "syntax_constraint_violation", text) }
	format := func(text string) { sinchError(w, http.StatusBadRequest, "syntax_invalid_parameter_format", text) }
	typ := req.Type
	if typ == "" {
		typ = "mt_text"
	}
	report := req.DeliveryReport
	if report == "" {
		report = "none"
	}
	switch {
	case req.From == "":
		constraint("from: must not be empty")
		return
	case len(req.To) == 0:
		constraint("to: must contain at least 1 recipient")
		return
	case len(req.To) > 1000:
		constraint("to: must contain at most 1000 recipients")
		return
	case req.Body == nil:
		constraint("body: is required")
		return
	case typ != "mt_text":
		format(fmt.Sprintf("type: %q is not supported here: mt_text", typ))
		return
	case !containsString(sinchReports, report):
		format(fmt.Sprintf("delivery_report: %q is not one of none, summary, full, per_recipient, per_recipient_final", report))
		return
	case req.CallbackURL != "" && !httpURL(req.CallbackURL):
		format("callback_url: must be a valid URL")
		return
	case len(req.ClientReference) > 2048:
		constraint("client_reference: must be at most 2048 characters")
		return
	}
	for _, to := range req.To {
		if !internationalNumber.MatchString(to) && !shortCode.MatchString(to) {
			format(fmt.Sprintf("to: %q is not a valid MSISDN", to))
			return
		}
	}
	callback := req.CallbackURL
	if callback == "" {
		callback = s.callbackURL("sinch")
	}
	if report != "none" && callback == "" {
		sinchError(w, http.StatusForbidden, "missing_callback_url", "A delivery report was requested, but there is no callback URL: set callback_url, or the service plan's (--callback-url)")
		return
	}
	batchID := a.newID(s)
	now := s.now().UTC()
	a.mu.Lock()
	if a.batches == nil {
		a.batches = map[string]*sinchBatch{}
	}
	a.batches[batchID] = &sinchBatch{total: len(req.To), statuses: map[string]*sinchStatusCount{}}
	a.mu.Unlock()
	creds := s.webhookCredentials("sinch")
	for i, to := range req.To {
		m := &message{api: a, creds: creds, account: r.PathValue("plan"), extra: map[string]string{
			"report": report, "client_reference": req.ClientReference, "recipients": fmt.Sprint(len(req.To)),
		}}
		if len(req.To) > 1 {
			m.key = fmt.Sprintf("%s/%d", batchID, i)
		}
		m.view = Message{ID: batchID, Provider: "sinch", From: req.From, To: to, Text: *req.Body, Status: "Queued"}
		if report != "none" {
			m.view.CallbackURL = callback
		}
		s.accept(m)
	}
	writeJSON(w, http.StatusCreated, a.batch(batchID, req.From, req.To, *req.Body, report, req.CallbackURL, req.ClientReference, req.FlashMessage, now))
}

func (*sinchAPI) batch(id, from string, to []string, body, report, callback, ref string, flash bool, created time.Time) map[string]any {
	ts := created.UTC().Format("2006-01-02T15:04:05.000Z")
	b := map[string]any{
		"id": id, "from": from, "to": to, "body": body, "type": "mt_text", "canceled": false,
		"created_at": ts, "modified_at": ts, "send_at": ts,
		"expire_at":       created.Add(72 * time.Hour).UTC().Format("2006-01-02T15:04:05.000Z"),
		"delivery_report": report, "flash_message": flash,
	}
	if callback != "" {
		b["callback_url"] = callback
	}
	if ref != "" {
		b["client_reference"] = ref
	}
	return b
}

func (a *sinchAPI) fetch(s *Sandbox, w http.ResponseWriter, r *http.Request) {
	if !a.auth(s, w, r) {
		return
	}
	id := r.PathValue("id")
	ms := s.store.find(func(m *message) bool {
		return m.api.name() == "sinch" && m.view.ID == id && m.account == r.PathValue("plan")
	})
	if len(ms) == 0 {
		sinchError(w, http.StatusNotFound, "not_found", "Batch "+id+" not found")
		return
	}
	var to []string
	for _, m := range ms {
		to = append(to, m.view.To)
	}
	first := ms[0]
	cb := ""
	if first.extra["report"] != "none" {
		cb = first.view.CallbackURL
	}
	writeJSON(w, http.StatusOK, a.batch(id, first.view.From, to, first.view.Text, first.extra["report"], cb, first.extra["client_reference"], false, first.view.CreatedAt))
}

type sinchRecipientReport struct {
	Type             string `json:"type"`
	BatchID          string `json:"batch_id"`
	Recipient        string `json:"recipient"`
	Code             int    `json:"code"`
	Status           string `json:"status"`
	At               string `json:"at"`
	OperatorStatusAt string `json:"operator_status_at,omitempty"`
	ClientReference  string `json:"client_reference,omitempty"`
}

type sinchBatchReport struct {
	Type              string              `json:"type"`
	BatchID           string              `json:"batch_id"`
	TotalMessageCount int                 `json:"total_message_count"`
	Statuses          []*sinchStatusCount `json:"statuses"`
	ClientReference   string              `json:"client_reference,omitempty"`
}

// statusCallback is a recipient report (per_recipient: every status;
// per_recipient_final: the final one), or, for summary and full, the
// batch's report once its last recipient is final (nil before).
func (a *sinchAPI) statusCallback(m *message, st Step, u string, now time.Time) (*client.Request, error) {
	code := 0
	fmt.Sscan(st.Error, &code)
	ts := now.UTC().Format("2006-01-02T15:04:05.000Z")
	switch report := m.extra["report"]; report {
	case "per_recipient", "per_recipient_final":
		if report == "per_recipient_final" && !st.Final {
			return nil, nil
		}
		return jsonCallback(u, sinchRecipientReport{Type: "recipient_delivery_report_sms", BatchID: m.view.ID, Recipient: m.view.To,
			Code: code, Status: st.Status, At: ts, OperatorStatusAt: ts, ClientReference: m.extra["client_reference"]})
	case "summary", "full":
		if !st.Final || st.Duplicate {
			return nil, nil
		}
		a.mu.Lock()
		b := a.batches[m.view.ID]
		if b == nil {
			a.mu.Unlock()
			return nil, nil
		}
		c, ok := b.statuses[st.Status]
		if !ok {
			c = &sinchStatusCount{Code: code, Status: st.Status}
			b.statuses[st.Status] = c
			b.order = append(b.order, st.Status)
		}
		c.Count++
		if report == "full" {
			c.Recipients = append(c.Recipients, m.view.To)
		}
		b.final++
		done := b.final == b.total
		var statuses []*sinchStatusCount
		if done {
			for _, name := range b.order {
				copied := *b.statuses[name]
				statuses = append(statuses, &copied)
			}
			delete(a.batches, m.view.ID)
		}
		a.mu.Unlock()
		if !done {
			return nil, nil
		}
		return jsonCallback(u, sinchBatchReport{Type: "delivery_report_sms", BatchID: m.view.ID, TotalMessageCount: b.total,
			Statuses: statuses, ClientReference: m.extra["client_reference"]})
	}
	return nil, nil
}

// inboundCallback is an mo_text.
func (*sinchAPI) inboundCallback(m *message, u string, now time.Time) (*client.Request, error) {
	type mo struct {
		Type       string `json:"type"`
		ID         string `json:"id"`
		From       string `json:"from"`
		To         string `json:"to"`
		Body       string `json:"body"`
		OperatorID string `json:"operator_id"`
		ReceivedAt string `json:"received_at"`
	}
	return jsonCallback(u, mo{Type: "mo_text", ID: m.view.ID, From: m.view.From, To: m.view.To, Body: m.view.Text,
		OperatorID: "23410", ReceivedAt: now.UTC().Format("2006-01-02T15:04:05.000Z")})
}

func (*sinchAPI) sendAPI() SendAPI {
	return SendAPI{
		Request:   "POST /xms/v1/{service_plan_id}/batches, JSON {from, to: [], body, type, delivery_report, callback_url, client_reference}; GET /xms/v1/{service_plan_id}/batches/{batch_id}",
		Auth:      "Authorization: Bearer API_TOKEN: the profile's api_key when set (else any); a wrong token gets 401",
		Callbacks: "as delivery_report asks (default none): per_recipient / per_recipient_final reports, or one summary / full report per batch, to callback_url (else the service plan's); x-sinch-webhook-signature with the webhook secret; 5xx retried (3 more attempts here)",
		Evidence:  EvidenceSDK + " and " + EvidenceDocs,
		Note:      "the sandbox signs every report; Sinch signs SMS callbacks only when the account manager enables it",
	}
}
