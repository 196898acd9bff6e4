package replay

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/client"
	"github.com/smshook/smshook/pkg/cmd/version"
	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/har"
	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/redact"
	"github.com/smshook/smshook/pkg/signing"
)

// export writes the selected records as HAR or as a curl script, to --out
// or stdout. Credentials (credential headers, URL userinfo) are redacted
// unless --show-secrets: an export is meant to be shared.
func (o *ReplayOptions) export(in *input) error {
	sec, err := o.secrets()
	if err != nil {
		return err
	}
	var w io.Writer = o.IO.Out
	var file *os.File
	if o.Out != "" {
		f, err := os.OpenFile(o.Out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return cmdutil.UsageErrorf("cannot write %s: %v", o.Out, unwrapPath(err))
		}
		file, w = f, f
		defer file.Close()
	}
	bad, skips := &badLines{}, &skipped{}
	var (
		n           int
		anyRedacted bool
	)
	if o.Export == "har" {
		n, anyRedacted, err = o.exportHAR(w, in, bad, skips, sec)
	} else {
		n, anyRedacted, err = o.exportCurl(w, in, bad, skips, sec)
	}
	if err != nil {
		return err
	}
	if file != nil {
		if err := file.Sync(); err != nil {
			return err
		}
		if err := file.Close(); err != nil {
			return err
		}
		fmt.Fprintf(o.IO.ErrOut, "wrote %d request(s) to %s\n", n, o.Out)
	}
	if anyRedacted {
		fmt.Fprintln(o.IO.ErrOut, cmdutil.RedactedNote)
	}
	skips.noteUnrouted(o.IO.ErrOut)
	return bad.err(in.name, o.SkipInvalid)
}

// secrets hides credentials in what replay prints or exports: the
// credential headers of every provider, and URL userinfo.
type secrets struct {
	show    bool // --show-secrets
	headers *redact.Headers
	reg     *provider.Registry
}

func (o *ReplayOptions) secrets() (*secrets, error) {
	if o.ShowSecrets {
		return &secrets{show: true}, nil
	}
	headers, err := o.Factory.CredentialHeaders()
	if err != nil {
		return nil, err
	}
	reg, err := o.Factory.Registry()
	if err != nil {
		return nil, err
	}
	return &secrets{headers: headers, reg: reg}, nil
}

// scheme is the scheme of the record's provider, nil when unknown.
func (s *secrets) scheme(rec *capture.Record) signing.Scheme {
	if p, err := s.reg.Lookup(rec.Provider); err == nil && rec.Provider != "" {
		return p.Scheme()
	}
	return nil
}

// record returns rec with its credentials hidden, and whether any were.
func (s *secrets) record(rec *capture.Record) (*capture.Record, bool) {
	if s.show {
		return rec, false
	}
	return redact.Record(rec, s.headers, s.scheme(rec))
}

// url returns rawURL with its password hidden, unless --show-secrets.
func (s *secrets) url(rawURL string) string {
	if s.show {
		return rawURL
	}
	return redact.URL(rawURL)
}

// request returns the header and URL of a request to print, credentials
// hidden; route is the scheme that signed it, else the record's.
func (s *secrets) request(h http.Header, rawURL string, route signing.Scheme, rec *capture.Record) (http.Header, string, bool) {
	if s.show {
		return h, rawURL, false
	}
	if route == nil {
		route = s.scheme(rec)
	}
	h, hidden := s.headers.Redact(h, route)
	shown := redact.URL(rawURL)
	return h, shown, hidden || shown != rawURL
}

func (o *ReplayOptions) exportHAR(w io.Writer, in *input, bad *badLines, skips *skipped, sec *secrets) (int, bool, error) {
	hw, err := har.NewWriter(w, har.Creator{Name: "smshook", Version: version.Read().Version})
	if err != nil {
		return 0, false, err
	}
	n, anyRedacted := 0, false
	for rec, err := range o.selected(in, bad, skips) {
		if err != nil {
			return n, anyRedacted, err
		}
		rec, hidden := sec.record(rec)
		anyRedacted = anyRedacted || hidden
		if o.To != "" {
			retargeted := *rec
			retargeted.URL = sec.url(targetURL(o.To, rec.URL, rec.Method))
			rec = &retargeted
		}
		if err := hw.Write(rec); err != nil {
			return n, anyRedacted, err
		}
		n++
	}
	return n, anyRedacted, hw.Close()
}

// exportCurl writes a POSIX shell script: one curl command per record that
// sends its exact bytes and captured headers to --to, or to the URL it was
// captured at.
func (o *ReplayOptions) exportCurl(w io.Writer, in *input, bad *badLines, skips *skipped, sec *secrets) (int, bool, error) {
	bw := bufio.NewWriter(w)
	// What came from the file (its name, ids, providers, kinds, headers,
	// bodies) goes only through the shell door: comments and quoted words.
	fmt.Fprintf(bw, "#!/bin/sh\n%s\nset -e\n", cmdutil.ShellComment("Requests from "+in.name+", exported by smshook replay --export curl."))
	n, anyRedacted := 0, false
	for rec, err := range o.selected(in, bad, skips) {
		if err != nil {
			return n, anyRedacted, err
		}
		rec, hidden := sec.record(rec)
		anyRedacted = anyRedacted || hidden
		target := sec.url(targetURL(o.To, rec.URL, rec.Method))
		fmt.Fprintf(bw, "\n%s\n", cmdutil.ShellComment(orDash(rec.ID), orDash(rec.Provider)+" "+orDash(rec.Kind), rec.ReceivedAt.UTC().Format(time.RFC3339)))
		fmt.Fprintln(bw, cmdutil.FormatCurl(rec.Method, target, client.ResendHeader(rec.Headers), rec.Body(), ""))
		n++
	}
	return n, anyRedacted, bw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
