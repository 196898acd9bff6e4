package capture

import (
	"encoding/json"
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/codec"
)

// canonicalRecords are records with the awkward values: escapes of every
// kind, empty and nil maps, optional fields present and absent, floats
// near the format switches.
func canonicalRecords() []*Record {
	at := time.Date(2024, 5, 1, 10, 0, 0, 123456789, time.UTC)
	awkward := "quote \" backslash \\ slash / tab \t nl \n cr \r ctrl \x01\x1f del \x7f \u2028 \u2029 é € 𝄞 <html> & \ufffd"
	var out []*Record
	for i, f := range []func(*Record){
		func(r *Record) {},
		func(r *Record) {
			r.SetBody([]byte(awkward))
			r.Headers = http.Header{"X-A": {awkward, ""}, "X-B": {}, "": {"empty name"}}
		},
		func(r *Record) { r.SetBody([]byte{0xff, 0, 1}); r.Truncated = true; r.Headers = nil },
		func(r *Record) { r.SetBody(nil); r.Headers = http.Header{} },
		func(r *Record) {
			r.PublicURL, r.RemoteAddr, r.DecodeError = "https://tunnel.example/x?y=1", "127.0.0.1:5", "body is not valid JSON"
			r.Verification = Verification{Reason: "mismatch", Message: awkward}
			r.Event = &codec.Event{Provider: "p", Kind: codec.KindInbound, EventName: "message", MessageID: "m", From: "+1", To: "+2",
				Text: awkward, Channel: "SMS", Status: codec.StatusReceived, RawStatus: "RECEIVED", Timestamp: "2024", Price: "0.1"}
			r.Reply = Reply{Status: 401, Headers: http.Header{"Content-Type": {"application/json"}}}
			r.Reply.SetBody([]byte(`{"error":"invalid signature"}`))
		},
		func(r *Record) {
			r.Event = &codec.Event{}
			r.Reply = Reply{Status: -0}
			r.Reply.SetBody([]byte{0xfe})
			r.Forward = &Forward{URL: "http://127.0.0.1:3000/hook", Status: 502, Error: "connection refused", DurationMS: 1e-7}
		},
		func(r *Record) { r.Forward = &Forward{DurationMS: 1e21} },
		func(r *Record) { r.Forward = &Forward{DurationMS: 2.25, Status: math.MaxInt32} },
		func(r *Record) { r.ReceivedAt = time.Date(2024, 5, 1, 12, 0, 0, 0, time.FixedZone("", 2*3600)) },
		func(r *Record) { r.ID = awkward; r.URL = "http://h/p?q=%20&r=\u00e9" },
		func(r *Record) {
			r.Verification = Verification{Valid: true, Message: "valid", Diagnosis: &Diagnosis{Cause: "forwarded_url", URL: "https://tunnel.example/x"}}
		},
		func(r *Record) {
			r.Verification = Verification{Reason: "mismatch", Message: awkward, Diagnosis: &Diagnosis{Cause: "url_variant", URL: awkward,
				Checks: []VerificationCheck{{Check: "url", Tried: awkward, Match: true}}}}
		},
		func(r *Record) {
			r.Verification = Verification{Reason: "mismatch", Message: "m", Diagnosis: &Diagnosis{URL: "u"}}
		},
		func(r *Record) {
			r.Verification = Verification{Reason: "mismatch", Message: "m", Diagnosis: &Diagnosis{Checks: []VerificationCheck{{Check: "body"}, {Check: "url"}}}}
		},
	} {
		r := &Record{ID: NewID(at.Add(time.Duration(i))), ReceivedAt: at, Profile: "dexatel", Provider: "dexatel", Kind: "delivery",
			Method: "POST", URL: "http://127.0.0.1:8787/dexatel", Headers: http.Header{"Content-Type": {"application/json"}},
			Verification: Verification{Valid: true, Message: "valid"}, Reply: Reply{Status: 200}}
		r.SetBody([]byte(`{"data":{"event":"delivery"}}`))
		f(r)
		out = append(out, r)
	}
	return out
}

// Every line the Writer writes takes the fast path, and reads back as
// encoding/json reads it.
func TestDecodeCanonicalReadsWhatTheWriterWrites(t *testing.T) {
	for i, r := range canonicalRecords() {
		line, err := appendRecord(nil, r)
		if err != nil {
			t.Fatal(err)
		}
		line = line[:len(line)-1]
		got, ok := decodeCanonical(line)
		if !ok {
			t.Fatalf("record %d is not read as canonical: %s", i, line)
		}
		want := &Record{}
		if err := json.Unmarshal(line, want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("record %d:\nfast %#v\njson %#v", i, got, want)
		}
	}
}

// Lines in another form are left to encoding/json.
func TestDecodeCanonicalRefusesOtherForms(t *testing.T) {
	line, _ := appendRecord(nil, canonicalRecords()[0])
	canonical := string(line[:len(line)-1])
	for name, variant := range map[string]string{
		"space after a colon":  strings.Replace(canonical, `"id":`, `"id": `, 1),
		"keys in another case": strings.Replace(canonical, `"id":`, `"ID":`, 1),
		"an unknown key":       strings.Replace(canonical, `{"id":`, `{"x":1,"id":`, 1),
		"a repeated key":       strings.Replace(canonical, `,"profile":`, `,"profile":"a","profile":`, 1),
		"a float status":       strings.Replace(canonical, `"status":200`, `"status":200.0`, 1),
		"a surrogate escape":   strings.Replace(canonical, `"id":"`, `"id":"\ud834\udd1e`, 1),
		"trailing bytes":       canonical + `x`,
		"headers out of order": strings.Replace(canonical, `"headers":{"Content-Type":["application/json"]}`, `"headers":{"X":["1"],"A":["2"]}`, 1),
		"a null value":         strings.Replace(canonical, `"profile":"dexatel"`, `"profile":null`, 1),
	} {
		if _, ok := decodeCanonical([]byte(variant)); ok {
			t.Errorf("%s: read as canonical: %s", name, variant)
		}
	}
}

// FuzzDecodeCanonical holds the fast path to encoding/json: whatever it
// accepts, encoding/json reads the same way.
//
//	go test -run '^$' -fuzz FuzzDecodeCanonical -fuzztime 30s ./pkg/capture
func FuzzDecodeCanonical(f *testing.F) {
	for _, r := range canonicalRecords() {
		line, err := appendRecord(nil, r)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(line[:len(line)-1])
	}
	for _, line := range seedLines(f) {
		f.Add([]byte(strings.TrimSuffix(line, "\n")))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		got, ok := decodeCanonical(line)
		if !ok {
			return
		}
		want := &Record{}
		if err := json.Unmarshal(line, want); err != nil {
			t.Fatalf("read as canonical, but encoding/json refuses it (%v): %q", err, line)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\nfast %#v\njson %#v", line, got, want)
		}
	})
}

// BenchmarkDecodeRecord compares the fast path with encoding/json on a
// typical listener line (a Dexatel delivery report), in the same run.
func BenchmarkDecodeRecord(b *testing.B) {
	line, err := appendRecord(nil, canonicalRecords()[4])
	if err != nil {
		b.Fatal(err)
	}
	line = line[:len(line)-1]
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(line)))
		b.ReportAllocs()
		for b.Loop() {
			if err := json.Unmarshal(line, &Record{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("canonical", func(b *testing.B) {
		b.SetBytes(int64(len(line)))
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := decodeCanonical(line); !ok {
				b.Fatal("not canonical")
			}
		}
	})
}
