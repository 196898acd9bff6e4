package listen

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/smshook/smshook/pkg/client"
	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/inspect"
	"github.com/smshook/smshook/pkg/server"
	"github.com/smshook/smshook/pkg/signing"
)

// DefaultUIPort is the inspector's port, next to the webhook port's 8787.
const DefaultUIPort = 8788

// Without a capture file the inspector keeps the newest events in memory,
// within these bounds.
const (
	ringEvents = 10000
	ringBytes  = 64 << 20
)

// startInspector serves the inspector on its own loopback port: never on
// the webhook port, which a tunnel may expose. It follows the capture file
// (or keeps a ring with --no-capture). A port it cannot bind is a warning:
// the listener's job comes first.
func (o *ListenOptions) startInspector(p *printer, endpoints []*server.Endpoint, webhookAddr string) (srv *inspect.Server, url string, stop func()) {
	var idx *inspect.Index
	var err error
	if o.NoCapture {
		idx = inspect.NewBoundedRing(ringEvents, ringBytes)
	} else {
		if idx, err = inspect.NewFileIndex(o.CapturePath); err != nil {
			p.warn("inspector off: " + err.Error())
			return nil, "", nil
		}
	}
	target := o.ForwardTo
	if target == "" {
		// Replays go back to this listener, which captures them again.
		target = localBase(webhookAddr)
	}
	srv, err = inspect.New(inspect.Options{
		Index:       idx,
		Credentials: p.credHeaders,
		Signer:      endpointSigner(endpoints),
		Describe:    endpointScheme(endpoints),
		ForwardTo:   target,
		Curl:        curlFormatter,
		HTTPClient:  client.NewHTTPClient(nil, client.HTTPOptions{}),
		Source:      "listen",
		Now:         o.Now,
	})
	if err != nil {
		idx.Close()
		p.warn("inspector off: " + err.Error())
		return nil, "", nil
	}
	run, err := srv.Start(o.UIPort)
	if err != nil {
		idx.Close()
		p.warn("inspector off: cannot listen on 127.0.0.1:" + strconv.Itoa(o.UIPort) + ": " + listenError(err).Error() + ": pass --ui-port N (0 picks a free one) or --no-ui")
		return nil, "", nil
	}
	if o.Open {
		if err := cmdutil.OpenBrowser(run.URL); err != nil {
			p.warn("--open: cannot open a browser: " + err.Error() + ": open " + run.URL + " yourself")
		}
	}
	return srv, run.URL, func() {
		run.Stop()
		idx.Close()
	}
}

func curlFormatter(method, url string, h http.Header, body []byte) string {
	return cmdutil.FormatCurl(method, url, h, body, "")
}

// endpointSigner re-signs with the credentials listen verifies with: the
// endpoint the record was routed to, or any serving its provider.
func endpointSigner(endpoints []*server.Endpoint) func(provider, profile string) (signing.Scheme, signing.Credentials, error) {
	return func(provider, profile string) (signing.Scheme, signing.Credentials, error) {
		var found *server.Endpoint
		for _, e := range endpoints {
			if !strings.EqualFold(e.Provider.Name, provider) {
				continue
			}
			if e.Name == profile {
				found = e
				break
			}
			if found == nil {
				found = e
			}
		}
		if found == nil {
			return nil, signing.Credentials{}, errNoEndpoint(provider)
		}
		if found.Credentials.IsZero() {
			return nil, signing.Credentials{}, errNoCredentials(found.Name)
		}
		return found.AuthScheme(), found.Credentials, nil
	}
}

// endpointScheme describes the auth of the route a record came through.
func endpointScheme(endpoints []*server.Endpoint) func(provider, profile string) string {
	return func(provider, profile string) string {
		desc := ""
		for _, e := range endpoints {
			if !strings.EqualFold(e.Provider.Name, provider) {
				continue
			}
			if e.Name == profile {
				return e.AuthScheme().Describe()
			}
			if desc == "" {
				desc = e.AuthScheme().Describe()
			}
		}
		return desc
	}
}

type errNoEndpoint string

func (e errNoEndpoint) Error() string {
	return "this listener serves no " + string(e) + " route"
}

type errNoCredentials string

func (e errNoCredentials) Error() string {
	return "route /" + string(e) + " has no credentials"
}

// observe hands each event to the printer and then, without waiting, to
// the inspector (*insp is set before the listener serves, nil without one).
func observe(p *printer, insp **inspect.Server) func(*server.Event) {
	return func(ev *server.Event) {
		p.event(ev)
		if s := *insp; s != nil {
			s.Observe(ev.Record, ev.Latency)
		}
	}
}
