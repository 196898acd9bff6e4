package config

import (
	"reflect"
	"testing"

	"github.com/smshook/smshook/pkg/provider"
)

func TestKnownCredentials(t *testing.T) {
	reg := provider.Builtin()
	dexatel, _ := reg.Lookup("dexatel")
	cellcast, _ := reg.Lookup("cellcast")
	cfg := &Config{Path: "x.yaml", Profiles: map[string]*Profile{
		"dexatel-dev":     {Name: "dexatel-dev", Provider: "dexatel", Secret: "dev"},
		"dexatel-prod":    {Name: "dexatel-prod", Provider: "dexatel", Secret: "prod", PreviousSecrets: []string{"old1", "old2"}},
		"dexatel-retired": {Name: "dexatel-retired", Provider: "dexatel", PreviousSecrets: []string{"gone"}},
		"dexatel-env":     {Name: "dexatel-env", Provider: "dexatel", SecretEnv: "UNSET_SECRET"},
		"twilio-dev":      {Name: "twilio-dev", Provider: "twilio", Secret: "tw"},
		"cellcast-prod":   {Name: "cellcast-prod", Provider: "cellcast", Username: "u", Password: "p"},
	}}
	getenv := func(k string) string {
		if k == EnvSecret {
			return "from-env" // the command's own target's, never another profile's
		}
		return ""
	}
	var got []string
	for _, n := range KnownCredentials(cfg, dexatel, "dexatel-dev", getenv) {
		got = append(got, n.Name)
		if len(n.Credentials.Secrets) != 1 || n.Credentials.Secrets[0] == "from-env" {
			t.Errorf("%s: secrets %d, env used", n.Name, len(n.Credentials.Secrets))
		}
	}
	want := []string{"profile dexatel-prod's secret", "profile dexatel-prod's previous secret 1", "profile dexatel-prod's previous secret 2",
		"profile dexatel-retired's previous secret 1", "the dexatel demo credentials"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	cc := KnownCredentials(cfg, cellcast, "", getenv)
	if len(cc) != 2 || cc[0].Name != "profile cellcast-prod's username and password" || cc[0].Credentials.Password != "p" {
		t.Fatalf("cellcast: %v", cc)
	}
	if got := KnownCredentials(nil, dexatel, "", getenv); len(got) != 1 {
		t.Fatalf("no config: %v", got)
	}
}
