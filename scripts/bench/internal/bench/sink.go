package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// sinkEnv, when set to a file name, makes the bench binary serve as the
// bare sink: a plain net/http server on 127.0.0.1:0 that reads each body
// and answers 200, in a process of its own so that it is measured (CPU,
// peak RSS) the way smshook listen is.
const sinkEnv = "SMSHOOK_BENCH_SINK"

// ServeSinkIfAsked serves the sink when the process was started as one,
// and reports whether it did.
func ServeSinkIfAsked() (int, bool) {
	addrFile := os.Getenv(sinkEnv)
	if addrFile == "" {
		return 0, false
	}
	if err := serveSink(addrFile); err != nil {
		fmt.Fprintln(os.Stderr, "bench sink:", err)
		return 1, true
	}
	return 0, true
}

// serveSink serves until SIGINT or SIGTERM, then prints "hits N".
func serveSink(addrFile string) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	var hits atomic.Int64
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			hits.Add(1)
			w.WriteHeader(http.StatusOK)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	if err := os.WriteFile(addrFile, []byte(ln.Addr().String()+"\n"), 0o600); err != nil {
		return err
	}
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	fmt.Printf("hits %d\n", hits.Load())
	return nil
}

// StartSink starts the bare sink as a child process.
func (e *Env) StartSink(name string) (*Server, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	addrFile := e.Path(name + ".addr")
	os.Remove(addrFile)
	return startServer([]string{sinkEnv + "=" + addrFile}, addrFile, true, self)
}

// sinkHits reads the count a stopped sink printed.
func sinkHits(p Proc) (int64, error) {
	s := strings.TrimSpace(string(p.Stdout))
	if !strings.HasPrefix(s, "hits ") {
		return 0, fmt.Errorf("the sink ended without its count (exit %d): %s", p.ExitCode, p.Stderr)
	}
	return strconv.ParseInt(strings.TrimPrefix(s, "hits "), 10, 64)
}
