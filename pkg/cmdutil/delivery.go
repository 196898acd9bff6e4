package cmdutil

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/smshook/smshook/pkg/client"
	"github.com/smshook/smshook/pkg/iostreams"
	"github.com/smshook/smshook/pkg/signing"
)

// What send and replay share: how requests are printed before sending, how a
// run's outcome becomes an exit code, and the progress line.

// RedactAuth hides the values of headers that carry credentials:
// Authorization and Proxy-Authorization always, and the scheme's own headers
// when they carry the password or token itself (Basic, Bearer). Signatures,
// timestamps and ids are not secrets and stay. The auth scheme word stays, so
// "Bearer <redacted>" still says what was sent. It reports whether anything
// was hidden.
func RedactAuth(h http.Header, scheme signing.Scheme) (http.Header, bool) {
	names := []string{"Authorization", "Proxy-Authorization"}
	if scheme != nil && carriesCredentials(scheme) {
		names = append(names, scheme.AuthHeaders()...)
	}
	out := h
	redacted := false
	for _, name := range names {
		values := h.Values(name)
		if len(values) == 0 {
			continue
		}
		if !redacted {
			out = h.Clone()
			redacted = true
		}
		hidden := make([]string, len(values))
		for i, v := range values {
			hidden[i] = "<redacted>"
			if word, _, ok := strings.Cut(v, " "); ok {
				hidden[i] = word + " <redacted>"
			}
		}
		out[http.CanonicalHeaderKey(name)] = hidden
	}
	return out, redacted
}

func carriesCredentials(s signing.Scheme) bool {
	kind := s.Spec().Scheme
	return kind == signing.SchemeBasic || kind == signing.SchemeBearer
}

// RedactedNote is printed once after output with hidden credentials.
const RedactedNote = "note: credential values are redacted: pass --show-secrets to print them"

// ResultLine is "200 OK  12ms  POST http://…", with the request's number
// and name when many are sent.
func ResultLine(cs *iostreams.ColorScheme, res *client.Result, numbered bool) string {
	var status string
	switch {
	case res.Err != nil:
		status = cs.Red(res.ErrKind + ": " + res.ErrText)
	case res.OK:
		status = cs.Green(client.StatusText(res.Status))
	default:
		status = cs.Red(client.StatusText(res.Status))
	}
	req := res.Request
	line := fmt.Sprintf("%s  %s  %s %s", status, client.FormatDuration(res.Latency), req.Method, req.URL)
	if numbered {
		line = fmt.Sprintf("#%d  %s", res.Seq, line)
		if req.Name != "" {
			line += "  " + cs.Gray(req.Name)
		}
	}
	if res.Attempts > 1 {
		line += cs.Gray(fmt.Sprintf("  (%d attempts)", res.Attempts))
	}
	return line
}

// ReachError says a URL could not be reached, and how often it was tried.
// A refused certificate is the user's to fix (or skip): exit 2.
func ReachError(target, kind, text string, retries int) error {
	if kind == client.ErrTLS {
		return UsageErrorf("TLS with %s failed: %s: pass --insecure to skip certificate verification", target, text)
	}
	tried := "no retries"
	switch {
	case kind == client.ErrCanceled:
		tried = "canceled"
	case retries == 1:
		tried = "after 1 retry"
	case retries > 1:
		tried = fmt.Sprintf("after %d retries", retries)
	}
	return FailureErrorf("could not reach %s: %s (%s)%s", target, text, tried, refusedHint(kind, target))
}

// RunError says how many requests of a run failed and how, or nil.
func RunError(sum *client.Summary, target string) error {
	if sum.AllOK() {
		return nil
	}
	var parts []string
	if n := sum.UnexpectedCount(); n > 0 {
		parts = append(parts, fmt.Sprintf("%d replied %s, not %s", n, client.FormatCodeCounts(sum.Unexpected), sum.Expect))
	}
	if n := sum.ErrorCount(); n > 0 {
		if tls, ok := sum.Errors[client.ErrTLS]; ok && tls == n {
			return ReachError(target, client.ErrTLS, sum.ErrorSamples[client.ErrTLS], 0)
		}
		kinds := make([]string, 0, len(sum.ErrorSamples))
		for kind := range sum.ErrorSamples {
			kinds = append(kinds, kind)
		}
		sort.Strings(kinds)
		samples := make([]string, len(kinds))
		for i, kind := range kinds {
			samples[i] = sum.ErrorSamples[kind]
		}
		parts = append(parts, fmt.Sprintf("%d got no reply from %s (%s: %s)",
			n, target, client.FormatErrorCounts(sum.Errors), strings.Join(samples, "; ")))
		if sum.Errors[client.ErrRefused] == n {
			parts[len(parts)-1] += refusedHint(client.ErrRefused, target)
		}
	}
	msg := fmt.Sprintf("%d of %d requests failed: %s", sum.Failed, sum.Sent, strings.Join(parts, "; "))
	if sum.Retries > 0 {
		msg += fmt.Sprintf(" (%d retries made)", sum.Retries)
	}
	return FailureErrorf("%s", msg)
}

// Progress draws one line on a terminal's stderr, at most ten times a
// second, and erases it at the end. A nil *Progress does nothing, so callers
// need not check whether stderr is a terminal.
type Progress struct {
	w     io.Writer
	text  func() string
	last  time.Time
	drawn bool
}

// NewProgress returns a progress line when wanted and stderr is a
// terminal that can redraw a line (not TERM=dumb), else nil. text says where
// the work is ("sent 40/100").
func NewProgress(io *iostreams.IOStreams, wanted bool, text func() string) *Progress {
	if !wanted || !io.CanRedrawStderr() {
		return nil
	}
	return &Progress{w: io.ErrOut, text: text}
}

// Update redraws the line if a tenth of a second has passed.
func (p *Progress) Update() {
	if p == nil {
		return
	}
	if now := time.Now(); now.Sub(p.last) >= 100*time.Millisecond {
		p.last, p.drawn = now, true
		fmt.Fprintf(p.w, "\r\x1b[K%s", p.text())
	}
}

// Finish erases the line.
func (p *Progress) Finish() {
	if p != nil && p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

// PrintRequest writes a request for a dry run: as raw HTTP (the default),
// a curl command, or JSON (one object, or one line each when many).
func PrintRequest(io *iostreams.IOStreams, format string, req signing.Request, many bool) error {
	switch format {
	case "json":
		v := NewRequestJSON(req)
		if many {
			return iostreams.WriteJSONLine(io.Out, v)
		}
		return iostreams.WriteJSON(io.Out, v, io.JSONColorEnabled())
	case "curl":
		_, err := fmt.Fprintln(io.Out, FormatCurl(req.Method, req.URL, req.Header, req.Body, ""))
		return err
	}
	raw, err := FormatHTTP(req.Method, req.URL, req.Header, req.Body)
	if err != nil {
		return err
	}
	if _, err := io.Out.Write(raw); err != nil {
		return err
	}
	// The exact bytes go to a pipe; a terminal gets a final newline.
	if io.IsStdoutTTY() && len(raw) > 0 && raw[len(raw)-1] != '\n' {
		_, err = fmt.Fprintln(io.Out)
	}
	return err
}

// AuthSummary names a scheme in a few words, for tables (providers, the
// listener's routes); Describe gives the full description.
func AuthSummary(s signing.Scheme) string {
	spec := s.Spec()
	where := " in the signed parameters" // schemes with no header sign inside the request (Vonage's sig)
	if headers := s.AuthHeaders(); len(headers) > 0 {
		where = " in " + headers[0]
	}
	switch spec.Scheme {
	case signing.SchemeHMAC:
		alg := spec.Algorithm
		if alg == "" {
			alg = "sha256"
		}
		return "HMAC-" + strings.ToUpper(alg) + where
	case signing.SchemeBasic:
		return "Basic auth" + where
	case signing.SchemeBearer:
		return "Bearer token" + where
	}
	return spec.Scheme + where
}
