package listen

import (
	"net/http"
	"strings"

	"github.com/smshook/smshook/pkg/client"
	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/cmdutil/inspector"
	"github.com/smshook/smshook/pkg/inspect"
	"github.com/smshook/smshook/pkg/server"
	"github.com/smshook/smshook/pkg/signing"
)

// DefaultUIPort is the inspector's port, next to the webhook port's 8787.
const DefaultUIPort = 8788

// startInspector serves the inspector beside the listener (see
// inspector.Start): replays go to the forward target, or back to
// this listener, which captures them again.
func (o *ListenOptions) startInspector(p *printer, endpoints []*server.Endpoint, webhookAddr string) (srv *inspect.Server, url string, stop func()) {
	target := o.ForwardTo
	if target == "" {
		target = localBase(webhookAddr)
	}
	return inspector.Start(inspector.Config{
		Port:        o.UIPort,
		NoCapture:   o.NoCapture,
		CapturePath: o.CapturePath,
		Open:        o.Open,
		Warn:        p.warn,
		Options: inspect.Options{
			Credentials: p.credHeaders,
			Signer:      endpointSigner(endpoints),
			Describe:    endpointScheme(endpoints),
			ForwardTo:   target,
			Curl:        curlFormatter,
			HTTPClient:  client.NewHTTPClient(nil, client.HTTPOptions{}),
			Source:      "listen",
			Now:         o.Now,
		},
	})
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
