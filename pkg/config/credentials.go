package config

import (
	"fmt"
	"os"
	"strings"

	"github.com/smshook/smshook/pkg/signing"
)

// Env vars that give credentials when no flag does.
const (
	EnvSecret   = "SMSHOOK_SECRET"
	EnvUsername = "SMSHOOK_USERNAME"
	EnvPassword = "SMSHOOK_PASSWORD"
)

// CredentialFlags are credentials given on the command line.
type CredentialFlags struct {
	Secret     string
	SecretFile string
	Username   string
	Password   string
}

// ResolveCredentials gathers credentials, strongest source first: flags,
// then SMSHOOK_* env vars, then the profile (nil for none). Only the first
// source that gives a secret is used; a profile's previous_secrets follow
// its own secret for verification during rotation.
func ResolveCredentials(p *Profile, flags CredentialFlags, getenv func(string) string) (signing.Credentials, error) {
	var c signing.Credentials

	secret, err := firstSecret(p, flags, getenv)
	if err != nil {
		return c, err
	}
	if secret != "" {
		c.Secrets = append(c.Secrets, secret)
	}
	if p != nil {
		c.Secrets = append(c.Secrets, p.PreviousSecrets...)
	}

	c.Username = firstNonEmpty(flags.Username, getenv(EnvUsername), profileField(p, func(p *Profile) string { return p.Username }))
	c.Password = firstNonEmpty(flags.Password, getenv(EnvPassword), profileField(p, func(p *Profile) string { return p.Password }))
	if c.Password == "" && p != nil && p.PasswordEnv != "" {
		if c.Password = getenv(p.PasswordEnv); c.Password == "" {
			return c, &ProfileError{Profile: p.Name, Err: &UnsetEnvError{Key: "password_env", Var: p.PasswordEnv}}
		}
	}
	return c, nil
}

func firstSecret(p *Profile, flags CredentialFlags, getenv func(string) string) (string, error) {
	if flags.Secret != "" {
		return flags.Secret, nil
	}
	if flags.SecretFile != "" {
		return readSecretFile(flags.SecretFile, "--secret-file")
	}
	if s := getenv(EnvSecret); s != "" {
		return s, nil
	}
	if p == nil {
		return "", nil
	}
	switch {
	case p.Secret != "":
		return p.Secret, nil
	case p.SecretEnv != "":
		s := getenv(p.SecretEnv)
		if s == "" {
			return "", &ProfileError{Profile: p.Name, Err: &UnsetEnvError{Key: "secret_env", Var: p.SecretEnv}}
		}
		return s, nil
	case p.SecretFile != "":
		s, err := readSecretFile(p.SecretFile, "secret_file")
		if err != nil {
			return "", &ProfileError{Profile: p.Name, Err: err}
		}
		return s, nil
	}
	return "", nil
}

// readSecretFile reads a secret, dropping the trailing newline editors add.
// Errors name the file, never its content.
func readSecretFile(path, what string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s: cannot read %s: %v", what, path, unwrapPathError(err))
	}
	s := strings.TrimRight(string(b), "\r\n")
	if s == "" {
		return "", fmt.Errorf("%s: %s is empty", what, path)
	}
	return s, nil
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

func profileField(p *Profile, get func(*Profile) string) string {
	if p == nil {
		return ""
	}
	return get(p)
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// MissingCredentials says, for a scheme, which flag, env var or config key
// supplies what is missing; it returns nil when c has what the scheme needs.
func MissingCredentials(provider string, spec signing.Spec, c signing.Credentials) error {
	switch spec.Scheme {
	case signing.SchemeBasic:
		if c.Username == "" && c.Password == "" {
			return fmt.Errorf("no username and password for %s: pass --username and --password, set %s and %s, or set username and password (or password_env) in a profile",
				provider, EnvUsername, EnvPassword)
		}
	default:
		if len(c.Secrets) == 0 {
			return fmt.Errorf("no secret for %s: pass --secret or --secret-file, set %s, or set secret, secret_env or secret_file in a profile",
				provider, EnvSecret)
		}
	}
	return nil
}

// APICredentials are a profile's send-API credentials (api_key, api_secret).
type APICredentials struct {
	Key, Secret string
}

// IsZero says the profile gives no API credentials.
func (c APICredentials) IsZero() bool { return c == APICredentials{} }

// ResolveAPICredentials reads a profile's api_key and api_secret, or the
// variables api_key_env and api_secret_env name (an unset one is an error).
func ResolveAPICredentials(p *Profile, getenv func(string) string) (APICredentials, error) {
	var c APICredentials
	if p == nil {
		return c, nil
	}
	read := func(value, key, envName string) (string, error) {
		if value != "" || envName == "" {
			return value, nil
		}
		if v := getenv(envName); v != "" {
			return v, nil
		}
		return "", &ProfileError{Profile: p.Name, Err: &UnsetEnvError{Key: key, Var: envName}}
	}
	var err error
	if c.Key, err = read(p.APIKey, "api_key_env", p.APIKeyEnv); err != nil {
		return c, err
	}
	if c.Secret, err = read(p.APISecret, "api_secret_env", p.APISecretEnv); err != nil {
		return c, err
	}
	return c, nil
}
