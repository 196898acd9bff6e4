package send

import (
	"reflect"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/iostreams"
)

func parse(t *testing.T, args ...string) (*SendOptions, error) {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	f := cmdutil.New(ios, func(string) string { return "" })
	var got *SendOptions
	cmd := NewCmdSend(f, func(o *SendOptions) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	return got, err
}

func TestFlagsFillOptions(t *testing.T) {
	o, err := parse(t, "dexatel", "--to", "http://h/x", "-e", "message", "-d", "@b.json", "--no-template",
		"--set", "a=1", "--set", "b:=2", "-H", "X-A: 1", "-X", "put", "--secret", "s", "--encoding", "hex",
		"--expect", "2xx,301", "-n", "5", "-c", "2", "--rate", "9.5", "--timeout", "3s", "--retries", "4",
		"--report", "r.xml", "--insecure", "-v", "--show-secrets")
	if err != nil {
		t.Fatal(err)
	}
	want := SendOptions{ProviderArg: "dexatel", To: "http://h/x", Event: "message", Data: "@b.json", NoTemplate: true,
		Sets: []string{"a=1", "b:=2"}, Headers: []string{"X-A: 1"}, Method: "put", Encoding: "hex",
		Expect: "2xx,301", Count: 5, Concurrency: 2, Rate: 9.5, Timeout: 3 * time.Second, Retries: 4,
		Report: "r.xml", Insecure: true, Verbose: true, ShowSecrets: true}
	want.Credentials.Secret = "s"
	o.IO, o.HTTPClient, o.Now, o.Context, o.factory = nil, nil, nil, nil, nil
	if !reflect.DeepEqual(*o, want) {
		t.Errorf("options\n%+v\nwant\n%+v", *o, want)
	}
}

func TestFlagDefaults(t *testing.T) {
	o, err := parse(t, "mobtexting", "--handshake", "--validation-key", "K", "--demo", "--dry-run")
	if err != nil {
		t.Fatal(err)
	}
	if o.Count != 1 || o.Concurrency != 1 || o.Timeout != 10*time.Second || o.Retries != 0 || o.Rate != 0 ||
		!o.Handshake || o.ValidationKey != "K" || !o.Demo || !o.DryRun {
		t.Errorf("options %+v", o)
	}
}
