package cmdutil

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/smshook/smshook/pkg/client"
	"github.com/smshook/smshook/pkg/iostreams"
	"github.com/smshook/smshook/pkg/redact"
	"github.com/smshook/smshook/pkg/signing"
)

// What send and replay share: how requests are printed before sending, how a
// run's outcome becomes an exit code, and the progress line.

// CredentialHeaders is the set of headers that carry credentials for any
// provider smshook knows, built in or defined in the config file, plus
// those that always do (Authorization, Proxy-Authorization, cookies). Show
// a header map through its Redact, with the route's scheme when known.
func (f *Factory) CredentialHeaders() (*redact.Headers, error) {
	reg, err := f.Registry()
	if err != nil {
		return nil, err
	}
	var schemes []signing.Scheme
	for _, p := range reg.All() {
		schemes = append(schemes, p.Scheme())
	}
	return redact.NewHeaders(schemes...), nil
}

// RedactedNote is printed once after output with hidden credentials.
const RedactedNote = "note: credential values are redacted: pass --show-secrets to print them"

// ResultLine is "200 OK  12ms  POST http://…", with the request's number
// and name when many are sent.
func ResultLine(cs *iostreams.ColorScheme, res *client.Result, numbered bool) string {
	var status string
	switch {
	case res.Err != nil:
		status = cs.Red(iostreams.SafeLine(res.ErrKind + ": " + res.ErrText))
	case res.OK:
		status = cs.Green(client.StatusText(res.Status))
	default:
		status = cs.Red(client.StatusText(res.Status))
	}
	req := res.Request
	// A replayed request's method, URL and name come from a capture: each
	// goes through the terminal door before it is painted.
	line := fmt.Sprintf("%s  %s  %s %s", status, client.FormatDuration(res.Latency),
		iostreams.SafeLine(req.Method), iostreams.SafeLine(redact.URL(req.URL)))
	if numbered {
		line = fmt.Sprintf("#%d  %s", res.Seq, line)
		if req.Name != "" {
			line += "  " + cs.Gray(iostreams.SafeLine(req.Name))
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
	target = redact.URL(target)
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
	target = redact.URL(target)
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

// PrintCapturedRequest is PrintRequest for a request read from a capture or
// a HAR file (replay --dry-run): its bytes came from whoever sent it, so the
// http and curl text go through the terminal door: request line and header
// lines one by one (the CRLF that frames them stays), the body as a block.
// A request holding nothing to escape prints exactly as PrintRequest would,
// so the usual output still pipes into 'smshook verify --request -'; one
// holding control bytes shows them as \x1b and the like. The exact bytes of
// such a request are in -o json (body, or body_base64) and --export.
// Requests built from the user's own input (sign, send) keep PrintRequest.
func PrintCapturedRequest(io *iostreams.IOStreams, format string, req signing.Request, many bool) error {
	switch format {
	case "json":
		return PrintRequest(io, format, req, many)
	case "curl":
		_, err := fmt.Fprintln(io.Out, iostreams.SafeText(FormatCurl(req.Method, req.URL, req.Header, req.Body, "")))
		return err
	}
	raw, err := FormatHTTP(req.Method, req.URL, req.Header, req.Body)
	if err != nil {
		return err
	}
	head, body, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	var b bytes.Buffer
	for line := range bytes.SplitSeq(head, []byte("\r\n")) {
		b.WriteString(iostreams.SafeLine(string(line)))
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	b.WriteString(iostreams.SafeText(string(body)))
	if io.IsStdoutTTY() && b.Len() > 0 && !bytes.HasSuffix(b.Bytes(), []byte("\n")) {
		b.WriteByte('\n')
	}
	_, err = io.Out.Write(b.Bytes())
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
