package suggest

import "testing"

func TestClosest(t *testing.T) {
	providers := []string{"cellcast", "dexatel", "messagebird", "mobtexting", "plivo", "twilio"}
	keys := []string{"provider", "secret", "secret_env", "secret_file", "url", "username", "password", "password_env"}
	for _, tc := range []struct {
		name       string
		candidates []string
		want       string
	}{
		{"dexatl", providers, "dexatel"},
		{"Dexatl", providers, "dexatel"},
		{"twlio", providers, "twilio"},
		{"twiilo", providers, "twilio"}, // swapped letters: one edit
		{"dexatel", providers, ""},      // exact: nothing to suggest
		{"DEXATEL", providers, ""},
		{"stripe", providers, ""},
		{"secrett", keys, "secret"},
		{"secret_evn", keys, "secret_env"},
		{"passwrd_env", keys, "password_env"},
		{"ur", keys, "url"},
		{"uri", keys, "url"},
		{"xyz", keys, ""}, // a short name needs a close match
		{"", keys, ""},
	} {
		if got := Closest(tc.name, tc.candidates); got != tc.want {
			t.Errorf("Closest(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestDidYouMean(t *testing.T) {
	if got := DidYouMean("secrett", []string{"secret"}); got != "; did you mean secret?" {
		t.Errorf("got %q", got)
	}
	if got := DidYouMean("zzz", []string{"secret"}); got != "" {
		t.Errorf("got %q", got)
	}
}
