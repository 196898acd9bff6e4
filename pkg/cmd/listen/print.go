package listen

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/iostreams"
	"github.com/smshook/smshook/pkg/redact"
	"github.com/smshook/smshook/pkg/server"
	"github.com/smshook/smshook/pkg/signing"
)

// printer writes the listener's output and keeps its counts. Requests are
// served concurrently; one mutex keeps lines whole and counts exact.
type printer struct {
	o         *ListenOptions
	endpoints []*server.Endpoint
	cs, ecs   *iostreams.ColorScheme
	colors    bool // stdout gets color
	nameWidth int
	// credHeaders are hidden in everything printed.
	credHeaders *redact.Headers
	// inspectorURL is the inspector's page, when it runs.
	inspectorURL string

	mu sync.Mutex
	stats
	full     chan struct{} // closed when --max-events requests have come
	fullDone bool
	// forwardHinted is set once the hint about --public-url is shown.
	forwardHinted bool
	// out carries formatted output to the goroutine that writes stdout, so
	// that a request never waits on the terminal and a burst of lines
	// takes one write.
	out     chan []byte
	free    chan []byte   // written blocks, for reuse
	stopped bool          // out is closed: late events are counted, not printed
	written chan struct{} // closed once everything sent on out is written
}

type stats struct {
	events, verified, invalid, unchecked, captureFailed int
	// unrouted counts the requests that matched no route: recorded, but
	// not events of any provider, so outside every other count.
	unrouted  int
	bodyBytes int64
}

func newPrinter(o *ListenOptions, endpoints []*server.Endpoint) *printer {
	p := &printer{
		o:         o,
		endpoints: endpoints,
		cs:        o.IO.ColorScheme(),
		ecs:       o.IO.ErrColorScheme(),
		colors:    o.IO.ColorEnabled(),
		full:      make(chan struct{}),
		out:       make(chan []byte, 1024),
		free:      make(chan []byte, 1024),
		written:   make(chan struct{}),

		credHeaders: credentialHeaders(o, endpoints),
	}
	for _, e := range endpoints {
		p.nameWidth = max(p.nameWidth, utf8.RuneCountInString(iostreams.SafeLine(e.Name))) // as appendPadded counts
	}
	go p.writeOut()
	return p
}

// writeOut writes what events send, flushing whenever it has caught up.
func (p *printer) writeOut() {
	defer close(p.written)
	w := bufio.NewWriterSize(p.o.IO.Out, 64<<10)
	for block := range p.out {
		w.Write(block)
		if len(p.out) == 0 {
			w.Flush()
		}
		if cap(block) <= maxFreeBlock {
			select {
			case p.free <- block[:0]:
			default:
			}
		}
	}
	w.Flush()
}

// maxFreeBlock bounds the blocks kept for reuse: --print can make big ones.
const maxFreeBlock = 4 << 10

// block returns an empty buffer for one event's output.
func (p *printer) block() []byte {
	select {
	case b := <-p.free:
		return b
	default:
		return make([]byte, 0, 256)
	}
}

// stop writes out what is queued; events after it are only counted.
func (p *printer) stop() {
	p.mu.Lock()
	if !p.stopped {
		p.stopped = true
		close(p.out)
	}
	p.mu.Unlock()
	<-p.written
}

// lockedWriter serializes the HTTP server's own log lines with ours.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// net/http's log lines may quote what a client sent: through the door.
	if _, err := io.WriteString(l.w, iostreams.SafeText(string(b))); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (p *printer) lockedErr() io.Writer { return lockedWriter{&p.mu, p.o.IO.ErrOut} }

func (p *printer) warn(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.o.IO.ErrOut, "%s %s\n", p.ecs.Yellow("warning:"), iostreams.SafeLine(msg))
}

// captureState tells, once each, that the capture file started failing and
// that it is written again (the writer reports both; see OnStateChange).
func (p *printer) captureState(err error) {
	if err != nil {
		p.warn(fmt.Sprintf("%v: requests are answered 500 (providers retry) until a write succeeds", err))
		return
	}
	p.warn(fmt.Sprintf("capture file %s is written again: requests answered 500 meanwhile are not in it", p.o.CapturePath))
}

// event prints one request and counts it. It runs on the request's
// goroutine; many finish at once when a capture batch is synced, so the
// output is formatted before taking the lock that keeps lines whole.
func (p *printer) event(ev *server.Event) {
	out := bytes.NewBuffer(p.block())
	if p.o.Output == "json" {
		p.jsonLine(out, ev)
	} else {
		out.Write(append(p.appendLine(out.AvailableBuffer(), ev), '\n'))
		p.why(out, ev.Record.Verification)
		p.details(out, ev)
	}

	rec := ev.Record
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bodyBytes += int64(rec.BodyLen())
	switch {
	case ev.Route == nil:
		p.unrouted++
	case rec.Verification.Verdict() == capture.VerdictVerified:
		p.events++
		p.verified++
	case rec.Verification.Verdict() == capture.VerdictUnchecked:
		p.events++
		p.unchecked++
	default:
		p.events++
		p.invalid++
	}
	if v := rec.Verification; v.Valid && v.Cause() == signing.CauseForwardedURL && !p.forwardHinted {
		p.forwardHinted = true
		p.forwardedHint(v.Diagnosis.URL)
	}
	if ev.CaptureErr != nil {
		p.captureFailed++
		// A failed commit is told once, when the writer starts failing.
		if ce := (*capture.CommitError)(nil); !errors.As(ev.CaptureErr, &ce) {
			fmt.Fprintf(p.o.IO.ErrOut, "%s %v: answered 500 so that the provider retries\n",
				p.ecs.Red("smshook: capture failed:"), iostreams.SafeLine(ev.CaptureErr.Error()))
		}
	}
	if !p.stopped {
		p.out <- out.Bytes()
	}
	if p.o.MaxEvents > 0 && p.events >= p.o.MaxEvents && !p.fullDone {
		p.fullDone = true
		close(p.full)
	}
}

// jsonEvent is a request as --output json prints it: the capture record
// with credential values redacted, and what only the listener knows.
type jsonEvent struct {
	*capture.Record
	LatencyMS    float64 `json:"latency_ms"`
	CaptureError string  `json:"capture_error,omitempty"`
}

func (p *printer) jsonLine(w io.Writer, ev *server.Event) {
	rec, _ := redact.Record(ev.Record, p.credHeaders, routeScheme(ev.Route))
	out := jsonEvent{Record: rec, LatencyMS: float64(ev.Latency.Microseconds()) / 1000}
	if ev.CaptureErr != nil {
		out.CaptureError = ev.CaptureErr.Error()
	}
	iostreams.WriteJSONLine(w, out)
}

func routeScheme(r *server.Route) signing.Scheme {
	if r == nil {
		return nil
	}
	return r.Endpoint.AuthScheme()
}

// appendLine appends one request for people, without the newline:
// time  profile  kind  message-id  from → to  status  ✓  200  1.2ms
// It runs once per request, so it appends to one buffer and skips the
// color work when color is off. Every field the request carries goes
// through the terminal door (AppendSafeLine, SafeLine) before it is
// painted; that costs nothing when the field holds nothing to escape.
func (p *printer) appendLine(b []byte, ev *server.Event) []byte {
	rec, cs := ev.Record, p.cs
	start := len(b)
	sep := func() {
		if len(b) > start {
			b = append(b, "  "...)
		}
	}
	add := func(s string) { sep(); b = append(b, s...) }
	addSafe := func(s string) { sep(); b = iostreams.AppendSafeLine(b, s) }
	paint := func(color func(string) string, s string) string {
		if !p.colors {
			return s
		}
		return color(s)
	}
	if p.colors {
		add(cs.Gray(rec.ReceivedAt.Local().Format(lineTimeLayout)))
	} else {
		b = rec.ReceivedAt.Local().AppendFormat(b, lineTimeLayout)
	}
	if ev.Route == nil {
		sep()
		b = appendPadded(b, "-", p.nameWidth)
		if p.colors {
			add(cs.Yellow(iostreams.SafeLine(rec.Method + " " + pathOf(rec.URL))))
		} else {
			addSafe(rec.Method + " " + pathOf(rec.URL))
		}
	} else {
		sep()
		if p.colors {
			b = append(b, cs.Cyan(pad(rec.Profile, p.nameWidth))...)
		} else {
			b = appendPadded(b, rec.Profile, p.nameWidth)
		}
		sep()
		b = appendPadded(b, orDash(rec.Kind), 9)
		if ev := rec.Event; ev != nil && rec.Kind != "handshake" {
			addSafe(orDash(ev.MessageID))
			if ev.From != "" || ev.To != "" {
				sep()
				b = appendFromTo(b, ev)
			}
			add(p.status(ev.Status))
		}
	}
	v := rec.Verification
	switch v.Verdict() {
	case capture.VerdictVerified:
		add(cs.SuccessIcon())
		if v.Cause() == signing.CauseForwardedURL {
			add(paint(cs.Yellow, "via forwarded URL"))
		}
	case capture.VerdictInvalid:
		add(cs.FailureIcon() + " " + paint(cs.Red, iostreams.SafeLine(v.Reason)))
	case capture.VerdictUnchecked:
		add(paint(cs.Gray, "– not checked"))
	}
	sep()
	b = p.appendReplyStatus(b, rec.Reply.Status)
	if p.colors {
		add(cs.Gray(formatLatency(ev.Latency)))
	} else {
		sep()
		b = appendLatency(b, ev.Latency)
	}
	if f := rec.Forward; f != nil {
		if f.Error != "" {
			add(paint(cs.Red, "→ app unreachable"))
		} else {
			add("→ app ")
			b = p.appendReplyStatus(b, f.Status)
			b = append(b, " in "...)
			b = appendLatency(b, time.Duration(f.DurationMS*float64(time.Millisecond)))
		}
	}
	if ev.CaptureErr != nil {
		add(paint(cs.Red, "NOT CAPTURED"))
	}
	return b
}

const lineTimeLayout = "15:04:05.000"

// details prints what --print asks for under the line.
// why adds, under a request whose signature failed, what its diagnosis
// found; a request without a cause gets no line. The message holds URLs
// from the request's headers: through the terminal door.
func (p *printer) why(out io.Writer, v capture.Verification) {
	if v.Valid || v.Cause() == "" {
		return
	}
	fmt.Fprintf(out, "    %s %s\n", p.cs.Gray("why:"), iostreams.SafeLine(v.Message))
}

// forwardedHint says once, on stderr, what makes a request behind a proxy
// verify without its forwarded headers. Called with p.mu held.
func (p *printer) forwardedHint(signedURL string) {
	public := signedURL
	if u, err := url.Parse(signedURL); err == nil && u.Host != "" {
		public = u.Scheme + "://" + u.Host
	}
	fmt.Fprintf(p.o.IO.ErrOut, "%s a request verified only against %s, the URL its proxy's forwarded headers give: "+
		"pass --public-url %s to listen, and make your app trust its proxy's forwarded headers (README: Troubleshooting)\n",
		p.ecs.Yellow("hint:"), iostreams.SafeLine(signedURL), iostreams.SafeLine(public))
}

func (p *printer) details(out io.Writer, ev *server.Event) {
	if p.o.Print == "" {
		return
	}
	rec := ev.Record
	if p.o.Print == printAll {
		p.section(out, "headers")
	}
	if p.o.Print == printHeaders || p.o.Print == printAll {
		h, _ := p.credHeaders.Redact(rec.Headers, routeScheme(ev.Route))
		names := make([]string, 0, len(h))
		for name := range h {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			for _, v := range h[name] {
				fmt.Fprintf(out, "    %s %s\n", p.cs.Gray(iostreams.SafeLine(name)+":"), iostreams.SafeLine(v))
			}
		}
	}
	if p.o.Print == printAll {
		p.section(out, bodySection(rec))
	}
	if p.o.Print == printBody || p.o.Print == printAll {
		writeIndented(out, p.bodyText(rec))
	}
}

// section labels a part of --print all, so that form fields do not read as
// more headers.
func (p *printer) section(out io.Writer, name string) {
	fmt.Fprintf(out, "  %s\n", p.cs.Bold(name+":"))
}

// bodySection names the body as bodyText shows it.
func bodySection(rec *capture.Record) string {
	body := rec.Body()
	if len(body) > 0 && !json.Valid(body) && strings.Contains(rec.Headers.Get("Content-Type"), "x-www-form-urlencoded") {
		if _, err := url.ParseQuery(string(body)); err == nil {
			return "form fields"
		}
	}
	return "body"
}

// bodyText is the body for reading: pretty JSON, form fields one a line,
// text as it is, or a note for binary and empty bodies.
func (p *printer) bodyText(rec *capture.Record) string {
	body := rec.Body()
	switch {
	case len(body) == 0:
		return p.cs.Gray("(empty body)")
	case json.Valid(body):
		// JSON whatever the Content-Type says (curl -d sends JSON as a form).
	case strings.Contains(rec.Headers.Get("Content-Type"), "x-www-form-urlencoded"):
		if form, err := url.ParseQuery(string(body)); err == nil {
			keys := make([]string, 0, len(form))
			for k := range form {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var b strings.Builder
			for _, k := range keys {
				for _, v := range form[k] {
					fmt.Fprintf(&b, "%s %s\n", p.cs.Gray(iostreams.SafeLine(k)+":"), iostreams.SafeLine(v))
				}
			}
			return b.String()
		}
	case !utf8.Valid(body):
		return p.cs.Gray(fmt.Sprintf("(%d bytes, not UTF-8)", len(body)))
	}
	text := string(iostreams.PrettyBody(body, p.cs.Enabled())) // through the terminal door
	if rec.Truncated {
		text += "\n" + p.cs.Gray(fmt.Sprintf("(truncated after %d bytes)", len(body)))
	}
	return text
}

func writeIndented(w io.Writer, text string) {
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		fmt.Fprintf(w, "    %s\n", line)
	}
}

func (p *printer) status(s codec.Status) string {
	if !p.colors {
		return iostreams.SafeLine(string(s))
	}
	switch s {
	case codec.StatusDelivered, codec.StatusReceived:
		return p.cs.Green(string(s))
	case codec.StatusFailed, codec.StatusRejected, codec.StatusExpired, codec.StatusDeleted:
		return p.cs.Red(string(s))
	case codec.StatusAccepted, codec.StatusSent:
		return p.cs.Yellow(string(s))
	}
	return p.cs.Gray(iostreams.SafeLine(string(s)))
}

func (p *printer) appendReplyStatus(b []byte, code int) []byte {
	if !p.colors {
		return strconv.AppendInt(b, int64(code), 10)
	}
	return append(b, p.replyStatus(code)...)
}

func (p *printer) replyStatus(code int) string {
	s := strconv.Itoa(code)
	if !p.colors {
		return s
	}
	switch {
	case code >= 200 && code < 300:
		return p.cs.Green(s)
	case code >= 500 || code == 0:
		return p.cs.Red(s)
	}
	return p.cs.Yellow(s)
}

// appendFromTo appends "from → to", "→ to" or "from →", escaped.
func appendFromTo(b []byte, ev *codec.Event) []byte {
	switch {
	case ev.From != "" && ev.To != "":
		return iostreams.AppendSafeLine(append(iostreams.AppendSafeLine(b, ev.From), " → "...), ev.To)
	case ev.To != "":
		return iostreams.AppendSafeLine(append(b, "→ "...), ev.To)
	case ev.From != "":
		return append(iostreams.AppendSafeLine(b, ev.From), " →"...)
	}
	return b
}

func pathOf(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.RequestURI()
	}
	return raw
}

func pad(s string, width int) string {
	return string(appendPadded(nil, s, width))
}

// appendPadded appends s, escaped, and spaces up to width runes.
func appendPadded(b []byte, s string, width int) []byte {
	start := len(b)
	b = iostreams.AppendSafeLine(b, s)
	for n := utf8.RuneCount(b[start:]); n < width; n++ {
		b = append(b, ' ')
	}
	return b
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func formatLatency(d time.Duration) string { return string(appendLatency(nil, d)) }

// appendLatency appends d as 850µs, 1.2ms or 2.5s.
func appendLatency(b []byte, d time.Duration) []byte {
	switch {
	case d < time.Millisecond:
		return append(strconv.AppendInt(b, d.Microseconds(), 10), "µs"...)
	case d < time.Second:
		return append(strconv.AppendFloat(b, float64(d.Microseconds())/1000, 'f', 1, 64), "ms"...)
	}
	return append(b, d.Round(time.Millisecond).String()...)
}

// banner tells, on stderr, where the listener is, what it serves, and how
// to send it something.
func (p *printer) banner(addr string, routes []*server.Route) {
	p.mu.Lock()
	defer p.mu.Unlock()
	w, cs := p.o.IO.ErrOut, p.ecs
	base := "http://" + addr
	captureNote := "capture: " + p.o.CapturePath
	if p.o.NoCapture {
		captureNote = "capture off"
	}
	everywhere := false
	if host, _, _ := net.SplitHostPort(addr); net.ParseIP(host) != nil && net.ParseIP(host).IsUnspecified() {
		// http://[::]:8787 is no address to open: this machine's is.
		everywhere, base = true, localBase(addr)
	}
	fmt.Fprintf(w, "%s %s  (%s; Ctrl-C stops)\n", cs.Bold("smshook listening on"), cs.Cyan(base), captureNote)
	if everywhere {
		fmt.Fprintln(w, cs.Yellow("warning:")+" listening on every interface: other machines can reach it"+otherMachines(addr))
	}
	if p.inspectorURL != "" {
		fmt.Fprintf(w, "inspector  %s\n", cs.Cyan(p.inspectorURL))
	}

	// One line per endpoint: /NAME takes any kind (read from the body),
	// /NAME/KIND the one it names.
	fmt.Fprintln(w)
	tw := iostreams.NewTable(w)
	tw.Row("  "+cs.Bold("PATH"), cs.Bold("PROVIDER"), cs.Bold("AUTH"))
	for _, e := range p.endpoints {
		tw.Row("  "+endpointPaths(e), e.Provider.Name, endpointAuth(e))
	}
	tw.Flush()

	if demo := p.demoCredentials(); demo != "" {
		fmt.Fprintf(w, "\n%s\n%s", cs.Bold("demo credentials (public test values, the same in every smshook):"), demo)
	}
	fmt.Fprintf(w, "\n%s\n", cs.Bold("try it from another terminal:"))
	local := localBase(addr)
	if p.o.PublicURL != "" {
		local = strings.TrimSuffix(p.o.PublicURL, "/")
	}
	// The curl example shows a signature, so it prefers an endpoint whose
	// auth is one.
	var example *server.Route
	for _, r := range routes {
		if r.Kind != nil {
			continue
		}
		if example == nil || carriesCredentials(example.Endpoint) && !carriesCredentials(r.Endpoint) {
			example = r
		}
		fmt.Fprintf(w, "  %s\n", sendLine(r, local))
		if r.Endpoint.Provider.Handshake != nil {
			fmt.Fprintf(w, "  %s\n", sendLine(r, local)+" --handshake")
		}
	}
	if example != nil {
		fmt.Fprintf(w, "  %s\n", curlLine(example, local))
	}
	fmt.Fprintln(w)
}

// endpointPaths is "/NAME[/kind1|/kind2]": the paths an endpoint serves.
func endpointPaths(e *server.Endpoint) string {
	kinds := e.Provider.KindNames()
	if len(kinds) == 0 {
		return "/" + e.Name
	}
	return "/" + e.Name + "[/" + strings.Join(kinds, "|/") + "]"
}

func endpointAuth(e *server.Endpoint) string {
	scheme := e.AuthScheme()
	switch {
	case e.Unchecked():
		return "not checked (" + e.Provider.Name + " auth is optional and the profile sets none)"
	case e.Demo:
		return cmdutil.AuthSummary(scheme) + ", demo credentials"
	}
	return cmdutil.AuthSummary(scheme) + ", profile " + e.Name + "'s credentials"
}

// demoCredentials lists the demo values of the built-in routes.
func (p *printer) demoCredentials() string {
	var b strings.Builder
	tw := iostreams.NewTable(&b)
	for _, e := range p.endpoints {
		if !e.Demo {
			continue
		}
		c := e.Credentials
		switch {
		case c.Username != "" || c.Password != "":
			tw.Row("  "+e.Name, "username "+c.Username, "password "+c.Password)
		case len(c.Secrets) > 0:
			tw.Row("  "+e.Name, "secret "+c.Secrets[0])
		}
	}
	tw.Flush()
	return b.String()
}

// otherMachines says where other machines reach the listener, by this
// machine's name, when it has one.
func otherMachines(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	name, herr := os.Hostname()
	if err != nil || herr != nil || name == "" {
		return ""
	}
	return ", e.g. at http://" + net.JoinHostPort(name, port)
}

// localBase is the URL to reach the listener from this machine: an
// unspecified host (0.0.0.0, ::) is reached on loopback.
func localBase(addr string) string { return "http://" + dialAddr(addr) }

// dialAddr is the bound address as a client on this machine reaches it:
// a listener on every interface ([::] or 0.0.0.0) is reached at 127.0.0.1.
func dialAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// sendLine is a `smshook send` command that works against the route.
func sendLine(r *server.Route, base string) string {
	e := r.Endpoint
	url := base + r.Path
	var args []string
	if e.Demo {
		args = []string{"smshook", "send", e.Provider.Name, "--demo"}
	} else {
		args = []string{"smshook", "send", "--profile", cmdutil.ShellQuote(e.Name)}
	}
	if r.Kind != nil {
		args = append(args, "--event", r.Kind.Name)
	}
	// send --demo goes to the default address by itself.
	defaultURL := cmdutil.DefaultLocalURL(e.Provider.Name)
	if r.Kind != nil {
		defaultURL += "/" + r.Kind.Name
	}
	if !e.Demo || url != defaultURL {
		args = append(args, "--to", cmdutil.ShellQuote(url))
	}
	return strings.Join(args, " ")
}

// curlLine is `smshook sign … --output curl | sh`: a curl command with the
// signature header, signed afresh each time it is run (some schemes sign a
// timestamp). A route that checks nothing gets a plain curl.
func curlLine(r *server.Route, base string) string {
	e := r.Endpoint
	kind := e.Provider.Kinds[0]
	url := base + r.Path
	if e.Unchecked() {
		// The example is ours to send, so it may be compacted onto one line.
		example := kind.Fixture
		var compact bytes.Buffer
		if json.Compact(&compact, example) == nil {
			example = compact.Bytes()
		}
		return cmdutil.FormatCurl(kind.Method, url, map[string][]string{"Content-Type": {kind.ContentType()}}, example, "")
	}
	args := []string{"smshook", "sign"}
	if e.Demo {
		args = append(args, e.Provider.Name)
		c := e.Credentials
		if c.Username != "" || c.Password != "" {
			args = append(args, "--username", cmdutil.ShellQuote(c.Username), "--password", cmdutil.ShellQuote(c.Password))
		} else if len(c.Secrets) > 0 {
			args = append(args, "--secret", cmdutil.ShellQuote(c.Secrets[0]))
		}
	} else {
		args = append(args, "--profile", cmdutil.ShellQuote(e.Name))
	}
	args = append(args, "--event", kind.Name, "--url", cmdutil.ShellQuote(url), "--output", "curl")
	if carriesCredentials(e) {
		args = append(args, "--show-secrets") // sign redacts Basic and Bearer values otherwise
	}
	return strings.Join(append(args, "|", "sh"), " ")
}

// carriesCredentials reports whether the endpoint's auth header is the
// credentials themselves (Basic, Bearer) rather than a signature.
func carriesCredentials(e *server.Endpoint) bool {
	kind := e.Provider.Auth.Scheme
	return kind == signing.SchemeBasic || kind == signing.SchemeBearer
}

// summary prints the counts at exit on stderr.
func (p *printer) summary(w *capture.Writer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out, cs := p.o.IO.ErrOut, p.ecs
	fmt.Fprintf(out, "\n%s %d %s: %d %s verified, %d %s invalid, %d %s not checked; %s of bodies received\n",
		cs.Bold("listen:"), p.events, plural(p.events, "event", "events"),
		p.verified, cs.SuccessIcon(), p.invalid, cs.FailureIcon(), p.unchecked, cs.Gray("–"), FormatSize(p.bodyBytes))
	if p.unrouted > 0 {
		fmt.Fprintf(out, "%s %d %s matched no route (not events)\n", cs.Bold("listen:"),
			p.unrouted, plural(p.unrouted, "request", "requests"))
	}
	switch {
	case w != nil:
		st := w.Stats()
		fmt.Fprintf(out, "%s %d %s appended to %s (%d fsyncs)\n", cs.Bold("capture:"),
			st.Records, plural(int(st.Records), "record", "records"), w.Path(), st.Syncs)
	default:
		fmt.Fprintf(out, "%s off\n", cs.Bold("capture:"))
	}
	if p.captureFailed > 0 {
		fmt.Fprintf(out, "%s %d %s could not be captured (answered 500)\n", cs.Red("capture failed:"),
			p.captureFailed, plural(p.captureFailed, "request", "requests"))
	}
}

// verdict is the exit status by the CI rules.
func (p *printer) verdict(timedOut bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case timedOut && p.o.MaxEvents > 0 && p.events < p.o.MaxEvents:
		return cmdutil.FailureErrorf("timed out after %s with %d of %d events", p.o.Timeout, p.events, p.o.MaxEvents)
	case p.captureFailed > 0:
		n := p.events + p.unrouted
		return cmdutil.FailureErrorf("%d of %d %s could not be captured", p.captureFailed, n, plural(n, "request", "requests"))
	case p.invalid > 0:
		return cmdutil.FailureErrorf("%d of %d events were invalid", p.invalid, p.events)
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
