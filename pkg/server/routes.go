// Package server is the HTTP side of `smshook listen`: it routes each
// request to a provider and profile, reads the body with a limit, verifies
// it, decodes it, captures it durably before answering, and then forwards
// it to the developer's app or answers itself. It never prints: the command
// gets an Event per request through a callback.
package server

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/signing"
)

// Endpoint is one provider served under one name: a profile (its name, its
// credentials) or a built-in provider with its demo credentials.
type Endpoint struct {
	// Name is the first path segment and the profile label in records.
	Name     string
	Provider *provider.Provider
	// Scheme verifies requests; nil means the provider's own.
	Scheme      signing.Scheme
	Credentials signing.Credentials
	// ValidationKey, when set, is the only key a handshake may carry.
	ValidationKey string
	// ForwardTo overrides Options.ForwardTo for this endpoint.
	ForwardTo string
	// Demo says the credentials are the provider's public demo values.
	Demo bool
	// Known are the other credentials known for the provider (other
	// profiles, the demo), tried only to explain a failed signature.
	Known []signing.NamedCredentials
}

// Route is a path and what it serves.
type Route struct {
	Path     string
	Endpoint *Endpoint
	// Kind is the event kind the path fixes; nil means detect it from the body.
	Kind *provider.Kind

	methods []string // Methods, worked out once when the route is served
}

// KindLabel names the kind for people: the kind, or "any (detected)".
func (r *Route) KindLabel() string {
	if r.Kind == nil {
		return "any (detected)"
	}
	return r.Kind.Name
}

// Methods are the HTTP methods the route accepts.
func (r *Route) Methods() []string {
	if r.methods != nil {
		return r.methods
	}
	var out []string
	for _, k := range r.Endpoint.Provider.Kinds {
		if (r.Kind == nil || k == r.Kind) && !containsString(out, k.Method) {
			out = append(out, k.Method)
		}
	}
	if r.Endpoint.Provider.QueryCallbacks && !containsString(out, http.MethodGet) {
		out = append(out, http.MethodGet) // callbacks set to GET, parameters in the query
	}
	return out
}

// Unchecked reports whether requests are accepted without a check: the
// provider's auth is optional and no credentials were given.
func (e *Endpoint) Unchecked() bool {
	return e.Provider.Auth.Optional && e.Credentials.IsZero()
}

// AuthScheme is the scheme requests are verified with: the endpoint's own,
// else its provider's.
func (e *Endpoint) AuthScheme() signing.Scheme {
	if e.Scheme != nil {
		return e.Scheme
	}
	return e.Provider.Scheme()
}

// Routes lists the endpoint's paths: /NAME, where the body says the kind,
// then /NAME/KIND for each kind.
func (e *Endpoint) Routes() []*Route {
	base := "/" + e.Name
	routes := []*Route{{Path: base, Endpoint: e}}
	for _, k := range e.Provider.Kinds {
		routes = append(routes, &Route{Path: base + "/" + k.Name, Endpoint: e, Kind: k})
	}
	return routes
}

// routeTable maps paths to routes.
type routeTable struct {
	byPath map[string]*Route
	paths  []string // in the order served, for messages
}

func newRouteTable(endpoints []*Endpoint) (*routeTable, error) {
	t := &routeTable{byPath: map[string]*Route{}}
	for _, e := range endpoints {
		if e.Name == "" || strings.ContainsAny(e.Name, "/?# ") {
			return nil, fmt.Errorf("endpoint name %q cannot be a path segment", e.Name)
		}
		if e.Provider == nil {
			return nil, fmt.Errorf("endpoint %q has no provider", e.Name)
		}
		for _, r := range e.Routes() {
			if other, dup := t.byPath[r.Path]; dup {
				return nil, fmt.Errorf("%s is served twice (%s and %s): rename a profile", r.Path, other.Endpoint.Name, e.Name)
			}
			r.methods = r.Methods()
			t.byPath[r.Path] = r
			t.paths = append(t.paths, r.Path)
		}
	}
	if len(t.paths) == 0 {
		return nil, fmt.Errorf("nothing to serve: no providers or profiles")
	}
	return t, nil
}

// lookup finds the route for a path; a trailing slash is forgiven.
func (t *routeTable) lookup(path string) *Route {
	if r, ok := t.byPath[path]; ok {
		return r
	}
	if len(path) > 1 && strings.HasSuffix(path, "/") {
		return t.byPath[strings.TrimSuffix(path, "/")]
	}
	return nil
}

func (t *routeTable) sortedPaths() []string {
	out := append([]string(nil), t.paths...)
	sort.Strings(out)
	return out
}
