// Package provider is the registry of SMS providers: for each, its event
// kinds with fixture payloads and field mappings, and its auth scheme. A
// provider is data plus a scheme from package signing, so built-in providers
// and ones a user writes in the config file have one shape.
package provider

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/signing"
	"github.com/smshook/smshook/pkg/suggest"
)

//go:embed fixtures/*.json
var fixtures embed.FS

// fixture returns an embedded payload, bytes exactly as in the file.
func fixture(name string) []byte {
	b, err := fixtures.ReadFile("fixtures/" + name)
	if err != nil {
		panic("provider: missing embedded fixture " + name) // a build defect, caught by tests
	}
	return b
}

// Provider describes one SMS provider's webhooks.
type Provider struct {
	Name    string `json:"name"`
	Title   string `json:"title"`
	DocsURL string `json:"docs_url"`
	// Auth is how the provider authenticates its requests.
	Auth signing.Spec `json:"auth"`
	// Kinds are the provider's event kinds, in the order detection tries them.
	Kinds []*Kind `json:"kinds"`
	// QueryCallbacks says the provider can be set to send its callbacks as
	// GET requests with the parameters in the query and no body (Vonage
	// receipts, Twilio, MessageBird, Plivo): listen accepts GET too, and
	// reads the event from the query.
	QueryCallbacks bool `json:"query_callbacks,omitempty"`
	// QueryFields, when set, are the parameter names of a GET callback, for
	// a provider whose query names differ from its body's paths.
	QueryFields *codec.Fields `json:"-"`
	// QueryStatuses maps a GET callback's raw statuses, with QueryFields.
	QueryStatuses map[string]codec.Status `json:"-"`
	// Handshake, when set, is the endpoint check the provider makes when a
	// webhook is created.
	Handshake *Handshake `json:"handshake,omitempty"`
	// SuccessStatuses are the reply codes the provider counts as delivered;
	// empty means any 2xx.
	SuccessStatuses []int `json:"success_statuses,omitempty"`
	// Notes are facts worth knowing when building a handler.
	Notes []string `json:"notes,omitempty"`
	// Delivery is how long the provider waits for a reply and how it
	// retries, as its documents say; zero fields are not documented.
	Delivery Delivery `json:"delivery"`
	// GetCallbacks says the provider can be set to send callbacks as GET
	// requests, the parameters in the query and no body (Vonage).
	GetCallbacks bool `json:"get_callbacks,omitempty"`
	// Demo are well-known test credentials for the local listener's defaults.
	// They are public by design and never used unless a command asks for them.
	Demo signing.Credentials `json:"-"`

	scheme signing.Scheme
}

// Kind is one kind of event a provider sends.
type Kind struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Method      string `json:"method"`
	// Match picks this kind from a payload; the zero Match takes any payload.
	Match  codec.Match  `json:"match"`
	Schema codec.Schema `json:"-"`
	// Fixture is an example payload built from the provider's documents.
	Fixture []byte `json:"-"`
}

// ContentType is the Content-Type the provider sends this kind with.
func (k *Kind) ContentType() string { return k.Schema.Format.ContentType() }

// Scheme returns the provider's auth scheme as built at registration.
func (p *Provider) Scheme() signing.Scheme { return p.scheme }

// SchemeWithEncoding returns the provider's scheme signing in another
// encoding (a profile's `encoding`); verification still accepts every
// encoding the provider's scheme accepts.
func (p *Provider) SchemeWithEncoding(encoding string) (signing.Scheme, error) {
	if encoding == "" || encoding == p.Auth.Encoding {
		return p.scheme, nil
	}
	if p.Auth.Scheme != signing.SchemeHMAC {
		return nil, fmt.Errorf("%s uses %s auth, which has no encoding to choose", p.Name, p.Auth.Scheme)
	}
	spec := p.Auth
	spec.Encoding = encoding
	if len(spec.AcceptEncodings) == 0 {
		spec.AcceptEncodings = []string{p.Auth.Encoding}
	}
	if !containsFold(spec.AcceptEncodings, encoding) {
		spec.AcceptEncodings = append(append([]string(nil), spec.AcceptEncodings...), encoding)
	}
	return signing.New(spec)
}

// KindNames lists the provider's kinds.
func (p *Provider) KindNames() []string {
	names := make([]string, len(p.Kinds))
	for i, k := range p.Kinds {
		names[i] = k.Name
	}
	return names
}

// Kind returns the named kind, or an error listing the provider's kinds.
func (p *Provider) Kind(name string) (*Kind, error) {
	for _, k := range p.Kinds {
		if strings.EqualFold(k.Name, name) {
			return k, nil
		}
	}
	return nil, fmt.Errorf("%s has no event kind %q (kinds: %s)", p.Name, name, strings.Join(p.KindNames(), ", "))
}

// DetectKind picks the kind of a payload: the first whose Match selects it,
// a kind with no Match (which takes anything) only when no other does; nil
// when none does.
func (p *Provider) DetectKind(raw []byte) *Kind {
	var catchAll *Kind
	for _, k := range p.Kinds {
		if k.Match.Path == "" {
			if catchAll == nil {
				catchAll = k
			}
			continue
		}
		if k.Match.Matches(k.Schema.Format, raw) {
			return k
		}
	}
	return catchAll
}

// Decode reads a payload into a normalized event. kindName, when set (a
// route such as /cellcast/status says it), chooses the kind; otherwise the
// payload does. The bytes are not changed.
func (p *Provider) Decode(raw []byte, kindName string) (codec.Event, error) {
	var kind *Kind
	if kindName != "" {
		k, err := p.Kind(kindName)
		if err != nil {
			return codec.Event{Provider: p.Name, Raw: raw, Status: codec.StatusUnknown}, err
		}
		kind = k
	} else if kind = p.DetectKind(raw); kind == nil {
		kind = p.Kinds[0]
	}
	ev, err := kind.Schema.Decode(raw)
	ev.Provider, ev.EventName = p.Name, kind.Name
	if err != nil {
		return ev, fmt.Errorf("%s %s payload: %w", p.Name, kind.Name, err)
	}
	return ev, nil
}

// DecodeQuery reads the event of a GET callback from its URL's raw query,
// as the form the provider would otherwise have posted: kindName chooses
// the kind as for Decode, else the parameters do. Raw stays body (empty
// for a GET): the query is in the request's URL.
func (p *Provider) DecodeQuery(rawQuery string, body []byte, kindName string) (codec.Event, error) {
	params := []byte(rawQuery)
	var kind *Kind
	if kindName != "" {
		k, err := p.Kind(kindName)
		if err != nil {
			return codec.Event{Provider: p.Name, Raw: body, Status: codec.StatusUnknown}, err
		}
		kind = k
	} else {
		for _, k := range p.Kinds {
			if k.Match.Matches(codec.FormatForm, params) {
				kind = k
				break
			}
		}
		if kind == nil {
			kind = p.Kinds[0]
		}
	}
	schema := kind.Schema
	schema.Format = codec.FormatForm
	if p.QueryFields != nil {
		schema.Fields, schema.Statuses = *p.QueryFields, p.QueryStatuses
	}
	ev, err := schema.Decode(params)
	ev.Provider, ev.EventName, ev.Raw = p.Name, kind.Name, body
	if err != nil {
		return ev, fmt.Errorf("%s %s query: %w", p.Name, kind.Name, err)
	}
	return ev, nil
}

// Delivery is a provider's documented callback policy. Values nobody has
// found a source for stay zero and read "not documented": a guess here
// would be a claim `smshook check` holds handlers to.
type Delivery struct {
	// Timeout is how long the provider waits for a reply; 0: not documented.
	Timeout time.Duration
	// Retries says when the provider sends a callback again; "": not documented.
	Retries string
	// Source is where the timeout and retry policy are documented.
	Source string
}

// NotDocumented is what Delivery's text says for a value with no source.
const NotDocumented = "not documented"

// TimeoutText is the timeout for people: "15s", or "not documented".
func (d Delivery) TimeoutText() string {
	if d.Timeout <= 0 {
		return NotDocumented
	}
	return d.Timeout.String()
}

// RetriesText is the retry policy, or "not documented".
func (d Delivery) RetriesText() string {
	if d.Retries == "" {
		return NotDocumented
	}
	return d.Retries
}

// MarshalJSON writes the timeout in seconds (null when not documented).
func (d Delivery) MarshalJSON() ([]byte, error) {
	var timeout *float64
	if d.Timeout > 0 {
		s := d.Timeout.Seconds()
		timeout = &s
	}
	var retries, source *string
	if d.Retries != "" {
		retries = &d.Retries
	}
	if d.Source != "" {
		source = &d.Source
	}
	return json.Marshal(struct {
		TimeoutSeconds *float64 `json:"timeout_seconds"`
		Retries        *string  `json:"retries"`
		Source         *string  `json:"source"`
	}{timeout, retries, source})
}

// Handshake is a provider's check of a new webhook URL: a request carrying a
// validation key that the endpoint must echo back in a JSON reply.
type Handshake struct {
	// QueryParam carries the validation key in the URL, e.g. "token".
	QueryParam string `json:"query_param"`
	// KeyField and ChallengeField are the body's fields and the reply's.
	KeyField       string `json:"key_field"`
	ChallengeField string `json:"challenge_field"`
	// Fixture is an example handshake body.
	Fixture []byte `json:"-"`
}

// Key returns the validation key a request carries (URL first, then body)
// and whether the request is a handshake at all.
func (h *Handshake) Key(rawURL string, body []byte) (string, bool) {
	if u, err := url.Parse(rawURL); err == nil && u.Query().Has(h.QueryParam) {
		return u.Query().Get(h.QueryParam), true
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return "", false
	}
	raw, ok := fields[h.KeyField]
	if !ok {
		return "", false
	}
	var key string
	json.Unmarshal(raw, &key)
	return key, true
}

// Challenge returns the challenge in a handshake body, if any.
func (h *Handshake) Challenge(body []byte) string {
	var fields map[string]any
	json.Unmarshal(body, &fields)
	s, _ := fields[h.ChallengeField].(string)
	return s
}

// Reply is the JSON body a passing endpoint answers with.
func (h *Handshake) Reply(key, challenge string) []byte {
	reply := map[string]string{h.KeyField: key}
	if challenge != "" {
		reply[h.ChallengeField] = challenge
	}
	b, _ := json.Marshal(reply)
	return b
}

// Registry holds providers by name.
type Registry struct {
	byName map[string]*Provider
	names  []string
}

// NewRegistry checks each provider (its scheme builds, it has kinds, and
// every fixture decodes as its own kind) and indexes them by name.
func NewRegistry(providers ...*Provider) (*Registry, error) {
	r := &Registry{byName: map[string]*Provider{}}
	for _, p := range providers {
		if err := p.prepare(); err != nil {
			return nil, err
		}
		key := strings.ToLower(p.Name)
		if _, dup := r.byName[key]; dup {
			return nil, fmt.Errorf("provider %q is defined twice", p.Name)
		}
		r.byName[key] = p
		r.names = append(r.names, p.Name)
	}
	sort.Strings(r.names)
	return r, nil
}

func (p *Provider) prepare() error {
	if p.Name == "" {
		return fmt.Errorf("a provider has no name")
	}
	if len(p.Kinds) == 0 {
		return fmt.Errorf("provider %s has no event kinds", p.Name)
	}
	scheme, err := signing.New(p.Auth)
	if err != nil {
		return fmt.Errorf("provider %s: %w", p.Name, err)
	}
	p.scheme = scheme
	for _, k := range p.Kinds {
		if k.Method == "" {
			k.Method = "POST"
		}
		if len(k.Fixture) == 0 {
			continue
		}
		if got := p.DetectKind(k.Fixture); got != k {
			return fmt.Errorf("provider %s: the %s fixture is not detected as %s", p.Name, k.Name, k.Name)
		}
		if _, err := k.Schema.Decode(k.Fixture); err != nil {
			return fmt.Errorf("provider %s: the %s fixture does not decode: %w", p.Name, k.Name, err)
		}
	}
	return nil
}

// Builtin returns a registry of the built-in providers, fresh for each call.
func Builtin() *Registry {
	r, err := NewRegistry(Builtins()...)
	if err != nil {
		panic(err) // built-in data is checked by tests; this is a build defect
	}
	return r
}

// Builtins returns fresh copies of the built-in providers: the three the
// project started from, then those built from other providers' public docs.
func Builtins() []*Provider {
	return append([]*Provider{dexatel(), mobtexting(), cellcast()}, beyondSeeds()...)
}

// UnknownError is a provider name not in the registry.
type UnknownError struct {
	Name  string
	Known []string
}

func (e *UnknownError) Error() string {
	if s := e.Suggestion(); s != "" {
		return fmt.Sprintf("unknown provider %q: did you mean %s? (known: %s)", e.Name, s, strings.Join(e.Known, ", "))
	}
	return fmt.Sprintf("unknown provider %q (known: %s)", e.Name, strings.Join(e.Known, ", "))
}

// Suggestion is the known provider the name is likely a typo of, or "".
func (e *UnknownError) Suggestion() string { return suggest.Closest(e.Name, e.Known) }

// Lookup finds a provider by name, case-insensitively.
func (r *Registry) Lookup(name string) (*Provider, error) {
	if p, ok := r.byName[strings.ToLower(name)]; ok {
		return p, nil
	}
	return nil, &UnknownError{Name: name, Known: r.Names()}
}

// Names lists the providers, sorted.
func (r *Registry) Names() []string { return append([]string(nil), r.names...) }

// All returns the providers sorted by name.
func (r *Registry) All() []*Provider {
	out := make([]*Provider, len(r.names))
	for i, n := range r.names {
		out[i] = r.byName[strings.ToLower(n)]
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
