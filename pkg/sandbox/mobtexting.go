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

// mobtextingAPI plays MOBtexting's v2 SMS API: GET or POST
// /api/v2/sms/send with access_token (or Authorization: Bearer), sender,
// to (comma-separated), message and service, as query or form; answers
// {status, message, data: [{id, mobile, status: "AWAITING-DLR", …}]}.
// DLRs go to the webhook set up in the portal in the shape of seed 002,
// with the webhook's secret as a Bearer token when one is set. From the
// provider's own client libraries (github.com/mobtexting) and the
// platform's public API docs; error bodies are not documented.
type mobtextingAPI struct{}

func (mobtextingAPI) name() string { return "mobtexting" }

// MOBtexting retries a DLR 3 times (30 minutes apart: here the latency
// sets the pace) unless the reply is 200 or 202.
func (mobtextingAPI) retriesAnyFailure() bool { return true }

func (mobtextingAPI) retries() int { return 3 }

func (mobtextingAPI) inboundStatus() string { return "received" }

// The DLR of seed 002, and the virtual numbers' incoming-message webhook.
func (mobtextingAPI) kinds() (string, string) { return "dlr", "inbound" }

func (mobtextingAPI) sentStatus(st string) bool { return st != "AWAITING-DLR" }

// newID is MOBtexting's "<uuid>:<part>".
func (mobtextingAPI) newID(s *Sandbox) string { return s.uuid() + ":1" }

func (mobtextingAPI) defaultAccount(*Sandbox, signing.Credentials) string { return "" }

// SMPP-style DLR statuses, as in seed 002.
func (mobtextingAPI) lifecycle(o Outcome) []Step {
	switch o {
	case OutcomeFailed:
		return []Step{{Status: "FAILED", Final: true}}
	case OutcomeUndelivered:
		return []Step{{Status: "UNDELIV", Final: true}}
	case OutcomeExpired:
		return []Step{{Status: "EXPIRED", Final: true}}
	case OutcomeRejected:
		return []Step{{Status: "REJECTD", Final: true}}
	case OutcomeNoFinal:
		return nil
	}
	return []Step{{Status: "DELIVRD", Final: true}}
}

// mobtextingError writes the API's envelope with an error status.
func mobtextingError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"status": status, "message": msg, "data": []any{}})
}

func (m mobtextingAPI) register(s *Sandbox, mux *http.ServeMux, prefix string) {
	send := func(w http.ResponseWriter, r *http.Request) { m.create(s, w, r) }
	mux.HandleFunc("GET "+prefix+"/api/v2/sms/send", send)
	mux.HandleFunc("POST "+prefix+"/api/v2/sms/send", send)
	mux.HandleFunc(prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		mobtextingError(w, http.StatusNotFound, "Not Found")
	})
}

var (
	mobtextingSender = regexp.MustCompile(`^[A-Za-z0-9]{1,14}$`)
	tenDigits        = regexp.MustCompile(`^[0-9]{10}$`)
)

// mobtextingNumber is a number as the API writes it: digits with the
// country code, 91 added to a 10-digit number (India).
func mobtextingNumber(n string) (string, bool) {
	n = strings.TrimPrefix(strings.TrimSpace(n), "+")
	if tenDigits.MatchString(n) {
		n = "91" + n
	}
	return n, internationalNumber.MatchString(n)
}

func (api mobtextingAPI) create(s *Sandbox, w http.ResponseWriter, r *http.Request) {
	params := r.URL.Query()
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err == nil {
			for k, v := range r.PostForm {
				params[k] = v
			}
		}
	}
	token := params.Get("access_token")
	if h := r.Header.Get("Authorization"); token == "" && strings.HasPrefix(h, "Bearer ") {
		token = strings.TrimSpace(strings.TrimPrefix(h, "Bearer "))
	}
	if token == "" {
		mobtextingError(w, http.StatusUnauthorized, "Unauthenticated: pass access_token, or Authorization: Bearer TOKEN")
		return
	}
	if !s.apiKeyOK("mobtexting", token) {
		mobtextingError(w, http.StatusUnauthorized, "Unauthenticated.")
		return
	}
	to, sender, text, service := params.Get("to"), params.Get("sender"), params.Get("message"), strings.ToUpper(params.Get("service"))
	invalid := func(msg string) { mobtextingError(w, http.StatusUnprocessableEntity, msg) }
	switch {
	case to == "":
		invalid("The to field is required.")
		return
	case text == "":
		invalid("The message field is required.")
		return
	case sender == "":
		invalid("The sender field is required.")
		return
	case service == "":
		invalid("The service field is required.")
		return
	case !containsString([]string{"T", "P", "S", "G"}, service):
		invalid(fmt.Sprintf("The selected service %q is invalid: T, P, S or G.", params.Get("service")))
		return
	case !mobtextingSender.MatchString(sender):
		invalid(fmt.Sprintf("The sender %q is invalid.", sender))
		return
	}
	var numbers []string
	for _, n := range strings.Split(to, ",") {
		num, ok := mobtextingNumber(n)
		if !ok {
			invalid(fmt.Sprintf("The to number %q is invalid.", n))
			return
		}
		numbers = append(numbers, num)
	}
	creds := s.webhookCredentials("mobtexting")
	var data []map[string]any
	for _, num := range numbers {
		m := &message{api: api, creds: creds, extra: map[string]string{"custom": params.Get("custom")}}
		m.view = Message{ID: api.newID(s), Provider: "mobtexting", From: sender, To: num, Text: text, Status: "AWAITING-DLR", CallbackURL: s.callbackURL("mobtexting")}
		v := s.accept(m)
		data = append(data, map[string]any{
			"id": v.ID, "mobile": v.To, "status": v.Status, "units": v.Segments, "length": len([]rune(v.Text)),
			"charges": v.Segments, "customid": params.Get("custom"), "iso_code": nil,
			"submitted_at": v.CreatedAt.UTC().Format("2006-01-02 15:04:05"),
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"status":  200,
		"message": fmt.Sprintf("%d numbers accepted for delivery.", len(numbers)),
		"data":    data,
	})
}

type mobtextingDLR struct {
	ID           string `json:"id"`
	Mobile       string `json:"mobile"`
	Status       string `json:"status"`
	Credits      string `json:"credits"`
	Units        int    `json:"units"`
	DelivTime    string `json:"deliv_time"`
	SentTime     string `json:"sent_time"`
	SubmitTime   string `json:"submit_time"`
	CID          string `json:"cid"`
	Custom       string `json:"custom"`
	Custom1      string `json:"custom1"`
	Custom2      string `json:"custom2"`
	Location     string `json:"location"`
	Region       string `json:"region"`
	Provider     string `json:"provider"`
	LocationCode string `json:"location_code"`
	RegionCode   string `json:"region_code"`
	ProviderCode string `json:"provider_code"`
}

// statusCallback is the DLR of seed 002.
func (mobtextingAPI) statusCallback(m *message, st Step, u string, now time.Time) (*client.Request, error) {
	const layout = "2006-01-02 15:04:05"
	v := &m.view
	sent := v.CreatedAt
	if v.SentAt != nil {
		sent = *v.SentAt
	}
	dlr := mobtextingDLR{
		ID: v.ID, Mobile: v.To, Status: st.Status, Credits: fmt.Sprintf("%d.0000", v.Segments), Units: v.Segments,
		DelivTime: now.UTC().Format(layout), SentTime: sent.UTC().Format(layout), SubmitTime: v.CreatedAt.UTC().Format(layout),
		Custom: m.extra["custom"], Location: "sandbox", Region: "sandbox", Provider: "smshook", LocationCode: "zz",
	}
	return jsonCallback(u, dlr)
}

// inboundCallback is the vmn:message:in event a virtual number's webhook
// gets (github.com/mobtexting/docs v2/vmn/webhook.md): the recipient's
// number, the virtual number it wrote to, and the text.
func (mobtextingAPI) inboundCallback(m *message, u string, _ time.Time) (*client.Request, error) {
	v := &m.view
	from, to := strings.TrimPrefix(v.From, "+"), strings.TrimPrefix(v.To, "+")
	return jsonCallback(u, map[string]any{
		"event": "vmn:message:in",
		"payload": map[string]any{
			"id":       strings.TrimSuffix(v.ID, ":1"),
			"channels": []map[string]string{{"name": "vmn", "to": to}},
			"recipient": map[string]any{
				"from": from,
				"user": map[string]string{"identity": from, "phone": from},
			},
			"message": map[string]any{"type": "text", "payload": map[string]string{"text": v.Text}},
		},
	})
}
