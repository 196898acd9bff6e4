package iostreams

import (
	"bytes"
	"strings"
	"testing"
)

func TestColorDecision(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		mode ColorMode
		tty  bool
		want bool
	}{
		{"tty", nil, ColorAuto, true, true},
		{"pipe", nil, ColorAuto, false, false},
		{"NO_COLOR on a tty", map[string]string{"NO_COLOR": "1"}, ColorAuto, true, false},
		{"CLICOLOR_FORCE on a pipe", map[string]string{"CLICOLOR_FORCE": "1"}, ColorAuto, false, true},
		{"CLICOLOR_FORCE=0", map[string]string{"CLICOLOR_FORCE": "0"}, ColorAuto, false, false},
		{"NO_COLOR beats CLICOLOR_FORCE", map[string]string{"NO_COLOR": "1", "CLICOLOR_FORCE": "1"}, ColorAuto, false, false},
		{"TERM=dumb", map[string]string{"TERM": "dumb"}, ColorAuto, true, false},
		{"--color always beats NO_COLOR", map[string]string{"NO_COLOR": "1"}, ColorAlways, false, true},
		{"--color never beats CLICOLOR_FORCE", map[string]string{"CLICOLOR_FORCE": "1"}, ColorNever, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, _, _ := Test()
			s.readEnv(func(k string) string { return tt.env[k] })
			s.SetColorMode(tt.mode)
			s.SetTTY(false, tt.tty, tt.tty)
			if got := s.ColorEnabled(); got != tt.want {
				t.Errorf("ColorEnabled = %v, want %v", got, tt.want)
			}
			if got := s.ErrColorEnabled(); got != tt.want {
				t.Errorf("ErrColorEnabled = %v, want %v", got, tt.want)
			}
			if s.JSONColorEnabled() && !tt.tty {
				t.Error("JSON must not be colored on a pipe")
			}
		})
	}
}

func TestColorPerStream(t *testing.T) {
	s, _, _, _ := Test()
	s.SetTTY(false, false, true) // stdout piped, stderr on a terminal
	if s.ColorEnabled() || !s.ErrColorEnabled() {
		t.Fatal("color must be decided per stream")
	}
	if got := s.ColorScheme().Red("x"); got != "x" {
		t.Errorf("stdout scheme painted %q", got)
	}
	if got := s.ErrColorScheme().Red("x"); !strings.Contains(got, "\x1b[") {
		t.Errorf("stderr scheme did not paint: %q", got)
	}
}

func TestParseColorMode(t *testing.T) {
	for in, want := range map[string]ColorMode{"": ColorAuto, "AUTO": ColorAuto, "always": ColorAlways, "never": ColorNever} {
		if got, err := ParseColorMode(in); err != nil || got != want {
			t.Errorf("ParseColorMode(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseColorMode("sometimes"); err == nil {
		t.Error("want an error")
	}
}

func TestWriteJSONKeepsHTML(t *testing.T) {
	var buf bytes.Buffer
	WriteJSON(&buf, map[string]string{"a": "<b>&"}, false)
	if buf.String() != "{\n  \"a\": \"<b>&\"\n}\n" {
		t.Errorf("got %q", buf.String())
	}
}

func TestPrettyBodyLeavesInputAlone(t *testing.T) {
	raw := []byte(`{"b":1,"a":[1,2]}`)
	orig := bytes.Clone(raw)
	out := PrettyBody(raw, true)
	if !bytes.Equal(raw, orig) || !bytes.Contains(out, []byte("\x1b[")) {
		t.Errorf("out %q raw %q", out, raw)
	}
	if got := PrettyBody([]byte("a=b"), true); string(got) != "a=b" {
		t.Errorf("non-JSON changed: %q", got)
	}
}
