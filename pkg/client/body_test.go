package client

import (
	"regexp"
	"strings"
	"testing"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/provider"
)

// Every built-in kind's example gets a fresh id of the same shape and, where
// it has one, a fresh timestamp in the provider's style; every other byte
// stays as in the fixture.
func TestFixtureFreshValues(t *testing.T) {
	idShapes := map[string]*regexp.Regexp{
		"dexatel":    regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`),
		"mobtexting": regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}:1$`),
		// A virtual number's incoming message has a plain UUID, no part.
		"mobtexting/inbound": regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`),
		"cellcast":           regexp.MustCompile(`^[0-9a-f]{24}$`),
		"twilio":             regexp.MustCompile(`^SM[0-9a-f]{32}$`),
	}
	for _, p := range provider.Builtin().All() {
		for _, k := range p.Kinds {
			t.Run(p.Name+"/"+k.Name, func(t *testing.T) {
				fields := k.Schema.Fields
				layout := KindTimeLayout(k)
				b := Body{Raw: k.Fixture, Format: k.Schema.Format, Fresh: fields, TimeLayout: layout}
				tmpl, err := b.Compile()
				if err != nil {
					t.Fatal(err)
				}
				first, second := tmpl.Render(fresh(1)), tmpl.Render(fresh(2))
				before, _ := k.Schema.Decode(k.Fixture)
				ev1, err := k.Schema.Decode(first)
				if err != nil {
					t.Fatalf("the fresh body does not decode: %v\n%s", err, first)
				}
				ev2, _ := k.Schema.Decode(second)
				if ev1.MessageID == ev2.MessageID || len(ev1.MessageID) != len(before.MessageID) {
					t.Errorf("message ids %q, %q: not fresh, or not the shape of %q", ev1.MessageID, ev2.MessageID, before.MessageID)
				}
				re := idShapes[p.Name+"/"+k.Name]
				if re == nil {
					re = idShapes[p.Name]
				}
				if re != nil && !re.MatchString(ev1.MessageID) {
					t.Errorf("message id %q does not have the fixture's shape", ev1.MessageID)
				}
				if layout != "" && layout != TimeLayoutUnix {
					if want := fixedNow.Format(layout); ev1.Timestamp != want {
						t.Errorf("timestamp = %q, want the clock in the provider's style, %q", ev1.Timestamp, want)
					}
				}
				if k.Schema.Format != codec.FormatJSON {
					return
				}
				// Put the fixture's values back: the bytes must be the fixture's.
				restored := first
				for _, path := range []string{fields.MessageID, fields.Timestamp} {
					if path != "" && gjson.GetBytes(k.Fixture, path).Exists() {
						restored, _ = sjson.SetRawBytes(restored, path, []byte(gjson.GetBytes(k.Fixture, path).Raw))
					}
				}
				if string(restored) != string(k.Fixture) {
					t.Errorf("bytes besides the id and timestamp changed:\n%s\nwant\n%s", restored, k.Fixture)
				}
			})
		}
	}
}

func TestNoTemplateSendsTheFixtureAsItIs(t *testing.T) {
	k := dexatelKind(t, "delivery")
	tmpl, err := Body{Raw: k.Fixture, Format: codec.FormatJSON, Fresh: k.Schema.Fields, NoTemplate: true}.Compile()
	if err != nil {
		t.Fatal(err)
	}
	if got := tmpl.Render(fresh(1)); string(got) != string(k.Fixture) {
		t.Errorf("--no-template changed the body:\n%s", got)
	}
}

func TestSets(t *testing.T) {
	const body = `{"data": {"status": "delivered", "price": 0.123, "to": "1222333333", "list": [1, 2]}}`
	tests := []struct {
		name string
		sets []string
		want map[string]string // gjson path → raw JSON value
	}{
		{"string", []string{"data.status=FAILED"}, map[string]string{"data.status": `"FAILED"`}},
		{"digits stay a string", []string{"data.to=999"}, map[string]string{"data.to": `"999"`}},
		{"raw number", []string{"data.price:=0.5"}, map[string]string{"data.price": `0.5`}},
		{"raw object", []string{`data.extra:={"a":true}`}, map[string]string{"data.extra": `{"a":true}`}},
		{"raw null", []string{"data.price:=null"}, map[string]string{"data.price": `null`}},
		{"new nested field", []string{"data.meta.source=ci"}, map[string]string{"data.meta.source": `"ci"`}},
		{"array element", []string{"data.list.0:=9"}, map[string]string{"data.list": `[9, 2]`}},
		{"array append", []string{"data.list.-1:=3"}, map[string]string{"data.list": `[1, 2,3]`}},
		{"escaped dot", []string{`data.a\.b=x`}, map[string]string{`data.a\.b`: `"x"`}},
		{"value with =", []string{"data.status=a=b"}, map[string]string{"data.status": `"a=b"`}},
		{"later wins", []string{"data.status=A", "data.status=B"}, map[string]string{"data.status": `"B"`}},
		{"raw placeholder", []string{"data.price:={{seq}}"}, map[string]string{"data.price": `7`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := Body{Raw: []byte(body), Format: codec.FormatJSON}
			for _, arg := range tt.sets {
				s, err := ParseSet(arg)
				if err != nil {
					t.Fatal(err)
				}
				b.Sets = append(b.Sets, s)
			}
			tmpl, err := b.Compile()
			if err != nil {
				t.Fatal(err)
			}
			out := tmpl.Render(fresh(7))
			if !gjson.ValidBytes(out) {
				t.Fatalf("not JSON: %s", out)
			}
			for path, want := range tt.want {
				if got := gjson.GetBytes(out, path).Raw; got != want {
					t.Errorf("%s = %s, want %s (body %s)", path, got, want, out)
				}
			}
		})
	}
}

func TestSetErrors(t *testing.T) {
	const body = `{"data": {"status": "delivered", "list": [1]}}`
	tests := []struct {
		name   string
		raw    string
		format codec.Format
		set    string
		want   string
	}{
		{"no equals", body, codec.FormatJSON, "data.status", "is not path=value"},
		{"no path", body, codec.FormatJSON, "=x", "has no path"},
		{"wildcard", body, codec.FormatJSON, "data.*=x", `holds "*"`},
		{"query", body, codec.FormatJSON, "data.list.#=x", `holds "#"`},
		{"modifier", body, codec.FormatJSON, "@this=x", `holds "@"`},
		{"empty part", body, codec.FormatJSON, "data..status=x", "empty part"},
		{"trailing dot", body, codec.FormatJSON, "data.=x", "starts or ends with '.'"},
		{"inside a string", body, codec.FormatJSON, "data.status.code=x", "data.status is a string"},
		{"non-numeric array key", body, codec.FormatJSON, "data.list.x=1", "cannot set array element"},
		{"raw not JSON", body, codec.FormatJSON, "data.status:=FAILED", "is not JSON"},
		{"body not JSON", "status=ok", codec.FormatJSON, "status=x", "the body is not valid JSON"},
		{"body neither JSON nor form", "hello", "", "a=b", "neither"},
		{"raw in a form", "a=1", codec.FormatForm, "a:=2", "form fields are text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			var s Set
			if s, err = ParseSet(tt.set); err == nil {
				_, err = Body{Raw: []byte(tt.raw), Format: tt.format, Sets: []Set{s}}.Compile()
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestFormBody(t *testing.T) {
	b := Body{Raw: []byte("MessageSid=SM0123abcd&MessageStatus=sent&To=%2B1555"), Format: codec.FormatForm,
		Fresh: codec.Fields{MessageID: "MessageSid"}}
	for _, arg := range []string{"MessageStatus=delivered", "Body=hello world & more", "Stamp={{now}}"} {
		s, _ := ParseSet(arg)
		b.Sets = append(b.Sets, s)
	}
	b.TimeLayout = TimeLayoutSQL
	tmpl, err := b.Compile()
	if err != nil {
		t.Fatal(err)
	}
	got := string(tmpl.Render(fresh(1)))
	want := regexp.MustCompile(`^MessageSid=SM[0-9a-f]{8}&MessageStatus=delivered&To=%2B1555&Body=hello\+world\+%26\+more&Stamp=2024-05-06\+07:08:09$`)
	if !want.MatchString(got) {
		t.Errorf("form body = %q", got)
	}
}

func TestFormatOf(t *testing.T) {
	tests := []struct {
		ct   string
		kind codec.Format
		want codec.Format
	}{
		{"", codec.FormatJSON, codec.FormatJSON},
		{"application/json; charset=utf-8", codec.FormatForm, codec.FormatJSON},
		{"application/vnd.api+json", codec.FormatForm, codec.FormatJSON},
		{"application/x-www-form-urlencoded", codec.FormatJSON, codec.FormatForm},
		{"text/plain", codec.FormatJSON, ""},
	}
	for _, tt := range tests {
		if got := FormatOf(tt.ct, tt.kind); got != tt.want {
			t.Errorf("FormatOf(%q, %q) = %q, want %q", tt.ct, tt.kind, got, tt.want)
		}
	}
}

func TestProviderTimeLayout(t *testing.T) {
	reg := provider.Builtin()
	for name, want := range map[string]string{"dexatel": TimeLayoutSQL, "mobtexting": TimeLayoutSQL, "cellcast": "2006-01-02T15:04:05Z07:00"} {
		p, _ := reg.Lookup(name)
		if got := ProviderTimeLayout(p); got != want {
			t.Errorf("ProviderTimeLayout(%s) = %q, want %q", name, got, want)
		}
	}
}

func dexatelKind(t testing.TB, name string) *provider.Kind {
	t.Helper()
	p, err := provider.Builtin().Lookup("dexatel")
	if err != nil {
		t.Fatal(err)
	}
	k, err := p.Kind(name)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
