package inspect

import (
	"strings"
	"testing"
	"time"
)

func TestQueryMatch(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	failed := Summary{ID: "01A", Time: now.Add(-time.Hour), Provider: "twilio", Profile: "prod", Kind: "status",
		EventKind: "delivery", MessageID: "SM123", From: "+15550001", To: "+447700900", Status: "failed", Verdict: "invalid"}
	delivered := Summary{ID: "01B", Time: now.Add(-3 * time.Hour), Provider: "dexatel", Profile: "dexatel", Kind: "delivery",
		EventKind: "delivery", MessageID: "m-9", Status: "delivered", Verdict: "verified"}
	stray := Summary{ID: "01C", Time: now, Verdict: "invalid", Reason: "no_route", Unrouted: true, Path: "/favicon.ico"}
	bodies := map[string]string{"01A": `{"Body":"Your OTP is 1234"}`, "01B": `{"data":{"status":"DELIVERED"}}`, "01C": ""}
	all := []Summary{failed, delivered, stray}
	tests := []struct {
		q    string
		want string // ids, in order
	}{
		{``, "01A 01B"},
		{`provider:twilio`, "01A"},
		{`provider:TWILIO status:failed -verified`, "01A"},
		{`-provider:twilio`, "01B"},
		{`status:delivered`, "01B"},
		{`verified`, "01B"},
		{`invalid`, "01A"},
		{`-invalid`, "01B"},
		{`"otp"`, "01A"},
		{`otp`, "01A"},
		{`-"otp"`, "01B"},
		{`"OTP is 1234"`, "01A"},
		{`kind:delivery`, "01A 01B"},
		{`kind:status`, "01A"},
		{`profile:prod`, "01A"},
		{`id:sm12`, "01A"},
		{`from:+1555`, "01A"},
		{`to:+4477`, "01A"},
		{`since:2h`, "01A"},
		{`until:2h`, "01B"},
		{`since:2024-05-01T10:30:00Z until:2024-05-01T11:30:00Z`, "01A"},
		{`unrouted`, "01C"},
		{`unrouted favicon`, "01C"},
		{`provider:"twilio"`, "01A"},
		{`nothing-matches-this`, ""},
	}
	for _, tt := range tests {
		q, err := ParseQuery(tt.q, now, time.UTC)
		if err != nil {
			t.Errorf("ParseQuery(%q): %v", tt.q, err)
			continue
		}
		var got []string
		for i := range all {
			s := all[i]
			if q.Match(&s, func() []byte { return []byte(bodies[s.ID]) }) {
				got = append(got, s.ID)
			}
		}
		if g := strings.Join(got, " "); g != tt.want {
			t.Errorf("%q matched %q, want %q", tt.q, g, tt.want)
		}
	}
}

func TestQueryErrors(t *testing.T) {
	tests := []struct{ q, want string }{
		{`color:red`, `unknown filter "color:"`},
		{`status:lost`, `unknown status "lost"`},
		{`kind:`, `kind: needs a value`},
		{`since:yesterday`, `since: time "yesterday"`},
		{`"otp`, `a quote is not closed`},
		{`ab"c"`, `a quote in the middle`},
	}
	for _, tt := range tests {
		_, err := ParseQuery(tt.q, time.Now(), time.UTC)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseQuery(%q) = %v, want an error with %q", tt.q, err, tt.want)
		}
	}
}

func TestPathOf(t *testing.T) {
	for _, c := range []struct{ url, want string }{
		{"http://127.0.0.1:8787/dexatel/delivery?x=1", "/dexatel/delivery"},
		{"https://h/a%20b#frag", "/a%20b"},
		{"http://h", ""},
		{"http://h?q=/x", ""},
		{"/twilio?x", "/twilio"},
		{"http://u:p@h:1/p/", "/p/"},
	} {
		if got := pathOf(c.url); got != c.want {
			t.Errorf("pathOf(%q) = %q, want %q", c.url, got, c.want)
		}
	}
}
