package inspect

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Running is a started inspector.
type Running struct {
	// URL is the page's address, http://127.0.0.1:PORT/.
	URL    string
	srv    *http.Server
	cancel context.CancelFunc
	done   chan struct{} // Serve returned
	ran    chan struct{} // Run returned
}

// Start serves the inspector on 127.0.0.1:port (0 picks a free port) and
// follows its index until Stop. It never binds another interface: the page
// can send requests and reveal credentials.
func (s *Server) Start(port int) (*Running, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	r := &Running{
		URL: "http://" + addr + "/",
		srv: &http.Server{
			Handler:           s.Handler(addr),
			ReadHeaderTimeout: 10 * time.Second,
			BaseContext:       func(net.Listener) context.Context { return ctx },
		},
		cancel: cancel,
		done:   make(chan struct{}),
		ran:    make(chan struct{}),
	}
	go func() {
		defer close(r.ran)
		s.Run(ctx)
	}()
	go func() {
		defer close(r.done)
		r.srv.Serve(ln)
	}()
	return r, nil
}

// Stop closes the page's connections (event streams included) and stops
// following the file.
func (r *Running) Stop() {
	r.cancel() // ends the event streams, whose requests never finish on their own
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := r.srv.Shutdown(ctx); err != nil {
		r.srv.Close()
	}
	<-r.done
	<-r.ran // the index is no longer read: its owner may close it
}
