package client

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/signing"
)

// hmacSHA256 is the test's own oracle: crypto/hmac, not our signing package.
func hmacSHA256(secret string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return m.Sum(nil)
}

func dexatelBuilder(t testing.TB, encoding string) *Builder {
	t.Helper()
	p, _ := provider.Builtin().Lookup("dexatel")
	scheme, err := p.SchemeWithEncoding(encoding)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := p.Kind("delivery")
	tmpl, err := Body{Raw: k.Fixture, Format: codec.FormatJSON, Fresh: k.Schema.Fields, TimeLayout: TimeLayoutSQL}.Compile()
	if err != nil {
		t.Fatal(err)
	}
	return &Builder{
		Method: "POST", URL: "http://127.0.0.1:1/dexatel",
		Header:      http.Header{"Content-Type": {"application/json"}},
		Body:        tmpl,
		Scheme:      scheme,
		Credentials: signing.Credentials{Secrets: []string{"s3cret"}},
		Name:        MessageID(k),
	}
}

func TestBuilderSignsEachFreshBody(t *testing.T) {
	for _, enc := range []string{"base64", "hex"} {
		t.Run(enc, func(t *testing.T) {
			b := dexatelBuilder(t, enc)
			ids := map[string]bool{}
			for req, err := range b.Requests(20) {
				if err != nil {
					t.Fatal(err)
				}
				sum := hmacSHA256("s3cret", req.Body)
				want := base64.StdEncoding.EncodeToString(sum)
				if enc == "hex" {
					want = hex.EncodeToString(sum)
				}
				if got := req.Header.Get("X-Dexatel-Signature"); got != want {
					t.Fatalf("signature %q, crypto/hmac says %q", got, want)
				}
				if req.Name != gjson.GetBytes(req.Body, "data.message_id").String() || ids[req.Name] {
					t.Fatalf("request name %q is not a fresh message id", req.Name)
				}
				ids[req.Name] = true
			}
			if len(ids) != 20 {
				t.Errorf("%d requests, want 20", len(ids))
			}
			if len(b.Header) != 1 {
				t.Errorf("building changed the run's headers: %v", b.Header)
			}
		})
	}
}

func TestBuilderLeavesAUserSignatureAlone(t *testing.T) {
	b := dexatelBuilder(t, "")
	b.Header.Set("X-Dexatel-Signature", "wrong-on-purpose")
	req, err := b.Build(1)
	if err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Values("X-Dexatel-Signature"); len(got) != 1 || got[0] != "wrong-on-purpose" {
		t.Errorf("signature header = %q, want the user's value alone", got)
	}
}

func TestBuilderWithoutCredentials(t *testing.T) {
	b := dexatelBuilder(t, "")
	b.Credentials = signing.Credentials{}
	if _, err := b.Build(1); err != signing.ErrNoCredentials {
		t.Errorf("error = %v, want ErrNoCredentials", err)
	}
	n := 0
	for _, err := range b.Requests(5) {
		n++
		if err == nil {
			t.Error("no error from an unsignable request")
		}
	}
	if n != 1 {
		t.Errorf("Requests yielded %d times after an error, want 1", n)
	}
}

func TestSignReplacesACapturedSignature(t *testing.T) {
	p, _ := provider.Builtin().Lookup("cellcast")
	req := &Request{Method: "POST", URL: "http://x/cellcast", Body: []byte(`{"a":1}`),
		Header: http.Header{"Authorization": {"Basic b2xkOm9sZA=="}, "Content-Type": {"application/json"}}}
	if err := Sign(req, p.Scheme(), signing.Credentials{Username: "u", Password: "p"}); err != nil {
		t.Fatal(err)
	}
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("u:p"))
	if got := req.Header.Values("Authorization"); len(got) != 1 || got[0] != want {
		t.Errorf("Authorization = %q, want [%q]", got, want)
	}
	if string(req.Body) != `{"a":1}` {
		t.Errorf("body changed: %s", req.Body)
	}
}

// Every registered provider's kinds can be sent: the example gets a fresh
// id, still reads as its own kind, and the request verifies with the
// provider's own scheme and demo credentials. Providers added to the
// registry are covered without changing this test.
func TestEveryKindBuildsAndVerifies(t *testing.T) {
	for _, p := range provider.Builtin().All() {
		for _, k := range p.Kinds {
			t.Run(p.Name+"/"+k.Name, func(t *testing.T) {
				if p.Demo.IsZero() || len(k.Fixture) == 0 {
					t.Skip("no demo credentials or example")
				}
				tmpl, err := Body{Raw: k.Fixture, Format: k.Schema.Format, Fresh: k.Schema.Fields, TimeLayout: KindTimeLayout(k)}.Compile()
				if err != nil {
					t.Fatal(err)
				}
				b := &Builder{Method: k.Method, URL: "http://127.0.0.1:8787/" + p.Name + "/" + k.Name,
					Header: http.Header{"Content-Type": {k.ContentType()}}, Body: tmpl,
					Scheme: p.Scheme(), Credentials: p.Demo, Name: MessageID(k)}
				var ids []string
				for req, err := range b.Requests(2) {
					if err != nil {
						t.Fatal(err)
					}
					sr := signing.Request{Method: req.Method, URL: req.URL, Header: req.Header, Body: req.Body}
					if r := p.Scheme().Verify(&sr, p.Demo); !r.Valid {
						t.Errorf("the request does not verify: %s\n%s %s\n%s", r.Message, req.Method, req.URL, req.Body)
					}
					if got := p.DetectKind(req.Body); got != k {
						t.Errorf("the fresh body is not detected as %s:\n%s", k.Name, req.Body)
					}
					ids = append(ids, req.Name)
				}
				if ids[0] == "" || ids[0] == ids[1] {
					t.Errorf("message ids %q are not fresh", ids)
				}
			})
		}
	}
}
