package inspect

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/redact"
	"github.com/smshook/smshook/pkg/signing"
)

//go:embed static
var staticFiles embed.FS

// TokenHeader carries the per-run token on requests that change state or
// reveal credentials. The page reads the token from its <meta> tag.
const TokenHeader = "X-Smshook-Token"

// contentSecurityPolicy lets the page run only its own scripts and styles:
// no inline script or style, no eval, no frames, no other hosts.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Options configure a Server.
type Options struct {
	// Index holds the events: a followed capture file or a ring.
	Index *Index
	// Credentials are the headers hidden until the user reveals them.
	Credentials *redact.Headers
	// Signer resolves the scheme and credentials that re-sign a request of
	// the provider captured under the profile; nil means nothing can be
	// re-signed (the page sends as captured).
	Signer func(provider, profile string) (signing.Scheme, signing.Credentials, error)
	// Describe says how requests of the provider captured under the
	// profile are authenticated ("HMAC-SHA256 of the body, base64, in
	// X-Dexatel-Signature"); nil or "" leaves it out.
	Describe func(provider, profile string) string
	// ForwardTo is where a replay goes when the page names no URL.
	ForwardTo string
	// Curl formats a request as a curl command (the shell door:
	// cmdutil.FormatCurl); nil leaves copy-as-curl out.
	Curl func(method, url string, h http.Header, body []byte) string
	// HTTPClient sends replays and edited requests; it must not follow
	// redirects (client.NewHTTPClient).
	HTTPClient *http.Client
	// PollInterval is how often a followed file is checked (default 250ms).
	PollInterval time.Duration
	// Source names what the page shows: "listen" or a file name.
	Source string
	Now    func() time.Time
	// Messages, when set, adds the Messages view and /api/sandbox/.
	Messages MessageSource
	// Location reads since:/until: without a zone (default time.Local).
	Location *time.Location
}

// Server is the inspector: the page, its JSON API and the event stream.
type Server struct {
	opts  Options
	hub   *hub
	token string
	page  *template.Template
	// observed carries listen's events to Run, off the request path.
	observed *observedQueue
}

// New builds a server over opts.Index.
func New(opts Options) (*Server, error) {
	if opts.Index == nil {
		return nil, errors.New("inspect: no index")
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 250 * time.Millisecond
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Location == nil {
		opts.Location = time.Local
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, err
	}
	page, err := template.ParseFS(staticFiles, "static/index.html")
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:     opts,
		hub:      newHub(),
		token:    hex.EncodeToString(raw[:]),
		page:     page,
		observed: newObservedQueue(),
	}
	opts.Index.setOnAdd(s.hub.publish)
	return s, nil
}

// Token is the run's token, which state-changing requests carry in
// TokenHeader.
func (s *Server) Token() string { return s.token }

// Subscribers is how many event streams are open.
func (s *Server) Subscribers() int { return s.hub.count() }

// Dropped is how many observed events did not reach the index because it
// was behind: observedBuffer events, or maxQueuedBody bytes of bodies,
// were waiting.
func (s *Server) Dropped() int64 {
	_, dropped := s.observed.counts()
	return dropped
}

// Observe hands listen's event to the inspector without ever waiting. It
// is called on the request's goroutine, so it only queues the record and
// Run summarizes and encodes it, in batches: time on the request path
// costs listen's requests/s several times its share of the CPU (a
// microsecond of spin in Observe cost about 7%, where the inspector's
// whole work is about a microsecond per event). rec must not change once
// observed.
func (s *Server) Observe(rec *capture.Record, latency time.Duration) {
	s.observed.add(rec, latency)
}

// Run follows the file and takes observed events until ctx ends, a batch
// at most every batchGap (pollGap over a file). With a file index a batch
// is a poll of the file, which finds its records there; with a ring it
// is the events.
func (s *Server) Run(ctx context.Context) {
	x := s.opts.Index
	var tick <-chan time.Time
	between := batchGap
	if x.file != nil {
		t := time.NewTicker(s.opts.PollInterval)
		defer t.Stop()
		tick = t.C
		between = pollGap
		x.PollStep()
	}
	now := make(chan time.Time)
	close(now)
	gapTimer := time.NewTimer(between)
	gapTimer.Stop()
	defer gapTimer.Stop()
	var gap <-chan time.Time // set while the next batch waits
	var lastBatch time.Time
	var batch []observed // reused
	for {
		// While a file's past is being indexed, a step at a time, nothing
		// waits for the ticker: observed events still go first.
		var backfill <-chan time.Time
		if x.file != nil && x.Backfilling() {
			backfill = now
		}
		ready := s.observed.ready
		if gap != nil {
			ready = nil
		}
		select {
		case <-ctx.Done():
			return
		case <-ready:
			for _, q := range s.observed.take() {
				batch = append(batch, x.observe(q.rec, q.latency))
			}
			if x.file != nil {
				x.pollObserved(batch)
			} else {
				x.addObserved(batch)
			}
			clear(batch) // let the records go
			batch = batch[:0]
			gapTimer.Reset(between)
			gap, lastBatch = gapTimer.C, time.Now()
		case <-gap:
			gap = nil
		case <-tick:
			// While listen's batches come, each polls the file: a tick
			// would find there only the records of a batch on its way, and
			// decode each line again.
			if time.Since(lastBatch) >= s.opts.PollInterval {
				x.PollStep()
			}
		case <-backfill:
			x.PollStep()
		}
	}
}

// Handler serves the inspector for a listener bound to addr: only
// requests naming that port on a loopback name are answered.
func (s *Server) Handler(addr string) http.Handler {
	_, port, _ := net.SplitHostPort(addr)
	hosts := map[string]bool{
		"127.0.0.1:" + port: true,
		"localhost:" + port: true,
		"[::1]:" + port:     true,
	}
	mux := http.NewServeMux()
	sub, _ := fs.Sub(staticFiles, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(sub)))
	mux.HandleFunc("GET /{$}", s.servePage)
	mux.HandleFunc("GET /api/events", s.listEvents)
	mux.HandleFunc("GET /api/events/{id}", s.getEvent)
	mux.HandleFunc("GET /api/events/{id}/raw", s.getRaw)
	mux.HandleFunc("GET /api/events/{id}/lifecycle", s.getLifecycle)
	mux.HandleFunc("GET /api/diff", s.getDiff)
	mux.HandleFunc("GET /api/stream", s.stream)
	mux.HandleFunc("GET /api/export", s.export)
	mux.HandleFunc("POST /api/events/{id}/replay", s.guardWrite(s.replay))
	mux.HandleFunc("POST /api/send", s.guardWrite(s.send))
	mux.HandleFunc("GET /api/sandbox/messages", s.listMessages)
	mux.HandleFunc("GET /api/sandbox/messages/{id}", s.getMessage)
	mux.HandleFunc("POST /api/sandbox/messages/{id}/reply", s.guardWrite(s.replyMessage))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		// A page on another site that resolves its name to 127.0.0.1 (DNS
		// rebinding) sends its own name as Host: refused.
		if !hosts[strings.ToLower(r.Host)] {
			apiError(w, http.StatusMisdirectedRequest, "unknown host: open the inspector at http://127.0.0.1:"+port+"/")
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// sameOrigin refuses what a page of another origin can make a browser
// send: an Origin other than this one, a Sec-Fetch-Site other than
// same-origin or none (typed in, a bookmark), and a missing or wrong token.
func (s *Server) sameOrigin(r *http.Request) error {
	if o := r.Header.Get("Origin"); o != "" && !strings.EqualFold(o, "http://"+r.Host) {
		return errors.New("cross-origin request refused")
	}
	switch site := r.Header.Get("Sec-Fetch-Site"); site {
	case "", "same-origin", "none":
	default:
		return errors.New("cross-site request refused")
	}
	got := r.Header.Get(TokenHeader)
	if subtle.ConstantTimeCompare([]byte(got), []byte(s.token)) != 1 {
		return errors.New("missing or wrong " + TokenHeader + ": reload the inspector page")
	}
	return nil
}

func (s *Server) guardWrite(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := s.sameOrigin(r); err != nil {
			apiError(w, http.StatusForbidden, err.Error())
			return
		}
		// A form on another site cannot send JSON without a preflight.
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(ct), "application/json") {
			apiError(w, http.StatusUnsupportedMediaType, "send Content-Type: application/json")
			return
		}
		next(w, r)
	}
}

type pageData struct {
	Token    string
	Source   string
	Messages bool
}

func (s *Server) servePage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	s.page.Execute(w, pageData{Token: s.token, Source: s.opts.Source, Messages: s.opts.Messages != nil})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true) // <, > and & as \u escapes: data never reads as markup
	enc.Encode(v)
}

func apiError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// maxLimit bounds a page of the list.
const maxLimit = 1000

// queryFromRequest reads q= and the single filters (provider=, status=,
// verified=…) as one query.
func (s *Server) queryFromRequest(r *http.Request) (*Query, error) {
	v := r.URL.Query()
	parts := []string{v.Get("q")}
	for _, key := range []string{"provider", "profile", "kind", "status", "id", "from", "to", "since", "until"} {
		for _, val := range v[key] {
			parts = append(parts, key+":"+quoteTerm(val))
		}
	}
	for _, val := range v["verified"] {
		parts = append(parts, val) // verified=verified|invalid|unchecked
		if _, err := capture.ParseVerdict(val); err != nil {
			return nil, err
		}
	}
	if v.Get("unrouted") == "1" || v.Get("unrouted") == "true" {
		parts = append(parts, "unrouted")
	}
	if t := v.Get("text"); t != "" {
		parts = append(parts, quoteTerm(t))
	}
	return ParseQuery(strings.Join(parts, " "), s.opts.Now(), s.opts.Location)
}

func quoteTerm(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) {
	q, err := s.queryFromRequest(r)
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	limit := 100
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			apiError(w, http.StatusBadRequest, "limit: a number from 1 to "+strconv.Itoa(maxLimit))
			return
		}
		limit = min(n, maxLimit)
	}
	var before int64
	if c := r.URL.Query().Get("cursor"); c != "" {
		n, err := strconv.ParseInt(c, 10, 64)
		if err != nil || n < 1 {
			apiError(w, http.StatusBadRequest, "cursor: use the next value of the previous page")
			return
		}
		before = n
	}
	page, err := s.opts.Index.List(q, before, limit)
	if err != nil {
		apiError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) record(w http.ResponseWriter, id string) (*capture.Record, Summary, bool) {
	rec, sum, err := s.opts.Index.Get(id)
	switch {
	case errors.Is(err, ErrNotFound):
		apiError(w, http.StatusNotFound, "no event with that id")
		return nil, sum, false
	case err != nil:
		apiError(w, http.StatusInternalServerError, err.Error())
		return nil, sum, false
	}
	return rec, sum, true
}

func (s *Server) getEvent(w http.ResponseWriter, r *http.Request) {
	reveal := r.URL.Query().Get("reveal") == "1"
	if reveal {
		// Credentials leave only for the page itself.
		if err := s.sameOrigin(r); err != nil {
			apiError(w, http.StatusForbidden, err.Error())
			return
		}
	}
	rec, sum, ok := s.record(w, r.PathValue("id"))
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.detail(rec, sum, reveal))
}

func (s *Server) getRaw(w http.ResponseWriter, r *http.Request) {
	rec, _, ok := s.record(w, r.PathValue("id"))
	if !ok {
		return
	}
	body := rec.Body()
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", `attachment; filename="body.bin"`)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

func writeEvent(w io.Writer, name string, v any) {
	b, _ := json.Marshal(v) // escapes <, > and &
	fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, b)
}

// heartbeat keeps an idle stream open through proxies and lets a closed
// browser tab be noticed.
const heartbeat = 15 * time.Second

// streamGap is the least time between two messages of a stream: under
// load a browser gets a "burst" ten times a second, not a message per
// request, so that a page left open costs listen next to nothing.
const streamGap = 100 * time.Millisecond

// stream sends new summaries as Server-Sent Events: "event" with a
// summary; "burst" with {"count":N,"newest":summary} when N came within
// streamGap, after which the page fetches the list again.
// "messages" says the message source changed (at most one per streamGap's
// worth of changes), and the Messages view fetches it again.
func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		apiError(w, http.StatusInternalServerError, "streaming unsupported")
		return
	}
	sub := s.hub.subscribe()
	defer s.hub.unsubscribe(sub)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, "retry: 2000\nevent: hello\ndata: {\"total\":%d}\n\n", s.opts.Index.Len())
	flusher.Flush()
	t := time.NewTicker(heartbeat)
	defer t.Stop()
	var (
		lastSent time.Time
		gap      <-chan time.Time
		// the same for "messages"
		lastMessages time.Time
		msgGap       <-chan time.Time
	)
	send := func() {
		gap = nil
		switch n, newest := sub.take(); {
		case n == 0:
			return // a wake whose summaries the last send took
		case n == 1:
			writeEvent(w, "event", newest)
		default:
			writeEvent(w, "burst", struct {
				Count  int     `json:"count"`
				Newest Summary `json:"newest"`
			}{n, newest})
		}
		lastSent = time.Now()
	}
	for {
		// While a gap holds what came back, new summaries need not wake
		// this stream: they are counted, and sent when the gap ends.
		wake := sub.wake
		if gap != nil {
			wake = nil
		}
		select {
		case <-r.Context().Done():
			send() // what the gap held back, if the connection still takes it
			flusher.Flush()
			return
		case <-t.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case <-sub.messages:
			// At most one per streamGap: the page fetches the messages on each.
			if msgGap == nil {
				if wait := streamGap - time.Since(lastMessages); wait > 0 {
					msgGap = time.After(wait)
					continue
				}
				fmt.Fprint(w, "event: messages\ndata: {}\n\n")
				lastMessages = time.Now()
			}
		case <-msgGap:
			fmt.Fprint(w, "event: messages\ndata: {}\n\n")
			msgGap, lastMessages = nil, time.Now()
		case <-wake:
			if wait := streamGap - time.Since(lastSent); wait > 0 {
				gap = time.After(wait)
				continue
			}
			send()
		case <-gap:
			send()
		}
		flusher.Flush()
	}
}
