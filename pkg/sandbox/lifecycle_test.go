package sandbox

import (
	"strings"
	"testing"
)

// TestLifecycles: for every provider played, each outcome's life ends in
// one final step (no_final: none), a failure carries a status of its own,
// and the provider says where its API shape comes from.
func TestLifecycles(t *testing.T) {
	for _, a := range allAPIs() {
		t.Run(a.name(), func(t *testing.T) {
			final := map[Outcome]string{}
			for _, o := range Outcomes {
				steps := a.lifecycle(o)
				finals := 0
				for i, st := range steps {
					if st.Status == "" {
						t.Fatalf("%s: step %d has no status", o, i)
					}
					if st.Final {
						finals++
						if i != len(steps)-1 {
							t.Fatalf("%s: a final step before the last", o)
						}
						final[o] = st.Status + "/" + st.Error
					}
				}
				if want := map[bool]int{true: 0, false: 1}[o == OutcomeNoFinal]; finals != want {
					t.Fatalf("%s: %d final steps, want %d", o, finals, want)
				}
			}
			if final[OutcomeDelivered] == final[OutcomeFailed] || final[OutcomeDelivered] == final[OutcomeExpired] {
				t.Fatalf("a failure reads like a delivery: %v", final)
			}
			api, ok := SendAPIOf(a.name())
			if !ok || api.Evidence == "" || api.Request == "" || !strings.HasPrefix(api.Base, "/") {
				t.Fatalf("SendAPI %+v", api)
			}
		})
	}
}
