package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"strings"
	"sync/atomic"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/client"
	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/config"
	"github.com/smshook/smshook/pkg/har"
	"github.com/smshook/smshook/pkg/iostreams"
	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/redact"
	"github.com/smshook/smshook/pkg/signing"
)

// DefaultCapture is where `smshook listen` writes, and so what replay reads
// when no file is named.
const DefaultCapture = "smshook-captures.jsonl"

// recordSource is a capture file or a HAR file, read one record at a time.
type recordSource interface {
	Next() (*capture.Record, error)
}

// input is the opened source with what progress and messages need.
type input struct {
	recordSource
	name  string
	size  int64         // 0 when unknown (stdin)
	read  *atomic.Int64 // bytes consumed so far, for the progress line
	close func() error
	// file is the regular file read, whose size was taken at the start;
	// nil for a pipe.
	file *os.File
}

// snapshot takes the size of f when it is a regular file.
func (in *input) snapshot(f *os.File) {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return
	}
	pos, err := f.Seek(0, io.SeekCurrent)
	if err != nil || pos > st.Size() {
		return
	}
	in.file, in.size = f, st.Size()-pos
}

// grown says the file is now longer than when replay started: its last
// line, cut at that size, was still being written then.
func (in *input) grown() bool {
	if in.file == nil {
		return false
	}
	st, err := in.file.Stat()
	return err == nil && st.Size() > in.size
}

// countingReader counts bytes as the decoder pulls them.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (o *ReplayOptions) open() (*input, error) {
	path := o.Input
	if o.ImportHAR != "" {
		path = o.ImportHAR
	}
	// No implicit stdin: in CI stdin is rarely a terminal, and an empty one
	// would replay nothing and pass.
	if path == "" {
		if _, err := os.Stat(DefaultCapture); err != nil {
			return nil, cmdutil.UsageErrorf("no capture to replay: give CAPTURE.jsonl, - for stdin, or --import-har FILE ('smshook listen' writes ./%s)", DefaultCapture)
		}
		path = DefaultCapture
	}
	in := &input{name: path, read: &atomic.Int64{}, close: func() error { return nil }}
	var r io.Reader = o.IO.In
	if path == "-" {
		in.name = "stdin"
		if f, ok := o.IO.In.(*os.File); ok {
			in.snapshot(f) // stdin redirected from a capture file: the same rule
		}
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, cmdutil.UsageErrorf("cannot read %s: %v", path, unwrapPath(err))
		}
		in.snapshot(f)
		r, in.close = f, f.Close
	}
	if in.file != nil && o.ImportHAR == "" {
		// A capture is read only up to the size it had when replay started:
		// replaying to the listener that appends to this very file would
		// otherwise read its own requests back and send them forever. (A
		// HAR file is one JSON document that nothing appends to.)
		r = io.LimitReader(r, in.size)
	}
	r = countingReader{r, in.read}
	if o.ImportHAR != "" {
		in.recordSource = har.NewReader(r)
	} else {
		in.recordSource = capture.NewReader(r)
	}
	return in, nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// badLines counts the lines (or HAR entries) that were skipped.
type badLines struct {
	count int
	first []string
}

func (b *badLines) add(where string) {
	b.count++
	if len(b.first) < 5 {
		b.first = append(b.first, where)
	}
}

// err is the end-of-run failure for skipped lines, unless they may be skipped.
func (b *badLines) err(name string, skip bool) error {
	if b.count == 0 || skip {
		return nil
	}
	more := ""
	if b.count > len(b.first) {
		more = ", …"
	}
	return cmdutil.FailureErrorf("%s: %d invalid line(s) skipped (%s%s): pass --skip-invalid to accept that",
		name, b.count, strings.Join(b.first, ", "), more)
}

// selected yields the records the filters select, reporting the lines that
// are not records on stderr as it goes.
func (o *ReplayOptions) selected(in *input, bad *badLines, skips *skipped) iter.Seq2[*capture.Record, error] {
	return func(yield func(*capture.Record, error) bool) {
		taken := 0
		for o.Limit == 0 || taken < o.Limit {
			rec, err := in.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			var lineErr *capture.LineError
			var entryErr *har.EntryError
			switch {
			case errors.As(err, &lineErr) && lineErr.Torn && in.grown():
				// Cut at the size the file had at the start, while the
				// listener was writing it: not a record of that moment.
				fmt.Fprintf(o.IO.ErrOut, "smshook: %s: line %d was still being written when replay started: not replayed\n", in.name, lineErr.Line)
				continue
			case errors.As(err, &lineErr):
				bad.add(fmt.Sprintf("line %d", lineErr.Line))
				fmt.Fprintf(o.IO.ErrOut, "smshook: %s: %s: skipped\n", in.name, iostreams.SafeLine(lineErr.Error()))
				continue
			case errors.As(err, &entryErr):
				bad.add(fmt.Sprintf("entry %d", entryErr.Index))
				fmt.Fprintf(o.IO.ErrOut, "smshook: %s: %s: skipped\n", in.name, iostreams.SafeLine(entryErr.Error()))
				continue
			case errors.Is(err, har.ErrNotHAR):
				yield(nil, cmdutil.UsageErrorf("%s: %v", in.name, err))
				return
			case err != nil:
				yield(nil, fmt.Errorf("reading %s: %w", in.name, err))
				return
			}
			if !o.Filter.Match(rec) {
				continue
			}
			if rec.Unrouted() && !o.IncludeUnrouted {
				skips.unrouted++ // not an event: no provider to re-sign it, no handler meant for it
				continue
			}
			if rec.Truncated {
				skips.truncated++ // over --max-body (413) or refused while busy (503): only part of its body is known
				continue
			}
			taken++
			if !yield(rec, nil) {
				return
			}
		}
	}
}

// skipped counts the selected records that are not sent: those the
// target cannot re-sign (another provider than the profile's, an unknown
// one, one the credentials given do not cover), by reason, which fail the
// run at its end; and the requests that matched no route of the listener,
// which are not events and only noted.
type skipped struct {
	count    int
	reasons  []*skipReason // in the order first met
	others   int           // skipped for reasons beyond maxSkipReasons
	unrouted int
	// truncated counts the requests whose body the listener kept only in
	// part: sending a part would be a request nobody made.
	truncated int
}

// skipReason is one reason and the records skipped for it.
type skipReason struct {
	reason string
	count  int
	ids    []string // the first few, for the message
}

// maxSkipIDs bounds the record ids named per reason, and maxSkipReasons
// the reasons told apart.
const (
	maxSkipIDs     = 3
	maxSkipReasons = 10
)

func (s *skipped) add(rec *capture.Record, skip *skipError) {
	s.count++
	var r *skipReason
	for _, known := range s.reasons {
		if known.reason == skip.reason {
			r = known
			break
		}
	}
	if r == nil && len(s.reasons) >= maxSkipReasons {
		s.others++ // a capture naming ever new providers cannot grow this list
		return
	}
	if r == nil {
		r = &skipReason{reason: skip.reason}
		s.reasons = append(s.reasons, r)
	}
	r.count++
	if len(r.ids) < maxSkipIDs {
		r.ids = append(r.ids, recordLabel(rec))
	}
}

func (r *skipReason) String() string {
	more := ""
	if r.count > len(r.ids) {
		more = ", …"
	}
	return fmt.Sprintf("skipped %d %s (%s%s): %s", r.count, plural(r.count, "record", "records"), strings.Join(r.ids, ", "), more, r.reason)
}

// noteUnrouted says how many requests that matched no route, and how many
// whose body was not captured whole, were passed over.
func (s *skipped) noteUnrouted(w io.Writer) {
	if s.unrouted > 0 {
		fmt.Fprintf(w, "smshook: skipped %d %s that matched no route (--include-unrouted selects them)\n",
			s.unrouted, plural(s.unrouted, "request", "requests"))
	}
	if s.truncated > 0 {
		fmt.Fprintf(w, "smshook: skipped %d %s whose body the listener kept only in part (over --max-body, or refused while busy)\n",
			s.truncated, plural(s.truncated, "request", "requests"))
	}
}

// err is the end-of-run failure for skipped records: the reason itself when
// there is one, else one line per reason on w and a count.
func (s *skipped) err(w io.Writer) error {
	switch {
	case s.count == 0:
		return nil
	case len(s.reasons) == 1 && s.others == 0:
		return cmdutil.FailureErrorf("%v", s.reasons[0])
	}
	for _, r := range s.reasons {
		fmt.Fprintf(w, "smshook: %s\n", iostreams.SafeLine(r.String())) // ids and providers from the capture
	}
	if s.others > 0 {
		fmt.Fprintf(w, "smshook: skipped %d more %s for other reasons\n", s.others, plural(s.others, "record", "records"))
		return cmdutil.FailureErrorf("%d records not replayed, for the reasons above", s.count)
	}
	return cmdutil.FailureErrorf("%d records not replayed, for the %d reasons above", s.count, len(s.reasons))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// skipError is a record that cannot be re-signed for the target while
// others may be. Its reason names no record, so that the records skipped
// for one reason are counted together.
type skipError struct{ reason string }

func (e *skipError) Error() string { return e.reason }

// signer re-signs one provider's records.
type signer struct {
	scheme signing.Scheme
	creds  signing.Credentials
}

// plan is what the whole run resolves once: the target and the signers.
type plan struct {
	target  string // "" means each record's own URL (dry runs, exports)
	expect  client.Expect
	signers map[string]*signer
	// skips caches, per provider, why its records cannot be re-signed.
	skips map[string]*skipError
	// profileProvider is the --profile's provider, for records that carry
	// none (imported from HAR).
	profileProvider string
}

func (o *ReplayOptions) newPlan(needTarget bool) (*plan, error) {
	pl := &plan{signers: map[string]*signer{}, skips: map[string]*skipError{}, target: o.To}
	f := o.Factory
	var success []int
	if f.ProfileName() != "" {
		t, err := f.ResolveTarget("", o.Creds)
		if err != nil {
			return nil, err
		}
		pl.profileProvider = t.Provider.Name
		success = t.Provider.SuccessStatuses
		if pl.target == "" {
			pl.target = t.Profile.URL
		}
	}
	if pl.target == "" && o.Demo {
		pl.target = cmdutil.DefaultLocalBase // each record to its own route of the local listener
	}
	if pl.target == "" && needTarget {
		return nil, cmdutil.UsageErrorf("no target: pass --to URL, or --profile P with a url, or --demo for the local listener")
	}
	switch {
	case o.Expect != "":
		pl.expect, _ = client.ParseExpect(o.Expect) // checked with the flags
	case len(success) > 0:
		pl.expect = client.ExpectCodes(success)
	default:
		pl.expect, _ = client.ParseExpect("2xx")
	}
	return pl, nil
}

// signerFor resolves, once per provider, the scheme and credentials that
// re-sign its records, or why they cannot be (a *skipError).
func (o *ReplayOptions) signerFor(pl *plan, rec *capture.Record) (*signer, error) {
	name := rec.Provider
	if name == "" {
		name = pl.profileProvider
	}
	// Keyed by the captured profile only when the config has it (it may
	// hold the credentials), so that the maps stay as small as the config.
	key := strings.ToLower(name)
	if o.capturedProfile(rec, name) != nil {
		key += "\x00" + rec.Profile
	}
	if s, ok := pl.signers[key]; ok {
		return s, nil
	}
	if skip, ok := pl.skips[key]; ok {
		return nil, skip
	}
	s, err := o.newSigner(pl, rec, name)
	var skip *skipError
	switch {
	case errors.As(err, &skip) && len(pl.skips) < maxCachedSkips:
		pl.skips[key] = skip // bounded: a hostile capture may name a new provider per record
	case err == nil:
		pl.signers[key] = s
	}
	return s, err
}

// maxCachedSkips bounds the providers whose skip reason is remembered.
const maxCachedSkips = 64

func (o *ReplayOptions) newSigner(pl *plan, rec *capture.Record, name string) (*signer, error) {
	if name == "" {
		return nil, &skipError{"no provider named (imported from HAR?): pass --profile P to re-sign, or --as-captured"}
	}
	if pl.profileProvider != "" && !strings.EqualFold(name, pl.profileProvider) {
		return nil, &skipError{fmt.Sprintf("from %s, but profile %q re-signs %s: select records with --provider %s, or use --as-captured",
			name, o.Factory.ProfileName(), pl.profileProvider, pl.profileProvider)}
	}
	t, err := o.Factory.ResolveTarget(name, o.Creds)
	if err != nil {
		var unknown *provider.UnknownError
		if errors.As(err, &unknown) {
			return nil, &skipError{fmt.Sprintf("%v: use --as-captured to send without re-signing", unknown)}
		}
		return nil, err
	}
	if t.Credentials.IsZero() && pl.profileProvider == "" {
		// Replaying to the same setup: a record captured under a profile of
		// the config file is re-signed with that profile's credentials.
		if p := o.capturedProfile(rec, name); p != nil {
			if t.Credentials, err = config.ResolveCredentials(p, o.Creds, o.Factory.Getenv); err != nil {
				return nil, cmdutil.UsageError(err)
			}
			t.Profile = p
		}
	}
	if t.Credentials.IsZero() && o.Demo {
		t.Credentials = t.Provider.Demo
	}
	if err := t.RequireCredentials(); err != nil {
		msg := fmt.Sprintf("cannot re-sign %s records: %v; or --demo for the listener's demo credentials, or --as-captured to send the captured signature", name, err)
		if !o.gaveCredentials() {
			return nil, cmdutil.UsageErrorf("%s", msg) // none at all: say what to pass before anything is sent
		}
		return nil, &skipError{msg}
	}
	scheme, err := t.Scheme(o.Encoding)
	if err != nil && o.Encoding != "" {
		// --encoding (checked to be a known one) applies to HMAC signatures:
		// another provider's records of a mixed capture are passed over.
		return nil, &skipError{fmt.Sprintf("cannot re-sign %s records with --encoding %s: %v: select records with --provider, or drop --encoding", name, o.Encoding, err)}
	}
	if err != nil {
		return nil, err
	}
	return &signer{scheme: scheme, creds: t.Credentials}, nil
}

// gaveCredentials says the run was given credentials to re-sign with:
// flags, SMSHOOK_* variables, --demo or a --profile.
func (o *ReplayOptions) gaveCredentials() bool {
	if o.Creds != (config.CredentialFlags{}) || o.Demo || o.Factory.ProfileName() != "" {
		return true
	}
	for _, name := range []string{config.EnvSecret, config.EnvUsername, config.EnvPassword} {
		if o.Factory.Getenv(name) != "" {
			return true
		}
	}
	return false
}

// capturedProfile is the config profile a record was captured under, when
// the config still has it for the same provider.
func (o *ReplayOptions) capturedProfile(rec *capture.Record, providerName string) *config.Profile {
	if rec.Profile == "" {
		return nil
	}
	cfg, err := o.Factory.Config()
	if err != nil {
		return nil
	}
	p, ok := cfg.Profiles[rec.Profile]
	if !ok || !strings.EqualFold(p.Provider, providerName) {
		return nil
	}
	return p
}

// targetURL is where a record goes: the target as given, or, when the
// target names only a host ("http://host:port"), that host with the path
// and query the record was captured at, so that a mixed capture replays
// to the same routes of another listener. A GET callback's query is its
// payload: it goes along to a target with a path and no query too.
func targetURL(target, captured, method string) string {
	if target == "" {
		return captured
	}
	u, kept := client.KeepRoute(target, captured)
	if !kept && method == "GET" && !strings.Contains(target, "?") {
		if _, query, ok := strings.Cut(captured, "?"); ok {
			query, _, _ = strings.Cut(query, "#")
			u = client.WithQuery(target, []byte(query))
		}
	}
	return u
}

func recordLabel(rec *capture.Record) string {
	if rec.ID != "" {
		return rec.ID
	}
	return rec.Method + " " + rec.URL
}

// request makes the request that replays rec: the captured method, headers
// (less hop-by-hop ones) and exact body bytes, to the target, re-signed
// unless --as-captured.
func (o *ReplayOptions) request(pl *plan, rec *capture.Record) (*client.Request, *signer, error) {
	req := &client.Request{
		Method: rec.Method,
		URL:    targetURL(pl.target, rec.URL, rec.Method),
		Header: client.ResendHeader(rec.Headers),
		Body:   rec.Body(),
		Name:   rec.ID,
	}
	if rec.Event != nil && rec.Event.MessageID != "" {
		req.Name = rec.Event.MessageID
	}
	if o.AsCaptured {
		return req, nil, nil
	}
	s, err := o.signerFor(pl, rec)
	if err != nil {
		return nil, nil, err
	}
	if err := client.Sign(req, s.scheme, s.creds); err != nil {
		return nil, nil, fmt.Errorf("re-signing %s: %w", recordLabel(rec), err)
	}
	return req, s, nil
}

func replayRun(o *ReplayOptions) error {
	in, err := o.open()
	if err != nil {
		return err
	}
	defer in.close()
	if o.Export != "" {
		return o.export(in)
	}
	pl, err := o.newPlan(!o.DryRun)
	if err != nil {
		return err
	}
	if o.DryRun {
		return o.dryRun(in, pl)
	}
	return o.send(in, pl)
}

func (o *ReplayOptions) dryRun(in *input, pl *plan) error {
	format, err := o.Factory.OutputFormat(dryRunOutputFormats...)
	if err != nil {
		return err
	}
	sec, err := o.secrets()
	if err != nil {
		return err
	}
	bad, skips := &badLines{}, &skipped{}
	anyRedacted := false
	n := 0
	for rec, err := range o.selected(in, bad, skips) {
		if err != nil {
			return err
		}
		req, s, err := o.request(pl, rec)
		if o.skip(skips, rec, err) {
			continue
		}
		if err != nil {
			return err
		}
		var scheme signing.Scheme
		if s != nil {
			scheme = s.scheme
		}
		h, shownURL, redacted := sec.request(req.Header, req.URL, scheme, rec)
		anyRedacted = anyRedacted || redacted
		if n > 0 && format != "json" {
			fmt.Fprintln(o.IO.Out)
		}
		n++
		if err := cmdutil.PrintCapturedRequest(o.IO, format, signing.Request{Method: req.Method, URL: shownURL, Header: h, Body: req.Body}, true); err != nil {
			return err
		}
	}
	if anyRedacted {
		fmt.Fprintln(o.IO.ErrOut, cmdutil.RedactedNote)
	}
	skips.noteUnrouted(o.IO.ErrOut)
	if n == 0 && skips.count == 0 {
		fmt.Fprintln(o.IO.ErrOut, "no records selected")
	}
	if err := skips.err(o.IO.ErrOut); err != nil {
		return err
	}
	return bad.err(in.name, o.SkipInvalid)
}

// skip counts rec as skipped when err says it cannot be re-signed, with a
// line per record under --verbose.
func (o *ReplayOptions) skip(skips *skipped, rec *capture.Record, err error) bool {
	var skip *skipError
	if !errors.As(err, &skip) {
		return false
	}
	skips.add(rec, skip)
	if o.Verbose {
		fmt.Fprintf(o.IO.ErrOut, "smshook: %s: skipped: %s\n", iostreams.SafeLine(recordLabel(rec)), iostreams.SafeLine(skip.Error()))
	}
	return true
}

func (o *ReplayOptions) send(in *input, pl *plan) error {
	format, err := o.Factory.SendingOutputFormat(outputFormats, dryRunOutputFormats)
	if err != nil {
		return err
	}
	runner := &client.Runner{
		Client:      client.NewHTTPClient(o.HTTPClient(), client.HTTPOptions{Concurrency: o.Concurrency, Insecure: o.Insecure}),
		Concurrency: o.Concurrency,
		Rate:        o.Rate,
		Timeout:     o.Timeout,
		Retries:     o.Retries,
		Expect:      pl.expect,
	}

	var report *client.JUnitReport
	if o.Report != "" {
		report, err = client.NewJUnitReport(o.Report, client.JUnitOptions{
			Suite:      "smshook replay " + in.name,
			Class:      "replay",
			Expect:     pl.expect,
			Start:      o.Now(),
			Properties: [][2]string{{"url", redact.URL(pl.target)}, {"expect", pl.expect.String()}, {"capture", in.name}},
		})
		if err != nil {
			return cmdutil.UsageError(err)
		}
		defer report.Discard()
	}

	var sent int
	prog := cmdutil.NewProgress(o.IO, !o.Verbose, func() string {
		if in.size > 0 {
			return fmt.Sprintf("replayed %d  (%d%% of %s)", sent, in.read.Load()*100/in.size, in.name)
		}
		return fmt.Sprintf("replayed %d", sent)
	})
	errCS := o.IO.ErrColorScheme()
	var reportErr error
	runner.OnResult = func(res *client.Result) {
		sent++
		if report != nil && reportErr == nil {
			reportErr = report.Add(res)
		}
		if o.Verbose {
			fmt.Fprintln(o.IO.ErrOut, cmdutil.ResultLine(errCS, res, true))
		} else if !res.OK {
			prog.Finish()
			fmt.Fprintf(o.IO.ErrOut, "%s %s: %s\n", errCS.FailureIcon(), iostreams.SafeLine(res.Label()), iostreams.SafeLine(res.Failure(pl.expect)))
		}
		prog.Update()
	}

	bad, skips := &badLines{}, &skipped{}
	sum, err := runner.Run(o.context(), o.requests(in, pl, bad, skips))
	prog.Finish()
	interrupted := errors.Is(err, context.Canceled)
	if err != nil && !interrupted {
		return err
	}
	if report != nil {
		if reportErr == nil {
			reportErr = report.Close(sum)
		}
		if reportErr != nil {
			return cmdutil.FailureErrorf("%v", reportErr)
		}
	}
	if format == "json" {
		if err := iostreams.WriteJSON(o.IO.Out, sum, o.IO.JSONColorEnabled()); err != nil {
			return err
		}
	} else if err := sum.WriteText(o.IO.Out, o.IO.ColorScheme()); err != nil {
		return err
	}
	if interrupted {
		return cmdutil.ErrInterrupted
	}
	skips.noteUnrouted(o.IO.ErrOut)
	// A replay that sent nothing must not pass a CI job by accident.
	if sum.Sent == 0 && skips.count == 0 {
		if err := bad.err(in.name, o.SkipInvalid); err != nil {
			return err
		}
		return noneSelected(in.name, &o.Filter, skips.unrouted+skips.truncated)
	}
	if err := cmdutil.RunError(sum, pl.target); err != nil {
		return err
	}
	if err := skips.err(o.IO.ErrOut); err != nil {
		return err
	}
	return bad.err(in.name, o.SkipInvalid)
}

// requests turns the selected records into requests for the runner.
func (o *ReplayOptions) requests(in *input, pl *plan, bad *badLines, skips *skipped) iter.Seq2[*client.Request, error] {
	return func(yield func(*client.Request, error) bool) {
		for rec, err := range o.selected(in, bad, skips) {
			if err != nil {
				yield(nil, err)
				return
			}
			req, _, err := o.request(pl, rec)
			if o.skip(skips, rec, err) {
				continue
			}
			if !yield(req, err) || err != nil {
				return
			}
		}
	}
}

func (o *ReplayOptions) context() context.Context {
	if o.Context != nil {
		return o.Context
	}
	return context.Background()
}
