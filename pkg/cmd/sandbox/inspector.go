package sandbox

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/client"
	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/cmdutil/inspector"
	"github.com/smshook/smshook/pkg/inspect"
	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/redact"
	"github.com/smshook/smshook/pkg/sandbox"
	"github.com/smshook/smshook/pkg/signing"
)

// startInspector serves the inspector beside the sandbox, as listen does:
// the callbacks' capture records (the file, or a ring with --no-capture)
// and the Messages view over the sandbox's store.
func (o *Options) startInspector(p *printer, reg *provider.Registry, msgs *messageSource) (srv *inspect.Server, url string, stop func()) {
	var schemes []signing.Scheme
	for _, prov := range reg.All() {
		schemes = append(schemes, prov.Scheme())
	}
	return inspector.Start(inspector.Config{
		Port:        o.UIPort,
		NoCapture:   o.NoCapture,
		CapturePath: o.CapturePath,
		Open:        o.Open,
		Warn:        p.warn,
		Options: inspect.Options{
			Credentials: redact.NewHeaders(schemes...),
			Describe:    describeScheme(reg),
			Curl: func(method, url string, h http.Header, body []byte) string {
				return cmdutil.FormatCurl(method, url, h, body, "")
			},
			HTTPClient: client.NewHTTPClient(nil, client.HTTPOptions{}),
			Source:     "sandbox",
			Now:        o.Now,
			Messages:   msgs,
		},
	})
}

// describeScheme says how the sandbox signs a provider's callbacks.
func describeScheme(reg *provider.Registry) func(providerName, profile string) string {
	return func(providerName, _ string) string {
		p, err := reg.Lookup(providerName)
		if err != nil {
			return ""
		}
		return p.Scheme().Describe()
	}
}

// recorder appends each callback's record to the capture file (when
// there is one) and tells the inspector (when there is one): with a file
// it polls at once, with a ring the record is the event.
type recorder struct {
	file *capture.Writer
	insp *inspect.Server
}

func (r *recorder) Append(rec *capture.Record) error { return r.AppendTimed(rec, -1) }

// AppendTimed records rec, and gives the inspector how long the app took
// to answer (negative: unknown).
func (r *recorder) AppendTimed(rec *capture.Record, answeredIn time.Duration) error {
	if r.file == nil && r.insp == nil {
		return errNotRecorded // --no-capture, and the inspector is off: no capture id
	}
	var err error
	if r.file != nil {
		err = r.file.Append(rec)
	}
	if r.insp != nil && err == nil {
		r.insp.Observe(rec, answeredIn)
	}
	return err
}

var errNotRecorded = errors.New("not recorded")

// messageSource is the sandbox's store as the inspector's Messages view
// reads it: credentials in URLs hidden, each callback with how it was
// signed.
type messageSource struct {
	sb  *sandbox.Sandbox
	reg *provider.Registry
}

// pageMessage is a message as the page shows it.
type pageMessage struct {
	sandbox.Message
	// SignedWith says how its callbacks were signed, header included.
	SignedWith string `json:"signed_with,omitempty"`
}

func (m *messageSource) view(v sandbox.Message) pageMessage {
	v.CallbackURL = redact.URL(v.CallbackURL)
	for i := range v.Callbacks {
		v.Callbacks[i].URL = redact.URL(v.Callbacks[i].URL)
	}
	return pageMessage{Message: v, SignedWith: describeScheme(m.reg)(v.Provider, "")}
}

func (m *messageSource) Messages(limit int) any {
	list := m.sb.Messages(sandbox.Filter{})
	list = list[max(0, len(list)-limit):]
	out := make([]pageMessage, len(list))
	for i, v := range list {
		out[i] = m.view(v)
	}
	return out
}

func (m *messageSource) Message(id string) (any, bool) {
	v, ok := m.sb.Message(id)
	if !ok {
		return nil, false
	}
	return m.view(v), true
}

func (m *messageSource) Reply(id, text string) (any, error) {
	v, err := m.sb.Reply(id, text)
	switch {
	case errors.Is(err, sandbox.ErrNotFound):
		return nil, statusError{http.StatusNotFound, err}
	case errors.Is(err, sandbox.ErrNoInboundURL):
		return nil, statusError{http.StatusConflict, err}
	case err != nil:
		return nil, err
	}
	return m.view(v), nil
}

// statusError carries the HTTP status the inspector answers with.
type statusError struct {
	status int
	err    error
}

func (e statusError) Error() string   { return strings.TrimSpace(e.err.Error()) }
func (e statusError) HTTPStatus() int { return e.status }
func (e statusError) Unwrap() error   { return e.err }
