package sandbox

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/smshook/smshook/pkg/client"
	"github.com/smshook/smshook/pkg/signing"
)

// vonageAPI plays Vonage's SMS API: POST /sms/json with api_key and
// api_secret (or sig), from, to, text, type, callback, client-ref, as a
// form or JSON. The answer is always HTTP 200: {"message-count",
// "messages": [{to, message-id, status: "0", remaining-balance,
// message-price, network}]}, one entry per part, and a non-zero status
// with error-text for an error. Delivery receipts, one per part, go to
// callback (else the account's URL) as form POSTs signed with sig,
// timestamp and nonce by the signature secret. Shapes from the Vonage
// SDKs; the error codes from Vonage's SMS API error table.
type vonageAPI struct{}

func (vonageAPI) name() string              { return "vonage" }
func (vonageAPI) retries() int              { return 0 } // not documented for DLRs
func (vonageAPI) retriesAnyFailure() bool   { return false }
func (vonageAPI) inboundStatus() string     { return "received" }
func (vonageAPI) kinds() (string, string)   { return "dlr", "inbound" }
func (vonageAPI) sentStatus(st string) bool { return st != "failed" && st != "rejected" }

// newID is Vonage's message-id: 16 upper-case hex digits.
func (vonageAPI) newID(s *Sandbox) string { return strings.ToUpper(s.randomHex(8)) }

func (vonageAPI) defaultAccount(s *Sandbox, _ signing.Credentials) string { return "abcd1234" }

// Vonage DLR statuses with their err-code (Vonage's delivery receipt
// error codes: 2 absent subscriber, 6 anti-spam, 12 destination
// unreachable, 99 general error).
func (vonageAPI) lifecycle(o Outcome) []Step {
	switch o {
	case OutcomeFailed:
		return []Step{{Status: "failed", Final: true, Error: "99"}}
	case OutcomeUndelivered:
		return []Step{{Status: "failed", Final: true, Error: "12"}}
	case OutcomeExpired:
		return []Step{{Status: "buffered", Error: "2"}, {Status: "expired", Final: true, Error: "2"}}
	case OutcomeRejected:
		return []Step{{Status: "rejected", Final: true, Error: "6"}}
	case OutcomeNoFinal:
		return []Step{{Status: "accepted"}}
	}
	return []Step{{Status: "delivered", Final: true, Error: "0"}}
}

// vonageError answers an error the way the SMS API does: HTTP 200.
func vonageError(w http.ResponseWriter, status, text string) {
	writeJSON(w, http.StatusOK, map[string]any{
		"message-count": "1",
		"messages":      []map[string]string{{"status": status, "error-text": text}},
	})
}

func (v vonageAPI) register(s *Sandbox, mux *http.ServeMux, prefix string) {
	mux.HandleFunc("POST "+prefix+"/sms/json", func(w http.ResponseWriter, r *http.Request) { v.create(s, w, r) })
	mux.HandleFunc("GET "+prefix+"/sms/json", func(w http.ResponseWriter, r *http.Request) { v.create(s, w, r) })
	mux.HandleFunc(prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]any{"type": "https://developer.vonage.com/api-errors#not-found", "title": "Not Found", "detail": "Not found: the SMS API is POST /sms/json"})
	})
}

// signatureOK checks a request signed with sig, timestamp and nonce
// against the profile's signature secret (its secret), by the same scheme
// Vonage signs its webhooks with; with no secret configured any sig passes.
func (vonageAPI) signatureOK(s *Sandbox, r *http.Request, raw []byte) bool {
	creds := s.endpoint("vonage").Credentials
	if len(creds.Secrets) == 0 {
		return true
	}
	p, err := s.opts.Registry.Lookup("vonage")
	if err != nil {
		return false
	}
	req := &signing.Request{Method: r.Method, URL: "http://" + r.Host + r.URL.RequestURI(), Header: r.Header, Body: raw, Now: s.now()}
	return p.Scheme().Verify(req, creds).Valid
}

// vonageParams reads the request's parameters: query, then a form or a
// JSON object of strings.
func vonageParams(r *http.Request) (url.Values, error) {
	params := r.URL.Query()
	if r.Method != http.MethodPost {
		return params, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		var fields map[string]any
		if err := readJSONBody(r, &fields); err != nil {
			return nil, err
		}
		for k, val := range fields {
			params.Set(k, fmt.Sprint(val))
		}
		return params, nil
	}
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	for k, vals := range r.PostForm {
		params[k] = vals
	}
	return params, nil
}

func (v vonageAPI) create(s *Sandbox, w http.ResponseWriter, r *http.Request) {
	// The raw body is kept for a sig check, which covers it as sent.
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxAPIBody))
	if err != nil {
		vonageError(w, "3", "Invalid Message: the body could not be read")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	p, err := vonageParams(r)
	if err != nil {
		vonageError(w, "3", "Invalid Message: the body is neither a form nor a JSON object")
		return
	}
	key, secret, sig := p.Get("api_key"), p.Get("api_secret"), p.Get("sig")
	if user, pass, ok := r.BasicAuth(); ok && key == "" && secret == "" {
		// The official SDKs (@vonage/sms 1.x) send the key and secret so.
		key, secret = user, pass
	}
	to, from, text, typ := strings.TrimPrefix(p.Get("to"), "+"), p.Get("from"), p.Get("text"), p.Get("type")
	callback := p.Get("callback")
	if typ == "" {
		typ = "text"
	}
	switch {
	case key == "":
		vonageError(w, "2", "Missing api_key")
	case secret == "" && sig == "":
		vonageError(w, "2", "Missing api_secret")
	case secret != "" && sig != "":
		vonageError(w, "32", "Signature And API Secret Disallowed")
	case !s.apiKeyOK("vonage", key) || (secret != "" && !s.apiSecretOK("vonage", secret)):
		vonageError(w, "4", "Bad Credentials")
	case sig != "" && !v.signatureOK(s, r, raw):
		vonageError(w, "14", "Invalid Signature")
	case from == "":
		vonageError(w, "2", "Missing from param")
	case to == "":
		vonageError(w, "2", "Missing to param")
	case text == "" && typ != "binary":
		vonageError(w, "2", "Missing text param")
	case !internationalNumber.MatchString(to):
		vonageError(w, "3", "Invalid to address")
	case !validSender(from) && !internationalNumber.MatchString(from):
		vonageError(w, "15", "Invalid sender address")
	case typ != "text" && typ != "unicode" && typ != "binary":
		vonageError(w, "3", "Invalid type param")
	case callback != "" && !httpURL(callback):
		vonageError(w, "23", "Invalid callback url")
	case len([]rune(text)) > 3200:
		vonageError(w, "12", "Message too long")
	default:
		if callback == "" {
			callback = s.callbackURL("vonage")
		}
		parts, _ := Segments(text)
		creds := s.webhookCredentials("vonage")
		msgs := []map[string]string{}
		for part := 1; part <= parts; part++ {
			// Vonage bills, answers and reports each part as a message of its own.
			m := &message{api: v, creds: creds, account: key, extra: map[string]string{"client-ref": p.Get("client-ref"), "part": fmt.Sprint(part)}}
			m.view = Message{ID: v.newID(s), Provider: "vonage", From: from, To: "+" + to, Text: text, Status: "submitted", CallbackURL: callback}
			if p.Get("status-report-req") == "0" || p.Get("status-report-req") == "false" {
				m.view.CallbackURL = ""
			}
			view := s.accept(m)
			msgs = append(msgs, map[string]string{
				"to": to, "message-id": view.ID, "status": "0",
				"remaining-balance": "10.00000000", "message-price": "0.03330000", "network": "23410",
			})
			if ref := p.Get("client-ref"); ref != "" {
				msgs[len(msgs)-1]["client-ref"] = ref
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"message-count": fmt.Sprint(len(msgs)), "messages": msgs})
	}
}

// statusCallback is a delivery receipt as Vonage posts it: msisdn is the
// recipient, to the sender.
func (vonageAPI) statusCallback(m *message, st Step, u string, now time.Time) (*client.Request, error) {
	form := []string{
		"msisdn", strings.TrimPrefix(m.view.To, "+"),
		"to", m.view.From,
		"network-code", "23410",
		"messageId", m.view.ID,
		"price", "0.03330000",
		"status", st.Status,
		"scts", now.UTC().Format("0601021504"),
		"err-code", st.Error,
		"api-key", m.account,
	}
	if ref := m.extra["client-ref"]; ref != "" {
		form = append(form, "client-ref", ref)
	}
	form = append(form, "message-timestamp", now.UTC().Format("2006-01-02 15:04:05"))
	return formCallback(u, form), nil
}

// inboundCallback is an inbound message as Vonage posts it.
func (vonageAPI) inboundCallback(m *message, u string, now time.Time) (*client.Request, error) {
	typ := "text"
	if _, enc := Segments(m.view.Text); enc == EncodingUCS2 {
		typ = "unicode"
	}
	form := []string{
		"msisdn", strings.TrimPrefix(m.view.From, "+"),
		"to", strings.TrimPrefix(m.view.To, "+"),
		"messageId", m.view.ID,
		"text", m.view.Text,
		"type", typ,
		"keyword", strings.ToUpper(strings.SplitN(strings.TrimSpace(m.view.Text)+" ", " ", 2)[0]),
		"api-key", m.account,
		"message-timestamp", now.UTC().Format("2006-01-02 15:04:05"),
	}
	return formCallback(u, form), nil
}

// formCallback POSTs name, value pairs as a form, in the order given.
func formCallback(u string, pairs []string) *client.Request {
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(pairs[i]) + "=" + url.QueryEscape(pairs[i+1]))
	}
	h := http.Header{}
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	return &client.Request{Method: http.MethodPost, URL: u, Header: h, Body: []byte(b.String())}
}

func (vonageAPI) sendAPI() SendAPI {
	return SendAPI{
		Request:   "POST /sms/json (form or JSON): api_key, api_secret or sig, from, to, text, type, callback, status-report-req, client-ref",
		Auth:      "api_key and api_secret (or sig) in the parameters, or the key and secret as Authorization: Basic (how @vonage/sms sends them): the profile's api_key and api_secret when set (else any); wrong ones get status 4 Bad Credentials; a request signed with sig, timestamp and nonce is checked against the profile's secret (the signature secret, md5hash unless the provider's config says otherwise) when set, status 14 Invalid Signature if wrong",
		Callbacks: "to callback (else the account's URL): one delivery receipt per part (delivered, expired, failed, rejected, buffered, accepted with err-code), form POSTs signed with sig, timestamp and nonce",
		Evidence:  EvidenceSDK,
		Note:      "errors come as HTTP 200 with a non-zero status and error-text, as Vonage answers; a message over one part is answered and reported as one message per part. DLRs are signed with the profile's signature secret, else the demo one",
	}
}
