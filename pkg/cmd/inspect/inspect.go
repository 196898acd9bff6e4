// Package inspect is `smshook inspect`: the inspector page over a capture
// file (followed as it grows) or a HAR file, without a listener.
package inspect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/smshook/smshook/pkg/client"
	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/config"
	"github.com/smshook/smshook/pkg/har"
	core "github.com/smshook/smshook/pkg/inspect"
	"github.com/smshook/smshook/pkg/iostreams"
	"github.com/smshook/smshook/pkg/redact"
	"github.com/smshook/smshook/pkg/signing"
)

// DefaultFile is listen's default capture file.
const DefaultFile = "smshook-captures.jsonl"

// DefaultPort is the inspector's port, as listen serves it.
const DefaultPort = 8788

// InspectOptions are the inputs of `smshook inspect`.
type InspectOptions struct {
	IO      *iostreams.IOStreams
	Factory *cmdutil.Factory
	Context context.Context

	File      string
	Port      int
	Open      bool
	Demo      bool
	ForwardTo string

	// listening, when set (tests), is told the page's URL.
	listening func(url string)
}

// NewCmdInspect builds `smshook inspect`.
func NewCmdInspect(f *cmdutil.Factory, runF func(*InspectOptions) error) *cobra.Command {
	opts := &InspectOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "inspect [FILE]",
		Short: "Browse a capture file in a local web page: search, detail, lifecycle, diff, replay",
		Long: `Serve the inspector, the web page 'smshook listen' serves on its --ui-port,
over a capture file (default ./` + DefaultFile + `), without a listener. The
file is indexed by streaming and followed as it grows, so a listener
writing it elsewhere shows up live. A FILE ending in .har is read once
as HAR (a browser's export, or 'smshook replay --export har').

The page lists every event (newest first; requests that matched no route
apart), searches them with a small query language kept in the page's URL
(provider:twilio status:failed -verified "otp" kind: profile: id: from:
to: since:2h until:2024-05-01, and the words verified, invalid, unchecked,
unrouted), shows a request in full (headers with credentials hidden until
revealed, the body as JSON, form fields, text or hex, the verdict, the
normalized event, the reply), groups a message's callbacks into its
lifecycle, diffs two events, copies one as curl, and replays or edits and
sends one: re-signed with the credentials of the profile it was captured
under (or --demo), or as captured.

The page is served on 127.0.0.1 only, answers only requests naming that
address (DNS rebinding), and refuses requests that send or reveal
credentials unless they come from the page itself (same origin and a
per-run token). Its JSON API (GET /api/events, /api/events/ID,
/api/events/ID/raw, /api/stream; POST /api/events/ID/replay, /api/send)
is documented in the README.

Ctrl-C stops it.

` + cmdutil.ExitStatusOf("a bad flag, a file that cannot be read, a port in use", "") + `
  130  interrupted (Ctrl-C): the normal way to stop it`,
		Example: `  smshook inspect
  smshook inspect ci.jsonl --port 0 --open
  smshook inspect session.har --demo`,
		Args: cmdutil.Args(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Context = cmd.Context()
			opts.File = DefaultFile
			if len(args) == 1 {
				opts.File = args[0]
			}
			if opts.Port < 0 || opts.Port > 65535 {
				return cmdutil.UsageErrorf("--port %d is not a port: use 1-65535, or 0 for a free one", opts.Port)
			}
			if opts.ForwardTo != "" {
				if err := cmdutil.CheckHTTPURL(opts.ForwardTo); err != nil {
					return cmdutil.UsageErrorf("--forward-to: %v", err)
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return inspectRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&opts.Port, "port", DefaultPort, "serve the page on 127.0.0.1:`N` (0 picks a free one)")
	fl.BoolVar(&opts.Open, "open", false, "open the page in a browser")
	fl.BoolVar(&opts.Demo, "demo", false, "re-sign with the providers' demo credentials when the config has none")
	fl.StringVar(&opts.ForwardTo, "forward-to", "", "where the page's replay sends an event by default (`URL`)")
	cmd.ValidArgsFunction = func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return []cobra.Completion{"jsonl", "har"}, cobra.ShellCompDirectiveFilterFileExt
	}
	cmdutil.RegisterFlagCompletions(cmd, map[string]cobra.CompletionFunc{
		"port":       cobra.NoFileCompletions,
		"forward-to": cobra.NoFileCompletions,
	})
	return cmd
}

func inspectRun(o *InspectOptions) error {
	idx, err := o.open()
	if err != nil {
		return err
	}
	defer idx.Close()
	creds, err := o.Factory.CredentialHeaders()
	if err != nil {
		creds = redact.NewHeaders()
	}
	srv, err := core.New(core.Options{
		Index:       idx,
		Credentials: creds,
		Signer:      o.signer,
		Describe:    o.describe,
		ForwardTo:   o.ForwardTo,
		Curl:        curlFormatter,
		HTTPClient:  client.NewHTTPClient(o.Factory.HTTPClient(), client.HTTPOptions{}),
		Source:      o.File,
		Now:         o.Factory.Now,
	})
	if err != nil {
		return err
	}
	run, err := srv.Start(o.Port)
	if err != nil {
		return cmdutil.UsageErrorf("cannot serve on 127.0.0.1:%d: %v: pick another --port (0 picks a free one)", o.Port, cmdutil.ListenError(err))
	}
	defer run.Stop()
	cs := o.IO.ErrColorScheme()
	fmt.Fprintf(o.IO.ErrOut, "inspector  %s  (%s; Ctrl-C stops)\n", cs.Cyan(run.URL), iostreams.SafeLine(o.File))
	if o.Open {
		if err := cmdutil.OpenBrowser(run.URL); err != nil {
			cmdutil.Warn(o.IO, "--open: cannot open a browser: "+err.Error()+": open "+run.URL+" yourself")
		}
	}
	if o.listening != nil {
		o.listening(run.URL)
	}
	ctx := o.Context
	if ctx == nil {
		ctx = context.Background()
	}
	<-ctx.Done()
	return &cmdutil.SilentError{Code: cmdutil.ExitInterrupted}
}

// open indexes a capture file (followed) or reads a HAR file.
func (o *InspectOptions) open() (*core.Index, error) {
	if strings.HasSuffix(strings.ToLower(o.File), ".har") {
		return o.openHAR()
	}
	fi, err := os.Stat(o.File)
	if err != nil {
		return nil, cmdutil.UsageErrorf("cannot read %s: %v: name a capture file (smshook listen writes ./%s)", o.File, pathError(err), DefaultFile)
	}
	if !fi.Mode().IsRegular() {
		return nil, cmdutil.UsageErrorf("%s is not a regular file: name a capture file", o.File)
	}
	idx, err := core.NewFileIndex(o.File)
	if err != nil {
		return nil, cmdutil.UsageErrorf("cannot read %s: %v", o.File, pathError(err))
	}
	return idx, nil
}

func (o *InspectOptions) openHAR() (*core.Index, error) {
	f, err := os.Open(o.File)
	if err != nil {
		return nil, cmdutil.UsageErrorf("cannot read %s: %v", o.File, pathError(err))
	}
	defer f.Close()
	idx := core.NewRing(0)
	r := har.NewReader(f)
	bad := 0
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var entryErr *har.EntryError
		if errors.As(err, &entryErr) {
			bad++
			continue
		}
		if err != nil {
			return nil, cmdutil.UsageErrorf("%s: %v", o.File, err)
		}
		idx.Add(rec, -1)
	}
	if bad > 0 {
		cmdutil.Warn(o.IO, fmt.Sprintf("%s: %d entries are not requests and were left out", o.File, bad))
	}
	return idx, nil
}

// signer re-signs a record of provider captured under profile: with that
// profile's credentials when the config still has it, else SMSHOOK_SECRET
// and friends, else (--demo) the provider's demo credentials.
func (o *InspectOptions) signer(providerName, profile string) (signing.Scheme, signing.Credentials, error) {
	reg, err := o.Factory.Registry()
	if err != nil {
		return nil, signing.Credentials{}, err
	}
	p, err := reg.Lookup(providerName)
	if err != nil {
		return nil, signing.Credentials{}, err
	}
	t := &cmdutil.Target{Provider: p}
	if cfg, err := o.Factory.Config(); err == nil && profile != "" {
		if prof, ok := cfg.Profiles[profile]; ok && strings.EqualFold(prof.Provider, providerName) {
			t.Profile = prof
		}
	}
	if t.Credentials, err = config.ResolveCredentials(t.Profile, config.CredentialFlags{}, o.Factory.Getenv); err != nil {
		return nil, signing.Credentials{}, err
	}
	if t.Credentials.IsZero() && o.Demo {
		t.Credentials = p.Demo
	}
	if err := t.RequireCredentials(); err != nil {
		return nil, signing.Credentials{}, err
	}
	scheme, err := t.Scheme("")
	return scheme, t.Credentials, err
}

// describe says how the provider authenticates requests.
func (o *InspectOptions) describe(providerName, profile string) string {
	reg, err := o.Factory.Registry()
	if err != nil {
		return ""
	}
	p, err := reg.Lookup(providerName)
	if err != nil {
		return ""
	}
	return p.Scheme().Describe()
}

func curlFormatter(method, url string, h http.Header, body []byte) string {
	return cmdutil.FormatCurl(method, url, h, body, "")
}

func pathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
