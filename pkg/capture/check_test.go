package capture

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestValidateChecksIDAndRequest(t *testing.T) {
	ok := func() *Record {
		r := &Record{ID: NewID(time.Now()), Method: "POST", URL: "http://127.0.0.1:8787/dexatel",
			Headers: http.Header{"Content-Type": {"application/json"}, "X-Tab": {"a\tb"}, "X-Utf8": {"héllo"}}}
		r.SetBody([]byte("{}"))
		return r
	}
	if err := ok().Validate(); err != nil {
		t.Fatalf("a listener's record: %v", err)
	}
	for _, id := range []string{"", "r1", "a", "b34e35ad-fe34-4a8b-977c-b21cd76cd7d6:1", "msg_2bXk.Z9", strings.Repeat("a", 128)} {
		r := ok()
		r.ID = id
		if err := r.Validate(); err != nil {
			t.Errorf("id %q refused: %v", id, err)
		}
	}
	bad := map[string]func(r *Record){
		"id with a newline":     func(r *Record) { r.ID = "a\ntouch pwned" },
		"id with $()":           func(r *Record) { r.ID = "$(id)" },
		"id with a space":       func(r *Record) { r.ID = "a b" },
		"id starting with '-'":  func(r *Record) { r.ID = "-rf" },
		"id too long":           func(r *Record) { r.ID = strings.Repeat("a", 129) },
		"id with an escape":     func(r *Record) { r.ID = "a\x1b[2J" },
		"method with a newline": func(r *Record) { r.Method = "POST\nx" },
		"method with a space":   func(r *Record) { r.Method = "PO ST" },
		"url with a newline":    func(r *Record) { r.URL = "http://h/\nx" },
		"url with DEL":          func(r *Record) { r.URL = "http://h/\x7f" },
		"header name not token": func(r *Record) { r.Headers["X-A\nB"] = []string{"v"} },
		"header name with '@'":  func(r *Record) { r.Headers["@file"] = []string{"v"} },
		"header value with CR":  func(r *Record) { r.Headers["X-A"] = []string{"v\r\nX-B: 1"} },
		"header value with NUL": func(r *Record) { r.Headers["X-A"] = []string{"v\x00"} },
		"header value with ESC": func(r *Record) { r.Headers["X-A"] = []string{"\x1b]0;t\x07"} },
	}
	for name, spoil := range bad {
		r := ok()
		spoil(r)
		err := r.Validate()
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if strings.ContainsAny(err.Error(), "\n\r\x00\x1b\x07\x7f") {
			t.Errorf("%s: the message carries the bytes raw: %q", name, err)
		}
	}
}
