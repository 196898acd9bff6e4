package sandbox

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/smshook/smshook/pkg/client"
	"github.com/smshook/smshook/pkg/signing"
)

// twilioAPI plays Twilio's Programmable Messaging API (2010-04-01):
// Messages create, fetch and list, Basic auth with AccountSid:AuthToken,
// errors as {code, message, more_info, status}, and status callbacks
// signed with X-Twilio-Signature by the auth token the app used. Shapes
// from twilio-go (rest/api/v2010/accounts_messages.go, model_api_v2010_message.go)
// and Twilio's error pages.
type twilioAPI struct{}

const twilioAPIVersion = "2010-04-01"

func (twilioAPI) name() string { return "twilio" }

// Twilio's callback retry: by default one more attempt when the
// connection fails (webhooks connection overrides, rc=1); the Runner also
// retries a 5xx once.
func (twilioAPI) retriesAnyFailure() bool { return false }

func (twilioAPI) retries() int { return 1 }

func (twilioAPI) inboundStatus() string { return "received" }

func (twilioAPI) sentStatus(st string) bool {
	return st == "sent" || st == "delivered" || st == "undelivered"
}

func (twilioAPI) newID(s *Sandbox) string { return "SM" + s.randomHex(16) }

func (twilioAPI) kinds() (string, string) { return "status", "inbound" }

func (twilioAPI) defaultAccount(_ *Sandbox, c signing.Credentials) string {
	if strings.HasPrefix(c.Username, "AC") {
		return c.Username
	}
	return "AC00000000000000000000000000000000"
}

// Twilio's lives: no callback for queued; failed never leaves Twilio;
// undelivered and rejected were sent; expiry is failed with 30036.
func (twilioAPI) lifecycle(o Outcome) []Step {
	switch o {
	case OutcomeFailed:
		return []Step{{Status: "failed", Final: true, Error: "30008"}}
	case OutcomeUndelivered:
		return []Step{{Status: "sent"}, {Status: "undelivered", Final: true, Error: "30003"}}
	case OutcomeExpired:
		return []Step{{Status: "failed", Final: true, Error: "30036"}}
	case OutcomeRejected:
		return []Step{{Status: "sent"}, {Status: "undelivered", Final: true, Error: "30007"}}
	case OutcomeNoFinal:
		return []Step{{Status: "sent"}}
	}
	return []Step{{Status: "sent"}, {Status: "delivered", Final: true}}
}

var twilioErrorText = map[string]string{
	"30003": "Unreachable destination handset",
	"30007": "Message filtered",
	"30008": "Unknown error",
	"30036": "Validity Period Expired",
}

func (t twilioAPI) register(s *Sandbox, mux *http.ServeMux, prefix string) {
	base := prefix + "/" + twilioAPIVersion + "/Accounts/{account}/Messages"
	mux.HandleFunc("POST "+base+".json", func(w http.ResponseWriter, r *http.Request) { t.create(s, w, r) })
	mux.HandleFunc("GET "+base+".json", func(w http.ResponseWriter, r *http.Request) { t.list(s, w, r, prefix) })
	mux.HandleFunc("GET "+base+"/{file}", func(w http.ResponseWriter, r *http.Request) { t.fetch(s, w, r) })
	mux.HandleFunc(prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodPost && strings.HasSuffix(r.URL.Path, ".json") {
			twilioError(w, http.StatusMethodNotAllowed, 20004, "Method not allowed")
			return
		}
		twilioError(w, http.StatusNotFound, 20404, "The requested resource "+strings.TrimPrefix(r.URL.Path, prefix)+" was not found")
	})
}

// twilioError writes Twilio's error JSON.
func twilioError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{
		"code":      code,
		"message":   msg,
		"more_info": "https://www.twilio.com/docs/errors/" + strconv.Itoa(code),
		"status":    status,
	})
}

// auth checks Basic AccountSid:AuthToken (or an API key SK…:secret):
// anything is accepted unless the profile's credentials are configured;
// the account in the path must be the one authenticated.
func (twilioAPI) auth(s *Sandbox, w http.ResponseWriter, r *http.Request) (signing.Credentials, bool) {
	user, pass, ok := r.BasicAuth()
	account := r.PathValue("account")
	fail := func() (signing.Credentials, bool) {
		twilioError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return signing.Credentials{}, false
	}
	if !ok || user == "" || pass == "" {
		return fail()
	}
	if strings.HasPrefix(user, "AC") && user != account {
		return fail()
	}
	if want := s.endpoint("twilio").Credentials; !want.IsZero() {
		if want.Username != "" && !checkSecret(user, want.Username) {
			return fail()
		}
		if len(want.Secrets) > 0 && !checkSecret(pass, want.Secrets[0]) {
			return fail()
		}
	}
	return signing.Credentials{Username: user, Secrets: []string{pass}}, true
}

var (
	e164         = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	shortCode    = regexp.MustCompile(`^[0-9]{3,8}$`)
	alphanumeric = regexp.MustCompile(`^[A-Za-z0-9 ]{1,11}$`)
	twilioMG     = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
)

// validSender is an E.164 number, a short code or an alphanumeric sender
// id (up to 11 characters, at least one letter).
func validSender(s string) bool {
	return e164.MatchString(s) || shortCode.MatchString(s) ||
		(alphanumeric.MatchString(s) && strings.ContainsFunc(s, func(r rune) bool { return r > '9' }))
}

func (t twilioAPI) create(s *Sandbox, w http.ResponseWriter, r *http.Request) {
	creds, ok := t.auth(s, w, r)
	if !ok {
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxAPIBody))
	if err != nil {
		twilioError(w, http.StatusBadRequest, 20001, "Could not read the request body")
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		twilioError(w, http.StatusBadRequest, 20001, "The request body is not form-encoded")
		return
	}
	to, from, text := form.Get("To"), form.Get("From"), form.Get("Body")
	mg, callback := form.Get("MessagingServiceSid"), form.Get("StatusCallback")
	// A message is scheduled with SendAt, ScheduleType=fixed and a
	// Messaging Service; without the service Twilio sends it at once.
	scheduleType, sendAtText := form.Get("ScheduleType"), form.Get("SendAt")
	media := form["MediaUrl"]
	scheduled := scheduleType == "fixed" && sendAtText != "" && mg != ""
	sendAt, sendAtErr := time.Parse(time.RFC3339, sendAtText)
	switch {
	case to == "":
		twilioError(w, 400, 21604, "A 'To' phone number is required.")
	case from == "" && mg == "":
		twilioError(w, 400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message.")
	case text == "" && len(form["MediaUrl"]) == 0 && form.Get("ContentSid") == "":
		twilioError(w, 400, 21602, "Message body is required.")
	case !e164.MatchString(to):
		twilioError(w, 400, 21211, fmt.Sprintf("Invalid 'To' Phone Number: %s", to))
	case from != "" && !validSender(from):
		twilioError(w, 400, 21212, fmt.Sprintf("Invalid From Number (caller ID): %s", from))
	case mg != "" && !twilioMG.MatchString(mg):
		twilioError(w, 400, 21701, fmt.Sprintf("The Messaging Service Sid %s is invalid.", mg))
	case from != "" && sameNumber(from, to):
		twilioError(w, 400, 21266, "'To' and 'From' number cannot be the same")
	case utf8.RuneCountInString(text) > 1600:
		twilioError(w, 400, 21617, "The concatenated message body exceeds the 1600 character limit.")
	case callback != "" && !httpURL(callback):
		twilioError(w, 400, 21609, "Invalid StatusCallback url")
	case len(media) > 10:
		twilioError(w, 400, 21623, "Number of media files exceeds allowed limit")
	case !allHTTPURLs(media):
		twilioError(w, 400, 21620, "Invalid media URL(s)")
	case scheduleType != "" && scheduleType != "fixed":
		twilioError(w, 400, 35126, "The ScheduleType value provided is not supported for this channel")
	case scheduleType == "fixed" && sendAtText == "":
		twilioError(w, 400, 35111, "SendAt timestamp is missing")
	case scheduled && (sendAtErr != nil || sendAt.Sub(s.now()) < 300*time.Second || sendAt.Sub(s.now()) > 35*24*time.Hour):
		twilioError(w, 400, 35114, "Scheduling does not support this timestamp")
	default:
		if callback == "" {
			callback = s.callbackURL("twilio")
		}
		m := &message{api: t, creds: creds, account: r.PathValue("account"), extra: map[string]string{}}
		if mg != "" {
			m.extra["MessagingServiceSid"] = mg
		}
		initial := "queued"
		if mg != "" {
			initial = "accepted"
		}
		if scheduled {
			initial, m.sendAt, m.startStatus = "scheduled", sendAt, "queued"
		}
		id := t.newID(s)
		if len(media) > 0 { // an MMS: its sid is MM…
			id = "MM" + strings.TrimPrefix(id, "SM")
			m.extra["NumMedia"] = strconv.Itoa(len(media))
		}
		m.view = Message{ID: id, Provider: "twilio", From: from, To: to, Text: text, Status: initial, CallbackURL: callback}
		view := s.accept(m)
		writeJSON(w, http.StatusCreated, t.resource(m.account, m.extra, view))
	}
}

func allHTTPURLs(urls []string) bool {
	for _, u := range urls {
		if !httpURL(u) {
			return false
		}
	}
	return true
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// resource is the Message resource JSON Twilio returns.
func (twilioAPI) resource(account string, extra map[string]string, v Message) map[string]any {
	uri := "/" + twilioAPIVersion + "/Accounts/" + account + "/Messages/" + v.ID
	date := func(t time.Time) string { return t.UTC().Format(time.RFC1123Z) }
	var sent, price, errCode, errMsg, mg, from any
	if v.SentAt != nil {
		sent = date(*v.SentAt)
		price = fmt.Sprintf("-%.5f", 0.0079*float64(v.Segments))
	}
	if v.Error != "" {
		n, _ := strconv.Atoi(v.Error)
		errCode, errMsg = n, twilioErrorText[v.Error]
	}
	if extra["MessagingServiceSid"] != "" {
		mg = extra["MessagingServiceSid"]
	}
	if v.From != "" {
		from = v.From
	}
	numMedia := "0"
	if n := extra["NumMedia"]; n != "" {
		numMedia = n
	}
	direction := "outbound-api"
	if v.Direction == DirectionInbound {
		direction = "inbound"
	}
	return map[string]any{
		"account_sid":           account,
		"api_version":           twilioAPIVersion,
		"body":                  v.Text,
		"date_created":          date(v.CreatedAt),
		"date_sent":             sent,
		"date_updated":          date(v.UpdatedAt),
		"direction":             direction,
		"error_code":            errCode,
		"error_message":         errMsg,
		"from":                  from,
		"messaging_service_sid": mg,
		"num_media":             numMedia,
		"num_segments":          strconv.Itoa(v.Segments),
		"price":                 price,
		"price_unit":            "USD",
		"sid":                   v.ID,
		"status":                v.Status,
		"subresource_uris": map[string]string{
			"media":    uri + "/Media.json",
			"feedback": uri + "/Feedback.json",
		},
		"to":  v.To,
		"uri": uri + ".json",
	}
}

func (t twilioAPI) fetch(s *Sandbox, w http.ResponseWriter, r *http.Request) {
	if _, ok := t.auth(s, w, r); !ok {
		return
	}
	sid, isJSON := strings.CutSuffix(r.PathValue("file"), ".json")
	account := r.PathValue("account")
	m, v, found := s.store.get(sid)
	if !isJSON || !found || m.api.name() != "twilio" || m.account != account {
		twilioError(w, http.StatusNotFound, 20404, "The requested resource /"+twilioAPIVersion+"/Accounts/"+account+"/Messages/"+r.PathValue("file")+" was not found")
		return
	}
	writeJSON(w, http.StatusOK, t.resource(account, m.extra, v))
}

// list is Messages.json: newest first, filtered by To and From, paged by
// PageSize (default 50, at most 1000) and Page.
func (t twilioAPI) list(s *Sandbox, w http.ResponseWriter, r *http.Request, prefix string) {
	if _, ok := t.auth(s, w, r); !ok {
		return
	}
	q := r.URL.Query()
	account := r.PathValue("account")
	size, page := 50, 0
	if v := q.Get("PageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			twilioError(w, 400, 20001, "PageSize must be between 1 and 1000")
			return
		}
		size = n
	}
	if v := q.Get("Page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			twilioError(w, 400, 20001, "Page must be a non-negative integer")
			return
		}
		page = n
	}
	to, from := q.Get("To"), q.Get("From")
	ms := s.store.find(func(m *message) bool {
		return m.api.name() == "twilio" && m.account == account &&
			(to == "" || sameNumber(to, m.view.To)) && (from == "" || sameNumber(from, m.view.From))
	})
	path := "/" + twilioAPIVersion + "/Accounts/" + account + "/Messages.json"
	pageURI := func(p int) string {
		v := url.Values{}
		if to != "" {
			v.Set("To", to)
		}
		if from != "" {
			v.Set("From", from)
		}
		v.Set("PageSize", strconv.Itoa(size))
		v.Set("Page", strconv.Itoa(p))
		return path + "?" + v.Encode()
	}
	items := []map[string]any{}
	start := page * size
	for i := len(ms) - 1 - start; i >= 0 && len(items) < size; i-- {
		_, v, ok := s.store.get(ms[i].view.ID)
		if ok {
			items = append(items, t.resource(account, ms[i].extra, v))
		}
	}
	var next, prev any
	if start+size < len(ms) {
		next = pageURI(page + 1)
	}
	if page > 0 {
		prev = pageURI(page - 1)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"end":               start + len(items) - 1,
		"first_page_uri":    pageURI(0),
		"messages":          items,
		"next_page_uri":     next,
		"page":              page,
		"page_size":         size,
		"previous_page_uri": prev,
		"start":             start,
		"uri":               pageURI(page),
	})
}

// statusCallback is Twilio's form POST to StatusCallback, its parameters
// in the order Twilio sends them.
func (twilioAPI) statusCallback(m *message, st Step, callbackURL string, now time.Time) (*client.Request, error) {
	var b strings.Builder
	add := func(k, v string) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(k) + "=" + url.QueryEscape(v))
	}
	if st.Error != "" {
		add("ErrorCode", st.Error)
	}
	add("SmsSid", m.view.ID)
	add("SmsStatus", st.Status)
	add("MessageStatus", st.Status)
	add("To", m.view.To)
	if mg := m.extra["MessagingServiceSid"]; mg != "" {
		add("MessagingServiceSid", mg)
	}
	add("MessageSid", m.view.ID)
	add("AccountSid", m.account)
	if m.view.From != "" {
		add("From", m.view.From)
	}
	if st.Status == "delivered" || st.Status == "undelivered" {
		add("RawDlrDoneDate", now.UTC().Format("0601021504"))
	}
	add("ApiVersion", twilioAPIVersion)
	return twilioRequest(callbackURL, b.String()), nil
}

// inboundCallback is Twilio's incoming-message webhook.
func (twilioAPI) inboundCallback(m *message, inboundURL string, now time.Time) (*client.Request, error) {
	v := &m.view
	form := []string{
		"ToCountry", "", "ToState", "", "SmsMessageSid", v.ID, "NumMedia", "0",
		"ToCity", "", "FromZip", "", "SmsSid", v.ID, "FromState", "", "SmsStatus", "received",
		"FromCity", "", "Body", v.Text, "FromCountry", "", "To", v.To, "ToZip", "",
		"NumSegments", strconv.Itoa(v.Segments), "MessageSid", v.ID, "AccountSid", m.account,
		"From", v.From, "ApiVersion", twilioAPIVersion,
	}
	var b strings.Builder
	for i := 0; i < len(form); i += 2 {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(form[i]) + "=" + url.QueryEscape(form[i+1]))
	}
	return twilioRequest(inboundURL, b.String()), nil
}

func twilioRequest(u, body string) *client.Request {
	h := http.Header{}
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	h.Set("User-Agent", "TwilioProxy/1.1")
	h.Set("Accept", "*/*")
	return &client.Request{Method: http.MethodPost, URL: u, Header: h, Body: []byte(body)}
}
