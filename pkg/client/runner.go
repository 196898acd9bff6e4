package client

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"iter"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Defaults of a Runner's zero fields.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultBackoff      = 100 * time.Millisecond
	DefaultMaxBackoff   = 5 * time.Second
	DefaultMaxReplyBody = 1 << 20
)

// Runner sends a stream of prepared requests: Concurrency workers pull them
// one at a time from an iterator, so a source of any length (a capture file
// of millions of records) is sent in constant memory.
type Runner struct {
	// Client is shared by every worker; build it with NewHTTPClient so its
	// idle pool holds a connection per worker.
	Client *http.Client
	// Concurrency is the number of requests in flight; 0 means 1.
	Concurrency int
	// Rate caps attempts per second, retries included; 0 means no cap.
	Rate float64
	// Timeout bounds each attempt, reply body included; 0 means DefaultTimeout.
	Timeout time.Duration
	// Retries is how many more attempts a request gets after a connection
	// error or a 5xx reply that does not meet Expect. 4xx replies are never
	// retried: sending the same bytes again gets the same answer.
	Retries int
	// Backoff is the wait before the first retry, doubled for each one after
	// it up to MaxBackoff, with jitter; zeros mean the defaults.
	Backoff, MaxBackoff time.Duration
	// Expect says which reply statuses count as success.
	Expect Expect
	// KeepReply keeps each reply's headers and up to MaxReplyBody bytes of
	// its body in the Result (for printing a single request's reply).
	KeepReply    bool
	MaxReplyBody int
	// OnResult, when set, is called once per request when it is done, one
	// call at a time, in the order requests finish. The Result is reused
	// after the call returns: copy what you keep. It is the hook for
	// progress bars, per-request lines and reports; it must not block long.
	OnResult func(*Result)
}

// Result is what became of one request.
type Result struct {
	// Seq is the request's place in the source, from 1.
	Seq     int
	Request *Request
	// Status is the final reply's status code; 0 when no reply came.
	Status int
	// Header and Body are the final reply's, with Runner.KeepReply.
	Header http.Header
	Body   []byte
	// Attempts made, 1 when there was no retry.
	Attempts int
	// Latency is the time of the final attempt, from sending to the end of
	// the reply body.
	Latency time.Duration
	// Err is the last transport error when no reply came; ErrKind
	// classifies it (ErrRefused, ErrTimeout, …) and ErrText says it
	// without the URL.
	Err     error
	ErrKind string
	ErrText string
	// Connected says the final attempt got a connection: a timeout then
	// means the server accepted it and did not answer in time.
	Connected bool
	// OK says the reply met the expectation.
	OK bool
}

// Label names the request in messages and reports: "#3 POST http://… (id)".
func (r *Result) Label() string { return label(r.Seq, r.Request) }

// Failure says why the request failed, or "" when it is OK.
func (r *Result) Failure(expect Expect) string {
	switch {
	case r.OK:
		return ""
	case r.Err != nil:
		s := r.ErrText
		if r.Attempts > 1 {
			s += fmt.Sprintf(" (after %d attempts)", r.Attempts)
		}
		return s
	}
	return fmt.Sprintf("got %s, expected %s", StatusText(r.Status), expect)
}

// Run sends every request reqs yields and returns the summary. It stops
// early when ctx is done (requests in flight get InterruptGrace for their
// reply; the summary then says Interrupted and the error is ctx's) or when reqs yields an error (returned after the requests in
// flight finish). Replies that miss the expectation are not errors: they
// are in the summary.
func (r *Runner) Run(ctx context.Context, reqs iter.Seq2[*Request, error]) (*Summary, error) {
	conc := max(r.Concurrency, 1)
	st := newStats(r.Expect.String(), conc)
	var limiter *rate.Limiter
	if r.Rate > 0 {
		limiter = rate.NewLimiter(rate.Limit(r.Rate), 1)
	}
	src := &source{}
	src.next, src.stop = iter.Pull2(reqs)
	defer src.stop()

	var (
		mu sync.Mutex // guards st and OnResult calls
		wg sync.WaitGroup
	)
	start := time.Now()
	var last time.Time
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := worker{Runner: r, limiter: limiter}
			res := new(Result)
			for {
				if limiter != nil && limiter.Wait(ctx) != nil {
					return
				}
				req, seq, ok := src.pull(ctx)
				if !ok {
					return
				}
				*res = Result{Seq: seq, Request: req}
				w.send(ctx, res)
				mu.Lock()
				st.record(res)
				last = time.Now()
				if r.OnResult != nil {
					r.OnResult(res)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()

	elapsed := time.Duration(0)
	if !last.IsZero() {
		elapsed = last.Sub(start)
	}
	sum := st.summary(elapsed)
	if err := ctx.Err(); err != nil {
		sum.Interrupted = true
		return sum, err
	}
	return sum, src.err
}

// source hands requests to workers one at a time; iter.Pull2's next must
// not be called concurrently.
type source struct {
	mu   sync.Mutex
	next func() (*Request, error, bool)
	stop func()
	seq  int
	done bool
	err  error
}

func (s *source) pull(ctx context.Context) (*Request, int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done || ctx.Err() != nil {
		return nil, 0, false
	}
	req, err, ok := s.next()
	if !ok || err != nil {
		s.done, s.err = true, err
		return nil, 0, false
	}
	s.seq++
	return req, s.seq, true
}

// worker is one sender: the runner's settings and the shared rate limiter.
type worker struct {
	*Runner
	limiter *rate.Limiter
}

// send makes the attempts of one request and fills res.
func (w *worker) send(ctx context.Context, res *Result) {
	for attempt := 1; ; attempt++ {
		res.Attempts = attempt
		status, retryAfter, err := w.attempt(ctx, res)
		res.Status, res.Err = status, err
		if err == nil {
			res.ErrKind, res.ErrText = "", ""
			res.OK = w.Expect.Match(status)
			if res.OK || status < 500 || attempt > w.Retries {
				return
			}
		} else {
			kind, retry := classify(err)
			if ctx.Err() != nil {
				kind, retry = ErrCanceled, false
			}
			res.ErrKind, res.ErrText, res.OK = kind, errorText(kind, err), false
			if kind == ErrTimeout {
				res.ErrText = "no reply within " + w.timeout().String()
				if res.Connected {
					res.ErrText = "accepted the connection, no reply within " + w.timeout().String()
				}
			}
			if !retry || attempt > w.Retries {
				return
			}
		}
		if !w.wait(ctx, attempt, retryAfter) {
			return
		}
	}
}

// InterruptGrace is how long a request in flight may still take to be
// answered once the run is interrupted.
const InterruptGrace = 500 * time.Millisecond

// MaxRetryAfter caps the wait a reply's Retry-After asks for, so that a
// handler asking for an hour does not hang a CI job.
const MaxRetryAfter = time.Minute

// wait sleeps before retry number n (1-based): Backoff·2^(n-1), capped,
// with half of it jittered so that workers do not retry in step, or the
// reply's Retry-After when that is longer (up to MaxRetryAfter). It
// returns false when ctx ends first.
func (w *worker) wait(ctx context.Context, n int, retryAfter time.Duration) bool {
	base, ceiling := w.Backoff, w.MaxBackoff
	if base <= 0 {
		base = DefaultBackoff
	}
	if ceiling <= 0 {
		ceiling = DefaultMaxBackoff
	}
	d := base
	for i := 1; i < n && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	d = d/2 + rand.N(d/2+1)
	d = max(d, min(retryAfter, MaxRetryAfter))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	}
	return w.limiter == nil || w.limiter.Wait(ctx) == nil
}

func (w *worker) timeout() time.Duration {
	if w.Timeout > 0 {
		return w.Timeout
	}
	return DefaultTimeout
}

// attempt sends the request once and reads the whole reply, so that the
// connection goes back to the pool. retryAfter is what a 5xx reply's
// Retry-After header asks for, if anything.
func (w *worker) attempt(ctx context.Context, res *Result) (status int, retryAfter time.Duration, err error) {
	req := res.Request
	// Ctrl-C stops the run, and a request already on its way gets a moment
	// more for its reply: what the server answered counts as answered.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.timeout())
	defer cancel()
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(InterruptGrace, cancel) })
	defer stop()
	var body io.Reader
	if len(req.Body) > 0 {
		body = bytes.NewReader(req.Body)
	}
	var connected atomic.Bool
	defer func() { res.Connected = connected.Load() }()
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { connected.Store(true) },
	})
	hreq, err := http.NewRequestWithContext(actx, req.Method, req.URL, body)
	if err != nil {
		return 0, 0, err
	}
	hreq.Header = req.Header
	if host := req.Header.Get("Host"); host != "" {
		hreq.Host = host // net/http sends Request.Host, never Header["Host"]
	}
	start := time.Now()
	resp, err := w.Client.Do(hreq)
	if err != nil {
		return 0, 0, err
	}
	if w.KeepReply {
		limit := w.MaxReplyBody
		if limit <= 0 {
			limit = DefaultMaxReplyBody
		}
		res.Header = resp.Header
		res.Body, err = io.ReadAll(io.LimitReader(resp.Body, int64(limit)))
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
		}
	} else {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	resp.Body.Close()
	res.Latency = time.Since(start)
	if err != nil {
		return 0, 0, fmt.Errorf("reading the reply: %w", err)
	}
	if resp.StatusCode >= 500 { // only a 5xx is retried
		retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return resp.StatusCode, retryAfter, nil
}

// parseRetryAfter reads a Retry-After value, seconds or an HTTP date, as a
// wait from now; 0 when it is absent, malformed or in the past.
func parseRetryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(value, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, int64(MaxRetryAfter/time.Second))) * time.Second
	}
	if at, err := http.ParseTime(value); err == nil && at.After(now) {
		return at.Sub(now)
	}
	return 0
}
