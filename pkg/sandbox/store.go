package sandbox

import (
	"strings"
	"sync"
	"time"

	"github.com/smshook/smshook/pkg/signing"
)

// Directions of a message.
const (
	DirectionOutbound = "outbound" // the app sent it through the sandbox
	DirectionInbound  = "inbound"  // a recipient's reply, sent to the app
)

// Message is one message as the test API shows it.
type Message struct {
	ID        string `json:"id"`
	Provider  string `json:"provider"`
	Direction string `json:"direction"`
	From      string `json:"from"`
	To        string `json:"to"`
	Text      string `json:"text"`
	// Status is the provider's own word for the message's state now.
	Status string `json:"status"`
	// Final says the last status report has been sent (or, for no_final,
	// the life has ended without one).
	Final   bool    `json:"final"`
	Outcome Outcome `json:"outcome,omitempty"`
	// Reason says what chose the outcome (default, magic number, rule …).
	Reason string `json:"reason,omitempty"`
	Error  string `json:"error_code,omitempty"`
	// Chaos lists what chaos did to the callbacks.
	Chaos       []string  `json:"chaos,omitempty"`
	Segments    int       `json:"segments"`
	Encoding    string    `json:"encoding"`
	CallbackURL string    `json:"callback_url,omitempty"`
	InReplyTo   string    `json:"in_reply_to,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// SentAt is when the message was reported sent, if it was.
	SentAt    *time.Time `json:"sent_at,omitempty"`
	Callbacks []Callback `json:"callbacks"`
}

// Callback is one callback the sandbox sent the app, and its answer.
type Callback struct {
	// Kind is the provider's event kind (status, inbound …).
	Kind      string    `json:"kind"`
	Status    string    `json:"status"`
	Final     bool      `json:"final,omitempty"`
	Error     string    `json:"error_code,omitempty"`
	Duplicate bool      `json:"duplicate,omitempty"`
	URL       string    `json:"url"`
	SentAt    time.Time `json:"sent_at"`
	Attempts  int       `json:"attempts"`
	// ReplyStatus is the app's answer; 0 when none came (ReplyError says why).
	ReplyStatus int     `json:"reply_status"`
	ReplyBody   string  `json:"reply_body,omitempty"`
	ReplyError  string  `json:"reply_error,omitempty"`
	OK          bool    `json:"ok"`
	LatencyMS   float64 `json:"latency_ms"`
	// CaptureID is the capture record's id, when capturing.
	CaptureID string `json:"capture_id,omitempty"`
}

// message is a stored message and what the sandbox keeps about it beyond
// what the API shows.
type message struct {
	// key is the store's key: the id, or for one recipient of a batch
	// (Sinch, MessageBird) the id and the recipient.
	key   string
	view  Message
	api   providerAPI
	creds signing.Credentials
	// account is the provider's account id from the request's path or
	// credentials (Twilio's AccountSid).
	account string
	// extra holds provider-specific fields (Twilio's MessagingServiceSid).
	extra map[string]string
	// sendAt, when set, is when a scheduled message's life starts
	// (Twilio's SendAt); until then it stays in its initial status.
	sendAt time.Time
	// startStatus is its status once that time comes (Twilio: queued).
	startStatus string
}

// store keeps the newest messages, up to a bound, and wakes waiters.
type store struct {
	mu      sync.Mutex
	max     int
	order   []*message // oldest first
	byID    map[string]*message
	waiters map[*waiter]struct{}
}

type waiter struct {
	to string
	ch chan Message
}

func newStore(max int) *store {
	return &store{max: max, byID: map[string]*message{}, waiters: map[*waiter]struct{}{}}
}

// add stores m, dropping the oldest message beyond the bound, and hands a
// copy to every waiter for its recipient.
func (s *store) add(m *message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.key == "" {
		m.key = m.view.ID
	}
	s.order = append(s.order, m)
	s.byID[m.key] = m
	if len(s.order) > s.max {
		old := s.order[0]
		s.order[0] = nil
		s.order = s.order[1:]
		delete(s.byID, old.key)
	}
	if m.view.Direction != DirectionOutbound {
		return
	}
	for w := range s.waiters {
		if sameNumber(w.to, m.view.To) {
			w.ch <- m.view.clone() // buffered 1, and the waiter is removed at once
			delete(s.waiters, w)
		}
	}
}

// wait registers a waiter for the next message to `to`; cancel removes it.
func (s *store) wait(to string) (w *waiter, cancel func()) {
	w = &waiter{to: to, ch: make(chan Message, 1)}
	s.mu.Lock()
	s.waiters[w] = struct{}{}
	s.mu.Unlock()
	return w, func() {
		s.mu.Lock()
		delete(s.waiters, w)
		s.mu.Unlock()
	}
}

// update changes a stored message under the lock.
func (s *store) update(m *message, f func(v *Message)) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&m.view)
	return m.view.clone()
}

func (s *store) get(id string) (*message, Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.byID[id]
	if !ok { // a batch's id: its first recipient's message
		for _, o := range s.order {
			if o.view.ID == id {
				m, ok = o, true
				break
			}
		}
	}
	if !ok {
		return nil, Message{}, false
	}
	return m, m.view.clone(), true
}

// list returns copies of the messages f selects, oldest first.
func (s *store) list(f func(m *message) bool) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Message{}
	for _, m := range s.order {
		if f(m) {
			out = append(out, m.view.clone())
		}
	}
	return out
}

// find returns the stored messages f selects, oldest first.
func (s *store) find(f func(m *message) bool) []*message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*message
	for _, m := range s.order {
		if f(m) {
			out = append(out, m)
		}
	}
	return out
}

func (s *store) clear() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.order)
	s.order, s.byID = nil, map[string]*message{}
	return n
}

func (v Message) clone() Message {
	v.Callbacks = append([]Callback{}, v.Callbacks...)
	v.Chaos = append([]string(nil), v.Chaos...)
	if v.SentAt != nil {
		t := *v.SentAt
		v.SentAt = &t
	}
	return v
}

// sameNumber compares numbers ignoring spaces, dashes and brackets; a
// leading space stands for the + that a query string decodes as a space.
func sameNumber(a, b string) bool { return normalizeNumber(a) == normalizeNumber(b) }

func normalizeNumber(s string) string {
	if strings.HasPrefix(s, " ") {
		s = "+" + strings.TrimLeft(s, " ")
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '(', ')', '.':
			return -1
		}
		return r
	}, s)
}
