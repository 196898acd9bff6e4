package client

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/smshook/smshook/pkg/provider"
)

func mobtextingHandshake(t testing.TB) *provider.Handshake {
	t.Helper()
	p, err := provider.Builtin().Lookup("mobtexting")
	if err != nil {
		t.Fatal(err)
	}
	return p.Handshake
}

func TestHandshakeRequest(t *testing.T) {
	h := mobtextingHandshake(t)
	tests := map[string]string{
		"http://127.0.0.1:3000/hook":              "http://127.0.0.1:3000/hook?token=9012+XX",
		"http://127.0.0.1:3000/hook?b=2&a=1":      "http://127.0.0.1:3000/hook?b=2&a=1&token=9012+XX",
		"http://127.0.0.1:3000/hook?token=old&a=": "http://127.0.0.1:3000/hook?a=&token=9012+XX",
	}
	for target, want := range tests {
		req, err := HandshakeRequest(h, target, "9012 XX", "ch4llenge")
		if err != nil {
			t.Fatal(err)
		}
		if req.URL != want {
			t.Errorf("URL %q, want %q", req.URL, want)
		}
		if u, _ := url.Parse(req.URL); u.Query().Get("token") != "9012 XX" {
			t.Errorf("the token does not read back from %s", req.URL)
		}
		if string(req.Body) != `{"validation_key":"9012 XX","challenge":"ch4llenge"}` {
			t.Errorf("body %s", req.Body)
		}
		if req.Method != "POST" || req.Header.Get("Content-Type") != "application/json" {
			t.Errorf("method %s, content type %q", req.Method, req.Header.Get("Content-Type"))
		}
	}
}

func TestCheckHandshake(t *testing.T) {
	h := mobtextingHandshake(t)
	jsonType := http.Header{"Content-Type": {"application/json"}}
	tests := []struct {
		name     string
		status   int
		header   http.Header
		body     string
		passed   bool
		problem  string
		warning  string
		warnings int
	}{
		{"key and challenge echoed", 200, jsonType, `{"validation_key":"K1","challenge":"C1"}`, true, "", "", 0},
		{"extra fields are fine", 200, jsonType, `{"ok":true,"validation_key":"K1","challenge":"C1"}`, true, "", "", 0},
		{"no challenge: a warning", 200, jsonType, `{"validation_key":"K1"}`, true, "", "does not echo challenge", 1},
		{"wrong key", 200, jsonType, `{"validation_key":"nope","challenge":"C1"}`, false, `validation_key is "nope", not the key sent ("K1")`, "", 0},
		{"missing key", 200, jsonType, `{"challenge":"C1"}`, false, "has no validation_key", "", 0},
		{"wrong challenge", 200, jsonType, `{"validation_key":"K1","challenge":"C2"}`, false, `challenge is "C2"`, "", 0},
		{"not JSON", 200, http.Header{"Content-Type": {"text/html"}}, `<html>ok</html>`, false, "not JSON (Content-Type: text/html)", "", 0},
		{"empty", 200, jsonType, ``, false, "body is empty", "", 0},
		{"not an object", 200, jsonType, `["K1"]`, false, "not an object", "", 0},
		{"not 200", 202, jsonType, `{"validation_key":"K1","challenge":"C1"}`, false, "answered 202 Accepted: it must answer 200", "", 0},
		{"server error", 500, nil, `oops`, false, "answered 500", "", 0},
		{"text content type: a warning", 200, http.Header{"Content-Type": {"text/plain"}}, `{"validation_key":"K1","challenge":"C1"}`, true, "", `Content-Type is "text/plain"`, 1},
		{"key as a number: a warning", 200, jsonType, `{"validation_key":1234,"challenge":"C1"}`, false, `is "1234"`, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "K1"
			c := CheckHandshake(h, key, "C1", tt.status, tt.header, []byte(tt.body))
			if c.Passed != tt.passed {
				t.Errorf("passed = %v; problems %q", c.Passed, c.Problems)
			}
			if tt.problem != "" && !strings.Contains(strings.Join(c.Problems, "|"), tt.problem) {
				t.Errorf("problems %q lack %q", c.Problems, tt.problem)
			}
			if len(c.Warnings) != tt.warnings || tt.warning != "" && !strings.Contains(strings.Join(c.Warnings, "|"), tt.warning) {
				t.Errorf("warnings %q, want %d with %q", c.Warnings, tt.warnings, tt.warning)
			}
		})
	}
	if c := CheckHandshake(h, "1234", "C1", 200, jsonType, []byte(`{"validation_key":1234,"challenge":"C1"}`)); !c.Passed || len(c.Warnings) != 1 {
		t.Errorf("a numeric key equal to the one sent: %+v", c)
	}
}

func TestRandomToken(t *testing.T) {
	a, b := RandomToken(16), RandomToken(16)
	if len(a) != 16 || a == b || strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
		t.Errorf("tokens %q %q", a, b)
	}
}
