package sandbox

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/smshook/smshook/pkg/client"
	"github.com/smshook/smshook/pkg/signing"
)

// messagebirdAPI plays MessageBird's SMS API: POST /messages (JSON or
// form: originator, body, recipients, reference, reportUrl, validity,
// datacoding …) and GET /messages/{id}, Authorization: AccessKey KEY;
// answers 201 with the message object (recipients.items per recipient);
// errors {"errors": [{code, description, parameter}]}. Status reports go
// per recipient to reportUrl (else the account's) as GET requests with
// id, reference, recipient, status, statusDatetime …, signed with
// MessageBird-Signature-JWT by the signing key. Request, answer and errors
// from messagebird/go-rest-api (sms/message.go and its testdata); the
// report's fields are medium (MessageBird's docs).
type messagebirdAPI struct{}

func (messagebirdAPI) name() string            { return "messagebird" }
func (messagebirdAPI) retries() int            { return 0 } // not documented
func (messagebirdAPI) retriesAnyFailure() bool { return false }
func (messagebirdAPI) inboundStatus() string   { return "received" }

// smshook's messagebird provider reads Conversations API events, not the
// SMS API's query-string reports and MO: the reports are recorded with
// kind "status" and a decode error, and replies are not played.
func (messagebirdAPI) kinds() (string, string) { return "status", "" }
func (messagebirdAPI) sentStatus(st string) bool {
	return st == "sent" || st == "buffered" || st == "delivered" || st == "expired"
}

// newID is 32 lower-case hex digits.
func (messagebirdAPI) newID(s *Sandbox) string { return s.randomHex(16) }

func (messagebirdAPI) defaultAccount(*Sandbox, signing.Credentials) string { return "" }

// MessageBird's recipient statuses, with a statusReason and, for
// failures, the GSM error code as statusErrorCode.
func (messagebirdAPI) lifecycle(o Outcome) []Step {
	buffered := Step{Status: "buffered"}
	switch o {
	case OutcomeFailed:
		return []Step{{Status: "delivery_failed", Final: true, Error: "1"}}
	case OutcomeUndelivered:
		return []Step{buffered, {Status: "delivery_failed", Final: true, Error: "27"}}
	case OutcomeExpired:
		return []Step{buffered, {Status: "expired", Final: true}}
	case OutcomeRejected:
		return []Step{{Status: "delivery_failed", Final: true, Error: "103"}}
	case OutcomeNoFinal:
		return []Step{buffered}
	}
	return []Step{{Status: "delivered", Final: true}}
}

var messagebirdReason = map[string]string{
	"delivered": "successfully delivered",
	"buffered":  "pending DLR",
	"expired":   "expired",
	"1":         "unknown subscriber",
	"27":        "absent subscriber",
	"103":       "rejected by operator",
}

func messagebirdError(w http.ResponseWriter, status, code int, desc, param string) {
	var p any
	if param != "" {
		p = param
	}
	writeJSON(w, status, map[string]any{"errors": []map[string]any{{"code": code, "description": desc, "parameter": p}}})
}

func (mb messagebirdAPI) register(s *Sandbox, mux *http.ServeMux, prefix string) {
	mux.HandleFunc("POST "+prefix+"/messages", func(w http.ResponseWriter, r *http.Request) { mb.create(s, w, r) })
	mux.HandleFunc("GET "+prefix+"/messages/{id}", func(w http.ResponseWriter, r *http.Request) { mb.fetch(s, w, r, prefix) })
	mux.HandleFunc(prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		messagebirdError(w, http.StatusNotFound, 20, "resource not found", "")
	})
}

func (messagebirdAPI) auth(s *Sandbox, w http.ResponseWriter, r *http.Request) bool {
	h := r.Header.Get("Authorization")
	key := strings.TrimSpace(strings.TrimPrefix(h, "AccessKey "))
	if !strings.HasPrefix(h, "AccessKey ") || key == "" || !s.apiKeyOK("messagebird", key) {
		messagebirdError(w, http.StatusUnauthorized, 2, "Request not allowed (incorrect access_key)", "access_key")
		return false
	}
	return true
}

// messagebirdParams reads a JSON object or a form into strings; JSON
// recipients may be numbers, strings, or a list of either.
func messagebirdParams(r *http.Request) (map[string]string, []string, error) {
	p := map[string]string{}
	var recipients []string
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		var fields map[string]any
		if err := readJSONBody(r, &fields); err != nil {
			return nil, nil, err
		}
		for k, v := range fields {
			switch val := v.(type) {
			case []any:
				if k == "recipients" {
					for _, x := range val {
						recipients = append(recipients, jsonScalar(x))
					}
				}
			default:
				p[k] = jsonScalar(val)
			}
		}
	} else {
		if err := r.ParseForm(); err != nil {
			return nil, nil, err
		}
		for k := range r.PostForm {
			p[k] = r.PostForm.Get(k)
		}
		recipients = append(recipients, r.PostForm["recipients[]"]...)
	}
	if rs := p["recipients"]; rs != "" {
		recipients = append(recipients, strings.Split(rs, ",")...)
	}
	for i := range recipients {
		recipients[i] = strings.TrimPrefix(strings.TrimSpace(recipients[i]), "+")
	}
	return p, recipients, nil
}

func jsonScalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func (mb messagebirdAPI) create(s *Sandbox, w http.ResponseWriter, r *http.Request) {
	if !mb.auth(s, w, r) {
		return
	}
	p, recipients, err := messagebirdParams(r)
	if err != nil {
		messagebirdError(w, http.StatusBadRequest, 21, "Bad request (phone number has unknown format or the body is not JSON)", "")
		return
	}
	invalid := func(code int, desc, param string) {
		messagebirdError(w, http.StatusUnprocessableEntity, code, desc, param)
	}
	originator, body, reportURL := p["originator"], p["body"], p["reportUrl"]
	datacoding := p["datacoding"]
	if datacoding == "" {
		datacoding = "plain"
	}
	switch {
	case originator == "":
		invalid(9, "originator is required", "originator")
		return
	case body == "":
		invalid(9, "body is required", "body")
		return
	case len(recipients) == 0:
		invalid(9, "no (correct) recipients found", "recipients")
		return
	case !validSender(originator) && !internationalNumber.MatchString(originator):
		invalid(10, "originator is invalid", "originator")
		return
	case reportURL != "" && !httpURL(reportURL):
		invalid(10, "reportUrl is invalid", "reportUrl")
		return
	case datacoding != "plain" && datacoding != "unicode" && datacoding != "auto":
		invalid(10, "datacoding is invalid", "datacoding")
		return
	}
	for _, rc := range recipients {
		if !internationalNumber.MatchString(rc) {
			invalid(9, "no (correct) recipients found", "recipients")
			return
		}
	}
	if reportURL == "" {
		reportURL = s.callbackURL("messagebird")
	}
	id := mb.newID(s)
	creds := s.webhookCredentials("messagebird")
	var first *message
	var accepted []Message
	for i, rc := range recipients {
		m := &message{api: mb, creds: creds, extra: map[string]string{"reference": p["reference"], "datacoding": datacoding, "validity": p["validity"]}}
		if len(recipients) > 1 {
			m.key = fmt.Sprintf("%s/%d", id, i)
		}
		m.view = Message{ID: id, Provider: "messagebird", From: originator, To: "+" + rc, Text: body, Status: "sent", CallbackURL: reportURL}
		if first == nil {
			first = m
		}
		// The answer is the message as accepted: its life may already
		// have moved on (with --latency 0) by the time the answer is written.
		accepted = append(accepted, s.accept(m))
	}
	writeJSON(w, http.StatusCreated, mb.resourceOf(first, accepted, id, "https://rest.messagebird.com"))
}

// resource is the message object with one item per recipient.
func (mb messagebirdAPI) resource(s *Sandbox, id, base string) map[string]any {
	ms := s.store.find(func(m *message) bool { return m.api.name() == "messagebird" && m.view.ID == id })
	if len(ms) == 0 {
		return nil
	}
	views := make([]Message, 0, len(ms))
	for _, m := range ms {
		_, v, _ := s.store.get(m.key)
		views = append(views, v)
	}
	return mb.resourceOf(ms[0], views, id, base)
}

// resourceOf is the message object for the views of its recipients; m0,
// the first recipient's message, holds what the request gave.
func (mb messagebirdAPI) resourceOf(m0 *message, views []Message, id, base string) map[string]any {
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05-07:00") }
	var items []map[string]any
	counts := map[string]int{}
	first := views[0]
	for _, v := range views {
		n, _ := strconv.ParseInt(strings.TrimPrefix(v.To, "+"), 10, 64)
		items = append(items, map[string]any{"recipient": n, "status": v.Status, "statusDatetime": ts(v.UpdatedAt), "messagePartCount": v.Segments})
		counts[v.Status]++
	}
	nullable := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	var validity any
	if n, err := strconv.Atoi(m0.extra["validity"]); err == nil {
		validity = n
	}
	return map[string]any{
		"id": id, "href": base + "/messages/" + id, "direction": "mt", "type": "sms",
		"originator": first.From, "body": first.Text, "reference": nullable(m0.extra["reference"]),
		"validity": validity, "gateway": 10, "typeDetails": map[string]any{}, "datacoding": m0.extra["datacoding"],
		"mclass": 1, "scheduledDatetime": nil, "createdDatetime": ts(first.CreatedAt),
		"recipients": map[string]any{
			"totalCount":               len(items),
			"totalSentCount":           len(items),
			"totalDeliveredCount":      counts["delivered"],
			"totalDeliveryFailedCount": counts["delivery_failed"],
			"items":                    items,
		},
	}
}

func (mb messagebirdAPI) fetch(s *Sandbox, w http.ResponseWriter, r *http.Request, prefix string) {
	if !mb.auth(s, w, r) {
		return
	}
	res := mb.resource(s, r.PathValue("id"), "https://rest.messagebird.com")
	if res == nil {
		messagebirdError(w, http.StatusNotFound, 20, "message not found", "")
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// statusCallback is a status report: a GET to reportUrl with the fields
// in the query.
func (messagebirdAPI) statusCallback(m *message, st Step, u string, now time.Time) (*client.Request, error) {
	q := url.Values{}
	q.Set("id", m.view.ID)
	q.Set("reference", m.extra["reference"])
	q.Set("recipient", strings.TrimPrefix(m.view.To, "+"))
	q.Set("status", st.Status)
	q.Set("statusDatetime", now.UTC().Format("2006-01-02T15:04:05-07:00"))
	reason := messagebirdReason[st.Status]
	if st.Error != "" {
		q.Set("statusErrorCode", st.Error)
		reason = messagebirdReason[st.Error]
	}
	q.Set("statusReason", reason)
	q.Set("mccmnc", "20408")
	q.Set("price[amount]", fmt.Sprintf("%.3f", 0.07*float64(m.view.Segments)))
	q.Set("price[currency]", "EUR")
	target, err := url.Parse(u)
	if err != nil {
		return nil, err
	}
	if target.RawQuery != "" {
		target.RawQuery += "&"
	}
	target.RawQuery += q.Encode()
	return &client.Request{Method: http.MethodGet, URL: target.String(), Header: http.Header{}}, nil
}

func (messagebirdAPI) inboundCallback(*message, string, time.Time) (*client.Request, error) {
	return nil, fmt.Errorf("messagebird: no inbound webhook")
}

func (messagebirdAPI) sendAPI() SendAPI {
	return SendAPI{
		Request:   "POST /messages (JSON or form: originator, body, recipients, reference, reportUrl, validity, datacoding); GET /messages/{id}",
		Auth:      "Authorization: AccessKey KEY: the profile's api_key when set (else any); a wrong key gets 401, code 2 Request not allowed (incorrect access_key)",
		Callbacks: "per recipient to reportUrl (else the account's): GET with id, reference, recipient, status (buffered, delivered, expired, delivery_failed), statusDatetime, statusReason, statusErrorCode; MessageBird-Signature-JWT by the signing key",
		Evidence:  EvidenceSDK,
		Note:      "request, answer and errors from messagebird/go-rest-api; the report's fields are medium (MessageBird's docs). listen and the sandbox's capture read these reports from the query (id, recipient, status, statusDatetime); smshook's messagebird inbound kind is the Conversations API's, so replies are not played",
	}
}
