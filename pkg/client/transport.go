package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"
)

// HTTPOptions tune the client one run shares across its workers.
type HTTPOptions struct {
	// Concurrency sizes the idle connection pool so every worker keeps its
	// connection between requests.
	Concurrency int
	// Insecure skips TLS certificate verification.
	Insecure bool
}

// NewHTTPClient returns the client for a run, built on base (the factory's
// client): its transport cloned with an idle pool as large as the
// concurrency, compression off (a provider sends no Accept-Encoding), TLS
// verification off only with Insecure, and redirects not followed (a
// provider does not follow them; the reply is what counts). A base whose
// transport is not an *http.Transport (a test's) is used as it is.
func NewHTTPClient(base *http.Client, opts HTTPOptions) *http.Client {
	c := &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	var rt http.RoundTripper
	if base != nil {
		rt = base.Transport
	}
	var t *http.Transport
	switch b := rt.(type) {
	case nil:
		t = http.DefaultTransport.(*http.Transport).Clone()
	case *http.Transport:
		t = b.Clone()
	default:
		c.Transport = rt
		return c
	}
	conc := max(opts.Concurrency, 1)
	t.MaxIdleConnsPerHost = max(conc, 2)
	t.MaxIdleConns = max(t.MaxIdleConns, 2*conc)
	t.DisableCompression = true
	if opts.Insecure {
		cfg := &tls.Config{}
		if t.TLSClientConfig != nil {
			cfg = t.TLSClientConfig.Clone()
		}
		cfg.InsecureSkipVerify = true
		t.TLSClientConfig = cfg
	}
	c.Transport = t
	return c
}

// Kinds of error, for requests that got no reply.
const (
	ErrRefused  = "refused"  // nothing listens at the address
	ErrTimeout  = "timeout"  // no reply within the timeout
	ErrTLS      = "tls"      // the TLS handshake or certificate failed
	ErrDNS      = "dns"      // the host name did not resolve
	ErrReset    = "reset"    // the connection closed mid-exchange
	ErrCanceled = "canceled" // the run was interrupted
	ErrOther    = "other"
)

// classify names the kind of a transport error and whether another attempt
// may succeed: connection trouble may pass, a bad certificate or a name
// that does not resolve will not.
func classify(err error) (kind string, retry bool) {
	var (
		dnsErr  *net.DNSError
		certErr *tls.CertificateVerificationError
		hostErr x509.HostnameError
		authErr x509.UnknownAuthorityError
		invErr  x509.CertificateInvalidError
		recErr  tls.RecordHeaderError
		alert   tls.AlertError
	)
	switch {
	case errors.Is(err, context.Canceled):
		return ErrCanceled, false
	case errors.As(err, &certErr), errors.As(err, &hostErr), errors.As(err, &authErr),
		errors.As(err, &invErr), errors.As(err, &recErr), errors.As(err, &alert):
		return ErrTLS, false
	case errors.As(err, &dnsErr):
		return ErrDNS, dnsErr.IsTimeout || dnsErr.IsTemporary
	case errors.Is(err, syscall.ECONNREFUSED):
		return ErrRefused, true
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return ErrTimeout, true
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return ErrReset, true
	}
	return ErrOther, true
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// errorText is a transport error without the "Post \"URL\": " prefix:
// messages name the URL once, themselves.
func errorText(kind string, err error) string {
	switch kind {
	case ErrRefused:
		return "connection refused"
	case ErrTimeout:
		return "no reply within the timeout"
	case ErrCanceled:
		return "canceled"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
