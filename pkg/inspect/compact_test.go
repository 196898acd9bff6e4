package inspect

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestPackUnpackRoundTrip(t *testing.T) {
	ms := 1.5
	full := Summary{Seq: 7, ID: "01A", Time: t0.Add(123 * time.Nanosecond), Profile: "prod", Provider: "twilio", Kind: "status",
		EventKind: "delivery", MessageID: "SM1", From: "+1", To: "+2", Status: "failed", RawStatus: "undelivered",
		EventTime: "2024-05-01T10:00:00Z", Verdict: "invalid", Reason: "mismatch", ReplyStatus: 401, LatencyMS: &ms,
		Method: "POST", Path: "/twilio/status", BodySize: 42}
	long := full
	long.MessageID = strings.Repeat("m", 70000)
	zeroTime := full
	zeroTime.Time = time.Time{}
	far := full
	far.Time = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC) // beyond Unix ns
	empty := Summary{Seq: 7, ID: "~7", Verdict: "invalid", Unrouted: true}
	for name, s := range map[string]Summary{"full": full, "long field": long, "zero time": zeroTime, "far time": far, "empty": empty} {
		latency := float32(-1)
		if s.LatencyMS != nil {
			latency = float32(*s.LatencyMS)
		}
		// A file's entry, then a ring's, which keeps its record after the fields.
		for _, compact := range []string{"", "c\x00record"} {
			x := NewRing(0)
			kept := ""
			if compact != "" {
				fields := packedFieldsOf(&s)
				kept = new(ringWriter).keep(fields[:], []byte(compact))
			}
			e := x.pack(&s, latency, kept)
			got := withLatency(&e, x.unpack(&e, 7))
			if !reflect.DeepEqual(got, s) {
				t.Errorf("%s, compact %q:\n got %+v\nwant %+v", name, compact, got, s)
			}
			if e.id() != s.ID || x.unrouted(&e) != s.Unrouted || e.compact() != compact {
				t.Errorf("%s: id %q unrouted %v compact %q", name, e.id(), x.unrouted(&e), e.compact())
			}
		}
	}
}

func TestShapesAreBounded(t *testing.T) {
	x := NewRing(0)
	for i := range maxShapes + 10 {
		s := Summary{ID: "x", Reason: strings.Repeat("r", i%100) + itoa(int64(i)), Verdict: "invalid"}
		e := x.pack(&s, -1, "")
		if got := x.unpack(&e, 1); got.Reason != s.Reason {
			t.Fatalf("%d: reason %q", i, got.Reason)
		}
	}
	if len(x.shapes) != maxShapes {
		t.Fatalf("%d shapes", len(x.shapes))
	}
}
