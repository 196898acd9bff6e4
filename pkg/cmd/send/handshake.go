package send

import (
	"fmt"
	"strings"
	"time"

	"github.com/smshook/smshook/pkg/client"
	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/iostreams"
	"github.com/smshook/smshook/pkg/redact"
)

// handshakeResult is the handshake as `--output json` prints it.
type handshakeResult struct {
	client.HandshakeCheck
	URL           string  `json:"url"`
	ValidationKey string  `json:"validation_key"`
	Challenge     string  `json:"challenge"`
	LatencyMS     float64 `json:"latency_ms"`
	Attempts      int     `json:"attempts"`
}

// handshakeRun performs the provider's validation handshake against the
// target and checks the reply.
func handshakeRun(opts *SendOptions, format string, t *cmdutil.Target, pl *plan) error {
	h := pl.provider.Handshake
	key := opts.ValidationKey
	if key == "" && t.Profile != nil {
		key = t.Profile.ValidationKey
	}
	if key == "" {
		key = client.RandomToken(12)
	}
	challenge := client.RandomToken(16)
	req, err := client.HandshakeRequest(h, pl.target, key, challenge)
	if err != nil {
		return cmdutil.UsageErrorf("%q is not a URL: %v", redact.URL(pl.target), redact.URL(err.Error()))
	}
	// The handshake goes through the same builder as any request: the
	// user's headers, then the Bearer secret when one is set.
	b := pl.builder
	b.URL, b.Body, b.Method = req.URL, client.LiteralTemplate(req.Body), req.Method
	for name, values := range req.Header {
		if len(b.Header.Values(name)) == 0 {
			b.Header[name] = values
		}
	}
	if opts.DryRun {
		return dryRun(opts, format, pl, b.Requests(1))
	}

	runner := opts.runner(client.ExpectCodes([]int{200}), true)
	var res client.Result
	runner.OnResult = func(r *client.Result) { res = *r }
	sum, err := runner.Run(opts.context(), b.Requests(1))
	if err != nil {
		if sum != nil && sum.Interrupted {
			return cmdutil.ErrInterrupted
		}
		return cmdutil.UsageErrorf("cannot sign the request: %v", err)
	}
	if opts.Verbose {
		opts.traceRequest(res.Request, pl.scheme)
		if res.Err == nil {
			opts.traceReply(&res)
		}
	}
	if res.Err != nil {
		return cmdutil.ReachError(res.Request.URL, res.ErrKind, res.ErrText, res.Attempts-1)
	}

	check := client.CheckHandshake(h, key, challenge, res.Status, res.Header, res.Body)
	io := opts.IO
	if format == "json" {
		out := handshakeResult{HandshakeCheck: check, URL: res.Request.URL, ValidationKey: key, Challenge: challenge,
			LatencyMS: float64(res.Latency.Microseconds()) / 1e3, Attempts: res.Attempts}
		if err := iostreams.WriteJSON(io.Out, out, io.JSONColorEnabled()); err != nil {
			return err
		}
	} else {
		printHandshake(io, &res, check, key, challenge)
	}
	if !check.Passed {
		return cmdutil.FailureErrorf("handshake failed: %s", strings.Join(check.Problems, "; "))
	}
	return nil
}

func printHandshake(io *iostreams.IOStreams, res *client.Result, check client.HandshakeCheck, key, challenge string) {
	cs := io.ColorScheme()
	icon, verdict := cs.SuccessIcon(), "handshake passed"
	if !check.Passed {
		icon, verdict = cs.FailureIcon(), "handshake failed"
	}
	fmt.Fprintf(io.Out, "%s %s: %s  %s  %s %s\n", icon, verdict, client.StatusText(res.Status),
		client.FormatDuration(res.Latency.Round(time.Microsecond)), res.Request.Method, iostreams.SafeLine(res.Request.URL))
	fmt.Fprintf(io.Out, "  sent validation_key %q, challenge %q\n", key, challenge)
	if len(res.Body) > 0 {
		fmt.Fprintf(io.Out, "  reply: %s\n", iostreams.SafeLine(oneLine(res.Body, 200)))
	}
	ecs := io.ErrColorScheme()
	for _, w := range check.Warnings {
		fmt.Fprintf(io.ErrOut, "%s %s\n", ecs.Yellow("warning:"), iostreams.SafeLine(w))
	}
}

// oneLine shows the start of a body on one line: whitespace folded, cut at n
// characters.
func oneLine(b []byte, n int) string {
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "\uFFFD")), " ")
	if r := []rune(s); len(r) > n {
		s = string(r[:n]) + "…"
	}
	return s
}
