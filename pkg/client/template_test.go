package client

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

var fixedNow = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

func fresh(seq int) *Fresh { return &Fresh{Seq: seq, Now: fixedNow, Rand: NewRand()} }

func TestTemplateRender(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		layout string
		form   bool
		want   string // a regexp the whole rendering must match
	}{
		{"literal", `{"a": 1}`, "", false, `^\{"a": 1\}$`},
		{"uuid", `{"id":"{{uuid}}"}`, "", false, `^\{"id":"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"\}$`},
		{"now sql", `{{now}}`, TimeLayoutSQL, false, `^2024-05-06 07:08:09$`},
		{"now default is RFC 3339", `{{now}}`, "", false, `^2024-05-06T07:08:09Z$`},
		{"now unix layout", `{{now}}`, TimeLayoutUnix, false, `^1714979289$`},
		{"now in a form body", `t={{now}}`, TimeLayoutSQL, true, `^t=2024-05-06\+07:08:09$`},
		{"unix", `{{unix}}`, "", false, `^1714979289$`},
		{"seq", `n={{seq}}`, "", false, `^n=7$`},
		{"rand", `{{rand 12}}`, "", false, `^[0-9]{12}$`},
		{"hex", `{{hex 24}}`, "", false, `^[0-9a-f]{24}$`},
		{"spaces inside braces", `{{ rand  3 }}`, "", false, `^[0-9]{3}$`},
		{"single braces stay", `{"a":{"b":{}}}`, "", false, `^\{"a":\{"b":\{\}\}\}$`},
		{"several", `{{seq}}-{{seq}}:{{rand 2}}`, "", false, `^7-7:[0-9]{2}$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, err := ParseTemplate([]byte(tt.body), TemplateOptions{TimeLayout: tt.layout, Form: tt.form})
			if err != nil {
				t.Fatal(err)
			}
			got := string(tmpl.Render(fresh(7)))
			if !regexp.MustCompile(tt.want).MatchString(got) {
				t.Errorf("rendered %q, want a match for %s", got, tt.want)
			}
		})
	}
}

func TestTemplateErrors(t *testing.T) {
	tests := []struct{ body, want string }{
		{`{"id": "{{uid}}"}`, "unknown placeholder"},
		{`{"id": "{{uuid"}`, "unclosed {{ at byte 9"},
		{`{{rand}}`, "write {{rand N}}"},
		{`{{rand 0}}`, "N must be a number from 1 to 64"},
		{`{{hex 65}}`, "N must be a number from 1 to 64"},
		{`{{rand x}}`, "N must be a number"},
		{`{{seq 2}}`, "{{seq}} takes no argument"},
		{`{{}}`, "is empty"},
	}
	for _, tt := range tests {
		_, err := ParseTemplate([]byte(tt.body), TemplateOptions{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseTemplate(%q) error = %v, want it to contain %q", tt.body, err, tt.want)
		}
	}
}

func TestTemplateStatic(t *testing.T) {
	static, _ := ParseTemplate([]byte(`{"a":1}`), TemplateOptions{})
	dynamic, _ := ParseTemplate([]byte(`{"a":{{seq}}}`), TemplateOptions{})
	if !static.Static() || dynamic.Static() {
		t.Errorf("Static() = %v, %v; want true, false", static.Static(), dynamic.Static())
	}
	if got := LiteralTemplate([]byte("{{uuid}}")).Render(fresh(1)); string(got) != "{{uuid}}" {
		t.Errorf("a literal template rendered %q", got)
	}
}

func TestUUIDsAreDistinct(t *testing.T) {
	tmpl, _ := ParseTemplate([]byte("{{uuid}}"), TemplateOptions{})
	f := fresh(1)
	seen := map[string]bool{}
	for i := 0; i < 10000; i++ {
		u := string(tmpl.Render(f))
		if seen[u] {
			t.Fatalf("uuid %s came twice", u)
		}
		seen[u] = true
	}
}

func TestTimeLayoutOf(t *testing.T) {
	tests := map[string]string{
		"2022-03-01 13:00:00":             TimeLayoutSQL,
		"2022-03-01T13:00:00Z":            time.RFC3339,
		"2022-03-01T13:00:00+05:30":       "2006-01-02T15:04:05-07:00",
		"2024-03-01T13:00:05.000Z":        "2006-01-02T15:04:05.000Z07:00", // Bandwidth
		"2019-12-09T21:32:14.148+00:00":   "2006-01-02T15:04:05.000-07:00", // Telnyx
		"2022-03-01T13:00:00.123456789Z":  "2006-01-02T15:04:05.000000000Z07:00",
		"1646139600":                      TimeLayoutUnix,
		"yesterday":                       "",
		"":                                "",
		"2022-03-01":                      "",
		"2022-03-01 13:00:00 +0000 UTC":   "",
		"2022-03-01T13:00:00.5Z trailing": "",
	}
	for value, want := range tests {
		if got := TimeLayoutOf(value); got != want {
			t.Errorf("TimeLayoutOf(%q) = %q, want %q", value, got, want)
		}
		if want != "" && want != TimeLayoutUnix {
			// Rendering the clock in the layout gives a value of the same length.
			if got := fixedNow.Format(want); len(got) != len(value) {
				t.Errorf("layout %q renders %q, not the shape of %q", want, got, value)
			}
		}
	}
}

func TestFreshIDTemplate(t *testing.T) {
	tests := map[string]string{
		"e4fb1353-8ded-4ec7-991e-a757ea213106":   "{{uuid}}",
		"b34e35ad-fe34-4a8b-977c-b21cd76cd7d6:1": "{{uuid}}:1", // MOBtexting keeps its part number
		"66b5b93b1e2c012dfe964000":               "{{like 66b5b93b1e2c012dfe964000}}",
		"SM1f0e8ae6ade43cb3c0ce4525424e404f":     "{{like SM1f0e8ae6ade43cb3c0ce4525424e404f}}",
		"":                                       "{{uuid}}",
		"has space":                              "{{uuid}}",
		"a{{b":                                   "{{uuid}}",
	}
	for id, want := range tests {
		if got := FreshIDTemplate(id); got != want {
			t.Errorf("FreshIDTemplate(%q) = %q, want %q", id, got, want)
		}
	}
}

// {{like SAMPLE}} keeps a provider's id shape: its prefix, hex as hex (of
// the same case), digits as digits, letters as letters.
func TestLike(t *testing.T) {
	tests := map[string]string{
		"SM1f0e8ae6ade43cb3c0ce4525424e404f": `^SM[0-9a-f]{32}$`,                                                          // Twilio
		"66b5b93b1e2c012dfe964000":           `^[0-9a-f]{24}$`,                                                            // Cellcast
		"0A0000001234567B":                   `^[0-9A-F]{16}$`,                                                            // Vonage
		"msg_2bXk":                           `^msg_[0-9][a-z][A-Z][a-z]$`,                                                // Standard Webhooks
		"01FC66621XXXXX119Z8PMV1QPQ":         `^[0-9]{2}[A-Z]{2}[0-9]{5}[A-Z]{5}[0-9]{3}[A-Z][0-9][A-Z]{3}[0-9][A-Z]{3}$`, // Sinch
		"1589228074636lm4k2je7j7jklbn2":      `^[0-9]{13}[a-z]{2}[0-9][a-z][0-9][a-z]{2}[0-9][a-z][0-9][a-z]{5}[0-9]$`,    // Bandwidth
		"12345678":                           `^[0-9]{8}$`,
		"abc-12:x":                           `^abc-[0-9]{2}:[a-z]$`,
	}
	for sample, want := range tests {
		tmpl, err := ParseTemplate([]byte("{{like "+sample+"}}"), TemplateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		f := fresh(1)
		seen := map[string]bool{}
		for i := 0; i < 50; i++ {
			got := string(tmpl.Render(f))
			if !regexp.MustCompile(want).MatchString(got) {
				t.Fatalf("{{like %s}} rendered %q, want %s", sample, got, want)
			}
			seen[got] = true
		}
		if len(seen) < 45 {
			t.Errorf("{{like %s}}: %d distinct values in 50", sample, len(seen))
		}
	}
	if _, err := ParseTemplate([]byte("{{like}}"), TemplateOptions{}); err == nil {
		t.Error("{{like}} without a sample was accepted")
	}
}
