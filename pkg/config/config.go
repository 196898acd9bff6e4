// Package config reads the smshook config file: named profiles that tie a
// provider to its credentials and URLs. One viper instance per invocation is
// passed in; nothing here is global.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/viper"

	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/redact"
	"github.com/smshook/smshook/pkg/suggest"
)

// Profile is one named setup: a provider and what talking to it takes.
type Profile struct {
	Name     string `mapstructure:"-" json:"name"`
	Provider string `mapstructure:"provider" json:"provider"`
	// Secret signs and verifies (hmac) or is the Bearer token. SecretEnv and
	// SecretFile name where to read it instead of writing it here.
	Secret     string `mapstructure:"secret" json:"secret,omitempty"`
	SecretEnv  string `mapstructure:"secret_env" json:"secret_env,omitempty"`
	SecretFile string `mapstructure:"secret_file" json:"secret_file,omitempty"`
	// PreviousSecrets are still accepted by verify while a secret rotates.
	PreviousSecrets []string `mapstructure:"previous_secrets" json:"previous_secrets,omitempty"`
	URL             string   `mapstructure:"url" json:"url,omitempty"`
	Username        string   `mapstructure:"username" json:"username,omitempty"`
	Password        string   `mapstructure:"password" json:"password,omitempty"`
	PasswordEnv     string   `mapstructure:"password_env" json:"password_env,omitempty"`
	ValidationKey   string   `mapstructure:"validation_key" json:"validation_key,omitempty"`
	// APIKey and APISecret are the provider's send-API credentials, which
	// `smshook sandbox` checks (Telnyx's API key, Vonage's api_key and
	// api_secret, Bandwidth's API user and password …); for Twilio and
	// Plivo the username and secret already are. The _env keys name
	// variables to read them from instead.
	APIKey       string `mapstructure:"api_key" json:"api_key,omitempty"`
	APIKeyEnv    string `mapstructure:"api_key_env" json:"api_key_env,omitempty"`
	APISecret    string `mapstructure:"api_secret" json:"api_secret,omitempty"`
	APISecretEnv string `mapstructure:"api_secret_env" json:"api_secret_env,omitempty"`
	// Encoding is the signature encoding sign writes (hex or base64).
	Encoding  string `mapstructure:"encoding" json:"encoding,omitempty"`
	ForwardTo string `mapstructure:"forward_to" json:"forward_to,omitempty"`
}

// Redacted is the profile with secret values replaced, safe to print. Names
// of env vars and files stay: they are not secrets. URLs have the credentials in
// their userinfo hidden.
func (p Profile) Redacted() Profile {
	const mask = redact.Mask
	p.URL, p.ForwardTo = redact.URL(p.URL), redact.URL(p.ForwardTo)
	if p.Secret != "" {
		p.Secret = mask
	}
	if p.Password != "" {
		p.Password = mask
	}
	if p.APIKey != "" {
		p.APIKey = mask
	}
	if p.APISecret != "" {
		p.APISecret = mask
	}
	if len(p.PreviousSecrets) > 0 {
		masked := make([]string, len(p.PreviousSecrets))
		for i := range masked {
			masked[i] = mask
		}
		p.PreviousSecrets = masked
	}
	return p
}

// Config is the parsed config file.
type Config struct {
	// Path is the file read, or "" when there was none.
	Path     string
	Profiles map[string]*Profile
	// Warnings are problems that do not stop the file from being used,
	// such as misspelt keys, for the command to show.
	Warnings []Warning
}

// Warning is a problem in the config file that is not an error.
type Warning struct {
	// Profile is the profile the problem is in, or "" for the file.
	Profile string
	// AboutProvider marks a profile's provider that is missing or unknown:
	// a command that uses the profile fails on it with its own error, so it
	// need not show the warning as well.
	AboutProvider bool
	Message       string
}

func (w Warning) String() string { return w.Message }

// profileKeys are the keys a profile may hold: Profile's mapstructure tags.
func profileKeys() []string {
	t := reflect.TypeOf(Profile{})
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		if k := t.Field(i).Tag.Get("mapstructure"); k != "" && k != "-" {
			keys = append(keys, k)
		}
	}
	return keys
}

// fileKeys are the top-level keys of the config file besides the settings
// (profile, output, ...) the caller passes to Load.
func fileKeys() []string { return []string{"profiles", "providers", "sandbox"} }

// DefaultPath is $XDG_CONFIG_HOME/smshook/config.yaml, else
// ~/.config/smshook/config.yaml.
func DefaultPath(getenv func(string) string) string {
	if dir := getenv("XDG_CONFIG_HOME"); dir != "" {
		return filepath.Join(dir, "smshook", "config.yaml")
	}
	if home := getenv("HOME"); home != "" {
		return filepath.Join(home, ".config", "smshook", "config.yaml")
	}
	return ""
}

// Load reads the config file into v and returns its profiles. An explicit
// path must exist; the default path may be absent, which gives an empty
// config (smshook runs on built-in defaults). settings are the other keys
// the file may set at its top level (the global flags' names); keys that
// are none of these are reported in Config.Warnings.
func Load(v *viper.Viper, explicitPath string, getenv func(string) string, settings ...string) (*Config, error) {
	cfg := &Config{Profiles: map[string]*Profile{}}
	path := explicitPath
	if path == "" {
		path = DefaultPath(getenv)
		if path == "" {
			return cfg, nil
		}
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return cfg, nil
		}
	}
	v.SetConfigFile(path)
	if filepath.Ext(path) == "" {
		v.SetConfigType("yaml")
	}
	if err := v.ReadInConfig(); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("config file %s does not exist: create one with 'smshook config init --config %s'", path, path)
		}
		return nil, parseError(path, err)
	}
	cfg.Path = path
	var profiles map[string]*Profile
	if err := v.UnmarshalKey("profiles", &profiles); err != nil {
		return nil, fmt.Errorf("config file %s: profiles: %v", path, oneLine(err))
	}
	for name, p := range profiles {
		if p == nil {
			p = &Profile{}
		}
		p.Name = name
		cfg.Profiles[name] = p
	}
	cfg.Warnings = unknownKeys(v, cfg, append(fileKeys(), settings...))
	return cfg, nil
}

// unknownKeys reports keys Load ignores, at the top level and in profiles,
// with the known key each is likely a typo of.
func unknownKeys(v *viper.Viper, cfg *Config, topKeys []string) []Warning {
	var warnings []Warning
	seen := map[string]bool{}
	var top []string
	add := func(k string) {
		if k = strings.ToLower(k); !seen[k] {
			seen[k] = true
			top = append(top, k)
		}
	}
	for _, k := range v.AllKeys() { // also flags and defaults: keep the file's
		if first, _, _ := strings.Cut(k, "."); v.InConfig(first) {
			add(first)
		}
	}
	// AllKeys leaves out keys whose value is an empty map; the file's
	// unindented "key:" lines find those.
	if b, err := os.ReadFile(cfg.Path); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			k, _, ok := strings.Cut(line, ":")
			if ok && k != "" && !strings.ContainsAny(k[:1], " \t#-") {
				if k = strings.Trim(k, `"' `); v.InConfig(k) {
					add(k)
				}
			}
		}
	}
	sort.Strings(top)
	for _, k := range top {
		if !slices.Contains(topKeys, k) {
			warnings = append(warnings, Warning{Message: fmt.Sprintf("%s: unknown key %q%s (known: %s)",
				cfg.Path, k, suggest.DidYouMean(k, topKeys), strings.Join(topKeys, ", "))})
		}
	}
	known := profileKeys()
	all, _ := v.Get("profiles").(map[string]any)
	for _, name := range cfg.ProfileNames() {
		raw, _ := all[name].(map[string]any)
		keys := make([]string, 0, len(raw))
		for k := range raw {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !slices.Contains(known, strings.ToLower(k)) {
				warnings = append(warnings, Warning{Profile: name, Message: fmt.Sprintf("profile %q: unknown key %q%s",
					name, k, suggest.DidYouMean(k, known))})
			}
		}
	}
	return warnings
}

// CheckProviders warns about profiles whose provider is missing or not in
// reg, with the provider each name is likely a typo of.
func (c *Config) CheckProviders(reg *provider.Registry) []Warning {
	var warnings []Warning
	for _, name := range c.ProfileNames() {
		p := c.Profiles[name]
		if _, err := LookupProfileProvider(p, reg); err != nil {
			warnings = append(warnings, Warning{Profile: name, AboutProvider: true, Message: err.Error()})
		}
	}
	return warnings
}

// LookupProfileProvider finds a profile's provider in reg. The error names
// the profile; for a typo it suggests the provider meant.
func LookupProfileProvider(p *Profile, reg *provider.Registry) (*provider.Provider, error) {
	if p.Provider == "" {
		return nil, &ProfileError{Profile: p.Name, Err: fmt.Errorf("it has no provider: add provider: <%s> to it", strings.Join(reg.Names(), "|"))}
	}
	prov, err := reg.Lookup(p.Provider)
	if err != nil {
		return nil, &ProfileError{Profile: p.Name, Err: err}
	}
	return prov, nil
}

// ProfileError is a problem with one profile.
type ProfileError struct {
	Profile string
	Err     error
}

func (e *ProfileError) Error() string { return fmt.Sprintf("profile %q: %v", e.Profile, e.Err) }
func (e *ProfileError) Unwrap() error { return e.Err }

// UnsetEnvError is a profile's *_env key that names a variable which is not set.
type UnsetEnvError struct {
	Key, Var string
}

func (e *UnsetEnvError) Error() string {
	return fmt.Sprintf("%s names %s, which is not set", e.Key, e.Var)
}

// parseError says where the file is broken: its line, and for a tab in the
// indentation (which YAML forbids and editors hide) that line and why.
func parseError(path string, err error) error {
	if b, readErr := os.ReadFile(path); readErr == nil && isYAML(path) {
		for i, line := range strings.Split(string(b), "\n") {
			indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
			if strings.Contains(indent, "\t") {
				return fmt.Errorf("config file %s line %d: found a tab character: YAML indents with spaces", path, i+1)
			}
		}
	}
	msg := oneLine(err)
	msg = strings.TrimPrefix(msg, "While parsing config: ")
	msg = strings.TrimPrefix(msg, "yaml: ")
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("config file %s line %s: %s", path, m[1], m[2])
	}
	return fmt.Errorf("config file %s: %s", path, msg)
}

var yamlLine = regexp.MustCompile(`^line (\d+): (.*)$`)

func isYAML(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case "", ".yaml", ".yml":
		return true
	}
	return false
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// ProfileNames lists the profiles, sorted.
func (c *Config) ProfileNames() []string {
	names := make([]string, 0, len(c.Profiles))
	for n := range c.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Profile returns the named profile, or an error that says which exist.
func (c *Config) Profile(name string) (*Profile, error) {
	if p, ok := c.Profiles[name]; ok {
		return p, nil
	}
	if c.Path == "" {
		return nil, fmt.Errorf("unknown profile %q: there is no config file; create one with 'smshook config init'", name)
	}
	if len(c.Profiles) == 0 {
		return nil, fmt.Errorf("unknown profile %q: %s defines no profiles", name, c.Path)
	}
	names := c.ProfileNames()
	if s := suggest.Closest(name, names); s != "" {
		return nil, fmt.Errorf("unknown profile %q in %s: did you mean %s? (profiles: %s)", name, c.Path, s, strings.Join(names, ", "))
	}
	return nil, fmt.Errorf("unknown profile %q in %s (profiles: %s)", name, c.Path, strings.Join(names, ", "))
}
