package capture

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/codec"
)

// stdEncode is the reference: encoding/json with HTML escaping off.
func stdEncode(t testing.TB, r *Record) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fullEvent sets every string field of codec.Event through reflection, so a
// field added to Event later shows up here.
func fullEvent() *codec.Event {
	ev := &codec.Event{}
	v := reflect.ValueOf(ev).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.String {
			f.SetString("v<" + v.Type().Field(i).Name + ">&\u2028")
		}
	}
	ev.Raw = []byte("raw")
	return ev
}

func TestHandEncoderKnowsEveryField(t *testing.T) {
	if !handEncodable {
		t.Fatal("a record type gained or lost a field: teach appendRecord about it (encoding falls back to encoding/json meanwhile)")
	}
}

func TestAppendRecordMatchesEncodingJSON(t *testing.T) {
	weird := "tab\there \"q\" back\\slash \x01\x1f\b\f\r\n <html>&amp; \u2028\u2029 é 🙂 \xff\xfe bad"
	empty := ""
	full := &Record{
		ID: "01J", ReceivedAt: time.Date(2024, 5, 1, 10, 0, 0, 120000000, time.FixedZone("x", 3600)),
		Profile: weird, Provider: "p", Kind: "k", Method: "POST", URL: "http://h/p?q=<1>&r=2",
		PublicURL: "https://pub/x", RemoteAddr: "127.0.0.1:1",
		Headers:   http.Header{"Z": {"1", weird}, "A": {}, "M": nil, "X-Sig": {"abc="}},
		BodyText:  &weird,
		Truncated: true,
		Verification: Verification{Valid: false, Reason: "mismatch", Message: weird, Diagnosis: &Diagnosis{Cause: "url_variant", URL: weird,
			Checks: []VerificationCheck{{Check: "url", Tried: weird}, {Check: "secret", Tried: "profile p's secret", Match: true}}}},
		Event:       fullEvent(),
		DecodeError: "bad",
		Reply:       Reply{Status: 401, Headers: http.Header{"Content-Type": {"application/json"}}, BodyText: &weird},
		Forward:     &Forward{URL: "http://app", Status: 0, Error: weird, DurationMS: 1.25},
	}
	tests := map[string]*Record{
		"full":            full,
		"zero":            {},
		"empty body":      {BodyText: &empty, Headers: http.Header{}},
		"base64":          {BodyBase64: "AAE=", Reply: Reply{BodyBase64: "AA=="}},
		"tiny duration":   {Forward: &Forward{DurationMS: 1e-7}},
		"huge duration":   {Forward: &Forward{DurationMS: 1e22}},
		"whole duration":  {Forward: &Forward{DurationMS: 12}},
		"utc nanoseconds": {ReceivedAt: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)},
	}
	for name, rec := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := appendRecord(nil, rec)
			if err != nil {
				t.Fatal(err)
			}
			if want := stdEncode(t, rec); !bytes.Equal(got, want) {
				t.Errorf("hand encoder differs from encoding/json:\n got %s\nwant %s", got, want)
			}
		})
	}
}

func TestAppendRecordRefusesWhatJSONCannotHold(t *testing.T) {
	if _, err := appendRecord(nil, &Record{Forward: &Forward{DurationMS: math.NaN()}}); err == nil {
		t.Error("NaN duration encoded")
	}
	if _, err := appendRecord(nil, &Record{ReceivedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}); err == nil {
		t.Error("year 10000 encoded")
	}
}

// FuzzAppendRecord holds the hand encoder to encoding/json for any strings.
func FuzzAppendRecord(f *testing.F) {
	f.Add("a", "b\n\"c\"", "\xff\u2028", 1.5)
	f.Add("", "<>&", "\x00", 1e-9)
	f.Fuzz(func(t *testing.T, s1, s2, s3 string, d float64) {
		if math.IsNaN(d) || math.IsInf(d, 0) {
			return
		}
		rec := &Record{ID: s1, URL: s2, Headers: http.Header{s3: {s1, s2}, s2: {s3}}, BodyText: &s3,
			Verification: Verification{Message: s2, Diagnosis: &Diagnosis{Cause: s1, URL: s3, Checks: []VerificationCheck{{Check: s1, Tried: s2, Match: d > 1}}}},
			Event:        &codec.Event{Text: s3, From: s1},
			Forward:      &Forward{Error: s1, DurationMS: d}}
		got, err := appendRecord(nil, rec)
		if err != nil {
			t.Fatal(err)
		}
		if want := stdEncode(t, rec); !bytes.Equal(got, want) {
			t.Fatalf("differs:\n got %s\nwant %s", got, want)
		}
	})
}
