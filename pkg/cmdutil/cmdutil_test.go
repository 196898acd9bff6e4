package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smshook/smshook/pkg/config"
	"github.com/smshook/smshook/pkg/iostreams"
)

func TestExitCode(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errors.New("boom"), 1},
		{FailureErrorf("invalid"), 1},
		{UsageErrorf("bad flag"), 2},
		{fmt.Errorf("wrapped: %w", UsageErrorf("bad")), 2},
		{&SilentError{Code: 1}, 1},
		{ErrInterrupted, 130},
		{fmt.Errorf("send: %w", context.Canceled), 130},
	}
	for _, tt := range tests {
		if got := ExitCode(tt.err); got != tt.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
	if UsageError(nil) != nil {
		t.Error("UsageError(nil) must be nil")
	}
}

func TestParseHeaders(t *testing.T) {
	h, err := ParseHeaders([]string{"x-dexatel-signature: abc=", "X-Multi: 1", "X-Multi:2", "Empty:"})
	if err != nil {
		t.Fatal(err)
	}
	if h.Get("X-Dexatel-Signature") != "abc=" || len(h.Values("X-Multi")) != 2 || h.Get("Empty") != "" {
		t.Errorf("got %v", h)
	}
	for _, bad := range []string{"no colon", ": value", "Bad Name: v"} {
		if _, err := ParseHeaders([]string{bad}); ExitCode(err) != ExitUsage {
			t.Errorf("ParseHeaders(%q) = %v, want a usage error", bad, err)
		}
	}
}

func TestReadPayload(t *testing.T) {
	dir := t.TempDir()
	body := []byte("{\"a\": 1}\r\n")
	path := filepath.Join(dir, "body.json")
	os.WriteFile(path, body, 0o600)
	os.WriteFile(filepath.Join(dir, "empty"), nil, 0o600)

	if got, err := ReadPayload(path, nil); err != nil || string(got) != string(body) {
		t.Errorf("file: %q %v", got, err)
	}
	if got, err := ReadPayload("-", strings.NewReader("stdin body")); err != nil || string(got) != "stdin body" {
		t.Errorf("stdin: %q %v", got, err)
	}
	for path, want := range map[string]string{
		filepath.Join(dir, "missing"): "no such file or directory",
		filepath.Join(dir, "empty"):   "is empty: a webhook body is needed",
		dir:                           "is a directory",
	} {
		_, err := ReadPayload(path, nil)
		if ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), want) {
			t.Errorf("ReadPayload(%s) = %v, want usage error with %q", path, err, want)
		}
	}
}

func newTestFactory(t *testing.T, env map[string]string) *Factory {
	io, _, _, _ := iostreams.Test()
	return New(io, func(k string) string { return env[k] })
}

func TestResolveTarget(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte(`
profiles:
  dex:
    provider: dexatel
    secret: s
    encoding: hex
  noprov:
    secret: s
`), 0o600)

	tests := []struct {
		name        string
		profile     string
		providerArg string
		flags       config.CredentialFlags
		wantErr     string
		wantName    string
		wantSecrets int
	}{
		{"provider by name", "", "dexatel", config.CredentialFlags{Secret: "x"}, "", "dexatel", 1},
		{"profile gives provider and secret", "dex", "", config.CredentialFlags{}, "", "dexatel", 1},
		{"profile and matching provider", "dex", "DEXATEL", config.CredentialFlags{}, "", "dexatel", 1},
		{"profile and other provider", "dex", "cellcast", config.CredentialFlags{}, `provider cellcast does not match profile "dex", which is for dexatel`, "", 0},
		{"profile without provider", "noprov", "", config.CredentialFlags{}, `profile "noprov" has no provider`, "", 0},
		{"neither", "", "", config.CredentialFlags{}, "name a provider (bandwidth, cellcast, dexatel, messagebird, mobtexting, plivo, sinch, standard-webhooks, telnyx, twilio, vonage) or a profile with --profile", "", 0},
		{"unknown provider", "", "acme", config.CredentialFlags{}, `unknown provider "acme"`, "", 0},
		{"no credentials is not an error yet", "", "cellcast", config.CredentialFlags{}, "", "cellcast", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newTestFactory(t, nil)
			f.Viper.Set(KeyConfig, cfg)
			f.Viper.Set(KeyProfile, tt.profile)
			target, err := f.ResolveTarget(tt.providerArg, tt.flags)
			if tt.wantErr != "" {
				if ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want usage error %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if target.Provider.Name != tt.wantName || len(target.Credentials.Secrets) != tt.wantSecrets {
				t.Errorf("got %s with %d secrets", target.Provider.Name, len(target.Credentials.Secrets))
			}
		})
	}
}

func TestTargetSchemeEncoding(t *testing.T) {
	f := newTestFactory(t, nil)
	target, err := f.ResolveTarget("dexatel", config.CredentialFlags{Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	for flag, want := range map[string]string{"": "base64", "hex": "hex"} {
		s, err := target.Scheme(flag)
		if err != nil || s.Spec().Encoding != want {
			t.Errorf("Scheme(%q) encoding = %v, %v; want %s", flag, s.Spec().Encoding, err, want)
		}
	}
	target.Profile = &config.Profile{Name: "p", Encoding: "hex"}
	if s, _ := target.Scheme(""); s.Spec().Encoding != "hex" {
		t.Error("the profile's encoding applies when no flag is given")
	}
	if _, err := target.Scheme("base32"); ExitCode(err) != ExitUsage {
		t.Errorf("bad encoding: %v", err)
	}
}

func TestRequireCredentials(t *testing.T) {
	f := newTestFactory(t, nil)
	for provider, want := range map[string]string{
		"dexatel":    "no secret for dexatel: pass --secret or --secret-file, set SMSHOOK_SECRET, or set secret, secret_env or secret_file in a profile",
		"mobtexting": "no secret for mobtexting",
		"cellcast":   "no username and password for cellcast: pass --username and --password, set SMSHOOK_USERNAME and SMSHOOK_PASSWORD",
	} {
		target, _ := f.ResolveTarget(provider, config.CredentialFlags{})
		err := target.RequireCredentials()
		if ExitCode(err) != ExitUsage || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", provider, err)
		}
	}
}

func TestOutputFormat(t *testing.T) {
	f := newTestFactory(t, nil)
	if got, _ := f.OutputFormat("text", "json"); got != "text" {
		t.Errorf("default = %s", got)
	}
	f.Viper.Set(KeyOutput, "JSON")
	if got, _ := f.OutputFormat("text", "json"); got != "json" {
		t.Errorf("json = %s", got)
	}
	f.Viper.Set(KeyOutput, "curl")
	if _, err := f.OutputFormat("text", "json"); ExitCode(err) != ExitUsage {
		t.Errorf("curl where not allowed: %v", err)
	}
}
