package cmdutil

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/spf13/viper"

	"github.com/smshook/smshook/pkg/config"
	"github.com/smshook/smshook/pkg/iostreams"
	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/signing"
)

// Keys of the settings that root's global flags and SMSHOOK_* env vars feed.
const (
	KeyConfig  = "config"
	KeyProfile = "profile"
	KeyOutput  = "output"
	KeyColor   = "color"
)

// Factory gives commands what they need, built lazily and once per
// invocation. Tests build one with fakes.
type Factory struct {
	IOStreams *iostreams.IOStreams
	// Viper holds the global settings (flags bound, SMSHOOK_* env) and the
	// config file; one instance per invocation.
	Viper  *viper.Viper
	Getenv func(string) string
	Now    func() time.Time

	// HTTPClient is the client for send, replay and forwarding.
	HTTPClient func() *http.Client

	// OwnsProfile, when set, reports whether the command reports a problem
	// with the named profile's provider itself (as an error, or listen's
	// "not served"), so the config's warning about it would repeat it.
	// By default that is the profile chosen with --profile.
	OwnsProfile func(name string) bool

	configOnce  sync.Once
	config      *config.Config
	configErr   error
	registry    *provider.Registry
	registryErr error
}

// New returns a factory over the given streams and environment.
func New(io *iostreams.IOStreams, getenv func(string) string) *Factory {
	v := viper.New()
	v.SetEnvPrefix("smshook")
	v.AutomaticEnv()
	client := &http.Client{}
	return &Factory{
		IOStreams:  io,
		Viper:      v,
		Getenv:     getenv,
		Now:        time.Now,
		HTTPClient: func() *http.Client { return client },
	}
}

// Config loads the config file once, and shows its warnings (misspelt keys,
// unknown providers) on stderr, once.
func (f *Factory) Config() (*config.Config, error) {
	f.configOnce.Do(func() {
		f.config, f.configErr = config.Load(f.Viper, f.Viper.GetString(KeyConfig), f.Getenv,
			KeyProfile, KeyOutput, KeyColor)
		if f.configErr != nil {
			f.configErr = UsageError(f.configErr)
			f.registryErr = f.configErr
			return
		}
		f.registry, f.registryErr = config.Registry(f.Viper, f.config.Path)
		if f.registryErr != nil {
			f.registryErr = UsageError(f.registryErr)
		}
		warnings := f.config.Warnings
		if f.registry != nil {
			warnings = append(warnings, f.config.CheckProviders(f.registry)...)
		}
		owns := f.OwnsProfile
		if owns == nil {
			owns = func(name string) bool { return name == f.ProfileName() }
		}
		for _, w := range warnings {
			if !w.AboutProvider || !owns(w.Profile) {
				Warn(f.IOStreams, w.Message)
			}
		}
	})
	return f.config, f.configErr
}

// Registry returns the providers: the built-in ones and those the config
// file defines under providers:.
func (f *Factory) Registry() (*provider.Registry, error) {
	if _, err := f.Config(); err != nil {
		return nil, err
	}
	return f.registry, f.registryErr
}

// Warn shows a warning on stderr: a problem that does not stop the command.
func Warn(io *iostreams.IOStreams, msg string) {
	fmt.Fprintf(io.ErrOut, "%s %s\n", io.ErrColorScheme().Yellow("warning:"), msg)
}

// ProfileName is --profile or SMSHOOK_PROFILE.
func (f *Factory) ProfileName() string { return f.Viper.GetString(KeyProfile) }

// OutputFormat is --output or SMSHOOK_OUTPUT, checked against what the
// command prints; the first allowed value is the default.
func (f *Factory) OutputFormat(allowed ...string) (string, error) {
	got := strings.ToLower(f.Viper.GetString(KeyOutput))
	if got == "" {
		return allowed[0], nil
	}
	for _, a := range allowed {
		if got == a {
			return got, nil
		}
	}
	return "", UsageErrorf("--output %s is not available here: use %s", got, strings.Join(allowed, ", "))
}

// Target is what a command acts for: a provider, the profile it came from
// (nil when named directly), and credentials.
type Target struct {
	Provider    *provider.Provider
	Profile     *config.Profile
	Credentials signing.Credentials
}

// ProfileLabel names the target for output: the profile, else the provider.
func (t *Target) ProfileLabel() string {
	if t.Profile != nil {
		return t.Profile.Name
	}
	return t.Provider.Name
}

// ResolveTarget finds the provider and profile from a PROVIDER argument
// (may be empty) and --profile, and gathers credentials from flags, env and
// the profile. It does not insist on credentials: see RequireCredentials.
func (f *Factory) ResolveTarget(providerArg string, flags config.CredentialFlags) (*Target, error) {
	reg, err := f.Registry()
	if err != nil {
		return nil, err
	}
	t := &Target{}
	if name := f.ProfileName(); name != "" {
		cfg, err := f.Config()
		if err != nil {
			return nil, err
		}
		if t.Profile, err = cfg.Profile(name); err != nil {
			return nil, UsageError(err)
		}
		if t.Profile.Provider == "" {
			return nil, UsageErrorf("profile %q has no provider: add provider: <%s> to it", name, strings.Join(reg.Names(), "|"))
		}
		if providerArg != "" && !strings.EqualFold(providerArg, t.Profile.Provider) {
			return nil, UsageErrorf("provider %s does not match profile %q, which is for %s: drop one of them", providerArg, name, t.Profile.Provider)
		}
		if t.Provider, err = config.LookupProfileProvider(t.Profile, reg); err != nil {
			return nil, UsageError(err)
		}
	} else if providerArg == "" {
		return nil, UsageErrorf("name a provider (%s) or a profile with --profile", strings.Join(reg.Names(), ", "))
	} else if t.Provider, err = reg.Lookup(providerArg); err != nil {
		return nil, UsageError(err)
	}
	if t.Credentials, err = config.ResolveCredentials(t.Profile, flags, f.Getenv); err != nil {
		return nil, UsageError(err)
	}
	return t, nil
}

// KnownCredentials lists the other credentials known for t's provider:
// the config file's other profiles for it and the provider's demo
// credentials, named, for a failed signature to say whose secret signed.
func (f *Factory) KnownCredentials(t *Target) []signing.NamedCredentials {
	cfg, err := f.Config()
	if err != nil {
		cfg = nil
	}
	self := ""
	if t.Profile != nil {
		self = t.Profile.Name
	}
	return config.KnownCredentials(cfg, t.Provider, self, f.Getenv)
}

// RequireCredentials fails with a usage error that names the flag, env var
// and config keys to use when the target lacks what its scheme needs.
func (t *Target) RequireCredentials() error {
	return UsageError(config.MissingCredentials(t.Provider.Name, t.Provider.Auth, t.Credentials))
}

// Scheme returns the target's scheme, signing in the encoding asked for by
// the flag, else the profile, else the provider's default.
func (t *Target) Scheme(encodingFlag string) (signing.Scheme, error) {
	enc := encodingFlag
	if enc == "" && t.Profile != nil {
		enc = t.Profile.Encoding
	}
	s, err := t.Provider.SchemeWithEncoding(enc)
	if err != nil {
		return nil, UsageError(err)
	}
	return s, nil
}

// WithTolerance returns scheme with its timestamp tolerance set to d (a
// --tolerance flag): zero leaves the scheme's own (5 minutes by default), a
// negative d turns the age check off, for old captures. Schemes without
// timestamps refuse the flag rather than ignore it.
func WithTolerance(scheme signing.Scheme, d time.Duration) (signing.Scheme, error) {
	if d == 0 {
		return scheme, nil
	}
	spec := scheme.Spec()
	if !spec.UsesTimestamp() {
		return nil, UsageErrorf("--tolerance applies to signatures with a timestamp, and %s has none: drop --tolerance", scheme.Describe())
	}
	spec.Tolerance = d
	s, err := signing.New(spec)
	if err != nil {
		return nil, UsageError(err)
	}
	return s, nil
}

// DefaultLocalBase is where `smshook listen` serves by default.
const DefaultLocalBase = "http://127.0.0.1:8787"

// DefaultLocalURL is where `smshook listen` serves a provider by default, so
// that sign's curl output and send work against it with no config.
func DefaultLocalURL(providerName string) string {
	return DefaultLocalBase + "/" + providerName
}
