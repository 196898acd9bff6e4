package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/viper"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	cfgPath := writeFile(t, filepath.Join(dir, "xdg", "smshook", "config.yaml"), `
profiles:
  dex:
    provider: dexatel
    secret_env: DEX_SECRET
    previous_secrets: [old1]
    encoding: hex
    url: http://127.0.0.1:3000/hook
  cell:
    provider: cellcast
    username: u
    password: p
`)
	t.Run("default path under XDG_CONFIG_HOME", func(t *testing.T) {
		cfg, err := Load(viper.New(), "", env(map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "xdg")}))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Path != cfgPath || !reflect.DeepEqual(cfg.ProfileNames(), []string{"cell", "dex"}) {
			t.Fatalf("path %s profiles %v", cfg.Path, cfg.ProfileNames())
		}
		want := &Profile{Name: "dex", Provider: "dexatel", SecretEnv: "DEX_SECRET", PreviousSecrets: []string{"old1"},
			Encoding: "hex", URL: "http://127.0.0.1:3000/hook"}
		if got, _ := cfg.Profile("dex"); !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v\nwant %+v", got, want)
		}
	})
	t.Run("no default file is an empty config", func(t *testing.T) {
		cfg, err := Load(viper.New(), "", env(map[string]string{"HOME": filepath.Join(dir, "nohome")}))
		if err != nil || cfg.Path != "" || len(cfg.Profiles) != 0 {
			t.Fatalf("cfg %+v err %v", cfg, err)
		}
		if _, err := cfg.Profile("x"); err == nil || !strings.Contains(err.Error(), "there is no config file; create one with 'smshook config init'") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("an explicit path must exist", func(t *testing.T) {
		_, err := Load(viper.New(), filepath.Join(dir, "missing.yaml"), env(nil))
		if err == nil || !strings.Contains(err.Error(), "does not exist: create one with 'smshook config init --config") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("broken yaml says where", func(t *testing.T) {
		bad := writeFile(t, filepath.Join(dir, "bad.yaml"), "profiles: [\n")
		_, err := Load(viper.New(), bad, env(nil))
		if err == nil || !strings.Contains(err.Error(), bad) || strings.Contains(err.Error(), "\n") {
			t.Errorf("err = %q", err)
		}
	})
	t.Run("unknown profile lists the known ones", func(t *testing.T) {
		cfg, _ := Load(viper.New(), cfgPath, env(nil))
		if _, err := cfg.Profile("nope"); err == nil || !strings.Contains(err.Error(), "(profiles: cell, dex)") || strings.Contains(err.Error(), "did you mean") {
			t.Errorf("err = %v", err)
		}
		if _, err := cfg.Profile("dx"); err == nil || !strings.HasSuffix(err.Error(), ": did you mean dex? (profiles: cell, dex)") {
			t.Errorf("a typo: err = %v", err)
		}
	})
}

func TestResolveCredentials(t *testing.T) {
	dir := t.TempDir()
	secretFile := writeFile(t, filepath.Join(dir, "secret"), "from-file\n")
	profile := &Profile{Name: "p", Secret: "from-profile", PreviousSecrets: []string{"old"}, Username: "pu", Password: "pp"}
	tests := []struct {
		name    string
		profile *Profile
		flags   CredentialFlags
		env     map[string]string
		secrets []string
		user    string
		pass    string
		wantErr string
	}{
		{"flag beats env and profile", profile, CredentialFlags{Secret: "flag"}, map[string]string{EnvSecret: "env"}, []string{"flag", "old"}, "pu", "pp", ""},
		{"secret file flag, newline dropped", nil, CredentialFlags{SecretFile: secretFile}, map[string]string{EnvSecret: "env"}, []string{"from-file"}, "", "", ""},
		{"env beats profile", profile, CredentialFlags{}, map[string]string{EnvSecret: "env", EnvUsername: "eu", EnvPassword: "ep"}, []string{"env", "old"}, "eu", "ep", ""},
		{"profile secret", profile, CredentialFlags{}, nil, []string{"from-profile", "old"}, "pu", "pp", ""},
		{"profile secret_env", &Profile{Name: "p", SecretEnv: "MY_SECRET"}, CredentialFlags{}, map[string]string{"MY_SECRET": "s"}, []string{"s"}, "", "", ""},
		{"profile secret_env unset", &Profile{Name: "p", SecretEnv: "MY_SECRET"}, CredentialFlags{}, nil, nil, "", "", `profile "p": secret_env names MY_SECRET, which is not set`},
		{"profile secret_file", &Profile{Name: "p", SecretFile: secretFile}, CredentialFlags{}, nil, []string{"from-file"}, "", "", ""},
		{"profile secret_file missing", &Profile{Name: "p", SecretFile: filepath.Join(dir, "nope")}, CredentialFlags{}, nil, nil, "", "", "cannot read " + filepath.Join(dir, "nope") + ": no such file or directory"},
		{"password_env", &Profile{Name: "p", Username: "u", PasswordEnv: "PW"}, CredentialFlags{}, map[string]string{"PW": "pw"}, nil, "u", "pw", ""},
		{"password_env unset", &Profile{Name: "p", Username: "u", PasswordEnv: "PW"}, CredentialFlags{}, nil, nil, "", "", "password_env names PW, which is not set"},
		{"nothing at all", nil, CredentialFlags{}, nil, nil, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ResolveCredentials(tt.profile, tt.flags, env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c.Secrets, tt.secrets) || c.Username != tt.user || c.Password != tt.pass {
				t.Errorf("got secrets %q user %q pass %q", c.Secrets, c.Username, c.Password)
			}
		})
	}
}

func TestSecretFileErrorsNeverShowTheContent(t *testing.T) {
	path := writeFile(t, filepath.Join(t.TempDir(), "s"), "\n")
	_, err := ResolveCredentials(&Profile{Name: "p", SecretFile: path}, CredentialFlags{}, env(nil))
	if err == nil || !strings.Contains(err.Error(), "is empty") {
		t.Fatalf("err = %v", err)
	}
}

func TestRedacted(t *testing.T) {
	p := Profile{Name: "p", Secret: "s3cr3t", Password: "pw", PreviousSecrets: []string{"old"}, SecretEnv: "ENV_NAME", Username: "u",
		URL: "http://tok3n@h/x", ForwardTo: "http://app:fwdpass@127.0.0.1:3000/hook", APIKey: "apik3y", APISecret: "apis3cret", APIKeyEnv: "KEY_ENV"}
	r := p.Redacted()
	for _, leaked := range []string{"s3cr3t", "pw", "old", "tok3n", "fwdpass", "apik3y", "apis3cret"} {
		if strings.Contains(strings.Join([]string{r.Secret, r.Password, strings.Join(r.PreviousSecrets, ","), r.URL, r.ForwardTo, r.APIKey, r.APISecret}, " "), leaked) {
			t.Errorf("redacted profile still holds %q", leaked)
		}
	}
	if r.ForwardTo != "http://app:xxxxx@127.0.0.1:3000/hook" {
		t.Errorf("forward_to shown as %q", r.ForwardTo)
	}
	if r.SecretEnv != "ENV_NAME" || r.APIKeyEnv != "KEY_ENV" || r.Username != "u" || p.Secret != "s3cr3t" || p.ForwardTo != "http://app:fwdpass@127.0.0.1:3000/hook" {
		t.Error("Redacted must keep names and leave the original alone")
	}
}

func TestWriteSample(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "config.yaml")
	if err := WriteSample(path, false); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v err %v", info.Mode(), err)
	}
	if err := WriteSample(path, false); err == nil || !strings.Contains(err.Error(), "pass --force") {
		t.Errorf("second write: %v", err)
	}
	os.Chmod(path, 0o644)
	if err := WriteSample(path, true); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("--force left mode %v", info.Mode())
	}
	// The sample is a valid config whose profiles name real providers.
	cfg, err := Load(viper.New(), path, env(nil))
	if err != nil || len(cfg.Profiles) != 3 || cfg.Profiles["dexatel-dev"].Provider != "dexatel" {
		t.Fatalf("sample does not load: %v %+v", err, cfg)
	}
}

func TestLoadWarnsAboutUnknownKeys(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []Warning
	}{
		{"a clean file", "profiles:\n  dex:\n    provider: dexatel\n    secret: s\noutput: json\n", nil},
		{"a misspelt profile key", "profiles:\n  dex:\n    provider: dexatel\n    secrett: s\n",
			[]Warning{{Profile: "dex", Message: `profile "dex": unknown key "secrett"; did you mean secret?`}}},
		{"keys in any case", "profiles:\n  dex:\n    Provider: dexatel\n    Secret_Env: X\n", nil},
		{"an unknown key with no near one", "profiles:\n  dex:\n    provider: dexatel\n    colour: blue\n",
			[]Warning{{Profile: "dex", Message: `profile "dex": unknown key "colour"`}}},
		{"several, sorted", "profiles:\n  b:\n    provider: dexatel\n    pasword: p\n  a:\n    provider: dexatel\n    secret_evn: X\n",
			[]Warning{
				{Profile: "a", Message: `profile "a": unknown key "secret_evn"; did you mean secret_env?`},
				{Profile: "b", Message: `profile "b": unknown key "pasword"; did you mean password?`},
			}},
		{"a misspelt top-level key", "profile:\n  dex:\n    provider: dexatel\nprofles:\n  x: {}\n",
			[]Warning{{Message: `CONFIG: unknown key "profles"; did you mean profiles? (known: profiles, providers, sandbox, profile, output, color)`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, filepath.Join(t.TempDir(), "config.yaml"), tt.yaml)
			cfg, err := Load(viper.New(), path, env(nil), "profile", "output", "color")
			if err != nil {
				t.Fatal(err)
			}
			for i := range tt.want {
				tt.want[i].Message = strings.ReplaceAll(tt.want[i].Message, "CONFIG", path)
			}
			if !reflect.DeepEqual(cfg.Warnings, tt.want) {
				t.Errorf("warnings:\n got %q\nwant %q", cfg.Warnings, tt.want)
			}
		})
	}
}

func TestLoadParseErrorsNameTheLine(t *testing.T) {
	tests := []struct {
		name, file, yaml, want string
	}{
		{"a tab in the indentation", "config.yaml", "profiles:\n  dex:\n    provider: dexatel\n\tsecret: s\n",
			"config file DIR/config.yaml line 4: found a tab character: YAML indents with spaces"},
		{"a tab after spaces", "config.yml", "profiles:\n  dex:\n  \t provider: dexatel\n",
			"config file DIR/config.yml line 3: found a tab character: YAML indents with spaces"},
		{"an unclosed flow sequence", "config.yaml", "profiles: [\n",
			"config file DIR/config.yaml line 1: did not find expected node content"},
		{"a bad mapping", "config.yaml", "profiles:\n  dex:\n  provider: x\n   bad: y\n",
			"config file DIR/config.yaml line 4: mapping values are not allowed in this context"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := writeFile(t, filepath.Join(dir, tt.file), tt.yaml)
			_, err := Load(viper.New(), path, env(nil))
			if want := strings.ReplaceAll(tt.want, "DIR", dir); err == nil || err.Error() != want {
				t.Errorf("err = %v\nwant %s", err, want)
			}
		})
	}
}

func TestCheckProviders(t *testing.T) {
	path := writeFile(t, filepath.Join(t.TempDir(), "config.yaml"), `
profiles:
  ok:
    provider: Dexatel
  typo:
    provider: dexatl
  far:
    provider: stripe
  none:
    secret: s
`)
	cfg, err := Load(viper.New(), path, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := Registry(viper.New(), path)
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.CheckProviders(reg)
	want := []string{
		`profile "far": unknown provider "stripe" (known: `,
		`profile "none": it has no provider: add provider: <bandwidth|cellcast|`,
		`profile "typo": unknown provider "dexatl": did you mean dexatel? (known: `,
	}
	if len(got) != len(want) {
		t.Fatalf("warnings = %q", got)
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i].Message, w) || got[i].Profile == "" || !got[i].AboutProvider {
			t.Errorf("warning %d = %+v, want it to start %q", i, got[i], w)
		}
	}
}

func TestSampleHasNoWarnings(t *testing.T) {
	path := writeFile(t, filepath.Join(t.TempDir(), "config.yaml"), Sample)
	cfg, err := Load(viper.New(), path, env(nil), "profile", "output", "color")
	if err != nil {
		t.Fatal(err)
	}
	reg, err := Registry(viper.New(), path)
	if err != nil {
		t.Fatal(err)
	}
	if w := append(cfg.Warnings, cfg.CheckProviders(reg)...); len(w) != 0 {
		t.Errorf("the sample config warns: %q", w)
	}
}

func TestLoadSandbox(t *testing.T) {
	load := func(yaml string) (SandboxConfig, error) {
		t.Helper()
		path := filepath.Join(t.TempDir(), "config.yaml")
		if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		v := viper.New()
		if _, err := Load(v, path, func(string) string { return "" }); err != nil {
			t.Fatal(err)
		}
		return LoadSandbox(v, path)
	}
	sc, err := load("sandbox:\n  rules:\n    - to: \"+44*\"\n      status: failed\n      error: 30003\n")
	if err != nil || len(sc.Rules) != 1 || sc.Rules[0].To != "+44*" || sc.Rules[0].Error != "30003" {
		t.Fatalf("%+v %v", sc, err)
	}
	for yaml, want := range map[string]string{
		"sandbox:\n  rules:\n    - to: \"+44*\"\n      staus: failed\n": "staus",
		"sandbox:\n  rules:\n    - status: failed\n":                    "has no to",
		"sandbox:\n  rules:\n    - to: \"+1*\"\n":                       "has no status",
		"sandbox:\n  rulez: []\n":                                       "rulez",
		"sandbox:\n  replies:\n    - text: STOP\n":                      "has no reply",
		"sandbox:\n  replies:\n    - reply: STOP\n      text: \"(\"\n":  "not a regular expression",
		"sandbox:\n  replies:\n    - reply: STOP\n      after: soon\n":  "give a duration",
		"sandbox:\n  replies:\n    - reply: STOP\n      txt: x\n":       "txt",
	} {
		if _, err := load(yaml); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want an error about %s", yaml, err, want)
		}
	}
	sc, err = load("sandbox:\n  replies:\n    - to: \"+1555*\"\n      text: \"(?i)code\"\n      reply: STOP\n      after: 2s\n")
	if err != nil || len(sc.Replies) != 1 || sc.Replies[0].Reply != "STOP" || sc.Replies[0].Text != "(?i)code" {
		t.Fatalf("%+v %v", sc, err)
	}
	if d, err := sc.Replies[0].Delay(); err != nil || d != 2*time.Second {
		t.Fatalf("after: %v %v", d, err)
	}
	if sc, err := load("profiles: {}\n"); err != nil || len(sc.Rules) != 0 {
		t.Fatalf("no sandbox key: %+v %v", sc, err)
	}
}

func TestResolveAPICredentials(t *testing.T) {
	tests := []struct {
		name    string
		p       *Profile
		env     map[string]string
		want    APICredentials
		wantErr string
	}{
		{"none", &Profile{Name: "p"}, nil, APICredentials{}, ""},
		{"nil profile", nil, nil, APICredentials{}, ""},
		{"in the file", &Profile{Name: "p", APIKey: "k", APISecret: "s"}, nil, APICredentials{"k", "s"}, ""},
		{"from env", &Profile{Name: "p", APIKeyEnv: "K", APISecretEnv: "S"}, map[string]string{"K": "k", "S": "s"}, APICredentials{"k", "s"}, ""},
		{"the file wins", &Profile{Name: "p", APIKey: "k", APIKeyEnv: "K"}, map[string]string{"K": "other"}, APICredentials{Key: "k"}, ""},
		{"key env unset", &Profile{Name: "p", APIKeyEnv: "K"}, nil, APICredentials{}, `profile "p": api_key_env names K, which is not set`},
		{"secret env unset", &Profile{Name: "p", APIKey: "k", APISecretEnv: "S"}, nil, APICredentials{}, `profile "p": api_secret_env names S, which is not set`},
	}
	for _, tt := range tests {
		got, err := ResolveAPICredentials(tt.p, env(tt.env))
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("%s: err %v, want %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: %+v %v, want %+v", tt.name, got, err, tt.want)
		}
	}
}

// TestAPIKeysKnown: the api keys are profile keys, so the unknown-key
// check neither warns about them nor misses a misspelling.
func TestAPIKeysKnown(t *testing.T) {
	path := writeFile(t, filepath.Join(t.TempDir(), "config.yaml"), "profiles:\n  tx:\n    provider: telnyx\n    api_key_env: TELNYX_API_KEY\n    api_secret: s\n    api_kee: typo\n")
	cfg, err := Load(viper.New(), path, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Warnings) != 1 || !strings.Contains(cfg.Warnings[0].Message, `unknown key "api_kee"; did you mean api_key?`) {
		t.Fatalf("warnings %q", cfg.Warnings)
	}
}
