package inspect

import (
	"sync"
	"sync/atomic"
)

// subscriberBuffer is how many summaries a browser may fall behind by
// before it is told to reload the list instead.
const subscriberBuffer = 1024

// hub fans new summaries out to the SSE subscribers. Publish never blocks:
// a subscriber whose buffer is full misses the summary and is marked
// lagged, and its stream tells the page to fetch the list again.
type hub struct {
	mu   sync.Mutex
	subs map[*subscriber]struct{}
}

type subscriber struct {
	ch     chan Summary
	lagged atomic.Bool
	// wake is signalled (without blocking) when lagged is set, so the
	// stream notices even with nothing in ch.
	wake chan struct{}
	// messages is signalled (without blocking) when the message source
	// changed; a burst of changes is one signal.
	messages chan struct{}
}

func newHub() *hub { return &hub{subs: map[*subscriber]struct{}{}} }

func (h *hub) subscribe() *subscriber {
	s := &subscriber{ch: make(chan Summary, subscriberBuffer), wake: make(chan struct{}, 1), messages: make(chan struct{}, 1)}
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

func (h *hub) publish(sum Summary) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		select {
		case s.ch <- sum:
		default:
			s.lagged.Store(true)
			select {
			case s.wake <- struct{}{}:
			default:
			}
		}
	}
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
