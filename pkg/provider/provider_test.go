package provider

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/signing"
)

func TestBuiltinFixturesDecode(t *testing.T) {
	tests := []struct {
		provider, kind string
		want           codec.Event
	}{
		{"dexatel", "delivery", codec.Event{Provider: "dexatel", Kind: codec.KindDelivery, EventName: "delivery",
			MessageID: "e4fb1353-8ded-4ec7-991e-a757ea213106", To: "1222333333", Channel: "sms",
			Status: codec.StatusDelivered, RawStatus: "delivered", Timestamp: "2022-03-01 13:00:00", Price: "0.123"}},
		{"dexatel", "message", codec.Event{Provider: "dexatel", Kind: codec.KindInbound, EventName: "message",
			MessageID: "8cd2ac02-0cf6-4842-88a9-1b577ff97242", From: "1222444444", To: "1222333333",
			Text: "sign me in please", Channel: "SMS", Status: codec.StatusReceived, Timestamp: "2022-03-01 13:00:00"}},
		{"mobtexting", "dlr", codec.Event{Provider: "mobtexting", Kind: codec.KindDelivery, EventName: "dlr",
			MessageID: "b34e35ad-fe34-4a8b-977c-b21cd76cd7d6:1", To: "918921269000",
			Status: codec.StatusDelivered, RawStatus: "DELIVRD", Timestamp: "2021-04-09 16:27:51", Price: "2.0000"}},
		{"mobtexting", "inbound", codec.Event{Provider: "mobtexting", Kind: codec.KindInbound, EventName: "inbound",
			MessageID: "5f0c7c1e-9d7a-4b1e-a7c3-2f1d8e6b9a40", From: "918074000000", To: "919019000000",
			Text: "STOP", Channel: "vmn", Status: codec.StatusReceived}},
		{"cellcast", "receive", codec.Event{Provider: "cellcast", Kind: codec.KindInbound, EventName: "receive",
			MessageID: "66b5b93b1e2c012dfe964000", From: "+61400000000", To: "+61400000001",
			Text: "This is reply message", Status: codec.StatusReceived, RawStatus: "delivered"}},
		{"cellcast", "status", codec.Event{Provider: "cellcast", Kind: codec.KindDelivery, EventName: "status",
			MessageID: "66b5b93b1e2c012dfe964000", From: "cellcast", To: "+61400000001",
			Status: codec.StatusDelivered, RawStatus: "delivered"}},
	}
	reg := Builtin()
	for _, tt := range tests {
		t.Run(tt.provider+"/"+tt.kind, func(t *testing.T) {
			p, err := reg.Lookup(tt.provider)
			if err != nil {
				t.Fatal(err)
			}
			k, err := p.Kind(tt.kind)
			if err != nil {
				t.Fatal(err)
			}
			// The embedded fixture is the file on disk, byte for byte.
			onDisk, err := os.ReadFile("fixtures/" + tt.provider + "_" + tt.kind + ".json")
			if err != nil || !bytes.Equal(onDisk, k.Fixture) {
				t.Fatalf("fixture differs from fixtures/%s_%s.json (%v)", tt.provider, tt.kind, err)
			}
			ev, err := p.Decode(k.Fixture, "") // the kind is detected from the body
			if err != nil {
				t.Fatal(err)
			}
			ev.Raw = nil
			if !reflect.DeepEqual(ev, tt.want) {
				t.Errorf("got  %+v\nwant %+v", ev, tt.want)
			}
		})
	}
}

func TestDecodeWithKindFromRoute(t *testing.T) {
	p, _ := Builtin().Lookup("cellcast")
	// A body without "type" is read as the kind the route names.
	ev, err := p.Decode([]byte(`{"_id":"x","status":"dead"}`), "status")
	if err != nil || ev.EventName != "status" || ev.Status != codec.StatusDeleted {
		t.Fatalf("got %+v, %v", ev, err)
	}
	if _, err := p.Decode([]byte(`{}`), "nope"); err == nil || !strings.Contains(err.Error(), "kinds: receive, status") {
		t.Fatalf("unknown kind: %v", err)
	}
	if _, err := p.Decode([]byte(`not json`), ""); err == nil || !strings.Contains(err.Error(), "cellcast receive payload: body is not valid JSON") {
		t.Fatalf("bad body: %v", err)
	}
}

func TestRegistryLookup(t *testing.T) {
	reg := Builtin()
	if got := strings.Join(reg.Names(), ","); got != "bandwidth,cellcast,dexatel,messagebird,mobtexting,plivo,sinch,standard-webhooks,telnyx,twilio,vonage" {
		t.Errorf("Names = %s", got)
	}
	if p, err := reg.Lookup("DEXATEL"); err != nil || p.Name != "dexatel" {
		t.Errorf("lookup is case-insensitive: %v", err)
	}
	_, err := reg.Lookup("acme")
	if err == nil || err.Error() != `unknown provider "acme" (known: bandwidth, cellcast, dexatel, messagebird, mobtexting, plivo, sinch, standard-webhooks, telnyx, twilio, vonage)` {
		t.Errorf("unknown provider error = %v", err)
	}
	_, err = reg.Lookup("dexatl")
	if err == nil || !strings.HasPrefix(err.Error(), `unknown provider "dexatl": did you mean dexatel? (known: bandwidth, `) {
		t.Errorf("a typo gets a suggestion: %v", err)
	}
}

func TestNewRegistryChecksProviders(t *testing.T) {
	bad := dexatel()
	bad.Kinds[0].Fixture = []byte(`{"data":{"event":"message"}}`) // detected as the other kind
	tests := []struct {
		providers []*Provider
		want      string
	}{
		{[]*Provider{dexatel(), dexatel()}, `provider "dexatel" is defined twice`},
		{[]*Provider{{Name: "x", Auth: signing.Spec{Scheme: "hmac", Header: "X"}}}, "provider x has no event kinds"},
		{[]*Provider{{Name: "x", Auth: signing.Spec{Scheme: "nope"}, Kinds: []*Kind{{Name: "k"}}}}, `unknown auth scheme "nope"`},
		{[]*Provider{bad}, "the delivery fixture is not detected as delivery"},
	}
	for _, tt := range tests {
		if _, err := NewRegistry(tt.providers...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewRegistry = %v, want %q", err, tt.want)
		}
	}
}

func TestSchemeWithEncoding(t *testing.T) {
	p, _ := Builtin().Lookup("dexatel")
	s, err := p.SchemeWithEncoding("hex")
	if err != nil {
		t.Fatal(err)
	}
	req := &signing.Request{Body: p.Kinds[0].Fixture, Header: map[string][]string{}}
	cred := signing.Credentials{Secrets: []string{"whsec-test-secret"}}
	s.Sign(req, cred)
	// openssl dgst -sha256 -hmac 'whsec-test-secret' fixtures/dexatel_delivery.json
	if got := req.Header.Get("X-Dexatel-Signature"); got != "fdd14c7a31db803380db3818a7e3af8ff4361a9936f26ac1170ae7b3b78bdd26" {
		t.Errorf("hex signature = %s", got)
	}
	// The provider's own scheme (base64 by default) still verifies hex.
	if r := p.Scheme().Verify(req, cred); !r.Valid || r.Encoding != "hex" {
		t.Errorf("default scheme rejects hex: %+v", r)
	}
	c, _ := Builtin().Lookup("cellcast")
	if _, err := c.SchemeWithEncoding("hex"); err == nil {
		t.Error("Basic auth has no encoding to choose")
	}
}

func TestHandshake(t *testing.T) {
	p, _ := Builtin().Lookup("mobtexting")
	h := p.Handshake
	tests := []struct {
		url, body string
		key       string
		ok        bool
	}{
		{"https://x.test/receive/callback?token=9012XX", `{}`, "9012XX", true},
		{"/mobtexting?token=", ``, "", true},
		{"/mobtexting", `{"validation_key":"abc","challenge":"c"}`, "abc", true},
		{"/mobtexting", string(p.Kinds[0].Fixture), "", false},
		{"/mobtexting", `not json`, "", false},
	}
	for _, tt := range tests {
		key, ok := h.Key(tt.url, []byte(tt.body))
		if key != tt.key || ok != tt.ok {
			t.Errorf("Key(%s, %s) = %q %v, want %q %v", tt.url, tt.body, key, ok, tt.key, tt.ok)
		}
	}
	if c := h.Challenge(h.Fixture); c != "a234qwe" {
		t.Errorf("Challenge = %q", c)
	}
	if got := string(h.Reply("9012XX", "a234qwe")); got != `{"challenge":"a234qwe","validation_key":"9012XX"}` {
		t.Errorf("Reply = %s", got)
	}
	if got := string(h.Reply("k", "")); got != `{"validation_key":"k"}` {
		t.Errorf("Reply without challenge = %s", got)
	}
}

// The demo credentials sign and verify with each provider's scheme, so the
// local listener's defaults work out of the box.
func TestDemoCredentialsRoundTrip(t *testing.T) {
	for _, p := range Builtin().All() {
		req := &signing.Request{Method: "POST", URL: "http://127.0.0.1:8787/" + p.Name, Header: map[string][]string{}, Body: p.Kinds[0].Fixture}
		if err := p.Scheme().Sign(req, p.Demo); err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		if r := p.Scheme().Verify(req, p.Demo); !r.Valid {
			t.Errorf("%s: %s", p.Name, r.Message)
		}
	}
}

// A documented timeout or retry policy names where it is documented, and a
// provider with none says so rather than a guess.
func TestDeliveryPolicyHasSource(t *testing.T) {
	for _, p := range Builtins() {
		d := p.Delivery
		if (d.Timeout > 0 || d.Retries != "") && d.Source == "" {
			t.Errorf("%s: a timeout or retry policy without its source", p.Name)
		}
		if d.Timeout == 0 && d.TimeoutText() != NotDocumented {
			t.Errorf("%s: TimeoutText = %q, want %q", p.Name, d.TimeoutText(), NotDocumented)
		}
	}
	tw := Builtin()
	p, _ := tw.Lookup("twilio")
	if p.Delivery.Timeout != 15*time.Second {
		t.Errorf("twilio timeout = %v, want 15s (connection overrides' default)", p.Delivery.Timeout)
	}
}
