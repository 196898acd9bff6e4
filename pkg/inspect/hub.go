package inspect

import (
	"sync"
)

// hub fans new summaries out to the SSE subscribers. Publishing never
// blocks and queues nothing per event: a subscriber holds a count of what
// it has not sent yet and the newest summary, and a wake signal, so a
// browser that falls behind costs no memory and a burst is one wake.
type hub struct {
	mu   sync.Mutex
	subs map[*subscriber]struct{}
}

type subscriber struct {
	mu      sync.Mutex
	pending int
	newest  Summary
	// wake is signalled (without blocking) when pending grew.
	wake chan struct{}
	// messages is signalled (without blocking) when the message source
	// changed; a burst of changes is one signal.
	messages chan struct{}
}

func newHub() *hub { return &hub{subs: map[*subscriber]struct{}{}} }

func (h *hub) subscribe() *subscriber {
	s := &subscriber{wake: make(chan struct{}, 1), messages: make(chan struct{}, 1)}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	return s
}

func (h *hub) unsubscribe(s *subscriber) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
}

// publish tells every subscriber that added summaries came, newest last.
func (h *hub) publish(added int, newest Summary) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		s.mu.Lock()
		s.pending += added
		s.newest = newest
		s.mu.Unlock()
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// take returns what came since the last take: how many, and the newest.
func (s *subscriber) take() (int, Summary) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, newest := s.pending, s.newest
	s.pending, s.newest = 0, Summary{}
	return n, newest
}

// touchMessages signals every subscriber that the messages changed.
func (h *hub) touchMessages() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		select {
		case s.messages <- struct{}{}:
		default:
		}
	}
}

func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}
