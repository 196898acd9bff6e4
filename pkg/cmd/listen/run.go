package listen

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/inspect"
	"github.com/smshook/smshook/pkg/server"
)

// shutdownGrace bounds how long a stop waits for requests in flight.
const shutdownGrace = 10 * time.Second

// listenGCPercent is the GC target while listening, unless GOGC is set.
const listenGCPercent = 400

// tuneRuntime sets the Go runtime up for a listener under load and returns
// what puts it back. GOGC and GOMAXPROCS, when set, are left alone, and so
// is a runtime already tuned (two listeners in one test process).
func tuneRuntime(getenv func(string) string, capture bool) (restore func()) {
	var undo []func()
	if getenv("GOGC") == "" {
		// The live heap is a few MiB and each request allocates a few KiB:
		// letting the heap grow to 5× the live one costs a few MiB and
		// takes most of the collector's work off requests.
		if old := debug.SetGCPercent(listenGCPercent); old >= 0 && old < listenGCPercent {
			undo = append(undo, func() { debug.SetGCPercent(old) })
		} else {
			debug.SetGCPercent(old)
		}
	}
	if n := runtime.GOMAXPROCS(0); capture && getenv("GOMAXPROCS") == "" && n <= runtime.NumCPU() {
		// The capture's committer is in fdatasync much of the time, and
		// the requests it has just released queue on its P, which stays
		// taken until the runtime hands it off (20 µs at best, often far
		// longer). Spare Ps run them at once.
		runtime.GOMAXPROCS(2 * n)
		undo = append(undo, func() { runtime.GOMAXPROCS(n) })
	}
	return func() {
		for _, f := range undo {
			f()
		}
	}
}

// heapPerBodyByte is about how many bytes of heap a request holds per body
// byte at most: the body, its copy in the record, its line in the capture.
const heapPerBodyByte = 4

// limitHeap sets a soft memory limit unless GOMEMLIMIT is set: the GC
// target of listenGCPercent suits a small live heap, but with the in-flight
// budget full of large bodies it would let the heap grow to 5× a few
// hundred MiB. The limit makes the collector work harder up there instead.
func limitHeap(getenv func(string) string, inflight int64) (restore func()) {
	if getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	limit := heapPerBodyByte*inflight + 64<<20
	old := debug.SetMemoryLimit(-1) // -1 reads it
	if old <= limit {
		return func() {} // already as low, e.g. by a listener in the same process
	}
	debug.SetMemoryLimit(limit)
	return func() { debug.SetMemoryLimit(old) }
}

// stopReason is why the listener stopped.
type stopReason int

const (
	stopInterrupted stopReason = iota
	stopMaxEvents
	stopTimeout
	stopServeError
)

func listenRun(o *ListenOptions) error {
	endpoints, warnings, err := o.endpoints()
	for _, w := range warnings {
		cmdutil.Warn(o.IO, w)
	}
	if err != nil {
		return err
	}
	defer tuneRuntime(o.Getenv, !o.NoCapture)()
	p := newPrinter(o, endpoints)
	defer p.stop() // idempotent; the normal path stops it before the summary

	var writer *capture.Writer
	var store server.Appender
	if !o.NoCapture {
		if writer, err = capture.Open(o.CapturePath); err != nil {
			return cmdutil.UsageErrorf("cannot open capture file %s: %v: pass --capture FILE or --no-capture", o.CapturePath, pathError(err))
		}
		store = writer
		if msg := sharedCapture(writer.Lock()); msg != "" {
			p.warn(msg)
		}
		if writer.RepairedTornLine() {
			p.warn(fmt.Sprintf("%s ended mid-line (a crash?): that line is kept as it was, and new records start on the next line", o.CapturePath))
		}
		if mode := writer.TightenedMode(); mode != 0 {
			p.warn(fmt.Sprintf("%s was mode %04o, readable by others: made it 0600, as it holds auth headers", o.CapturePath, mode))
		}
		writer.OnStateChange(p.captureState)
	}
	closeCapture := func() error {
		if writer == nil {
			return nil
		}
		return writer.Close()
	}

	var insp *inspect.Server
	h, err := server.New(server.Options{
		Endpoints:     endpoints,
		MaxBody:       o.MaxBody,
		MaxInflight:   o.MaxInflight,
		AcceptInvalid: o.AcceptInvalid,
		ForwardTo:     o.ForwardTo,
		Respond:       o.Respond,
		RespondBody:   o.RespondBody,
		Delay:         o.Delay,
		PublicURL:     o.PublicURL,
		URLHint:       urlHint(o.PublicURL),
		Capture:       store,
		Now:           o.Now,
		OnEvent:       observe(p, &insp),
	})
	if err != nil {
		closeCapture()
		return cmdutil.UsageError(err)
	}
	defer limitHeap(o.Getenv, h.MaxInflight())()

	ln, err := net.Listen("tcp", net.JoinHostPort(o.Host, strconv.Itoa(o.Port)))
	if err != nil {
		closeCapture()
		return cmdutil.UsageErrorf("cannot listen on %s: %v: pick another --port (0 picks a free one)",
			net.JoinHostPort(o.Host, strconv.Itoa(o.Port)), cmdutil.ListenError(err))
	}
	addr := ln.Addr().String()
	if o.AddrFile != "" {
		if err := writeAddrFile(o.AddrFile, dialAddr(addr)); err != nil {
			ln.Close()
			closeCapture()
			return cmdutil.UsageErrorf("--addr-file: %v", err)
		}
	}
	if !o.NoUI {
		var stopUI func()
		if insp, p.inspectorURL, stopUI = o.startInspector(p, endpoints, addr); stopUI != nil {
			defer stopUI()
		}
	}
	p.banner(addr, h.Routes())
	if o.inspecting != nil && p.inspectorURL != "" {
		o.inspecting(p.inspectorURL)
	}
	if o.listening != nil {
		o.listening(addr)
	}

	srv := h.HTTPServer(log.New(p.lockedErr(), "smshook: listen: ", 0))
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	var timeout <-chan time.Time
	if o.Timeout > 0 {
		t := time.NewTimer(o.Timeout)
		defer t.Stop()
		timeout = t.C
	}
	ctx := o.Context
	if ctx == nil {
		ctx = context.Background()
	}
	var reason stopReason
	var serveErr error
	select {
	case <-ctx.Done():
		reason = stopInterrupted
	case <-p.full:
		reason = stopMaxEvents
	case <-timeout:
		reason = stopTimeout
	case serveErr = <-served:
		reason = stopServeError
	}

	// Finish the requests in flight (cutting --delay short), then make
	// sure every record is on disk before saying so.
	h.Stop()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		srv.Close()
	}
	captureErr := closeCapture()
	p.stop()
	p.summary(writer)

	switch {
	case captureErr != nil:
		return cmdutil.FailureErrorf("closing the capture file %s: %v", o.CapturePath, captureErr)
	case reason == stopInterrupted:
		return &cmdutil.SilentError{Code: cmdutil.ExitInterrupted}
	case reason == stopServeError && !errors.Is(serveErr, http.ErrServerClosed):
		return cmdutil.FailureErrorf("the listener stopped: %v", serveErr)
	}
	return p.verdict(reason == stopTimeout)
}

// urlHint is what a 401 for a URL-signing provider tells the sender to
// do: listen verifies against --public-url when given, else the local URL.
func urlHint(publicURL string) string {
	if publicURL == "" {
		return "pass the URL the provider was given to listen with --public-url"
	}
	return "check that --public-url " + publicURL + " is the URL the provider was given"
}

// writeAddrFile writes host:port and a newline, whole or not at all, so
// that a script polling for the file never reads half an address.
func writeAddrFile(path, addr string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(addr+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func pathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
