package replay

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/client"
	"github.com/smshook/smshook/pkg/cmd/version"
	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/har"
)

// export writes the selected records as HAR or as a curl script, to --out
// or stdout. Credential headers (Authorization) are redacted unless
// --show-secrets: an export is meant to be shared.
func (o *ReplayOptions) export(in *input) error {
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
		err         error
	)
	if o.Export == "har" {
		n, anyRedacted, err = o.exportHAR(w, in, bad, skips)
	} else {
		n, anyRedacted, err = o.exportCurl(w, in, bad, skips)
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

// redacted returns rec with credential headers hidden, unless --show-secrets.
func (o *ReplayOptions) redacted(rec *capture.Record) (*capture.Record, bool) {
	if o.ShowSecrets {
		return rec, false
	}
	h, hidden := cmdutil.RedactAuth(rec.Headers, nil)
	if !hidden {
		return rec, false
	}
	clone := *rec
	clone.Headers = h
	return &clone, true
}

func (o *ReplayOptions) exportHAR(w io.Writer, in *input, bad *badLines, skips *skipped) (int, bool, error) {
	hw, err := har.NewWriter(w, har.Creator{Name: "smshook", Version: version.Read().Version})
	if err != nil {
		return 0, false, err
	}
	n, anyRedacted := 0, false
	for rec, err := range o.selected(in, bad, skips) {
		if err != nil {
			return n, anyRedacted, err
		}
		rec, hidden := o.redacted(rec)
		anyRedacted = anyRedacted || hidden
		if o.To != "" {
			retargeted := *rec
			retargeted.URL = o.To
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
func (o *ReplayOptions) exportCurl(w io.Writer, in *input, bad *badLines, skips *skipped) (int, bool, error) {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "#!/bin/sh\n# Requests from %s, exported by smshook replay --export curl.\nset -e\n", in.name)
	n, anyRedacted := 0, false
	for rec, err := range o.selected(in, bad, skips) {
		if err != nil {
			return n, anyRedacted, err
		}
		rec, hidden := o.redacted(rec)
		anyRedacted = anyRedacted || hidden
		target := rec.URL
		if o.To != "" {
			target = o.To
		}
		fmt.Fprintf(bw, "\n# %s  %s %s  %s\n", rec.ID, rec.Provider, rec.Kind, rec.ReceivedAt.UTC().Format(time.RFC3339))
		fmt.Fprintln(bw, cmdutil.FormatCurl(rec.Method, target, client.ResendHeader(rec.Headers), rec.Body(), ""))
		n++
	}
	return n, anyRedacted, bw.Flush()
}
