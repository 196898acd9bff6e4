package send

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"sort"
	"unicode/utf8"

	"github.com/smshook/smshook/pkg/client"
	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/iostreams"
	"github.com/smshook/smshook/pkg/redact"
	"github.com/smshook/smshook/pkg/signing"
)

// run sends the requests and prints the outcome: the reply of a single
// request, or the summary of many.
func run(opts *SendOptions, format string, pl *plan) error {
	single := opts.Count == 1
	runner := opts.runner(pl.expect, single)

	var report *client.JUnitReport
	if opts.Report != "" {
		var err error
		report, err = client.NewJUnitReport(opts.Report, client.JUnitOptions{
			Suite:  "smshook send " + pl.provider.Name,
			Class:  pl.provider.Name + "." + pl.kind.Name,
			Expect: pl.expect,
			Start:  opts.Now(),
			Properties: [][2]string{
				{"url", redact.URL(pl.target)}, {"expect", pl.expect.String()},
				{"count", fmt.Sprint(opts.Count)}, {"concurrency", fmt.Sprint(runner.Concurrency)},
			},
		})
		if err != nil {
			return cmdutil.UsageError(err)
		}
		defer report.Discard()
	}

	var (
		last      client.Result // the single request's result
		reportErr error
	)
	done := 0
	prog := cmdutil.NewProgress(opts.IO, !single && !opts.Verbose, func() string {
		return fmt.Sprintf("sent %d/%d", done, opts.Count)
	})
	errCS := opts.IO.ErrColorScheme()
	runner.OnResult = func(res *client.Result) {
		if report != nil && reportErr == nil {
			reportErr = report.Add(res)
		}
		switch {
		case single:
			last = *res
		case opts.Verbose:
			fmt.Fprintln(opts.IO.ErrOut, cmdutil.ResultLine(errCS, res, true))
		}
		done++
		prog.Update()
	}

	sum, err := runner.Run(opts.context(), pl.builder.Requests(opts.Count))
	prog.Finish()
	interrupted := errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
	if err != nil && !interrupted {
		return cmdutil.UsageErrorf("cannot sign the request: %v", err)
	}
	if report != nil {
		if reportErr == nil {
			reportErr = report.Close(sum)
		}
		if reportErr != nil {
			return cmdutil.FailureErrorf("%v", reportErr)
		}
	}

	io := opts.IO
	switch {
	case format == "json":
		if err := iostreams.WriteJSON(io.Out, sum, io.JSONColorEnabled()); err != nil {
			return err
		}
	case single && !interrupted && sum.Sent == 1:
		opts.printSingle(&last, pl)
	default:
		if err := sum.WriteText(io.Out, io.ColorScheme()); err != nil {
			return err
		}
	}
	if interrupted {
		return cmdutil.ErrInterrupted
	}
	if single && sum.Sent == 1 {
		return singleError(&last, pl)
	}
	return cmdutil.RunError(sum, pl.target)
}

// runner is the Runner the options ask for.
func (o *SendOptions) runner(expect client.Expect, keepReply bool) *client.Runner {
	conc := min(o.Concurrency, o.Count)
	return &client.Runner{
		Client:      client.NewHTTPClient(o.HTTPClient(), client.HTTPOptions{Concurrency: conc, Insecure: o.Insecure}),
		Concurrency: conc,
		Rate:        o.Rate,
		Timeout:     o.Timeout,
		Retries:     o.Retries,
		Expect:      expect,
		KeepReply:   keepReply,
	}
}

func (o *SendOptions) context() context.Context {
	if o.Context != nil {
		return o.Context
	}
	return context.Background()
}

// printSingle prints one request's outcome: with -v the request and reply
// heads on stderr (auth values redacted), then the status line on stdout,
// and with -v the reply body.
func (o *SendOptions) printSingle(res *client.Result, pl *plan) {
	io := o.IO
	if o.Verbose {
		o.traceRequest(res.Request, pl.scheme)
		if res.Err == nil {
			o.traceReply(res)
		}
	}
	if res.Err != nil {
		return // the error line says it
	}
	fmt.Fprintln(io.Out, cmdutil.ResultLine(io.ColorScheme(), res, false))
	if o.Verbose && len(res.Body) > 0 {
		if !utf8.Valid(res.Body) {
			fmt.Fprintf(io.Out, "(%d bytes of reply body, not UTF-8)\n", len(res.Body))
			return
		}
		body := iostreams.PrettyBody(res.Body, io.ColorEnabled()) // the handler's bytes, escaped
		io.Out.Write(body)
		if body[len(body)-1] != '\n' {
			fmt.Fprintln(io.Out)
		}
	}
}

func (o *SendOptions) traceRequest(req *client.Request, scheme signing.Scheme) {
	w := o.IO.ErrOut
	cs := o.IO.ErrColorScheme()
	target := req.URL
	host := ""
	if u, err := url.Parse(req.URL); err == nil {
		target, host = u.RequestURI(), u.Host
	}
	fmt.Fprintln(w, cs.Cyan(iostreams.SafeLine(fmt.Sprintf("> %s %s HTTP/1.1", req.Method, target))))
	fmt.Fprintln(w, cs.Cyan("> Host: "+iostreams.SafeLine(host)))
	h := req.Header
	if !o.ShowSecrets {
		h, _ = o.credHeaders.Redact(h, scheme)
	}
	writeHeaders(w, cs, "> ", h)
	fmt.Fprintln(w, cs.Cyan(">"))
	if len(req.Body) > 0 {
		if utf8.Valid(req.Body) {
			io.WriteString(w, iostreams.SafeText(string(req.Body)))
			if req.Body[len(req.Body)-1] != '\n' {
				fmt.Fprintln(w)
			}
		} else {
			fmt.Fprintf(w, "(%d bytes, not UTF-8)\n", len(req.Body))
		}
	}
}

func (o *SendOptions) traceReply(res *client.Result) {
	w := o.IO.ErrOut
	cs := o.IO.ErrColorScheme()
	fmt.Fprintln(w, cs.Cyan("< "+client.StatusText(res.Status)))
	h := res.Header
	if !o.ShowSecrets {
		h, _ = o.credHeaders.Redact(h, nil)
	}
	writeHeaders(w, cs, "< ", h)
	fmt.Fprintln(w, cs.Cyan("<"))
}

func writeHeaders(w io.Writer, cs *iostreams.ColorScheme, prefix string, h http.Header) {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, v := range h[name] {
			// The reply's headers are the handler's: through the terminal door.
			fmt.Fprintln(w, cs.Cyan(prefix+iostreams.SafeLine(name)+": "+iostreams.SafeLine(v)))
		}
	}
}

// singleError explains a single request's failure in one line.
func singleError(res *client.Result, pl *plan) error {
	if res.ErrKind == client.ErrTimeout && res.Connected {
		return cmdutil.FailureErrorf("%s accepted the connection but did not answer within --timeout %s (%s)",
			res.Request.URL, pl.timeout, retriesMade(res.Attempts-1))
	}
	if res.Err != nil {
		return cmdutil.ReachError(res.Request.URL, res.ErrKind, res.ErrText, res.Attempts-1)
	}
	if !res.OK {
		why := ""
		if res.Status >= 400 {
			why = replyReason(res.Body, pl.provider.Name)
		}
		if why != "" {
			why = ": " + why
		}
		return cmdutil.FailureErrorf("%s answered %s, expected %s%s", redact.URL(res.Request.URL), client.StatusText(res.Status), pl.expect, why)
	}
	return nil
}

// dryRun prints the requests instead of sending them.
func dryRun(opts *SendOptions, format string, pl *plan, reqs iter.Seq2[*client.Request, error]) error {
	anyRedacted := false
	first := true
	for req, err := range reqs {
		if err != nil {
			return cmdutil.UsageErrorf("cannot sign the request: %v", err)
		}
		h, shownURL := req.Header, req.URL
		if !opts.ShowSecrets {
			var redacted bool
			h, redacted = opts.credHeaders.Redact(h, pl.scheme)
			shownURL = redact.URL(req.URL)
			anyRedacted = anyRedacted || redacted || shownURL != req.URL
		}
		if !first && format != "json" {
			fmt.Fprintln(opts.IO.Out)
		}
		first = false
		sr := signing.Request{Method: req.Method, URL: shownURL, Header: h, Body: req.Body}
		// The user's own request (their body, template and flags): printed
		// byte-exact, so -o http pipes into 'smshook verify --request -'.
		// Requests read from a capture go through cmdutil.PrintCapturedRequest.
		if err := cmdutil.PrintRequest(opts.IO, format, sr, opts.Count > 1); err != nil {
			return err
		}
	}
	if anyRedacted {
		fmt.Fprintln(opts.IO.ErrOut, cmdutil.RedactedNote)
	}
	return nil
}
