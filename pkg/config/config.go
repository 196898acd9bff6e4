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
	"sort"
	"strings"

	"github.com/spf13/viper"

	"github.com/smshook/smshook/pkg/redact"
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
}

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
// config (smshook runs on built-in defaults).
func Load(v *viper.Viper, explicitPath string, getenv func(string) string) (*Config, error) {
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
		return nil, fmt.Errorf("config file %s: %v", path, oneLine(err))
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
	return cfg, nil
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
	return nil, fmt.Errorf("unknown profile %q in %s (profiles: %s)", name, c.Path, strings.Join(c.ProfileNames(), ", "))
}
