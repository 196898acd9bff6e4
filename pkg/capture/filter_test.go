package capture

import (
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/codec"
)

func TestFilterMatch(t *testing.T) {
	at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	body := `{"data":{"status":"FAILED","text":"héllo"}}`
	rec := &Record{
		ID: "01HX", ReceivedAt: at, Profile: "dex-dev", Provider: "dexatel", Kind: "delivery",
		Verification: Verification{Valid: true},
		Event:        &codec.Event{Kind: codec.KindDelivery, MessageID: "msg-7", Status: codec.StatusFailed},
	}
	rec.SetBody([]byte(body))
	binary := &Record{ID: "bin", Verification: Verification{Reason: ReasonNotChecked}}
	binary.SetBody([]byte{0xff, 'n', 'e', 'e', 'd', 'l', 'e', 0})
	noEvent := &Record{ID: "404", Verification: Verification{Reason: "no_route"}}
	noEvent.SetBody(nil)

	tests := []struct {
		name   string
		filter Filter
		rec    *Record
		want   bool
	}{
		{"zero filter takes all", Filter{}, rec, true},
		{"zero filter takes a 404", Filter{}, noEvent, true},
		{"record id", Filter{IDs: []string{"01hx"}}, rec, true},
		{"message id", Filter{IDs: []string{"other", "msg-7"}}, rec, true},
		{"unknown id", Filter{IDs: []string{"nope"}}, rec, false},
		{"provider any of", Filter{Providers: []string{"cellcast", "DEXATEL"}}, rec, true},
		{"provider miss", Filter{Providers: []string{"cellcast"}}, rec, false},
		{"profile", Filter{Profiles: []string{"dex-dev"}}, rec, true},
		{"profile miss", Filter{Profiles: []string{"prod"}}, rec, false},
		{"provider's kind name", Filter{Kinds: []string{"delivery"}}, rec, true},
		{"normalized kind", Filter{Kinds: []string{"inbound"}}, &Record{Kind: "receive", Event: &codec.Event{Kind: codec.KindInbound}}, true},
		{"kind miss", Filter{Kinds: []string{"message"}}, rec, false},
		{"status", Filter{Statuses: []codec.Status{codec.StatusDelivered, codec.StatusFailed}}, rec, true},
		{"status miss", Filter{Statuses: []codec.Status{codec.StatusDelivered}}, rec, false},
		{"status needs an event", Filter{Statuses: []codec.Status{codec.StatusUnknown}}, noEvent, false},
		{"since is inclusive", Filter{Since: at}, rec, true},
		{"since after", Filter{Since: at.Add(time.Nanosecond)}, rec, false},
		{"until is exclusive", Filter{Until: at}, rec, false},
		{"until after", Filter{Until: at.Add(time.Second)}, rec, true},
		{"verified", Filter{Verdicts: []Verdict{VerdictVerified}}, rec, true},
		{"invalid", Filter{Verdicts: []Verdict{VerdictInvalid}}, rec, false},
		{"invalid takes a 404", Filter{Verdicts: []Verdict{VerdictInvalid}}, noEvent, true},
		{"unchecked", Filter{Verdicts: []Verdict{VerdictUnchecked}}, binary, true},
		{"body substring", Filter{BodyContains: `"FAILED"`}, rec, true},
		{"body substring is case-sensitive", Filter{BodyContains: "failed"}, rec, false},
		{"body substring in UTF-8", Filter{BodyContains: "héllo"}, rec, true},
		{"body substring in a base64 body", Filter{BodyContains: "needle"}, binary, true},
		{"every field must pass", Filter{Providers: []string{"dexatel"}, Statuses: []codec.Status{codec.StatusDelivered}}, rec, false},
	}
	for _, tt := range tests {
		if got := tt.filter.Match(tt.rec); got != tt.want {
			t.Errorf("%s: Match = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestParseTime(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	loc := time.FixedZone("here", 2*3600)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2024-05-01T10:00:00Z", time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)},
		{"2024-05-01T10:00:00.5+02:00", time.Date(2024, 5, 1, 8, 0, 0, 5e8, time.UTC)},
		{"2024-05-01", time.Date(2024, 5, 1, 0, 0, 0, 0, loc)},
		{"2024-05-01 10:30", time.Date(2024, 5, 1, 10, 30, 0, 0, loc)},
		{"2024-05-01 10:30:15", time.Date(2024, 5, 1, 10, 30, 15, 0, loc)},
		{"2h", now.Add(-2 * time.Hour)},
		{" 90m ", now.Add(-90 * time.Minute)},
	}
	for _, tt := range tests {
		got, err := ParseTime(tt.in, now, loc)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "-2h", "2024-13-01"} {
		if _, err := ParseTime(bad, now, loc); err == nil {
			t.Errorf("ParseTime(%q) succeeded", bad)
		}
	}
}

func TestParseVerdictAndStatus(t *testing.T) {
	for in, want := range map[string]Verdict{"verified": VerdictVerified, " INVALID ": VerdictInvalid, "unchecked": VerdictUnchecked} {
		if got, err := ParseVerdict(in); err != nil || got != want {
			t.Errorf("ParseVerdict(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseVerdict("valid"); err == nil {
		t.Error(`ParseVerdict("valid") succeeded`)
	}
	if got, err := ParseStatus("Delivered"); err != nil || got != codec.StatusDelivered {
		t.Errorf("ParseStatus = %v, %v", got, err)
	}
	if _, err := ParseStatus("DELIVRD"); err == nil {
		t.Error("ParseStatus takes raw provider statuses; it should take only normalized ones")
	}
}
