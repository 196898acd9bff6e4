package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/smshook/smshook/pkg/client"
	"github.com/smshook/smshook/pkg/signing"
)

// plivoAPI plays Plivo's Message API: POST /v1/Account/{auth_id}/Message/
// with JSON {src or powerpack_uuid, dst ("<"-separated for several), text,
// type, url, method …}, GET …/Message/{uuid}/, Basic auth_id:auth_token;
// answers 202 {message, message_uuid: […], api_id}; errors {api_id,
// error}. Status callbacks to url (POST, or GET with method=GET) as forms,
// signed X-Plivo-Signature-V2 with the auth token the app used. Request
// and answer from plivo-go (messages.go); callback fields and error codes
// medium (Plivo's docs).
type plivoAPI struct{}

func (plivoAPI) name() string            { return "plivo" }
func (plivoAPI) retries() int            { return 0 } // not documented
func (plivoAPI) retriesAnyFailure() bool { return false }
func (plivoAPI) inboundStatus() string   { return "received" }
func (plivoAPI) kinds() (string, string) { return "status", "inbound" }
func (plivoAPI) sentStatus(st string) bool {
	return st == "sent" || st == "delivered" || st == "undelivered"
}

// newID is a time-based (version 1) UUID, the shape of Plivo's message_uuid.
func (plivoAPI) newID(s *Sandbox) string {
	u := []byte(s.uuid())
	u[14] = '1'
	return string(u)
}

func (plivoAPI) defaultAccount(_ *Sandbox, c signing.Credentials) string {
	if c.Username != "" {
		return c.Username
	}
	return "MA0000000000000000000"
}

// Plivo's message states with its SMS error codes (300 failed to
// dispatch, 70 destination permanently unavailable, 420 message expired,
// 100 prohibited by carrier).
func (plivoAPI) lifecycle(o Outcome) []Step {
	queued, sent := Step{Status: "queued"}, Step{Status: "sent"}
	switch o {
	case OutcomeFailed:
		return []Step{queued, {Status: "failed", Final: true, Error: "300"}}
	case OutcomeUndelivered:
		return []Step{queued, sent, {Status: "undelivered", Final: true, Error: "70"}}
	case OutcomeExpired:
		return []Step{queued, {Status: "undelivered", Final: true, Error: "420"}}
	case OutcomeRejected:
		return []Step{{Status: "rejected", Final: true, Error: "100"}}
	case OutcomeNoFinal:
		return []Step{queued, sent}
	}
	return []Step{queued, sent, {Status: "delivered", Final: true}}
}

func (p plivoAPI) apiID(s *Sandbox) string {
	u := []byte(s.uuid())
	u[14] = '1'
	return string(u)
}

func plivoError(s *Sandbox, w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"api_id": plivoAPI{}.apiID(s), "error": msg})
}

func (p plivoAPI) register(s *Sandbox, mux *http.ServeMux, prefix string) {
	base := prefix + "/v1/Account/{account}/Message/"
	mux.HandleFunc("POST "+base, func(w http.ResponseWriter, r *http.Request) { p.create(s, w, r) })
	mux.HandleFunc("GET "+base+"{uuid}/", func(w http.ResponseWriter, r *http.Request) { p.fetch(s, w, r) })
	mux.HandleFunc(prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		plivoError(s, w, http.StatusNotFound, "not found")
	})
}

// auth checks Basic auth_id:auth_token: any unless the profile's token
// is configured; the account in the path must be the one authenticated.
func (plivoAPI) auth(s *Sandbox, w http.ResponseWriter, r *http.Request) (signing.Credentials, bool) {
	user, pass, ok := r.BasicAuth()
	fail := func() (signing.Credentials, bool) {
		plivoError(s, w, http.StatusUnauthorized, "Authentication credentials invalid")
		return signing.Credentials{}, false
	}
	if !ok || user == "" || pass == "" || user != r.PathValue("account") {
		return fail()
	}
	if want := s.endpoint("plivo").Credentials; !want.IsZero() {
		if want.Username != "" && !checkSecret(user, want.Username) {
			return fail()
		}
		if len(want.Secrets) > 0 && !checkSecret(pass, want.Secrets[0]) {
			return fail()
		}
	}
	return signing.Credentials{Username: user, Secrets: []string{pass}}, true
}

func (p plivoAPI) create(s *Sandbox, w http.ResponseWriter, r *http.Request) {
	creds, ok := p.auth(s, w, r)
	if !ok {
		return
	}
	var req struct {
		Src           string   `json:"src"`
		Dst           string   `json:"dst"`
		Text          string   `json:"text"`
		Type          string   `json:"type"`
		URL           string   `json:"url"`
		Method        string   `json:"method"`
		PowerpackUUID string   `json:"powerpack_uuid"`
		MediaURLs     []string `json:"media_urls"`
	}
	if err := readJSONBody(r, &req); err != nil {
		plivoError(s, w, http.StatusBadRequest, "invalid JSON: "+err.Error())
		return
	}
	bad := func(msg string) { plivoError(s, w, http.StatusBadRequest, msg) }
	typ := strings.ToLower(req.Type)
	if typ == "" {
		typ = "sms"
	}
	method := strings.ToUpper(req.Method)
	if method == "" {
		method = http.MethodPost
	}
	switch {
	case req.Src == "" && req.PowerpackUUID == "":
		bad("Either of src or powerpack_uuid must be present")
		return
	case req.Src != "" && req.PowerpackUUID != "":
		bad("Both src and powerpack_uuid cannot be specified")
		return
	case req.Dst == "":
		bad("dst parameter not present")
		return
	case typ == "sms" && req.Text == "":
		bad("text parameter not present")
		return
	case typ != "sms" && typ != "mms":
		bad(fmt.Sprintf("invalid type %q: sms or mms", req.Type))
		return
	case req.Src != "" && !validSender(req.Src) && !internationalNumber.MatchString(req.Src):
		bad("src parameter is invalid")
		return
	case req.URL != "" && !httpURL(req.URL):
		bad("url parameter is invalid")
		return
	case method != http.MethodPost && method != http.MethodGet:
		bad("method must be GET or POST")
		return
	case len([]rune(req.Text)) > 1600:
		bad("text exceeds the maximum length of 1600 characters")
		return
	}
	dsts := strings.Split(req.Dst, "<")
	for _, d := range dsts {
		if !internationalNumber.MatchString(d) {
			bad(fmt.Sprintf("%s is not a valid destination number", d))
			return
		}
	}
	callback := req.URL
	if callback == "" {
		callback = s.callbackURL("plivo")
	}
	from := req.Src
	if from == "" {
		from = "14155550100" // a number from the Powerpack's pool
	}
	var uuids []string
	for _, d := range dsts {
		m := &message{api: p, creds: creds, account: r.PathValue("account"), extra: map[string]string{"method": method, "type": typ}}
		m.view = Message{ID: p.newID(s), Provider: "plivo", From: strings.TrimPrefix(from, "+"), To: strings.TrimPrefix(d, "+"), Text: req.Text, Status: "queued", CallbackURL: callback}
		uuids = append(uuids, s.accept(m).ID)
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"message": "message(s) queued", "message_uuid": uuids, "api_id": p.apiID(s)})
}

// fetch is a Message as plivo-go's Get reads it.
func (p plivoAPI) fetch(s *Sandbox, w http.ResponseWriter, r *http.Request) {
	if _, ok := p.auth(s, w, r); !ok {
		return
	}
	m, v, ok := s.store.get(r.PathValue("uuid"))
	if !ok || m.api.name() != "plivo" || m.account != r.PathValue("account") {
		plivoError(s, w, http.StatusNotFound, "not found")
		return
	}
	amount := "0.00000"
	if v.SentAt != nil {
		amount = fmt.Sprintf("%.5f", 0.0035*float64(v.Segments))
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"api_id":            p.apiID(s),
		"error_code":        v.Error,
		"from_number":       v.From,
		"message_direction": "outbound",
		"message_state":     v.Status,
		"message_time":      v.CreatedAt.UTC().Format("2006-01-02 15:04:05-07:00"),
		"message_type":      m.extra["type"],
		"message_uuid":      v.ID,
		"resource_uri":      "/v1/Account/" + m.account + "/Message/" + v.ID + "/",
		"to_number":         v.To,
		"total_amount":      amount,
		"total_rate":        "0.00350",
		"units":             v.Segments,
	})
}

// statusCallback is the form Plivo sends to url: POST by default, the
// parameters in the query with method GET.
func (plivoAPI) statusCallback(m *message, st Step, u string, _ time.Time) (*client.Request, error) {
	amount := fmt.Sprintf("%.5f", 0.0035*float64(m.view.Segments))
	pairs := []string{
		"MessageUUID", m.view.ID, "From", m.view.From, "To", m.view.To, "Status", st.Status,
		"TotalRate", "0.00350", "TotalAmount", amount, "Units", fmt.Sprint(m.view.Segments),
		"MCC", "310", "MNC", "260", "ErrorCode", st.Error,
		"ParentMessageUUID", m.view.ID, "PartInfo", fmt.Sprintf("1 of %d", m.view.Segments), "Sequence", "1",
	}
	req := formCallback(u, pairs)
	if m.extra["method"] == http.MethodGet {
		q, err := url.Parse(u)
		if err != nil {
			return nil, err
		}
		if q.RawQuery != "" {
			q.RawQuery += "&"
		}
		q.RawQuery += string(req.Body)
		req = &client.Request{Method: http.MethodGet, URL: q.String(), Header: http.Header{}}
	}
	return req, nil
}

// inboundCallback is an incoming message to the application's message URL.
func (plivoAPI) inboundCallback(m *message, u string, _ time.Time) (*client.Request, error) {
	return formCallback(u, []string{
		"From", strings.TrimPrefix(m.view.From, "+"), "To", strings.TrimPrefix(m.view.To, "+"), "Type", "sms",
		"Text", m.view.Text, "MessageUUID", m.view.ID, "TotalRate", "0", "TotalAmount", "0", "Units", fmt.Sprint(m.view.Segments),
	}), nil
}

func (plivoAPI) sendAPI() SendAPI {
	return SendAPI{
		Request:   "POST /v1/Account/{auth_id}/Message/, JSON {src or powerpack_uuid, dst, text, type, url, method}; GET /v1/Account/{auth_id}/Message/{message_uuid}/",
		Auth:      "Basic auth_id:auth_token: the profile's username and secret when set (else any); a wrong pair gets 401",
		Callbacks: "to url (POST, or GET with method=GET): queued, sent, then delivered | undelivered, or failed | rejected, with ErrorCode; X-Plivo-Signature-V2 with the auth token the app used",
		Evidence:  EvidenceSDK,
		Note:      "the request and answer are plivo-go's; the callback's fields and the error codes (300, 70, 420, 100) are from Plivo's docs, seen once",
	}
}
