package har

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/capture"
)

func record(id, body string, binary bool) *capture.Record {
	r := &capture.Record{
		ID:         id,
		ReceivedAt: time.Date(2026, 11, 22, 5, 0, 0, 123456789, time.UTC),
		Profile:    "dex",
		Provider:   "dexatel",
		Kind:       "delivery",
		Method:     "POST",
		URL:        "http://127.0.0.1:8787/dexatel?b=2&a=x%20y",
		Headers: http.Header{
			"Content-Type":        {"application/json"},
			"X-Dexatel-Signature": {"sig="},
			"X-Multi":             {"1", "2"},
		},
		Verification: capture.Verification{Valid: true, Message: "valid"},
	}
	if binary {
		r.SetBody([]byte{0xff, 0x00, 0xfe, '\n'})
	} else {
		r.SetBody([]byte(body))
	}
	r.Reply.Status = 200
	r.Reply.Headers = http.Header{"Content-Type": {"application/json"}}
	r.Reply.SetBody([]byte(`{"ok":true}`))
	return r
}

func export(t *testing.T, records ...*capture.Record) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Creator{Name: "smshook", Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range records {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestExportHasHAR12Structure checks the output against the HAR 1.2
// required fields, read as plain JSON rather than through our own types.
func TestExportHasHAR12Structure(t *testing.T) {
	out := export(t, record("r1", "{\n  \"a\": 1\n}\r\n", false), record("r2", "", true))
	var doc map[string]any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	log := doc["log"].(map[string]any)
	if log["version"] != "1.2" || log["creator"].(map[string]any)["name"] != "smshook" {
		t.Fatalf("log = %v", log)
	}
	entries := log["entries"].([]any)
	if len(entries) != 2 {
		t.Fatalf("%d entries", len(entries))
	}
	required := map[string][]string{
		"entry":    {"startedDateTime", "time", "request", "response", "cache", "timings"},
		"request":  {"method", "url", "httpVersion", "cookies", "headers", "queryString", "headersSize", "bodySize"},
		"response": {"status", "statusText", "httpVersion", "cookies", "headers", "content", "redirectURL", "headersSize", "bodySize"},
		"content":  {"size", "mimeType"},
		"timings":  {"send", "wait", "receive"},
		"postData": {"mimeType", "text"},
	}
	for _, raw := range entries {
		e := raw.(map[string]any)
		objects := map[string]map[string]any{
			"entry":    e,
			"request":  e["request"].(map[string]any),
			"response": e["response"].(map[string]any),
			"timings":  e["timings"].(map[string]any),
		}
		objects["content"] = objects["response"]["content"].(map[string]any)
		objects["postData"] = objects["request"]["postData"].(map[string]any)
		for name, fields := range required {
			for _, f := range fields {
				if _, ok := objects[name][f]; !ok {
					t.Errorf("%s lacks required field %q", name, f)
				}
			}
		}
		if _, err := time.Parse(time.RFC3339Nano, e["startedDateTime"].(string)); err != nil {
			t.Errorf("startedDateTime is not ISO 8601: %v", err)
		}
	}
	first := entries[0].(map[string]any)["request"].(map[string]any)
	wantQuery := []any{map[string]any{"name": "b", "value": "2"}, map[string]any{"name": "a", "value": "x y"}}
	if !reflect.DeepEqual(first["queryString"], wantQuery) {
		t.Errorf("queryString = %v", first["queryString"])
	}
}

func TestRoundTrip(t *testing.T) {
	records := []*capture.Record{record("r1", "{\n  \"a\": 1\n}\r\n", false), record("r2", "", true), record("r3", "", false)}
	records[2].Method = "GET"
	out := export(t, records...)
	rd := NewReader(bytes.NewReader(out))
	for i, want := range records {
		got, err := rd.Next()
		if err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		if !bytes.Equal(got.Body(), want.Body()) {
			t.Errorf("entry %d body %q, want %q", i, got.Body(), want.Body())
		}
		if got.Method != want.Method || got.URL != want.URL || !reflect.DeepEqual(got.Headers, want.Headers) {
			t.Errorf("entry %d request differs: %+v", i, got)
		}
		if got.ID != want.ID || got.Profile != "dex" || got.Provider != "dexatel" || got.Kind != "delivery" ||
			!got.Verification.Valid || got.Reply.Status != 200 || !got.ReceivedAt.Equal(want.ReceivedAt) {
			t.Errorf("entry %d lost capture fields: %+v", i, got)
		}
	}
	if _, err := rd.Next(); err != io.EOF {
		t.Errorf("after the last entry: %v", err)
	}
}

// A file saved by browser devtools: pages, a browser object, HTTP/2
// pseudo-headers, postData with both params and text, and no _smshook.
func TestImportDevtoolsHAR(t *testing.T) {
	const devtools = `{"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
	  "pages": [{"startedDateTime": "2026-01-01T00:00:00.000Z", "id": "page_1", "title": "x", "pageTimings": {}}],
	  "entries": [
	    {"startedDateTime": "2026-01-01T00:00:01.000Z", "time": 5, "_initiator": {"type": "other"},
	     "request": {"method": "POST", "url": "https://app.test/hook", "httpVersion": "http/2.0",
	       "headers": [{"name": ":authority", "value": "app.test"}, {"name": "content-type", "value": "application/x-www-form-urlencoded"}],
	       "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 7,
	       "postData": {"mimeType": "application/x-www-form-urlencoded", "text": "a=1&b=2", "params": [{"name": "a", "value": "1"}]}},
	     "response": {"status": 204, "statusText": "", "httpVersion": "http/2.0", "headers": [], "cookies": [],
	       "content": {"size": 0, "mimeType": "x-unknown"}, "redirectURL": "", "headersSize": -1, "bodySize": 0},
	     "cache": {}, "timings": {"blocked": -1, "send": 0, "wait": 4, "receive": 1}},
	    {"startedDateTime": "2026-01-01T00:00:02.000Z", "time": 1,
	     "request": {"method": "", "url": ""}, "response": {"status": 0}, "cache": {}, "timings": {}},
	    {"startedDateTime": "2026-01-01T00:00:03.000Z", "time": 1,
	     "request": {"method": "GET", "url": "https://app.test/x", "headers": []}, "response": {"status": 200}, "cache": {}, "timings": {}}
	  ]}}`
	rd := NewReader(strings.NewReader(devtools))
	r, err := rd.Next()
	if err != nil {
		t.Fatal(err)
	}
	if string(r.Body()) != "a=1&b=2" || r.Headers.Get("Content-Type") != "application/x-www-form-urlencoded" || r.Headers.Get(":authority") != "" {
		t.Errorf("got %+v body %q", r, r.Body())
	}
	if r.Provider != "" || r.Reply.Status != 204 {
		t.Errorf("provider %q reply %d", r.Provider, r.Reply.Status)
	}
	var entryErr *EntryError
	if _, err := rd.Next(); !errors.As(err, &entryErr) || entryErr.Index != 1 {
		t.Fatalf("bad entry: %v", err)
	}
	if r, err := rd.Next(); err != nil || r.Method != "GET" || len(r.Body()) != 0 {
		t.Fatalf("reading goes on after a bad entry: %v %+v", err, r)
	}
	if _, err := rd.Next(); err != io.EOF {
		t.Errorf("want EOF, got %v", err)
	}
}

func TestNotHAR(t *testing.T) {
	for _, in := range []string{"", "[]", `{"log": {}}`, `{"nope": 1}`, `{"id":"x"}` + "\n" + `{"id":"y"}`} {
		if _, err := NewReader(strings.NewReader(in)).Next(); !errors.Is(err, ErrNotHAR) {
			t.Errorf("%q: %v, want ErrNotHAR", in, err)
		}
	}
	empty := export(t)
	if _, err := NewReader(bytes.NewReader(empty)).Next(); err != io.EOF {
		t.Errorf("empty log: %v", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(empty, &doc); err != nil {
		t.Errorf("empty log is not JSON: %v\n%s", err, empty)
	}
}

// A written HAR holds no raw DEL, C1 control or bidi override, and reads
// back to the same bytes.
func TestWriterEscapesTerminalControls(t *testing.T) {
	body := []byte("{\"text\":\"a\u009b2J b\u202e c\x7f\"}")
	rec := &capture.Record{ID: "r1", Method: "POST", URL: "http://127.0.0.1:8787/dexatel?x=\u009b",
		Headers: http.Header{"X-Note": {"n\u202eote"}}}
	rec.SetBody(body)
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Creator{Name: "smshook", Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if s := buf.String(); strings.ContainsAny(s, "\u009b\u202e\x7f") {
		t.Fatalf("the HAR carries a raw terminal control:\n%q", s)
	}
	got, err := NewReader(&buf).Next()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Body(), body) || got.URL != rec.URL || got.Headers.Get("X-Note") != "n\u202eote" {
		t.Errorf("read back %q %q %q, want the bytes written", got.Body(), got.URL, got.Headers.Get("X-Note"))
	}
}
