package capture

import (
	"math"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/codec"
)

// filled sets every field reachable from v to a value that differs from
// the zero value and from every other field's, so that a field the compact
// form forgets shows in a round trip.
func filled(t *testing.T, v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString("s" + string(rune('A'+*n%26)) + "\xff" + time.Duration(*n).String())
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(-*n * 1000))
	case reflect.Float64:
		v.SetFloat(float64(*n) + 0.25)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		filled(t, v.Elem(), n)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 { // Event.Raw, which no form keeps
			return
		}
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			filled(t, v.Index(i), n)
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		for range 2 {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			filled(t, k, n)
			filled(t, e, n)
			v.SetMapIndex(k, e)
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 11, 30, 14, 0, 0, *n, time.UTC)))
			return
		}
		for i := range v.NumField() {
			filled(t, v.Field(i), n)
		}
	default:
		t.Fatalf("filled: no value for a %s", v.Type())
	}
}

// sameRecord compares two records; times by instant and offset (the
// binary form keeps the offset, not the zone's name).
func sameRecord(t *testing.T, got, want *Record) {
	t.Helper()
	_, gotOff := got.ReceivedAt.Zone()
	_, wantOff := want.ReceivedAt.Zone()
	if !got.ReceivedAt.Equal(want.ReceivedAt) || gotOff != wantOff {
		t.Errorf("received_at %v, want %v", got.ReceivedAt, want.ReceivedAt)
	}
	g, w := *got, *want
	g.ReceivedAt, w.ReceivedAt = time.Time{}, time.Time{}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("round trip differs:\n got %#v\nwant %#v", g, w)
	}
}

func TestCompactRoundTrip(t *testing.T) {
	var every Record
	n := 0
	filled(t, reflect.ValueOf(&every).Elem(), &n)

	weird := "tab\there \"q\" \x00\x1f \xff\xfe not UTF-8 \u2028 🙂"
	empty := ""
	tests := map[string]*Record{
		"every field": &every,
		"zero":        {},
		"empty and nil": {BodyText: &empty, Headers: http.Header{"Nil": nil, "Empty": {}, "Two": {"", weird}},
			Verification: Verification{Diagnosis: &Diagnosis{Checks: []VerificationCheck{}}}, Reply: Reply{Headers: http.Header{}}},
		"base64 bodies":  {BodyBase64: "AAE=", Reply: Reply{Status: 502, BodyBase64: "AA=="}},
		"a zone":         {ReceivedAt: time.Date(1, 2, 3, 4, 5, 6, 7, time.FixedZone("CEST", 7200))},
		"far years":      {ReceivedAt: time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC), Forward: &Forward{DurationMS: math.Inf(1), Status: -1}},
		"event, no diag": {Event: &codec.Event{Text: weird, Status: codec.StatusDelivered}, Verification: Verification{Valid: true}},
	}
	for name, rec := range tests {
		t.Run(name, func(t *testing.T) {
			b, err := AppendCompact([]byte("prefix"), rec)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseCompact(string(b[len("prefix"):]))
			if err != nil {
				t.Fatal(err)
			}
			want := *rec
			if rec.Event != nil {
				ev := *rec.Event
				ev.Raw = nil // not kept, as in a line
				want.Event = &ev
			}
			sameRecord(t, got, &want)
		})
	}
}

func TestParseCompactRefusesWhatIsNotOne(t *testing.T) {
	var every Record
	n := 0
	filled(t, reflect.ValueOf(&every).Elem(), &n)
	b, err := AppendCompact(nil, &every)
	if err != nil {
		t.Fatal(err)
	}
	for i := range len(b) { // every cut short, at every byte
		if _, err := ParseCompact(string(b[:i])); err == nil {
			t.Fatalf("the first %d of %d bytes were read as a record", i, len(b))
		}
	}
	if _, err := ParseCompact(string(append(b, 0))); err == nil {
		t.Fatal("a byte after the record was ignored")
	}
	line, _ := AppendLine(nil, &every)
	if _, err := ParseCompact(string(line)); err == nil {
		t.Fatal("a JSON line was read as the compact form")
	}
}

// FuzzParseCompact: any bytes are refused or read, never a panic or a
// huge allocation; what is read writes back the same.
func FuzzParseCompact(f *testing.F) {
	var every Record
	n := 0
	filled(&testing.T{}, reflect.ValueOf(&every).Elem(), &n)
	b, _ := AppendCompact(nil, &every)
	f.Add(b)
	f.Add([]byte{compactTag})
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := ParseCompact(string(b))
		if err != nil {
			return
		}
		again, err := AppendCompact(nil, rec)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseCompact(string(again))
		if err != nil {
			t.Fatal(err)
		}
		sameRecord(t, back, rec)
	})
}

func BenchmarkAppendCompact(b *testing.B) {
	rec := testRecord(1)
	b.Run("compact", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf, _ = AppendCompact(buf[:0], rec)
		}
	})
	b.Run("line", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf, _ = appendRecord(buf[:0], rec)
		}
	})
}
