package inspect

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// MessageSource is a store of sent messages the page shows in its Messages
// view: smshook sandbox's. Its values are JSON the page reads (the shape of
// the sandbox's test API); this package does not look inside them, so it
// needs no import of the store's package.
type MessageSource interface {
	// Messages returns the newest limit messages, oldest first.
	Messages(limit int) any
	// Message returns one message with its callbacks, or false.
	Message(id string) (any, bool)
	// Reply makes the recipient of message id answer text, through the
	// provider's inbound webhook to the app; it returns the reply sent.
	// An error with an HTTPStatus() int method sets the answer's status.
	Reply(id, text string) (any, error)
}

// The Messages view fetches the newest defaultMessages (the page) or up
// to maxMessages (a script's ?limit=).
const (
	defaultMessages = 500
	maxMessages     = 10000
)

// maxReplyBody bounds a reply's request body: an SMS is short.
const maxReplyBody = 64 << 10

// MessagesChanged tells the open pages that the message source changed (a
// message sent, a callback answered), so a Messages view fetches it again.
// It never waits.
func (s *Server) MessagesChanged() { s.hub.touchMessages() }

func (s *Server) noMessages(w http.ResponseWriter) bool {
	if s.opts.Messages == nil {
		apiError(w, http.StatusNotFound, "no messages here: the Messages view is smshook sandbox's")
		return true
	}
	return false
}

func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) {
	if s.noMessages(w) {
		return
	}
	limit := defaultMessages
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			apiError(w, http.StatusBadRequest, "limit: a number from 1 to "+strconv.Itoa(maxMessages))
			return
		}
		limit = min(n, maxMessages)
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": s.opts.Messages.Messages(limit)})
}

func (s *Server) getMessage(w http.ResponseWriter, r *http.Request) {
	if s.noMessages(w) {
		return
	}
	m, ok := s.opts.Messages.Message(r.PathValue("id"))
	if !ok {
		apiError(w, http.StatusNotFound, "no message with that id")
		return
	}
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) replyMessage(w http.ResponseWriter, r *http.Request) {
	if s.noMessages(w) {
		return
	}
	var in struct {
		Text *string `json:"text"`
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxReplyBody+1))
	switch {
	case err != nil:
		apiError(w, http.StatusBadRequest, err.Error())
		return
	case len(body) > maxReplyBody:
		apiError(w, http.StatusRequestEntityTooLarge, "the reply is over 64 KiB")
		return
	}
	if err := json.Unmarshal(body, &in); err != nil || in.Text == nil {
		apiError(w, http.StatusBadRequest, `send {"text": "the recipient's reply"}`)
		return
	}
	if strings.TrimSpace(*in.Text) == "" {
		apiError(w, http.StatusBadRequest, "the reply is empty: type some text")
		return
	}
	m, err := s.opts.Messages.Reply(r.PathValue("id"), *in.Text)
	if err != nil {
		status := http.StatusBadRequest
		var hs interface{ HTTPStatus() int }
		if errors.As(err, &hs) {
			status = hs.HTTPStatus()
		}
		apiError(w, status, err.Error())
		return
	}
	s.MessagesChanged()
	writeJSON(w, http.StatusCreated, m)
}
