package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// sendTwilio posts a Messages create the way the SDK does and returns the sid.
func sendTwilio(t *testing.T, base, to, body, callback string) string {
	t.Helper()
	form := url.Values{"To": {to}, "From": {"+15017122661"}, "Body": {body}}
	if callback != "" {
		form.Set("StatusCallback", callback)
	}
	req, _ := http.NewRequest("POST", base+"/twilio/2010-04-01/Accounts/"+testAccount+"/Messages.json", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(testAccount, testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m struct {
		Sid string `json:"sid"`
	}
	if resp.StatusCode != 201 || json.NewDecoder(resp.Body).Decode(&m) != nil {
		t.Fatalf("create: status %d", resp.StatusCode)
	}
	return m.Sid
}

// TestOutcomes: each magic number and a config rule end in their final
// status, with Twilio's error code, through the callbacks the app gets.
func TestOutcomes(t *testing.T) {
	tests := []struct {
		to        string
		statuses  string // the callbacks' MessageStatus, in order
		errorCode string
		outcome   Outcome
	}{
		{"+15558670000", "sent,delivered", "", OutcomeDelivered},
		{"+15558670001", "failed", "30008", OutcomeFailed},
		{"+15558670002", "sent,undelivered", "30003", OutcomeUndelivered},
		{"+15558670003", "failed", "30036", OutcomeExpired},
		{"+15558670004", "sent,undelivered", "30007", OutcomeRejected},
		{"+15558670005", "sent", "", OutcomeNoFinal},
		{"+447700900123", "failed", "30003", OutcomeFailed}, // the rule
		{"+447700900002", "failed", "30003", OutcomeFailed}, // a rule beats a magic number
	}
	rules := []Rule{{To: "+44*", Outcome: OutcomeFailed, Error: "30003"}}
	for _, tt := range tests {
		t.Run(tt.to, func(t *testing.T) {
			a := newApp(t, 204)
			sb, base := newSandbox(t, Options{Rules: rules})
			id := sendTwilio(t, base, tt.to, "hi", a.srv.URL+"/status")
			want := strings.Split(tt.statuses, ",")
			m := waitFinal(t, sb, id, len(want))
			var got []string
			for i := range want {
				r := a.next(t)
				got = append(got, r.Form.Get("MessageStatus"))
				if i == len(want)-1 && r.Form.Get("ErrorCode") != tt.errorCode {
					t.Fatalf("ErrorCode %q, want %q", r.Form.Get("ErrorCode"), tt.errorCode)
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("callbacks %v, want %v", got, want)
			}
			if m.Outcome != tt.outcome || m.Status != want[len(want)-1] || m.Error != tt.errorCode || !m.Final {
				t.Fatalf("message %+v", m)
			}
		})
	}
}

func TestRuleMatching(t *testing.T) {
	r := Rule{To: "+44*", Outcome: OutcomeFailed}
	for to, want := range map[string]bool{"+447700900123": true, "+4": false, "+15558670000": false, "44": false} {
		if r.matches("twilio", to) != want {
			t.Errorf("%s: got %v", to, !want)
		}
	}
	if (Rule{To: "+1555*", Provider: "telnyx"}).matches("twilio", "+15551230000") {
		t.Error("a rule for telnyx matched twilio")
	}
	if !(Rule{To: "+1[555]?"}).matches("twilio", "+1[555]?") {
		t.Error("only * is a wildcard: brackets and ? are literal")
	}
}

// TestChaosRepeatsWithSeed: the same seed gives every message the same
// plan; another seed gives another run.
func TestChaosRepeatsWithSeed(t *testing.T) {
	chaos := Chaos{Fail: 0.2, Duplicate: 0.3, OutOfOrder: 0.3, Late: 0.2}
	run := func(seed uint64) string {
		p := planner{chaos: chaos, seed: seed, latency: time.Second}
		var b strings.Builder
		for seq := uint64(1); seq <= 50; seq++ {
			pl := p.plan(seq, twilioAPI{}, fmt.Sprintf("+1555867%04d", 1000+seq), "hi")
			fmt.Fprintf(&b, "%s %v", pl.Outcome, pl.Chaos)
			for _, st := range pl.Steps {
				fmt.Fprintf(&b, " %s/%v/%s", st.Status, st.Duplicate, st.After)
			}
			b.WriteByte('\n')
		}
		return b.String()
	}
	a, b, c := run(42), run(42), run(43)
	if a != b {
		t.Fatal("the same seed gave two different runs")
	}
	if a == c {
		t.Fatal("seeds 42 and 43 gave the same run")
	}
	for _, effect := range []string{"failed", "duplicate", "out-of-order", "late", "true"} {
		if !strings.Contains(a, effect) {
			t.Errorf("50 messages at these odds never showed %q:\n%s", effect, a)
		}
	}
}

// TestChaosEffects: out of order sends the final status first; a
// duplicate sends it twice, marked.
func TestChaosEffects(t *testing.T) {
	p := planner{chaos: Chaos{OutOfOrder: 1, Duplicate: 1}, seed: 1}
	pl := p.plan(1, twilioAPI{}, "+15558670000", "hi")
	var got []string
	for _, st := range pl.Steps {
		got = append(got, fmt.Sprintf("%s%s", st.Status, map[bool]string{true: "(dup)"}[st.Duplicate]))
	}
	if strings.Join(got, ",") != "delivered,delivered(dup),sent" {
		t.Fatalf("steps %v", got)
	}
}

func TestParseChaos(t *testing.T) {
	c, err := ParseChaos("fail=0.1,duplicate=0.05,out-of-order=0.2,late=1")
	if err != nil || c != (Chaos{0.1, 0.05, 0.2, 1}) {
		t.Fatalf("%+v %v", c, err)
	}
	if c, err := ParseChaos("0.5"); err != nil || c != (Chaos{0.5, 0.5, 0.5, 0.5}) {
		t.Fatalf("%+v %v", c, err)
	}
	for _, bad := range []string{"fail=2", "boom=0.1", "fail", "-1"} {
		if _, err := ParseChaos(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestSegments(t *testing.T) {
	tests := []struct {
		text     string
		parts    int
		encoding string
	}{
		{"Your code is 123456", 1, EncodingGSM},
		{strings.Repeat("a", 160), 1, EncodingGSM},
		{strings.Repeat("a", 161), 2, EncodingGSM},
		{strings.Repeat("a", 306), 2, EncodingGSM},
		{strings.Repeat("a", 307), 3, EncodingGSM},
		{strings.Repeat("€", 80), 1, EncodingGSM}, // escape table: 2 septets each
		{strings.Repeat("€", 81), 2, EncodingGSM}, // 162 septets
		{"It’s 123456", 1, EncodingUCS2},          // a curly quote
		{strings.Repeat("a", 70) + "’", 2, EncodingUCS2},
		{strings.Repeat("😀", 35), 1, EncodingUCS2}, // 70 UTF-16 units
		{strings.Repeat("😀", 36), 2, EncodingUCS2},
	}
	for _, tt := range tests {
		parts, enc := Segments(tt.text)
		if parts != tt.parts || enc != tt.encoding {
			t.Errorf("%.20q…: %d %s, want %d %s", tt.text, parts, enc, tt.parts, tt.encoding)
		}
	}
}

// TestChaosRunRepeats: two sandboxes with one seed, sent the same
// messages, give the same ids, outcomes, chaos and callbacks.
func TestChaosRunRepeats(t *testing.T) {
	run := func() string {
		a := newApp(t, 200)
		sb, base := newSandbox(t, Options{Seed: 42, Chaos: Chaos{Fail: 0.3, Duplicate: 0.3, OutOfOrder: 0.3, Late: 0.3}})
		for i := range 12 {
			sendTwilio(t, base, fmt.Sprintf("+1555867%04d", 1000+i), "hi", a.srv.URL)
		}
		ctxDrain(t, sb)
		var b strings.Builder
		for _, m := range sb.Messages(Filter{}) {
			fmt.Fprintf(&b, "%s %s %s %v:", m.ID, m.To, m.Outcome, m.Chaos)
			for _, cb := range m.Callbacks {
				fmt.Fprintf(&b, " %s/%v", cb.Status, cb.Duplicate)
			}
			b.WriteByte('\n')
		}
		return b.String()
	}
	first, second := run(), run()
	if first != second {
		t.Fatalf("seed 42 gave two runs:\n%s\n%s", first, second)
	}
	if !strings.Contains(first, "duplicate") || !strings.Contains(first, "failed") {
		t.Fatalf("12 messages at these odds showed no chaos:\n%s", first)
	}
}
