package iostreams

import "testing"

func TestCanRedrawStderr(t *testing.T) {
	for _, tc := range []struct {
		tty  bool
		term string
		want bool
	}{
		{true, "xterm-256color", true},
		{true, "dumb", false},
		{false, "xterm-256color", false},
	} {
		s, _, _, _ := Test()
		s.readEnv(func(k string) string {
			if k == "TERM" {
				return tc.term
			}
			return ""
		})
		s.SetTTY(false, false, tc.tty)
		if got := s.CanRedrawStderr(); got != tc.want {
			t.Errorf("tty=%v TERM=%s: CanRedrawStderr() = %v, want %v", tc.tty, tc.term, got, tc.want)
		}
	}
}
