package check

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/signing"
)

func kind(t *testing.T, p, k string) *provider.Kind {
	t.Helper()
	pr, err := provider.Builtin().Lookup(p)
	if err != nil {
		t.Fatal(err)
	}
	kk, err := pr.Kind(k)
	if err != nil {
		t.Fatal(err)
	}
	return kk
}

// The escaped spellings mean the same text in other bytes.
func TestEscapedSpellingsDecodeToTheSameText(t *testing.T) {
	esc := escapeJSONAll(nonASCIIText)
	var got string
	if err := json.Unmarshal([]byte(esc), &got); err != nil || got != nonASCIIText {
		t.Errorf("escapeJSONAll = %s, decodes to %q (%v)", esc, got, err)
	}
	for _, want := range []string{`\u00e9`, `\/`, `\ud83d\ude00`} {
		if !strings.Contains(esc, want) {
			t.Errorf("escapeJSONAll = %s, lacks %s", esc, want)
		}
	}
	form := escapeFormAll(nonASCIIText)
	if got, err := url.QueryUnescape(form); err != nil || got != nonASCIIText {
		t.Errorf("escapeFormAll = %s, decodes to %q (%v)", form, got, err)
	}
	if form == url.QueryEscape(nonASCIIText) || !strings.Contains(form, "%c3%a9") || !strings.Contains(form, "%20") {
		t.Errorf("escapeFormAll = %s: not a different spelling (lowercase %%xx, %%20)", form)
	}
}

// A forged signature keeps its alphabet and length and differs.
func TestCorruptKeepsTheShape(t *testing.T) {
	for _, sig := range []string{
		"tfohjbQG5zTuk1fCH0TDgYfw2yb5P5A2GcfnBnJpkbw=",                               // base64
		"b5fa1a6a1ab0c4c8ed5b4c6b4c5c0e0fb8a1e1d9b1a0f4e3c2b1a09f8e7d6c5b",           // hex
		"v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",                            // standard webhooks
		"eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJNZXNzYWdlQmlyZCJ9.c2lnbmF0dXJlc2lnbmF0dXJl", // JWT
		"t=1614265330,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd",
	} {
		got := corrupt(sig)
		if got == sig || len(got) != len(sig) {
			t.Errorf("corrupt(%s) = %s", sig, got)
		}
		if strings.Count(sig, ".") == 2 && got[:strings.LastIndexByte(got, '.')] != sig[:strings.LastIndexByte(sig, '.')] {
			t.Errorf("corrupt changed a JWT's header or claims: %s", got)
		}
		if strings.HasPrefix(sig, "v1,") && !strings.HasPrefix(got, "v1,") || strings.HasPrefix(sig, "t=") && got[:17] != sig[:17] {
			t.Errorf("corrupt changed the prefix: %s", got)
		}
	}
}

// late-sent uses each provider's own spelling of delivered and sent.
func TestLateStatuses(t *testing.T) {
	for _, tc := range []struct{ provider, kind, delivered, sent string }{
		{"mobtexting", "dlr", "DELIVRD", "ENROUTE"},
		{"twilio", "status", "delivered", "sent"},
		{"dexatel", "delivery", "delivered", "sent"},
		{"bandwidth", "status", "message-delivered", "message-sending"},
	} {
		k := kind(t, tc.provider, tc.kind)
		d, s, why := lateStatuses(k, k.Fixture)
		if d != tc.delivered || s != tc.sent || why != "" {
			t.Errorf("%s %s: %q, %q (%s), want %q, %q", tc.provider, tc.kind, d, s, why, tc.delivered, tc.sent)
		}
	}
}

// Variants edit one field and keep the rest of the body's bytes.
func TestSetFieldKeepsTheRest(t *testing.T) {
	k := kind(t, "twilio", "inbound")
	body := setText(k, k.Fixture, "héllo / x", true)
	if strings.Count(string(body), "&") != strings.Count(string(k.Fixture), "&") {
		t.Errorf("setText added or dropped a form field:\n%s", body)
	}
	v, _ := url.ParseQuery(string(body))
	if v.Get("Body") != "héllo / x" {
		t.Errorf("Body = %q", v.Get("Body"))
	}
	before, _ := url.ParseQuery(string(k.Fixture))
	for name := range before {
		if name != "Body" && v.Get(name) != before.Get(name) {
			t.Errorf("%s changed: %q → %q", name, before.Get(name), v.Get(name))
		}
	}

	j := kind(t, "bandwidth", "status")
	added := addUnknownFields(j, j.Fixture)
	if !gjson.GetBytes(added, "0."+unknownField+".note").Exists() || gjson.GetBytes(added, "0.type").String() != gjson.GetBytes(j.Fixture, "0.type").String() {
		t.Errorf("addUnknownFields on an array of events:\n%s", added)
	}
	if p := prettyJSON(j.Fixture); string(p) == string(j.Fixture) || !strings.Contains(string(p), "\n\t") {
		t.Errorf("prettyJSON does not re-indent with tabs:\n%s", p)
	}
}

// Another secret is well-formed for its scheme, so a handler refusing it
// refuses the signature, not the format.
func TestOtherCredentialsAreWellFormed(t *testing.T) {
	for _, p := range provider.Builtin().All() {
		spec := p.Scheme().Spec()
		other, err := otherCredentials(spec)
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		if spec.Scheme == signing.SchemeBasic {
			continue
		}
		r := &signing.Request{Method: "POST", URL: "https://example.com/hook", Header: map[string][]string{"Content-Type": {p.Kinds[0].ContentType()}}, Body: p.Kinds[0].Fixture}
		if err := p.Scheme().Sign(r, other); err != nil {
			t.Errorf("%s cannot sign with its other credentials: %v", p.Name, err)
		}
	}
}

// Every case is a whole table entry: a unique name, what it sends in long
// and short, what passes, why, and how it runs.
func TestCaseTableIsComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Cases() {
		if c.Name == "" || c.Short == "" || c.Sends == "" || c.Passes == "" || c.Why == "" {
			t.Errorf("case %q lacks a name, short, sends, passes or why", c.Name)
		}
		if (c.build == nil) == (c.run == nil) {
			t.Errorf("case %q needs exactly one of build and run", c.Name)
		}
		if c.Security && !c.refuse {
			t.Errorf("case %q is a security case but does not want a refusal", c.Name)
		}
		if seen[c.Name] {
			t.Errorf("case %q twice", c.Name)
		}
		seen[c.Name] = true
	}
}
