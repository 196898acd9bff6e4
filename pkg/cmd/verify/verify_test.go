package verify

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/iostreams"
	"github.com/smshook/smshook/pkg/signing"
)

// The body and its signatures under the secret "S".
const (
	body = `{"data":{"event":"delivery","status":"DELIVERED"}}`
	// printf '%s' "$body" | openssl dgst -sha256 -hmac S -binary | base64
	sigBase64 = "+A9QHhOwK/Y7UmysdddEMzvj1eXq0LVHhkUOk5tkeYc="
	// printf '%s' "$body" | openssl dgst -sha256 -hmac S
	sigHex = "f80f501e13b02bf63b526cac75d744333be3d5e5ead0b54786450e939b647987"
)

type invocation struct {
	args    []string
	stdin   string
	tty     bool
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
	cmd := NewCmdVerify(f, nil)
	cmd.SetArgs(in.args)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err = cmd.Execute()
	return out.String(), errOut.String(), err
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNewCmdVerifyOptions(t *testing.T) {
	f, _, _ := invocation{}.factory()
	var got *VerifyOptions
	cmd := NewCmdVerify(f, func(o *VerifyOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"dexatel", "body.json", "-H", "X-A: 1", "--header", "x-b:  two words ", "--secret", "S", "-X", "put", "--url", "https://h.example/p"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.ProviderArg != "dexatel" || got.File != "body.json" || got.Output != "text" || got.Credentials.Secret != "S" ||
		got.Method != "PUT" || got.URL != "https://h.example/p" {
		t.Errorf("options = %+v", got)
	}
	if got.Header.Get("X-A") != "1" || got.Header.Get("X-B") != "two words" {
		t.Errorf("headers = %v", got.Header)
	}

	refused := []struct {
		args []string
		want string
	}{
		{[]string{"dexatel", "body.json"}, "nothing to verify: give the received auth value with --signature VALUE, --header 'Name: value', or a whole request with --request FILE"},
		{[]string{"dexatel", "body.json", "--request", "r.http"}, "--request holds the body: drop FILE and --event"},
		{[]string{"dexatel", "--event", "delivery", "--request", "r.http"}, "--request holds the body"},
		{[]string{"dexatel", "--signature", "x", "--request", "r.http"}, "--request holds the headers: drop --signature and --header"},
		{[]string{"dexatel", "-H", "X-A: 1", "--request", "r.http"}, "--request holds the headers"},
		{[]string{"dexatel", "body.json", "--event", "delivery", "-s", "x"}, "give the body as FILE or with --event, not both"},
		{[]string{"dexatel", "-H", "no colon", "body.json"}, `--header "no colon" is not 'Name: value'`},
		{[]string{"dexatel", "--request", "r.http", "-X", "GET"}, "--request holds the method: drop --method"},
		{[]string{"dexatel", "-s", "x", "--url", "ftp://h/x"}, `--url "ftp://h/x" is not an http or https URL`},
	}
	for _, tt := range refused {
		f, _, _ := invocation{}.factory()
		cmd := NewCmdVerify(f, func(o *VerifyOptions) error { t.Errorf("%q should not run", tt.args); return nil })
		cmd.SetArgs(tt.args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		err := cmd.Execute()
		if err == nil || !strings.Contains(err.Error(), tt.want) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%q: error = %v, want usage error containing %q", tt.args, err, tt.want)
		}
	}

	f, _, _ = invocation{}.factory()
	cmd = NewCmdVerify(f, nil)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetArgs([]string{"dexatel", "--output", "curl"})
	if cmd.Execute() == nil {
		t.Error("verify should have no --output flag of its own")
	}
	f, _, _ = invocation{output: "curl"}.factory()
	cmd = NewCmdVerify(f, nil)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetArgs([]string{"dexatel", "-s", "x"})
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "use text, json") {
		t.Errorf("--output curl should be refused, got %v", err)
	}
}

func TestVerify(t *testing.T) {
	bodyFile := writeFile(t, "body.json", body)
	changed := writeFile(t, "changed.json", strings.Replace(body, "DELIVERED", "DELIVEREE", 1))
	indented := writeFile(t, "indented.json", "{\n  \"data\": {\n    \"event\": \"delivery\",\n    \"status\": \"DELIVERED\"\n  }\n}\n")
	withNewline := writeFile(t, "nl.json", body+"\n")

	tests := []struct {
		name       string
		in         invocation
		wantOut    string // stdout, exactly
		wantErr    string // error message, contained; empty means valid
		wantReason signing.Reason
	}{
		{name: "base64", in: invocation{args: []string{"dexatel", "--secret", "S", "--signature", sigBase64, bodyFile}},
			wantOut: "✓ valid: HMAC-SHA256 of the body, base64, in X-Dexatel-Signature\n"},
		{name: "hex names the encoding found", in: invocation{args: []string{"dexatel", "--secret", "S", "--signature", sigHex, bodyFile}},
			wantOut: "✓ valid: HMAC-SHA256 of the body, hex, in X-Dexatel-Signature\n"},
		{name: "header flag, any case", in: invocation{args: []string{"dexatel", "--secret", "S", "-H", "x-dexatel-signature: " + sigHex, bodyFile}},
			wantOut: "✓ valid: HMAC-SHA256 of the body, hex, in X-Dexatel-Signature\n"},
		{name: "stdin", in: invocation{args: []string{"dexatel", "-s", sigBase64}, stdin: body, env: map[string]string{"SMSHOOK_SECRET": "S"}},
			wantOut: "✓ valid: HMAC-SHA256 of the body, base64, in X-Dexatel-Signature\n"},
		{name: "one byte changed", in: invocation{args: []string{"dexatel", "--secret", "S", "--signature", sigHex, changed}},
			wantErr: "invalid signature: X-Dexatel-Signature does not match the body: the secret is wrong, or the body changed after it was signed"},
		{name: "wrong secret", in: invocation{args: []string{"dexatel", "--secret", "T", "--signature", sigBase64, bodyFile}},
			wantErr: "invalid signature: X-Dexatel-Signature does not match the body"},
		{name: "re-indented body", in: invocation{args: []string{"dexatel", "--secret", "S", "--signature", sigBase64, indented}},
			wantErr: "matches the body as compact JSON (the sender signed it without whitespace), not the bytes given: something changed the body after signing"},
		{name: "newline added", in: invocation{args: []string{"dexatel", "--secret", "S", "--signature", sigBase64, withNewline}},
			wantErr: "matches the body with its trailing newline removed"},
		{name: "truncated signature", in: invocation{args: []string{"dexatel", "--secret", "S", "--signature", sigBase64[:20], bodyFile}},
			wantErr: "is not a base64 or hex HMAC-SHA256 signature (20 characters)"},
		{name: "signature for another header", in: invocation{args: []string{"dexatel", "--secret", "S", "-H", "X-Other: 1", bodyFile}},
			wantErr: "invalid signature: no X-Dexatel-Signature header"},
		{name: "basic", in: invocation{args: []string{"cellcast", "--username", "u", "--password", "p", "--signature", "Basic dTpw", "--event", "status"}},
			wantOut: "✓ valid: HTTP Basic auth (username and password) in Authorization\n"},
		{name: "basic wrong password", in: invocation{args: []string{"cellcast", "--username", "u", "--password", "q", "--signature", "Basic dTpw", "--event", "status"}},
			wantErr: "invalid signature: Authorization carries the wrong username or password"},
		{name: "basic without the scheme word", in: invocation{args: []string{"cellcast", "--username", "u", "--password", "p", "--signature", "dTpw", "--event", "status"}},
			wantErr: `Authorization is not Basic auth (it should read "Basic <base64 of user:password>")`},
		{name: "bearer", in: invocation{args: []string{"mobtexting", "--secret", "tok", "--signature", "Bearer tok", "--event", "dlr"}},
			wantOut: "✓ valid: shared secret as a Bearer token in Authorization\n"},
		{name: "bearer wrong", in: invocation{args: []string{"mobtexting", "--secret", "tok", "--signature", "Bearer tok2", "--event", "dlr"}},
			wantErr: "invalid signature: Authorization Bearer token is not the configured secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, err := tt.in.run(t)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if out != tt.wantOut {
					t.Errorf("stdout = %q, want %q", out, tt.wantOut)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || cmdutil.ExitCode(err) != cmdutil.ExitFailure {
				t.Fatalf("error = %v (exit %d), want failure containing %q", err, cmdutil.ExitCode(err), tt.wantErr)
			}
			if out != "" || errOut != "" {
				t.Errorf("an invalid signature prints only the error (root prints it): stdout %q stderr %q", out, errOut)
			}
		})
	}
}

func TestVerifyJSON(t *testing.T) {
	bodyFile := writeFile(t, "body.json", body)
	for _, tt := range []struct {
		sig        string
		wantValid  bool
		wantReason signing.Reason
		wantEnc    string
	}{
		{sigHex, true, signing.ReasonNone, "hex"},
		{sigBase64[:len(sigBase64)-2] + "A=", false, signing.ReasonMismatch, ""},
	} {
		out, _, err := invocation{args: []string{"dexatel", "--secret", "S", "-s", tt.sig, bodyFile}, output: "json"}.run(t)
		if (err == nil) != tt.wantValid {
			t.Errorf("error = %v, want valid %v", err, tt.wantValid)
		}
		if !tt.wantValid && cmdutil.ExitCode(err) != cmdutil.ExitFailure {
			t.Errorf("invalid JSON result should still exit 1, got %d", cmdutil.ExitCode(err))
		}
		var r signing.Result
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if r.Valid != tt.wantValid || r.Reason != tt.wantReason || r.Encoding != tt.wantEnc || r.Header != "X-Dexatel-Signature" {
			t.Errorf("result = %+v", r)
		}
	}
}

func TestVerifyRequestFile(t *testing.T) {
	lfRequest := "POST /dexatel HTTP/1.1\nHost: 127.0.0.1:8787\nContent-Type: application/json\nX-Dexatel-Signature: " + sigHex +
		"\nContent-Length: 50\n\n" + body + "\n" // the editor's newline after the body is not counted
	crlfNoLength := "POST /dexatel HTTP/1.1\r\nHost: h\r\nX-Dexatel-Signature: " + sigBase64 + "\r\n\r\n" + body

	for name, raw := range map[string]string{"LF head": lfRequest, "CRLF, no Content-Length": crlfNoLength} {
		out, _, err := invocation{args: []string{"dexatel", "--secret", "S", "--request", writeFile(t, "r.http", raw)}}.run(t)
		if err != nil || !strings.HasPrefix(out, "✓ valid: ") {
			t.Errorf("%s: stdout %q error %v", name, out, err)
		}
	}

	out, _, err := invocation{args: []string{"dexatel", "--secret", "S", "--request", "-"}, stdin: crlfNoLength}.run(t)
	if err != nil || !strings.HasPrefix(out, "✓ valid: ") {
		t.Errorf("--request -: stdout %q error %v", out, err)
	}

	for raw, want := range map[string]string{
		body + "\n": `--request %s is not a raw HTTP request: line 1 is "{\"data\":{\"event\":\"delivery\",\"status\":\"DE…", not a request line`,
		"POST / HTTP/1.1\nHost: h\nContent-Length: 99\n\n" + body: "--request %s is not a raw HTTP request: Content-Length is 99 but only 50 bytes follow the headers",
		"": "--request %s is not a raw HTTP request: it is empty",
	} {
		path := writeFile(t, "bad.http", raw)
		_, _, err := invocation{args: []string{"dexatel", "--secret", "S", "--request", path}}.run(t)
		want = strings.Replace(want, "%s", path, 1)
		if err == nil || !strings.HasPrefix(err.Error(), want) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("error = %v (exit %d), want usage error %q", err, cmdutil.ExitCode(err), want)
		}
	}

	_, _, err = invocation{args: []string{"dexatel", "--secret", "S", "--request", filepath.Join(t.TempDir(), "nope.http")}}.run(t)
	if err == nil || !strings.Contains(err.Error(), "cannot read --request") || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("unreadable --request: %v", err)
	}
}

func TestVerifyRotation(t *testing.T) {
	cfg := writeFile(t, "config.yaml", "profiles:\n  dev:\n    provider: dexatel\n    secret: NEW\n    previous_secrets: [OLDER, S]\n")
	bodyFile := writeFile(t, "body.json", body)
	out, _, err := invocation{args: []string{"-s", sigBase64, bodyFile}, profile: "dev", config: cfg}.run(t)
	if err != nil {
		t.Fatal(err)
	}
	if want := "✓ valid: HMAC-SHA256 of the body, base64, in X-Dexatel-Signature (secret 3 of 3)\n"; out != want {
		t.Errorf("stdout = %q, want %q", out, want)
	}
}

// TestVerifyNeverShowsSecrets runs failing and passing verifications and
// checks no secret or password reaches stdout, stderr or the error.
func TestVerifyNeverShowsSecrets(t *testing.T) {
	const secret, password = "s3cr3t-value", "pa55w0rd-value"
	bodyFile := writeFile(t, "body.json", body)
	runs := []invocation{
		{args: []string{"dexatel", "--secret", secret, "-s", sigBase64, bodyFile}},
		{args: []string{"dexatel", "--secret", secret, "-s", "garbage", bodyFile}, output: "json"},
		{args: []string{"mobtexting", "--secret", secret, "-s", "Bearer " + secret + "x", "--event", "dlr"}},
		{args: []string{"mobtexting", "--secret", secret, "-s", "Bearer " + secret, "--event", "dlr"}, output: "json"},
		{args: []string{"mobtexting", "--secret", secret, "-s", secret, "--event", "dlr"}},
		{args: []string{"cellcast", "--username", "u", "--password", password, "-s", "Basic dTp4", "--event", "status"}},
		{args: []string{"cellcast", "--username", "u", "--password", password, "-s", "Basic !!", "--event", "status"}, output: "json"},
		{args: []string{"cellcast", "--secret", secret, "-s", "Basic dTp4", "--event", "status"}},
		{args: []string{"dexatel", "-s", sigBase64, bodyFile}, env: map[string]string{"SMSHOOK_SECRET": secret}},
	}
	for _, in := range runs {
		out, errOut, err := in.run(t)
		all := out + errOut
		if err != nil {
			all += err.Error()
		}
		if strings.Contains(all, secret) || strings.Contains(all, password) {
			t.Errorf("%q printed a secret:\n%s", in.args, all)
		}
	}
}

func TestVerifyNeedsCredentialsEvenWhenOptional(t *testing.T) {
	for _, in := range []invocation{
		{args: []string{"mobtexting", "-s", "Bearer x", "--event", "dlr"}},
		{args: []string{"cellcast", "-s", "Basic dTpw", "--event", "status"}},
	} {
		_, _, err := in.run(t)
		if err == nil || !strings.Contains(err.Error(), "no ") || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%q: error = %v, want a usage error naming the missing credentials", in.args, err)
		}
	}
}

func TestVerifyTerminalStdin(t *testing.T) {
	_, _, err := invocation{args: []string{"dexatel", "--secret", "S", "-s", sigHex}, tty: true}.run(t)
	want := "no body: give the body as received as FILE or '-' for stdin, or the whole request with --request FILE"
	if err == nil || err.Error() != want || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("error = %v, want usage error %q", err, want)
	}
}

// verify names each serializer, from its real output (the fixtures and their
// generating commands are in pkg/signing/testdata/reserialized): a Node
// sender signed node.json, and a handler's framework wrote it again.
func TestVerifyNamesSerializer(t *testing.T) {
	dir := filepath.Join("..", "..", "signing", "testdata", "reserialized")
	sent, err := os.ReadFile(filepath.Join(dir, "signed", "node.json"))
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, []byte("S"))
	mac.Write(sent)
	sig := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	for file, name := range map[string]string{
		"python.json":         "Python's json.dumps",
		"python_indent4.json": "Python's json.dumps(indent=4)",
		"fastapi.json":        "FastAPI's JSONResponse",
		"drf.json":            "Django REST framework's JSONRenderer",
		"php.json":            "PHP's json_encode",
		"php_pretty.json":     "PHP's json_encode(JSON_PRETTY_PRINT)",
		"ruby_to_json.json":   "Ruby's JSON.generate (to_json)",
		"ruby_pretty.json":    "Ruby's JSON.pretty_generate",
		"jackson.json":        "Java's Jackson",
		"jackson_pretty.json": "Java's Jackson (writerWithDefaultPrettyPrinter)",
		"dotnet.json":         ".NET's System.Text.Json", // hand-written: no .NET here
	} {
		_, _, err := invocation{args: []string{"dexatel", "--secret", "S", "--signature", sig, filepath.Join(dir, "from_node", file)}}.run(t)
		want := "X-Dexatel-Signature matches the body as Node's JSON.stringify writes it, not the bytes given (written as " + name + " writes JSON): " +
			"something parsed the JSON and wrote it again between signing and this check (most often your framework); verify the raw request bytes as received"
		if err == nil || err.Error() != "invalid signature: "+want || cmdutil.ExitCode(err) != cmdutil.ExitFailure {
			t.Errorf("%s: %v (exit %d)\nwant %q", file, err, cmdutil.ExitCode(err), want)
		}
	}
}
