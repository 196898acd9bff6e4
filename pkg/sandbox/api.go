package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// MaxWait bounds how long GET /api/messages/wait holds a request.
const MaxWait = 10 * time.Minute

// DefaultWait is the wait API's timeout when none is given.
const DefaultWait = 10 * time.Second

func (s *Sandbox) registerAPI() {
	s.mux.HandleFunc("GET /api/messages", s.apiList)
	s.mux.HandleFunc("DELETE /api/messages", s.sameOrigin(s.apiDelete))
	s.mux.HandleFunc("GET /api/messages/wait", s.apiWait)
	s.mux.HandleFunc("GET /api/messages/{id}", s.apiGet)
	s.mux.HandleFunc("POST /api/messages/{id}/reply", s.sameOrigin(s.apiReply))
	s.mux.HandleFunc("POST /api/inbound", s.sameOrigin(s.apiInbound))
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeAPIError(w, http.StatusNotFound, "no such API: GET /api/messages, GET /api/messages/{id}, GET /api/messages/wait?to=NUMBER, DELETE /api/messages, POST /api/messages/{id}/reply, POST /api/inbound")
	})
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		names := s.Providers()
		for i, n := range names {
			names[i] = "/" + n + "/"
		}
		writeAPIError(w, http.StatusNotFound, "no such route: the providers' APIs are under "+strings.Join(names, ", ")+" and the test API under /api/messages")
	})
}

// sameOrigin refuses state-changing requests a web page on another origin
// sends: the sandbox binds loopback, and a browser is the only way in.
func (s *Sandbox) sameOrigin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" {
			if u, err := url.Parse(o); err != nil || u.Host != r.Host {
				writeAPIError(w, http.StatusForbidden, "cross-origin request refused")
				return
			}
		}
		h(w, r)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func writeAPIError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// Filter selects messages for GET /api/messages.
type Filter struct {
	To, From, Provider, Text string
	Since                    time.Time
}

func parseFilter(q url.Values, now time.Time) (Filter, error) {
	f := Filter{To: q.Get("to"), From: q.Get("from"), Provider: q.Get("provider"), Text: q.Get("text")}
	if v := q.Get("since"); v != "" {
		t, err := parseSince(v, now)
		if err != nil {
			return f, err
		}
		f.Since = t
	}
	return f, nil
}

// parseSince reads an RFC 3339 time or a duration ago ("5m").
func parseSince(v string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("since=%q: give an RFC 3339 time (2026-01-02T15:04:05Z) or a duration ago (5m)", v)
}

func (f Filter) match(m *message) bool {
	v := &m.view
	return (f.To == "" || sameNumber(f.To, v.To)) &&
		(f.From == "" || sameNumber(f.From, v.From)) &&
		(f.Provider == "" || strings.EqualFold(f.Provider, v.Provider)) &&
		(f.Text == "" || strings.Contains(v.Text, f.Text)) &&
		(f.Since.IsZero() || !v.CreatedAt.Before(f.Since))
}

// Messages returns the stored messages f selects, oldest first.
func (s *Sandbox) Messages(f Filter) []Message { return s.store.list(f.match) }

// Message returns a stored message by id.
func (s *Sandbox) Message(id string) (Message, bool) {
	_, v, ok := s.store.get(id)
	return v, ok
}

func (s *Sandbox) apiList(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r.URL.Query(), s.now())
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, err.Error())
		return
	}
	msgs := s.Messages(f)
	writeJSON(w, http.StatusOK, map[string]any{"count": len(msgs), "messages": msgs})
}

func (s *Sandbox) apiGet(w http.ResponseWriter, r *http.Request) {
	v, ok := s.Message(r.PathValue("id"))
	if !ok {
		writeAPIError(w, http.StatusNotFound, "no message "+r.PathValue("id"))
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Sandbox) apiDelete(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]int{"deleted": s.store.clear()})
}

// apiWait answers with the next message sent to ?to= (with since=, a
// message already stored since then counts), or 408 after ?timeout=.
func (s *Sandbox) apiWait(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	to := q.Get("to")
	if strings.TrimSpace(to) == "" {
		writeAPIError(w, http.StatusBadRequest, "wait needs to=NUMBER (write + as %2B, or leave it: a leading space reads as +)")
		return
	}
	timeout := DefaultWait
	if v := q.Get("timeout"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > MaxWait {
			writeAPIError(w, http.StatusBadRequest, fmt.Sprintf("timeout=%q: give a duration up to %s, e.g. 10s", v, MaxWait))
			return
		}
		timeout = d
	}
	// Register before looking: a message stored in between is not missed.
	wt, cancel := s.store.wait(to)
	defer cancel()
	if v := q.Get("since"); v != "" {
		since, err := parseSince(v, s.now())
		if err != nil {
			writeAPIError(w, http.StatusBadRequest, err.Error())
			return
		}
		f := Filter{To: to, Since: since}
		if got := s.store.list(func(m *message) bool { return m.view.Direction == DirectionOutbound && f.match(m) }); len(got) > 0 {
			writeJSON(w, http.StatusOK, got[0])
			return
		}
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case m := <-wt.ch:
		writeJSON(w, http.StatusOK, m)
	case <-t.C:
		writeAPIError(w, http.StatusRequestTimeout, fmt.Sprintf("no message to %s within %s", normalizeNumber(to), timeout))
	case <-r.Context().Done():
	case <-s.ctx.Done():
		writeAPIError(w, http.StatusServiceUnavailable, "the sandbox is stopping")
	}
}

// readText reads {"text": …} as JSON, or text=… as a form.
func readFields(r *http.Request) (map[string]string, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxAPIBody))
	if err != nil {
		return nil, err
	}
	fields := map[string]string{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/x-www-form-urlencoded" {
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, err
		}
		for k := range vals {
			fields[k] = vals.Get(k)
		}
		return fields, nil
	}
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, errors.New(`the body is not a JSON object of strings, e.g. {"text": "YES"}`)
	}
	return fields, nil
}

func (s *Sandbox) apiReply(w http.ResponseWriter, r *http.Request) {
	fields, err := readFields(r)
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, err.Error())
		return
	}
	m, err := s.Reply(r.PathValue("id"), fields["text"])
	s.answerInbound(w, m, err)
}

func (s *Sandbox) apiInbound(w http.ResponseWriter, r *http.Request) {
	fields, err := readFields(r)
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, err.Error())
		return
	}
	for _, k := range []string{"provider", "from", "to"} {
		if fields[k] == "" {
			writeAPIError(w, http.StatusBadRequest, `inbound needs provider, from, to and text, e.g. {"provider": "twilio", "from": "+447700900123", "to": "+15017122661", "text": "STOP"}`)
			return
		}
	}
	m, err := s.Inbound(fields["provider"], fields["from"], fields["to"], fields["text"])
	s.answerInbound(w, m, err)
}

func (s *Sandbox) answerInbound(w http.ResponseWriter, m Message, err error) {
	switch {
	case errors.Is(err, ErrNotFound):
		writeAPIError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, ErrNoInboundURL):
		writeAPIError(w, http.StatusConflict, err.Error())
	case err != nil:
		writeAPIError(w, http.StatusBadRequest, err.Error())
	default:
		writeJSON(w, http.StatusCreated, m)
	}
}
