package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/client"
	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/inspect"
	"github.com/smshook/smshook/pkg/iostreams"
	"github.com/smshook/smshook/pkg/redact"
	"github.com/smshook/smshook/pkg/sandbox"
)

// shutdownGrace bounds how long a stop waits for requests in flight.
const shutdownGrace = 5 * time.Second

func run(o *Options) error {
	reg, err := o.Registry()
	if err != nil {
		return err
	}
	eps, err := o.endpoints(reg)
	if err != nil {
		return err
	}
	rules, replies, err := o.rules()
	if err != nil {
		return err
	}
	if len(replies) > 0 && o.InboundURL == "" && !anyInboundURL(eps) {
		return cmdutil.UsageErrorf("auto-replies need your app's inbound URL: pass --inbound-url URL, or --profile with a url")
	}

	var report *client.JUnitReport
	start := o.now()
	if o.ReportPath != "" {
		if report, err = client.NewJUnitReport(o.ReportPath, client.JUnitOptions{Suite: "smshook sandbox", Class: "sandbox", Start: start}); err != nil {
			return cmdutil.UsageErrorf("--report: %v", err)
		}
		defer report.Discard()
	}
	var writer *capture.Writer
	if !o.NoCapture {
		if writer, err = capture.Open(o.CapturePath); err != nil {
			return cmdutil.UsageErrorf("cannot open capture file %s: %v: pass --capture FILE or --no-capture", o.CapturePath, err)
		}
	}
	closeCapture := func() error {
		if writer == nil {
			return nil
		}
		w := writer
		writer = nil
		return w.Close()
	}
	defer closeCapture()

	p := &printer{o: o, report: report, full: make(chan struct{})}
	// The sandbox is built first, so that the inspector never serves a
	// nil source; it hears of the inspector (insp, rec.insp) before it
	// serves, and so before any callback.
	rec := &recorder{file: writer}
	var insp *inspect.Server
	sopts := sandbox.Options{
		Registry:    reg,
		Providers:   o.Providers,
		Endpoints:   eps,
		InboundURL:  o.InboundURL,
		CallbackURL: o.CallbackURL,
		Latency:     o.Latency,
		Rules:       rules,
		Replies:     replies,
		Chaos:       o.Chaos,
		Seed:        o.Seed,
		Now:         o.Now,
		OnEvent: func(ev sandbox.Event) {
			p.event(ev)
			if insp != nil {
				insp.MessagesChanged()
			}
		},
	}
	if writer != nil || !o.NoUI {
		sopts.Capture = rec
	}
	sb, err := sandbox.New(sopts)
	if err != nil {
		return cmdutil.UsageError(err)
	}
	defer sb.Close()
	if !o.NoUI {
		var stopUI func()
		if insp, p.inspectorURL, stopUI = o.startInspector(p, reg, &messageSource{sb: sb, reg: reg}); stopUI != nil {
			defer stopUI()
		}
	}
	rec.insp = insp

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(o.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return cmdutil.UsageErrorf("cannot listen on %s: %v: pick another --port (0 picks a free one)", addr, cmdutil.ListenError(err))
	}
	bound := ln.Addr().String()
	if o.AddrFile != "" {
		if err := writeAddrFile(o.AddrFile, bound); err != nil {
			ln.Close()
			return cmdutil.UsageErrorf("--addr-file: %v", err)
		}
	}
	p.banner(bound, sb.Providers(), eps)
	if o.inspecting != nil && p.inspectorURL != "" {
		o.inspecting(p.inspectorURL)
	}
	if o.listening != nil {
		o.listening(bound)
	}

	srv := &http.Server{
		Handler:           sb,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
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
	var interrupted, timedOut bool
	var serveErr error
	select {
	case <-ctx.Done():
		interrupted = true
	case <-p.full:
	case <-timeout:
		timedOut = true
	case serveErr = <-served:
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		srv.Close()
	}
	sb.Close()
	captureErr := closeCapture()
	sum := p.summary()
	if report != nil {
		if err := report.Close(&client.Summary{Elapsed: o.now().Sub(start)}); err != nil {
			return cmdutil.FailureErrorf("--report: %v", err)
		}
	}
	switch {
	case captureErr != nil:
		return cmdutil.FailureErrorf("closing the capture file %s: %v", o.CapturePath, captureErr)
	case interrupted:
		return &cmdutil.SilentError{Code: cmdutil.ExitInterrupted}
	case serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed):
		return cmdutil.FailureErrorf("the sandbox stopped: %v", serveErr)
	case timedOut && o.MaxMessages > 0 && sum.finished < o.MaxMessages:
		return cmdutil.FailureErrorf("timed out after %s with %d of %d messages over", o.Timeout, sum.finished, o.MaxMessages)
	case sum.failed > 0:
		return cmdutil.FailureErrorf("%d of %d callbacks were not answered 2xx by your app", sum.failed, sum.callbacks)
	}
	return nil
}

func anyInboundURL(eps map[string]sandbox.Endpoint) bool {
	for _, ep := range eps {
		if ep.InboundURL != "" {
			return true
		}
	}
	return false
}

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// printer writes one line (or JSON object) per event, counts callbacks for
// the verdict and the report, and says when --max-messages are over.
type printer struct {
	o      *Options
	report *client.JUnitReport
	full   chan struct{}

	mu        sync.Mutex
	messages  int
	finished  int
	callbacks int
	failed    int
	closed    bool
	// inspectorURL is the inspector's page, when it runs.
	inspectorURL string
}

type counts struct{ messages, finished, callbacks, failed int }

func (p *printer) summary() counts {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := counts{p.messages, p.finished, p.callbacks, p.failed}
	fmt.Fprintf(p.o.IO.ErrOut, "sandbox: messages %d, callbacks %d: %d answered 2xx, %d not\n", c.messages, c.callbacks, c.callbacks-c.failed, c.failed)
	return c
}

func (p *printer) banner(addr string, providers []string, eps map[string]sandbox.Endpoint) {
	base := "http://" + addr
	w := p.o.IO.ErrOut
	fmt.Fprintf(w, "smshook sandbox on %s (send through these base URLs; Ctrl-C stops)\n", base)
	table := iostreams.NewTable(w) // columns sized to the longest name (messagebird)
	for _, name := range providers {
		auth := "any credentials"
		if ep, ok := eps[name]; ok && ep.ChecksCredentials(name) {
			auth = "the profile's credentials"
		}
		table.Row("", name, base+"/"+name, "("+auth+")")
	}
	table.Row("", "test API", base+"/api/messages")
	table.Flush()
	if p.inspectorURL != "" {
		fmt.Fprintf(w, "inspector  %s\n", p.o.IO.ErrColorScheme().Cyan(p.inspectorURL))
	}
	captureText := "off"
	if !p.o.NoCapture {
		captureText = p.o.CapturePath
	}
	fmt.Fprintf(w, "  latency %s · capture %s\n", p.o.Latency, captureText)
}

func (p *printer) warn(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.o.IO.ErrOut, "%s %s\n", p.o.IO.ErrColorScheme().Yellow("warning:"), iostreams.SafeLine(msg))
}

func (p *printer) event(ev sandbox.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	// What the app sent and answered is untrusted: URLs lose their
	// credentials, and every line goes through the terminal door.
	ev.Message.CallbackURL = redact.URL(ev.Message.CallbackURL)
	if ev.Callback != nil {
		cb := *ev.Callback
		cb.URL = redact.URL(cb.URL)
		ev.Callback = &cb
	}
	for i := range ev.Message.Callbacks {
		ev.Message.Callbacks[i].URL = redact.URL(ev.Message.Callbacks[i].URL)
	}
	switch ev.Type {
	case sandbox.EventMessage:
		p.messages++
	case sandbox.EventCallback, sandbox.EventInbound:
		p.callbacks++
		if !ev.Callback.OK {
			p.failed++
		}
		p.addCase(ev)
	case sandbox.EventFinished:
		p.finished++
	}
	if p.o.Output == "json" {
		iostreams.WriteJSONLine(p.o.IO.Out, ev)
	} else if line := p.line(ev); line != "" {
		fmt.Fprintln(p.o.IO.Out, line)
	}
	if ev.Type == sandbox.EventFinished && p.o.MaxMessages > 0 && p.finished == p.o.MaxMessages {
		close(p.full)
		p.closed = true
	}
}

func (p *printer) addCase(ev sandbox.Event) {
	if p.report == nil {
		return
	}
	cb := ev.Callback
	c := client.JUnitCase{
		Name:  fmt.Sprintf("%s %s %s %s", ev.Message.Provider, ev.Message.ID, cb.Status, cb.URL),
		Class: "sandbox." + ev.Message.Provider,
		Time:  time.Duration(cb.LatencyMS * float64(time.Millisecond)),
	}
	if !cb.OK {
		c.Failure, c.Type = callbackFailure(cb), "callback"
		c.Text = cb.ReplyBody
	}
	p.report.AddCase(c)
}

func callbackFailure(cb *sandbox.Callback) string {
	if cb.ReplyStatus == 0 {
		return "no answer: " + cb.ReplyError
	}
	return fmt.Sprintf("answered %d, expected 2xx", cb.ReplyStatus)
}

// line is one event for people; "" for events not shown.
func (p *printer) line(ev sandbox.Event) string {
	cs := p.o.IO.ColorScheme()
	m := ev.Message
	ts := cs.Gray(ev.Time.Local().Format("15:04:05"))
	safe := iostreams.SafeLine
	switch ev.Type {
	case sandbox.EventMessage:
		return fmt.Sprintf("%s  %-9s %s  %s → %s  %s  %s  %s", ts, m.Provider, safe(m.ID), safe(m.From), safe(m.To),
			safe(m.Status), quote(m.Text), cs.Gray(plan(m)))
	case sandbox.EventCallback, sandbox.EventInbound:
		cb := ev.Callback
		icon, answer := cs.SuccessIcon(), strconv.Itoa(cb.ReplyStatus)
		if !cb.OK {
			icon = cs.FailureIcon()
			if cb.ReplyStatus == 0 {
				answer = safe(cb.ReplyError)
			}
		}
		what := safe(cb.Status)
		if cb.Error != "" {
			what += " (" + safe(cb.Error) + ")"
		}
		if cb.Duplicate {
			what += " duplicate"
		}
		if ev.Type == sandbox.EventInbound {
			what = "reply " + quote(m.Text)
		}
		attempts := ""
		if cb.Attempts > 1 {
			attempts = fmt.Sprintf(" after %d attempts", cb.Attempts)
		}
		return fmt.Sprintf("%s  %-9s %s  %s → %s  %s %s%s", ts, m.Provider, safe(m.ID), what, safe(cb.URL), icon, answer, attempts)
	}
	return ""
}

// plan says what the message's life will be, and why.
func plan(m sandbox.Message) string {
	s := "will be " + string(m.Outcome)
	if m.Outcome == sandbox.OutcomeNoFinal {
		s = "will get no final report"
	}
	if m.Reason != "default" {
		s += " (" + iostreams.SafeLine(m.Reason) + ")"
	}
	if len(m.Chaos) > 0 {
		s += ", chaos: " + strings.Join(m.Chaos, ", ")
	}
	return s
}

// quote shows a message text on one line, shortened.
func quote(s string) string {
	const max = 60
	r := []rune(s)
	if len(r) > max {
		s = string(r[:max]) + "…"
	}
	return `"` + iostreams.SafeLine(strings.ReplaceAll(s, "\n", " ")) + `"`
}

// writeAddrFile writes host:port and a newline, whole or not at all.
func writeAddrFile(path, addr string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(addr+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
