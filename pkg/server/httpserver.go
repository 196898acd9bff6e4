package server

import (
	"log"
	"net/http"
	"time"
)

// Limits of the listener's HTTP server. Webhook requests are small and
// quick; these keep a stuck or hostile client from holding a connection.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 60 * time.Second
	IdleTimeout       = 120 * time.Second
	MaxHeaderBytes    = 64 << 10
	// writeSlack is the time to write an answer once it is decided.
	writeSlack = 30 * time.Second
)

// HTTPServer wraps the handler in an http.Server with timeouts and a header
// size limit. The write timeout leaves room for --delay and a forward.
// errorLog receives the server's own errors (nil: the log package's default).
func (h *Handler) HTTPServer(errorLog *log.Logger) *http.Server {
	write := writeSlack + h.opts.Delay + ReadTimeout
	if h.opts.ForwardTo != "" || h.anyEndpointForwards() {
		write += h.opts.ForwardTimeout
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      write,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          errorLog,
	}
}

func (h *Handler) anyEndpointForwards() bool {
	for _, e := range h.opts.Endpoints {
		if e.ForwardTo != "" {
			return true
		}
	}
	return false
}
