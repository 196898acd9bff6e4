package sandbox

import (
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	twclient "github.com/twilio/twilio-go/client"
)

// TestAutoReplyMatches: the first rule that matches the provider, number
// and text answers; only delivered messages are answered.
func TestAutoReplyMatches(t *testing.T) {
	replies := []AutoReply{
		{To: "+44*", Provider: "telnyx", Reply: "TELNYX UK"},
		{Text: regexp.MustCompile(`(?i)\bunsubscribe\b`), Reply: "STOP", After: 3 * time.Second},
		{To: "+1555*", Text: regexp.MustCompile(`code \d+`), Reply: "thanks"},
	}
	tests := []struct {
		api      providerAPI
		to, text string
		outcome  Outcome
		want     string // "" for no reply
	}{
		{telnyxAPI{}, "+447700900123", "hi", OutcomeDelivered, "TELNYX UK"},
		{twilioAPI{}, "+447700900123", "hi", OutcomeDelivered, ""},
		{twilioAPI{}, "+447700900123", "Sale! Reply UNSUBSCRIBE to stop", OutcomeDelivered, "STOP"},
		{twilioAPI{}, "+15558675310", "Your code 123456", OutcomeDelivered, "thanks"},
		{twilioAPI{}, "+16668675310", "Your code 123456", OutcomeDelivered, ""},
		{twilioAPI{}, "+15558675310", "Your code 123456", OutcomeFailed, ""},
		{twilioAPI{}, "+15558675310", "Your code 123456", OutcomeNoFinal, ""},
		{messagebirdAPI{}, "+15558675310", "Reply UNSUBSCRIBE", OutcomeDelivered, ""}, // no inbound webhook played
	}
	p := planner{replies: replies, seed: 7, latency: time.Second}
	for _, tt := range tests {
		got := p.reply(1, tt.outcome, tt.api, tt.to, tt.text)
		switch {
		case tt.want == "" && got != nil:
			t.Errorf("%s %s %q %s: reply %q, want none", tt.api.name(), tt.to, tt.text, tt.outcome, got.Text)
		case tt.want != "" && (got == nil || got.Text != tt.want):
			t.Errorf("%s %s %q %s: reply %+v, want %q", tt.api.name(), tt.to, tt.text, tt.outcome, got, tt.want)
		}
	}
	if r := p.reply(1, OutcomeDelivered, twilioAPI{}, "+1", "unsubscribe"); r.After != 3*time.Second {
		t.Errorf("after: %s, want the rule's 3s", r.After)
	}
}

// TestAutoReplySeeded: a reply's wait without after is the latency,
// jittered from the seed: the same seed repeats, and the replies do not
// shift the outcomes and chaos of the run.
func TestAutoReplySeeded(t *testing.T) {
	chaos := Chaos{Fail: 0.2, Duplicate: 0.3, OutOfOrder: 0.3, Late: 0.2}
	run := func(seed uint64, replies []AutoReply) (plans, waits string) {
		p := planner{chaos: chaos, seed: seed, latency: time.Second, replies: replies}
		var b, w strings.Builder
		for seq := uint64(1); seq <= 30; seq++ {
			pl := p.plan(seq, twilioAPI{}, "+15558671234", "hi")
			b.WriteString(string(pl.Outcome) + strings.Join(pl.Chaos, ","))
			for _, st := range pl.Steps {
				b.WriteString(" " + st.After.String())
			}
			if pl.Reply != nil {
				w.WriteString(pl.Reply.After.String() + " ")
			}
		}
		return b.String(), w.String()
	}
	stop := []AutoReply{{Reply: "STOP"}}
	plansWith, waits := run(42, stop)
	plansWithout, _ := run(42, nil)
	_, again := run(42, stop)
	_, other := run(43, stop)
	if plansWith != plansWithout {
		t.Fatal("auto-replies changed the run's outcomes or chaos")
	}
	if waits != again || waits == "" {
		t.Fatalf("the same seed gave other reply waits: %q vs %q", waits, again)
	}
	if waits == other {
		t.Fatal("seeds 42 and 43 gave the same reply waits")
	}
}

// TestAutoReplySent: a delivered message that matches gets the
// recipient's answer on the inbound URL, signed as Twilio signs, after the
// delivery report; a failed one gets none.
func TestAutoReplySent(t *testing.T) {
	a := newApp(t, 200)
	var mu sync.Mutex
	var events []Event
	sb, base := newSandbox(t, Options{
		InboundURL: a.srv.URL + "/sms/inbound",
		Replies:    []AutoReply{{Text: regexp.MustCompile(`(?i)reply stop`), Reply: "STOP"}},
		OnEvent:    func(ev Event) { mu.Lock(); events = append(events, ev); mu.Unlock() },
	})
	id := sendTwilio(t, base, "+15558675310", "Offers! Reply STOP to opt out", a.srv.URL+"/status")
	failed := sendTwilio(t, base, "+15558670001", "Offers! Reply STOP to opt out", a.srv.URL+"/status")
	ctxDrain(t, sb)
	var inbound []appRequest
	for range 4 { // sent, delivered, failed, and the answer
		if r := a.next(t); r.Path == "/sms/inbound" {
			inbound = append(inbound, r)
		}
	}
	if len(inbound) != 1 {
		t.Fatalf("%d answers, want 1", len(inbound))
	}
	r := inbound[0]
	params := map[string]string{}
	for k := range r.Form {
		params[k] = r.Form.Get(k)
	}
	v := twclient.NewRequestValidator(testToken)
	if !v.Validate(r.URL, params, r.Header.Get("X-Twilio-Signature")) {
		t.Fatal("RequestValidator refused the auto-reply")
	}
	if r.Form.Get("Body") != "STOP" || r.Form.Get("From") != "+15558675310" || r.Form.Get("To") != "+15017122661" {
		t.Fatalf("auto-reply form %v", r.Form)
	}
	replies := sb.Messages(Filter{From: "+15558675310"})
	if len(replies) != 1 || replies[0].InReplyTo != id || replies[0].Direction != DirectionInbound || !replies[0].Callbacks[0].OK {
		t.Fatalf("stored replies %+v", replies)
	}
	if got := sb.Messages(Filter{From: "+15558670001"}); len(got) != 0 {
		t.Fatalf("the failed message %s was answered: %+v", failed, got)
	}
	// The answer comes after the delivery report, before the life ends.
	mu.Lock()
	defer mu.Unlock()
	var order []string
	for _, ev := range events {
		if ev.Message.ID == id || ev.Message.InReplyTo == id {
			order = append(order, ev.Type)
		}
	}
	if got := strings.Join(order, ","); got != "message,callback,callback,inbound,finished" {
		t.Fatalf("events %s", got)
	}
}

// TestAutoReplyNowhere: with no inbound URL the answer cannot be sent,
// and an inbound event says why (CI mode counts it as a failure).
func TestAutoReplyNowhere(t *testing.T) {
	var mu sync.Mutex
	var failed []Callback
	sb, base := newSandbox(t, Options{
		Replies: []AutoReply{{Reply: "STOP"}},
		OnEvent: func(ev Event) {
			if ev.Type == EventInbound {
				mu.Lock()
				failed = append(failed, *ev.Callback)
				mu.Unlock()
			}
		},
	})
	sendTwilio(t, base, "+15558675310", "hi", "")
	ctxDrain(t, sb)
	mu.Lock()
	defer mu.Unlock()
	if len(failed) != 1 || failed[0].OK || !strings.Contains(failed[0].ReplyError, "--inbound-url") {
		t.Fatalf("events %+v", failed)
	}
}
