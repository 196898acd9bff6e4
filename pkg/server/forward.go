package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/client"
	"github.com/smshook/smshook/pkg/redact"
)

// forwardURL is target with the request's path and query when target names
// only a host (as replay's --to), else target with the request's query when
// target has none, so that a handshake's ?token= reaches the app.
func forwardURL(target string, r *http.Request) string {
	if u, ok := client.KeepRoute(target, requestURI(r)); ok {
		return u
	}
	rawQuery := r.URL.RawQuery
	if rawQuery == "" {
		return target
	}
	if u, err := url.Parse(target); err == nil && u.RawQuery == "" {
		u.RawQuery = rawQuery
		return u.String()
	}
	return target
}

// forward sends the exact body and end-to-end headers to the app and
// returns its answer to relay; 502 when the app cannot be reached. The
// target's userinfo goes to the app only: the record and the messages,
// which the sender reads in a 502, show it redacted.
func (h *Handler) forward(r *http.Request, target string, rec *capture.Record, body []byte) reply {
	dest := forwardURL(target, r)
	shown := redact.URL(dest)
	fwd := &capture.Forward{URL: shown}
	rec.Forward = fwd

	ctx, cancel := context.WithTimeout(r.Context(), h.opts.ForwardTimeout)
	defer cancel()
	out, err := http.NewRequestWithContext(ctx, r.Method, dest, bytes.NewReader(body))
	if err != nil {
		return h.badGateway(fwd, fmt.Sprintf("cannot forward to %s: %s", shown, forwardError(err)))
	}
	out.Header = client.EndToEnd(r.Header)
	if _, ok := out.Header["User-Agent"]; !ok {
		out.Header["User-Agent"] = []string{""} // Go would add its own; the app gets what was sent
	}
	if len(body) == 0 {
		out.Body = http.NoBody
	}
	start := time.Now()
	resp, err := h.client.Do(out)
	fwd.DurationMS = durationMS(time.Since(start))
	if err != nil {
		return h.badGateway(fwd, fmt.Sprintf("cannot reach the app at %s: %s: start it or check --forward-to", shown, forwardError(err)))
	}
	defer resp.Body.Close()
	fwd.Status = resp.StatusCode
	limit := h.maxReply()
	if resp.ContentLength > limit {
		fwd.DurationMS = durationMS(time.Since(start))
		return h.badGateway(fwd, replyTooLarge(shown, resp.StatusCode, limit))
	}
	respBody, err := readReply(resp, limit)
	fwd.DurationMS = durationMS(time.Since(start))
	if err == nil && int64(len(respBody)) > limit {
		return h.badGateway(fwd, replyTooLarge(shown, resp.StatusCode, limit))
	}
	if err != nil {
		return h.badGateway(fwd, fmt.Sprintf("the app at %s answered %d but its reply could not be read: %s", shown, resp.StatusCode, forwardError(err)))
	}
	header := client.EndToEnd(resp.Header)
	header.Del("Content-Length") // written again for the exact bytes relayed
	return reply{status: resp.StatusCode, header: header, body: respBody}
}

// maxReply bounds the app's reply body: it is held, stored and relayed
// like a request body.
func (h *Handler) maxReply() int64 { return max(h.opts.MaxBody, DefaultMaxBody) }

// readReply reads up to limit+1 bytes of the reply, in one buffer when its
// length is known.
func readReply(resp *http.Response, limit int64) ([]byte, error) {
	if resp.ContentLength >= 0 && resp.Request.Method != http.MethodHead {
		b := make([]byte, resp.ContentLength)
		n, err := io.ReadFull(resp.Body, b)
		return b[:n], err
	}
	return io.ReadAll(io.LimitReader(resp.Body, limit+1))
}

func replyTooLarge(dest string, status int, limit int64) string {
	return fmt.Sprintf("the app at %s answered %d with a body over the limit of %d bytes (--max-body, at least 1 MiB): not relayed", dest, status, limit)
}

func (h *Handler) badGateway(fwd *capture.Forward, msg string) reply {
	msg = redact.URL(msg) // an error from below may name the URL again
	fwd.Error = msg
	return jsonReply(http.StatusBadGateway, problem{Error: "forward failed", Message: msg})
}

// forwardError says what went wrong in a few words, without Go's
// `Post "url":` prefix.
func forwardError(err error) string {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "no answer in time"
	}
	return err.Error()
}

func durationMS(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}
