package listen

import (
	"github.com/smshook/smshook/pkg/redact"
	"github.com/smshook/smshook/pkg/server"
	"github.com/smshook/smshook/pkg/signing"
)

// credentialHeaders is what listen hides in what it prints: the credential
// headers of every scheme it serves and of every provider it knows, so that
// a request no route claims shows none of them either.
func credentialHeaders(o *ListenOptions, endpoints []*server.Endpoint) *redact.Headers {
	var schemes []signing.Scheme
	for _, e := range endpoints {
		schemes = append(schemes, e.AuthScheme())
	}
	if o.Registry != nil {
		if reg, err := o.Registry(); err == nil { // it was read already, to build the endpoints
			for _, p := range reg.All() {
				schemes = append(schemes, p.Scheme())
			}
		}
	}
	return redact.NewHeaders(schemes...)
}
