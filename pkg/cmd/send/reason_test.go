package send

import (
	"strings"
	"testing"
)

func TestReplyReason(t *testing.T) {
	many := `{"error":"no route for POST /x","reason":"no_route","routes":["/a","/b","/c","/d","/e","/f","/g","/h","/i","/j"]}`
	tests := []struct {
		name, body, want string
	}{
		{"listen's 401", `{"error":"invalid signature","reason":"mismatch","message":"X-Dexatel-Signature does not match the body","id":"01X"}`,
			"invalid signature (mismatch): X-Dexatel-Signature does not match the body"},
		{"the provider's routes", `{"error":"no route for POST /dexatl","reason":"no_route","routes":["/cellcast","/dexatel","/dexatel/delivery","/dexatelx"]}`,
			"no route for POST /dexatl (no_route); routes: /dexatel, /dexatel/delivery"},
		{"all routes, at most eight", many, "no route for POST /x (no_route); routes: /a, /b, /c, /d, /e, /f, /g, /h, … (2 more)"},
		{"first line of text", "Forbidden\nmore detail\n", "Forbidden"},
		{"controls escaped", "bad \x1b[31mred\x1b[0m\r\u0085end", `bad \x1b[31mred\x1b[0m\r\x85end`},
		{"a page is not a reason", strings.Repeat("x", maxReasonBody+1), ""},
		{"not UTF-8", "\xff\xfe", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := replyReason([]byte(tt.body), "dexatel"); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}
