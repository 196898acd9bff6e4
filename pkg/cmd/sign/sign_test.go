package sign

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/iostreams"
)

// invocation is one run of `smshook sign` with fake streams and env.
type invocation struct {
	args    []string
	stdin   string
	tty     bool // stdin is a terminal
	output  string
	profile string
	config  string
	env     map[string]string
}

func (in invocation) factory() (*cmdutil.Factory, *bytes.Buffer, *bytes.Buffer) {
	ios, stdin, stdout, stderr := iostreams.Test()
	stdin.WriteString(in.stdin)
	ios.SetTTY(in.tty, false, false)
	f := cmdutil.New(ios, func(k string) string { return in.env[k] })
	f.Viper.Set(cmdutil.KeyOutput, in.output)
	f.Viper.Set(cmdutil.KeyProfile, in.profile)
	f.Viper.Set(cmdutil.KeyConfig, in.config)
	return f, stdout, stderr
}

func (in invocation) run(t *testing.T) (stdout, stderr string, err error) {
	t.Helper()
	f, out, errOut := in.factory()
	cmd := NewCmdSign(f, nil)
	cmd.SetArgs(in.args)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err = cmd.Execute()
	return out.String(), errOut.String(), err
}

func TestNewCmdSignOptions(t *testing.T) {
	tests := []struct {
		name    string
		in      invocation
		want    SignOptions
		wantErr string
	}{
		{
			name: "provider and file",
			in:   invocation{args: []string{"dexatel", "--secret", "S", "body.json"}},
			want: SignOptions{ProviderArg: "dexatel", File: "body.json", Output: "text"},
		},
		{
			name: "fixture, encoding and method normalized",
			in:   invocation{args: []string{"dexatel", "--event", "delivery", "--encoding", "HEX", "-X", "put"}, output: "curl"},
			want: SignOptions{ProviderArg: "dexatel", Event: "delivery", Encoding: "hex", Method: "PUT", Output: "curl"},
		},
		{
			name: "with a profile, one argument is the file",
			in:   invocation{args: []string{"body.json"}, profile: "dev"},
			want: SignOptions{File: "body.json", Output: "text"},
		},
		{
			name: "with a profile, a provider name is the provider",
			in:   invocation{args: []string{"Dexatel"}, profile: "dev"},
			want: SignOptions{ProviderArg: "Dexatel", Output: "text"},
		},
		{
			name: "stdin dash",
			in:   invocation{args: []string{"mobtexting", "-", "--url", "https://example.test/hook"}, output: "http"},
			want: SignOptions{ProviderArg: "mobtexting", File: "-", URL: "https://example.test/hook", Output: "http"},
		},
		{name: "file and event", in: invocation{args: []string{"dexatel", "body.json", "--event", "delivery"}}, wantErr: "not both"},
		{name: "bad encoding", in: invocation{args: []string{"dexatel", "--encoding", "b32"}}, wantErr: "--encoding b32 is not a signature encoding: use hex or base64"},
		{name: "bad url", in: invocation{args: []string{"dexatel", "--url", "127.0.0.1:3000/x"}}, wantErr: "is not an http or https URL"},
		{name: "bad output", in: invocation{args: []string{"dexatel"}, output: "yaml"}, wantErr: "--output yaml is not available here: use text, json, curl, http"},
		{name: "too many args", in: invocation{args: []string{"a", "b", "c"}}, wantErr: "accepts between 0 and 2 arg(s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _ := tt.in.factory()
			var got *SignOptions
			cmd := NewCmdSign(f, func(o *SignOptions) error { got = o; return nil })
			cmd.SetArgs(tt.in.args)
			cmd.SilenceErrors, cmd.SilenceUsage = true, true
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
					t.Fatalf("error = %v (exit %d), want usage error containing %q", err, cmdutil.ExitCode(err), tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			w := tt.want
			if got.ProviderArg != w.ProviderArg || got.File != w.File || got.Event != w.Event || got.Encoding != w.Encoding ||
				got.Method != w.Method || got.URL != w.URL || got.Output != w.Output {
				t.Errorf("options = %+v, want %+v", *got, w)
			}
		})
	}
}

func TestSignOutputs(t *testing.T) {
	dir := t.TempDir()
	body := `{"data":{"event":"delivery","status":"DELIVERED"}}`
	bodyFile := filepath.Join(dir, "body.json")
	if err := os.WriteFile(bodyFile, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	// printf '%s' '{"data":{"event":"delivery","status":"DELIVERED"}}' | openssl dgst -sha256 -hmac S -binary | base64
	const sigBase64 = "+A9QHhOwK/Y7UmysdddEMzvj1eXq0LVHhkUOk5tkeYc="
	// printf '%s' '{"data":{"event":"delivery","status":"DELIVERED"}}' | openssl dgst -sha256 -hmac S
	const sigHex = "f80f501e13b02bf63b526cac75d744333be3d5e5ead0b54786450e939b647987"

	tests := []struct {
		name string
		in   invocation
		want string
	}{
		{"text base64 by default", invocation{args: []string{"dexatel", "--secret", "S", bodyFile}}, "X-Dexatel-Signature: " + sigBase64 + "\n"},
		{"text hex", invocation{args: []string{"dexatel", "--secret", "S", "--encoding", "hex", bodyFile}}, "X-Dexatel-Signature: " + sigHex + "\n"},
		{"stdin when not a terminal", invocation{args: []string{"dexatel", "--secret", "S"}, stdin: body}, "X-Dexatel-Signature: " + sigBase64 + "\n"},
		{"stdin dash", invocation{args: []string{"dexatel", "-"}, stdin: body, env: map[string]string{"SMSHOOK_SECRET": "S"}}, "X-Dexatel-Signature: " + sigBase64 + "\n"},
		// printf 'u:p' | base64
		{"basic", invocation{args: []string{"cellcast", "--event", "status", "--username", "u", "--password", "p", "--show-secrets"}}, "Authorization: Basic dTpw\n"},
		{"bearer", invocation{args: []string{"mobtexting", "--event", "dlr", "--secret", "tok", "--show-secrets"}}, "Authorization: Bearer tok\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, err := tt.in.run(t)
			if err != nil {
				t.Fatal(err)
			}
			if out != tt.want || errOut != "" {
				t.Errorf("stdout %q stderr %q, want stdout %q and no stderr", out, errOut, tt.want)
			}
		})
	}

	t.Run("credentials are redacted unless asked", func(t *testing.T) {
		for _, in := range []invocation{
			{args: []string{"cellcast", "--event", "status", "--username", "u", "--password", "p"}},
			{args: []string{"mobtexting", "--event", "dlr", "--secret", "tok"}, output: "curl"},
		} {
			out, errOut, err := in.run(t)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(out, "dTpw") || strings.Contains(out, "tok'") || !strings.Contains(out, " <redacted>") ||
				!strings.Contains(errOut, "pass --show-secrets to print them") {
				t.Errorf("%v: stdout %q stderr %q", in.args, out, errOut)
			}
		}
	})

	t.Run("json", func(t *testing.T) {
		out, _, err := invocation{args: []string{"dexatel", "--secret", "S", bodyFile}, output: "json"}.run(t)
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Provider, Event, Method, URL, Body string
			Headers                            map[string]string
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if got.Provider != "dexatel" || got.Event != "delivery" || got.Method != "POST" || got.URL != cmdutil.DefaultLocalURL("dexatel") ||
			got.Body != body || got.Headers["X-Dexatel-Signature"] != sigBase64 || got.Headers["Content-Type"] != "application/json" {
			t.Errorf("got %+v", got)
		}
	})

	t.Run("json binary body", func(t *testing.T) {
		out, _, err := invocation{args: []string{"dexatel", "--secret", "S"}, stdin: "\xff\x00", output: "json"}.run(t)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, `"body_base64": "/wA="`) || strings.Contains(out, `"body":`) {
			t.Errorf("a non-UTF-8 body should be in body_base64 only:\n%s", out)
		}
	})

	t.Run("curl from a file", func(t *testing.T) {
		out, _, err := invocation{args: []string{"dexatel", "--secret", "S", bodyFile, "--url", "http://127.0.0.1:3000/wh"}, output: "curl"}.run(t)
		if err != nil {
			t.Fatal(err)
		}
		want := "curl -X POST http://127.0.0.1:3000/wh \\\n  -H 'Content-Type: application/json' \\\n" +
			"  -H 'X-Dexatel-Signature: " + sigBase64 + "' \\\n  --data-binary @" + bodyFile + "\n"
		if out != want {
			t.Errorf("got\n%s\nwant\n%s", out, want)
		}
	})

	t.Run("http", func(t *testing.T) {
		out, _, err := invocation{args: []string{"dexatel", "--secret", "S", bodyFile, "--url", "http://127.0.0.1:3000/wh?a=1"}, output: "http"}.run(t)
		if err != nil {
			t.Fatal(err)
		}
		want := "POST /wh?a=1 HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nContent-Type: application/json\r\n" +
			fmt.Sprintf("Content-Length: %d\r\n", len(body)) + "X-Dexatel-Signature: " + sigBase64 + "\r\n\r\n" + body
		if out != want {
			t.Errorf("got\n%q\nwant\n%q", out, want)
		}
	})
}

func TestSignProfile(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	yaml := "profiles:\n" +
		"  dev:\n    provider: dexatel\n    secret: S\n    encoding: hex\n    url: https://hooks.example/dexatel\n" +
		"  bad:\n    provider: cellcast\n    username: u\n    encoding: hex\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err := invocation{args: []string{"--event", "delivery"}, profile: "dev", config: cfg, output: "json"}.run(t)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"url": "https://hooks.example/dexatel"`) {
		t.Errorf("the profile's url should be used:\n%s", out)
	}
	var got struct{ Headers map[string]string }
	json.Unmarshal([]byte(out), &got)
	if sig := got.Headers["X-Dexatel-Signature"]; len(sig) != 64 {
		t.Errorf("the profile's encoding (hex) should be used, got %q", sig)
	}

	_, _, err = invocation{args: []string{"--event", "status"}, profile: "bad", config: cfg}.run(t)
	if err == nil || !strings.Contains(err.Error(), `profile "bad": encoding: cellcast uses basic auth`) {
		t.Errorf("a profile encoding on a Basic provider should be refused, got %v", err)
	}
}

func TestSignErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		in   invocation
		want string
	}{
		{"no secret", invocation{args: []string{"dexatel", "--event", "delivery"}}, "no secret for dexatel: pass --secret or --secret-file, set SMSHOOK_SECRET"},
		{"no username", invocation{args: []string{"cellcast", "--event", "status"}}, "no username and password for cellcast"},
		{"unknown provider", invocation{args: []string{"acme", "--secret", "S"}}, `unknown provider "acme" (known: `},
		{"unknown kind", invocation{args: []string{"dexatel", "--secret", "S", "--event", "dlr"}}, `dexatel has no event kind "dlr" (kinds: delivery, message)`},
		{"terminal on stdin", invocation{args: []string{"dexatel", "--secret", "S"}, tty: true}, "no body: give the body as FILE or '-' for stdin, or sign an example with --event delivery|message"},
		{"missing file", invocation{args: []string{"dexatel", "--secret", "S", filepath.Join(dir, "nope.json")}}, "nope.json: no such file or directory"},
		{"encoding on basic", invocation{args: []string{"cellcast", "--username", "u", "--encoding", "hex", "--event", "status"}}, "--encoding applies to HMAC signatures, and cellcast uses basic auth"},
		{"secret on basic", invocation{args: []string{"cellcast", "--secret", "S", "--event", "status"}}, "cellcast uses HTTP Basic auth, which takes no secret"},
		{"unreadable secret file", invocation{args: []string{"dexatel", "--secret-file", filepath.Join(dir, "nope"), "--event", "delivery"}}, "--secret-file: cannot read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := tt.in.run(t)
			if err == nil || !strings.Contains(err.Error(), tt.want) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
				t.Fatalf("error = %v (exit %d), want usage error containing %q", err, cmdutil.ExitCode(err), tt.want)
			}
			if out != "" {
				t.Errorf("nothing should reach stdout on error, got %q", out)
			}
		})
	}
}

// TestSignMatchesOpenSSL signs random bodies with random secrets through the
// command and checks the header against openssl, an independent HMAC.
func TestSignMatchesOpenSSL(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not on PATH")
	}
	rng := rand.New(rand.NewPCG(7, 11))
	dir := t.TempDir()
	const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	for i, size := range []int{1, 63, 64, 65, 1000, 100_000} {
		body := make([]byte, size)
		for j := range body {
			body[j] = byte(rng.UintN(256))
		}
		secret := make([]byte, 1+rng.IntN(100)) // longer than SHA-256's 64-byte block too
		for j := range secret {
			secret[j] = alnum[rng.IntN(len(alnum))]
		}
		file := filepath.Join(dir, fmt.Sprintf("body%d", i))
		if err := os.WriteFile(file, body, 0o600); err != nil {
			t.Fatal(err)
		}

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		want, err := exec.CommandContext(ctx, "openssl", "dgst", "-sha256", "-hmac", string(secret), "-binary", file).Output()
		cancel()
		if err != nil {
			t.Fatalf("openssl: %v", err)
		}

		for _, enc := range []string{"base64", "hex"} {
			out, _, err := invocation{args: []string{"dexatel", "--encoding", enc, file}, env: map[string]string{"SMSHOOK_SECRET": string(secret)}}.run(t)
			if err != nil {
				t.Fatal(err)
			}
			value := strings.TrimSuffix(strings.TrimPrefix(out, "X-Dexatel-Signature: "), "\n")
			var got []byte
			if enc == "hex" {
				got, err = hex.DecodeString(value)
			} else {
				got, err = base64.StdEncoding.DecodeString(value)
			}
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("size %d, %s: sign printed %q, openssl computed %x", size, enc, out, want)
			}
		}
	}
}
