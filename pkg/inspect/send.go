package inspect

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/client"
	"github.com/smshook/smshook/pkg/redact"
)

// maxRequestJSON bounds what the page may POST: a body up to the
// listener's default limit, base64'd, and its headers.
const maxRequestJSON = 16 << 20

// maxReplyBytes bounds the reply body the page is shown.
const maxReplyBytes = 1 << 20

// sendTimeout bounds one replay or send.
const sendTimeout = 30 * time.Second

// SendResult is what a replay or a send did: the request as sent
// (credentials hidden) and the reply.
type SendResult struct {
	Request struct {
		Method  string   `json:"method"`
		URL     string   `json:"url"`
		Headers []Header `json:"headers"`
		Body    Body     `json:"body"`
	} `json:"request"`
	Resigned   bool     `json:"resigned"`
	Status     int      `json:"status,omitempty"`
	Headers    []Header `json:"headers,omitempty"`
	Body       *Body    `json:"body,omitempty"`
	DurationMS float64  `json:"duration_ms"`
	// Error says why no reply came.
	Error string `json:"error,omitempty"`
}

type replayRequest struct {
	// URL is the target; "" is the forward target. A URL naming only a
	// host keeps the captured path and query.
	URL        string `json:"url"`
	AsCaptured bool   `json:"as_captured"`
}

func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxRequestJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("request body: %v", err)
	}
	return nil
}

func (s *Server) replay(w http.ResponseWriter, r *http.Request) {
	var in replayRequest
	if err := decodeJSON(r, &in); err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	rec, _, ok := s.record(w, r.PathValue("id"))
	if !ok {
		return
	}
	target := in.URL
	if target == "" {
		target = s.opts.ForwardTo
	}
	if target == "" {
		apiError(w, http.StatusBadRequest, "no target: give a URL (there is no forward target: listen --forward-to)")
		return
	}
	if err := checkTarget(target); err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	u, _ := client.KeepRoute(target, rec.URL)
	req := &client.Request{
		Method: rec.Method,
		URL:    u,
		Header: client.ResendHeader(rec.Headers),
		Body:   rec.Body(),
	}
	resigned := false
	if !in.AsCaptured {
		if err := s.sign(req, rec.Provider, rec.Profile); err != nil {
			apiError(w, http.StatusBadRequest, err.Error())
			return
		}
		resigned = true
	}
	writeJSON(w, http.StatusOK, s.do(r, req, resigned))
}

type sendRequest struct {
	Method  string   `json:"method"`
	URL     string   `json:"url"`
	Headers []Header `json:"headers"`
	// Body is the body as text; BodyBase64, when set, holds bytes that are
	// not text. The page never alters what the user typed.
	Body       string `json:"body"`
	BodyBase64 string `json:"body_base64"`
	// Resign signs the request with the credentials of Provider's Profile,
	// replacing the scheme's headers.
	Resign   bool   `json:"resign"`
	Provider string `json:"provider"`
	Profile  string `json:"profile"`
	// From is the event being edited: a header left hidden ("<redacted>")
	// is sent with that event's value.
	From string `json:"from"`
}

func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	var in sendRequest
	if err := decodeJSON(r, &in); err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	req, err := s.buildSend(&in)
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	if in.Resign {
		if err := s.sign(req, in.Provider, in.Profile); err != nil {
			apiError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	writeJSON(w, http.StatusOK, s.do(r, req, in.Resign))
}

func (s *Server) buildSend(in *sendRequest) (*client.Request, error) {
	method := strings.TrimSpace(in.Method)
	if method == "" {
		method = http.MethodPost
	}
	if !capture.ValidHeaderName(method) { // a method is a token too
		return nil, errors.New("method: not an HTTP method")
	}
	if err := checkTarget(in.URL); err != nil {
		return nil, err
	}
	body := []byte(in.Body)
	if in.BodyBase64 != "" {
		b, err := base64.StdEncoding.DecodeString(in.BodyBase64)
		if err != nil {
			return nil, errors.New("body_base64: not valid base64")
		}
		body = b
	}
	var orig *capture.Record
	if in.From != "" {
		rec, _, err := s.opts.Index.Get(in.From)
		if err != nil {
			return nil, fmt.Errorf("from: %v", err)
		}
		orig = rec
	}
	h := http.Header{}
	for _, hv := range in.Headers {
		name := strings.TrimSpace(hv.Name)
		if name == "" {
			continue
		}
		if !capture.ValidHeaderName(name) {
			return nil, fmt.Errorf("header %q: not a header name", name)
		}
		if !capture.ValidHeaderValue(hv.Value) {
			return nil, fmt.Errorf("header %s: a value cannot hold control characters", name)
		}
		h.Add(name, hv.Value)
	}
	if orig != nil {
		restoreHidden(h, orig.Headers, s.opts.Credentials)
	}
	h = client.ResendHeader(h)
	return &client.Request{Method: method, URL: in.URL, Header: h, Body: body}, nil
}

// restoreHidden puts back the captured value of each credential header the
// page sent still hidden, so that editing a request does not need reveal.
func restoreHidden(h, captured http.Header, creds *redact.Headers) {
	shown, _ := creds.Redact(captured, nil)
	for name, values := range h {
		for i, v := range values {
			if !strings.Contains(v, redact.Mask) {
				continue
			}
			for j, sv := range shown[name] {
				if sv == v && j < len(captured[name]) {
					values[i] = captured[name][j]
					break
				}
			}
		}
	}
}

func checkTarget(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("url %q: give an http:// or https:// URL", raw)
	}
	return nil
}

func (s *Server) sign(req *client.Request, provider, profile string) error {
	if s.opts.Signer == nil || provider == "" {
		return errors.New("no credentials to re-sign with: send as captured")
	}
	scheme, creds, err := s.opts.Signer(provider, profile)
	if err != nil {
		return fmt.Errorf("cannot re-sign: %v", err)
	}
	if err := client.Sign(req, scheme, creds); err != nil {
		return fmt.Errorf("re-signing: %v", err)
	}
	return nil
}

// do sends req and describes what happened.
func (s *Server) do(r *http.Request, req *client.Request, resigned bool) SendResult {
	var res SendResult
	res.Resigned = resigned
	shownHeader, _ := s.opts.Credentials.Redact(req.Header, nil)
	res.Request.Method = req.Method
	res.Request.URL = redact.URL(req.URL)
	res.Request.Headers = headerList(shownHeader, req.Header)
	res.Request.Body = describeBody(req.Body, req.Header.Get("Content-Type"))

	ctx, cancel := context.WithTimeout(r.Context(), sendTimeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, req.Method, req.URL, bytes.NewReader(req.Body))
	if err != nil {
		res.Error = err.Error()
		return res
	}
	hr.Header = req.Header
	if host := req.Header.Get("Host"); host != "" {
		hr.Host = host
	}
	start := time.Now()
	resp, err := s.opts.HTTPClient.Do(hr)
	if err != nil {
		res.DurationMS = msSince(start)
		res.Error = redact.URL(err.Error())
		return res
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes+1))
	res.DurationMS = msSince(start)
	res.Status = resp.StatusCode
	shownReply, _ := s.opts.Credentials.Redact(resp.Header, nil)
	res.Headers = headerList(shownReply, resp.Header)
	truncated := len(b) > maxReplyBytes
	if truncated {
		b = b[:maxReplyBytes]
	}
	body := describeBody(b, resp.Header.Get("Content-Type"))
	body.Truncated = truncated
	res.Body = &body
	if err != nil {
		res.Error = "reading the reply: " + err.Error()
	}
	return res
}

func msSince(t time.Time) float64 {
	return float64(time.Since(t)) / float64(time.Millisecond)
}
