package config

import (
	"fmt"
	"strings"

	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/signing"
)

// KnownCredentials lists the other credentials smshook knows for a
// provider, each named for people: every other profile of cfg (nil for
// none) for that provider, its secret and each previous secret (or its
// username and password), and the provider's demo credentials. self is the
// profile already verified with ("" for none). A profile whose secret
// cannot be read (secret_env unset) is left out, and the SMSHOOK_* variables
// are not read: they stand for the command's own target. Only the names are
// ever shown; a signature failure uses the list to say whose secret signed.
func KnownCredentials(cfg *Config, prov *provider.Provider, self string, getenv func(string) string) []signing.NamedCredentials {
	var out []signing.NamedCredentials
	if cfg != nil {
		noEnv := func(key string) string {
			switch key {
			case EnvSecret, EnvUsername, EnvPassword:
				return ""
			}
			return getenv(key)
		}
		for _, name := range cfg.ProfileNames() {
			p := cfg.Profiles[name]
			if name == self || !strings.EqualFold(p.Provider, prov.Name) {
				continue
			}
			c, err := ResolveCredentials(p, CredentialFlags{}, noEnv)
			if err != nil {
				continue
			}
			out = append(out, profileCredentials(name, prov.Auth, c, len(p.PreviousSecrets))...)
		}
	}
	if !prov.Demo.IsZero() {
		out = append(out, signing.NamedCredentials{Name: "the " + prov.Name + " demo credentials", Credentials: prov.Demo})
	}
	return out
}

// profileCredentials splits a profile's credentials into one entry per
// secret, so that a match names which one.
func profileCredentials(name string, spec signing.Spec, c signing.Credentials, previous int) []signing.NamedCredentials {
	if spec.Scheme == signing.SchemeBasic || len(c.Secrets) == 0 {
		if c.Username == "" && c.Password == "" {
			return nil
		}
		return []signing.NamedCredentials{{Name: fmt.Sprintf("profile %s's username and password", name), Credentials: c}}
	}
	out := make([]signing.NamedCredentials, 0, len(c.Secrets))
	own := len(c.Secrets) - previous // 1 when the profile has a secret of its own
	for i, s := range c.Secrets {
		label := fmt.Sprintf("profile %s's secret", name)
		if i >= own {
			label = fmt.Sprintf("profile %s's previous secret %d", name, i-own+1)
		}
		out = append(out, signing.NamedCredentials{Name: label, Credentials: signing.Credentials{Secrets: []string{s}, Username: c.Username, Password: c.Password}})
	}
	return out
}
