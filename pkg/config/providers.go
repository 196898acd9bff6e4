package config

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"

	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/signing"
)

// ProviderConfig is a provider defined under providers: in the config file,
// in the shape of the built-in ones: an auth scheme with its parameters and
// event kinds with example payloads and field paths. For example, a
// GitHub-style signature:
//
//	providers:
//	  acme:
//	    title: Acme SMS
//	    auth:
//	      scheme: hmac            # hmac, basic, bearer or a provider scheme
//	      algorithm: sha256       # hmac: sha1, sha256, sha512
//	      encoding: hex           # hex or base64
//	      header: X-Hub-Signature-256
//	      prefix: "sha256="
//	    kinds:
//	      - name: delivery
//	        kind: delivery        # delivery or inbound
//	        match: {path: event, values: [delivery]}
//	        fields: {message_id: id, to: to, status: status}
//	        fixture: '{"event":"delivery","id":"m-1","to":"+15550100","status":"DELIVRD"}'
type ProviderConfig struct {
	Title   string       `mapstructure:"title"`
	DocsURL string       `mapstructure:"docs_url"`
	Auth    signing.Spec `mapstructure:"auth"`
	Kinds   []KindConfig `mapstructure:"kinds"`
	// SuccessStatuses are the reply codes the provider counts as delivered.
	SuccessStatuses []int    `mapstructure:"success_statuses"`
	Notes           []string `mapstructure:"notes"`
}

// KindConfig is one event kind of a config-defined provider.
type KindConfig struct {
	Name        string `mapstructure:"name"`
	Description string `mapstructure:"description"`
	// Method the provider sends with; POST when empty.
	Method string `mapstructure:"method"`
	// Kind is the normalized kind: delivery or inbound.
	Kind string `mapstructure:"kind"`
	// Format is json (the default) or form.
	Format string       `mapstructure:"format"`
	Match  codec.Match  `mapstructure:"match"`
	Fields codec.Fields `mapstructure:"fields"`
	// Statuses maps the provider's own status words to normalized ones.
	Statuses      map[string]string `mapstructure:"statuses"`
	DefaultStatus string            `mapstructure:"default_status"`
	// Fixture is an example body, inline; FixtureFile names a file holding
	// one, relative to the config file. Bytes are used exactly as written.
	Fixture     string `mapstructure:"fixture"`
	FixtureFile string `mapstructure:"fixture_file"`
}

var providerName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// Providers reads the providers: map of the config file loaded into v and
// builds each as a provider; configPath (the file read) anchors relative
// fixture_file paths. Errors name the provider and say what to fix.
func Providers(v *viper.Viper, configPath string) ([]*provider.Provider, error) {
	if !v.IsSet("providers") {
		return nil, nil
	}
	var defs map[string]*ProviderConfig
	strict := func(c *mapstructure.DecoderConfig) { c.ErrorUnused = true }
	if err := v.UnmarshalKey("providers", &defs, strict); err != nil {
		return nil, fmt.Errorf("config file %s: providers: %v", configPath, oneLine(err))
	}
	names := make([]string, 0, len(defs))
	for name := range defs {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []*provider.Provider
	for _, name := range names {
		p, err := defs[name].build(name, filepath.Dir(configPath))
		if err != nil {
			return nil, fmt.Errorf("config file %s: provider %s: %v", configPath, name, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func (c *ProviderConfig) build(name, dir string) (*provider.Provider, error) {
	if c == nil {
		return nil, fmt.Errorf("it is empty: give it auth and kinds")
	}
	if !providerName.MatchString(name) {
		return nil, fmt.Errorf("the name may hold only lowercase letters, digits, '-' and '_' (it names the listener's route /%s)", name)
	}
	if c.Auth.Scheme == "" {
		return nil, fmt.Errorf("auth has no scheme: use hmac, basic, bearer or a provider's scheme such as standard-webhooks")
	}
	if len(c.Kinds) == 0 {
		return nil, fmt.Errorf("it has no kinds: list at least one event kind with a name, kind and fixture")
	}
	p := &provider.Provider{
		Name: name, Title: c.Title, DocsURL: c.DocsURL, Auth: c.Auth,
		SuccessStatuses: c.SuccessStatuses, Notes: c.Notes,
	}
	if p.Title == "" {
		p.Title = name
	}
	p.Notes = append(p.Notes, "defined in the config file")
	for i, k := range c.Kinds {
		kind, err := k.build(dir)
		if err != nil {
			if k.Name == "" {
				return nil, fmt.Errorf("kind #%d: %v", i+1, err)
			}
			return nil, fmt.Errorf("kind %s: %v", k.Name, err)
		}
		p.Kinds = append(p.Kinds, kind)
	}
	return p, nil
}

func (k KindConfig) build(dir string) (*provider.Kind, error) {
	if k.Name == "" {
		return nil, fmt.Errorf("it has no name")
	}
	schema := codec.Schema{Fields: k.Fields}
	switch strings.ToLower(k.Kind) {
	case string(codec.KindDelivery):
		schema.Kind = codec.KindDelivery
	case string(codec.KindInbound):
		schema.Kind = codec.KindInbound
		schema.DefaultStatus = codec.StatusReceived
	default:
		return nil, fmt.Errorf("kind %q is not delivery or inbound", k.Kind)
	}
	switch strings.ToLower(k.Format) {
	case "", string(codec.FormatJSON):
		schema.Format = codec.FormatJSON
	case string(codec.FormatForm):
		schema.Format = codec.FormatForm
	default:
		return nil, fmt.Errorf("format %q is not json or form", k.Format)
	}
	for raw, norm := range k.Statuses {
		s, err := normalizedStatus(norm)
		if err != nil {
			return nil, fmt.Errorf("statuses: %s: %v", raw, err)
		}
		if schema.Statuses == nil {
			schema.Statuses = map[string]codec.Status{}
		}
		schema.Statuses[strings.ToLower(raw)] = s
	}
	if k.DefaultStatus != "" {
		s, err := normalizedStatus(k.DefaultStatus)
		if err != nil {
			return nil, fmt.Errorf("default_status: %v", err)
		}
		schema.DefaultStatus = s
	}
	fixture := []byte(k.Fixture)
	switch {
	case k.Fixture != "" && k.FixtureFile != "":
		return nil, fmt.Errorf("give fixture or fixture_file, not both")
	case k.FixtureFile != "":
		path := k.FixtureFile
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("fixture_file: cannot read %s: %v", path, unwrapPathError(err))
		}
		fixture = b
	}
	return &provider.Kind{
		Name:        k.Name,
		Description: k.Description,
		Method:      strings.ToUpper(k.Method),
		Match:       k.Match,
		Schema:      schema,
		Fixture:     fixture,
	}, nil
}

func normalizedStatus(s string) (codec.Status, error) {
	for _, known := range codec.Statuses {
		if strings.EqualFold(s, string(known)) {
			return known, nil
		}
	}
	names := make([]string, len(codec.Statuses))
	for i, known := range codec.Statuses {
		names[i] = string(known)
	}
	return "", fmt.Errorf("%q is not a normalized status (%s)", s, strings.Join(names, ", "))
}

// Registry returns the built-in providers and those the config file loaded
// into v defines. A config provider may not take a built-in's name.
func Registry(v *viper.Viper, configPath string) (*provider.Registry, error) {
	custom, err := Providers(v, configPath)
	if err != nil {
		return nil, err
	}
	if len(custom) == 0 {
		return provider.Builtin(), nil
	}
	builtins := provider.Builtins()
	for _, p := range custom {
		for _, b := range builtins {
			if strings.EqualFold(p.Name, b.Name) {
				return nil, fmt.Errorf("config file %s: provider %s is built in: give yours another name under providers:", configPath, p.Name)
			}
		}
	}
	reg, err := provider.NewRegistry(append(builtins, custom...)...)
	if err != nil {
		return nil, fmt.Errorf("config file %s: %v", configPath, err)
	}
	return reg, nil
}
