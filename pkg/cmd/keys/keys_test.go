package keys

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/iostreams"
	"github.com/smshook/smshook/pkg/signing"
)

func run(t *testing.T, output string, args ...string) (string, string, error) {
	t.Helper()
	ios, _, stdout, stderr := iostreams.Test()
	f := cmdutil.New(ios, func(string) string { return "" })
	f.Viper.Set(cmdutil.KeyOutput, output)
	cmd := NewCmdKeys(f)
	cmd.SetArgs(args)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	return stdout.String(), stderr.String(), err
}

func TestGenerateWritesAWorkingPair(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	stdout, stderr, err := run(t, "", "generate", "telnyx", "--out-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	privPath, pubPath := filepath.Join(dir, "telnyx-private.key"), filepath.Join(dir, "telnyx-public.key")
	for _, want := range []string{"public key:", "private key file: " + privPath + " (mode 0600)", "public key file:  " + pubPath} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "hint: sign with smshook sign telnyx --secret-file "+privPath) {
		t.Errorf("stderr: %s", stderr)
	}

	info, err := os.Stat(privPath)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("private key file: %v %v", info, err)
	}
	priv, _ := os.ReadFile(privPath)
	pub, _ := os.ReadFile(pubPath)
	if strings.Contains(stdout, strings.TrimSpace(string(priv))) {
		t.Error("the private key is printed")
	}
	if !strings.Contains(stdout, strings.TrimSpace(string(pub))) {
		t.Error("the public key is not printed")
	}

	// The files work as --secret-file values: a trailing newline is trimmed
	// by the credential reader, as here.
	s, _ := signing.New(signing.Spec{Scheme: signing.SchemeTelnyx})
	req := &signing.Request{Header: http.Header{}, Body: []byte(`{"data":{}}`)}
	if err := s.Sign(req, signing.Credentials{Secrets: []string{strings.TrimRight(string(priv), "\n")}}); err != nil {
		t.Fatal(err)
	}
	if r := s.Verify(req, signing.Credentials{Secrets: []string{strings.TrimRight(string(pub), "\n")}}); !r.Valid {
		t.Fatalf("the pair does not verify: %s", r.Message)
	}
}

func TestGenerateRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := run(t, "", "generate", "telnyx", "-d", dir); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(filepath.Join(dir, "telnyx-private.key"))
	_, _, err := run(t, "", "generate", "telnyx", "-d", dir)
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "already exists: pass --force") {
		t.Fatalf("second run = %v", err)
	}
	if again, _ := os.ReadFile(filepath.Join(dir, "telnyx-private.key")); !bytes.Equal(first, again) {
		t.Fatal("the refused run changed the key")
	}
	// --force replaces the pair and keeps the mode even if it was loosened.
	os.Chmod(filepath.Join(dir, "telnyx-private.key"), 0o644)
	if _, _, err := run(t, "", "generate", "telnyx", "-d", dir, "--force"); err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(filepath.Join(dir, "telnyx-private.key"))
	if again, _ := os.ReadFile(filepath.Join(dir, "telnyx-private.key")); bytes.Equal(first, again) || info.Mode().Perm() != 0o600 {
		t.Fatalf("--force: same key or mode %v", info.Mode())
	}
}

func TestGenerateJSON(t *testing.T) {
	dir := t.TempDir()
	stdout, _, err := run(t, "json", "generate", "telnyx", "-d", dir)
	if err != nil {
		t.Fatal(err)
	}
	var got generated
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	if got.Provider != "telnyx" || got.Algorithm != "ed25519" || got.PrivateKeyFile != filepath.Join(dir, "telnyx-private.key") {
		t.Errorf("%+v", got)
	}
	if pub, _, err := signing.ParseEd25519Key(got.PublicKey); err != nil || pub == nil {
		t.Errorf("public key %q: %v", got.PublicKey, err)
	}
}

func TestGenerateUsageErrors(t *testing.T) {
	tests := []struct {
		args   []string
		output string
		want   string
	}{
		{[]string{"generate", "dexatel"}, "", "dexatel has no key pair to generate: only telnyx signs with a private key"},
		{[]string{"generate"}, "", "accepts 1 arg(s), received 0"},
		{[]string{"generate", "telnyx"}, "curl", "--output curl is not available here: use text, json"},
	}
	for _, tt := range tests {
		_, _, err := run(t, tt.output, tt.args...)
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: %v, want usage error %q", tt.args, err, tt.want)
		}
	}
}

func TestGenerateOptions(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := cmdutil.New(ios, func(string) string { return "" })
	var got *GenerateOptions
	cmd := NewCmdGenerate(f, func(o *GenerateOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"telnyx", "--out-dir", "k", "--force"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Provider != "telnyx" || got.OutDir != "k" || !got.Force || got.Output != "text" {
		t.Errorf("%+v", got)
	}
}
