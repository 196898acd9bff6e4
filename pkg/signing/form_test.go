package signing

import (
	"bytes"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// The reference readers below are the straightforward forms of the twilio
// and vonage parameter rules, written with url.ParseQuery, maps and sorts.
// The schemes read parameters without copying the body; these tests hold
// them to the same answers.

func refTwilioParams(req *Request) string {
	if strings.EqualFold(req.Method, "GET") || len(req.Body) == 0 || isJSONBody(req) {
		return ""
	}
	form, err := url.ParseQuery(string(req.Body))
	if err != nil {
		return ""
	}
	names := make([]string, 0, len(form))
	for name := range form {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool { return refJSCompare(names[i], names[j]) < 0 })
	var b strings.Builder
	for _, name := range names {
		values := append([]string(nil), form[name]...)
		sort.Slice(values, func(i, j int) bool { return refJSCompare(values[i], values[j]) < 0 })
		for i, v := range values {
			if i > 0 && v == values[i-1] {
				continue // twilio-node: Array.from(new Set(values))
			}
			b.WriteString(name + v)
		}
	}
	return b.String()
}

// refJSCompare orders as JavaScript's sort does, by UTF-16 code units,
// character by character; from an invalid UTF-8 byte on, bytewise.
func refJSCompare(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra == utf8.RuneError && na == 1 || rb == utf8.RuneError && nb == 1 {
			return strings.Compare(a, b)
		}
		if ra != rb {
			ua, ub := utf16.Encode([]rune{ra}), utf16.Encode([]rune{rb})
			return slices.Compare(ua, ub)
		}
		a, b = a[na:], b[nb:]
	}
	return strings.Compare(a, b)
}

func refVonageParams(req *Request) (map[string]string, error) {
	params := map[string]string{}
	if u, err := url.Parse(req.URL); err == nil {
		for k, v := range u.Query() {
			params[k] = v[0]
		}
	}
	if len(req.Body) == 0 || strings.EqualFold(req.Method, "GET") {
		return params, nil
	}
	if isJSONBody(req) {
		body := gjson.ParseBytes(req.Body)
		if !body.IsObject() {
			return nil, errFormSemicolon // any error: only its presence is compared
		}
		body.ForEach(func(k, v gjson.Result) bool {
			switch v.Type {
			case gjson.Null:
			case gjson.String:
				params[k.String()] = v.String()
			default:
				params[k.String()] = v.Raw
			}
			return true
		})
		return params, nil
	}
	form, err := url.ParseQuery(string(req.Body))
	if err != nil {
		return nil, err
	}
	for k, v := range form {
		params[k] = v[0]
	}
	return params, nil
}

func refVonageString(params map[string]string) string {
	names := make([]string, 0, len(params))
	for k := range params {
		if k != vonageSig {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	clean := strings.NewReplacer("&", "_", "=", "_")
	var b strings.Builder
	for _, k := range names {
		b.WriteString("&" + clean.Replace(k) + "=" + clean.Replace(params[k]))
	}
	return b.String()
}

func pairsString(pairs []formPair) string {
	var b strings.Builder
	for _, p := range pairs {
		b.Write(p.name)
		b.Write(p.value)
	}
	return b.String()
}

var formSeeds = []string{
	"",
	"a=1&b=2",
	"MessageStatus=delivered&To=%2B15558675310&Body=hello+world",
	"b=2&a=1&a=0&a=",
	"x=%zz&y=1",
	"x=1;y=2&z=3",
	"&&=&a&=b&c==d",
	"k%26=v%3D&sig=abc&timestamp=1461605396&nonce=n",
	"%e2%82%ac=%ff&+=+",
	"a=1&A=2&%41=3",
}

func TestAppendFormPairsMatchesParseQuery(t *testing.T) {
	for _, form := range formSeeds {
		checkFormPairs(t, form)
	}
}

func FuzzFormPairs(f *testing.F) {
	for _, form := range formSeeds {
		f.Add(form)
	}
	f.Fuzz(checkFormPairs)
}

// checkFormPairs: the pairs are ParseQuery's, name by name in order, with
// the same error or none, and the input is not changed.
func checkFormPairs(t *testing.T, form string) {
	input := []byte(form)
	pairs, err := appendFormPairs(nil, input)
	want, wantErr := url.ParseQuery(form)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("%q: error %v, ParseQuery's %v", form, err, wantErr)
	}
	got := url.Values{}
	for _, p := range pairs {
		got[string(p.name)] = append(got[string(p.name)], string(p.value))
	}
	if got.Encode() != want.Encode() {
		t.Fatalf("%q: pairs %v, ParseQuery's %v", form, got, want)
	}
	if string(input) != form {
		t.Fatalf("%q: reading changed the input to %q", form, input)
	}
}

func TestTwilioAndVonageParamsMatchReference(t *testing.T) {
	for _, form := range formSeeds {
		for _, ct := range []string{"", "application/x-www-form-urlencoded", "application/json"} {
			checkParamsReference(t, "https://e.com/hook?"+form, form, ct)
		}
	}
	checkParamsReference(t, "https://e.com/?a=9&sig=q", `{"a":1,"b":"x&y","c":null,"a":"2","sig":"S"}`, "application/json")
	checkParamsReference(t, "::", `[1]`, "")
}

func FuzzParamsReference(f *testing.F) {
	for _, form := range formSeeds {
		f.Add("https://e.com/hook?"+form, form, "")
	}
	f.Add("https://e.com/?a=9&sig=q", `{"a":1,"b":"x&y","c":null,"a":"2","sig":"S"}`, "application/json")
	f.Add("https://e.com/", "Digits=5678&Digits=1234&Digits=1234&k=%EE%80%80&k=%F0%90%80%80", "")
	f.Fuzz(checkParamsReference)
}

// checkParamsReference: twilio's and vonage's signed strings are the
// reference readers', and vonage fails where the reference fails.
func checkParamsReference(t *testing.T, rawURL, body, contentType string) {
	for _, method := range []string{"POST", "GET"} {
		req := &Request{Method: method, URL: rawURL, Header: map[string][]string{}, Body: []byte(body)}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if got, want := pairsString(twilioParams(req)), refTwilioParams(req); got != want {
			t.Fatalf("twilio %s %q %q: signs %q, want %q", method, rawURL, body, got, want)
		}
		params, err := vonageParams(req)
		ref, refErr := refVonageParams(req)
		if (err == nil) != (refErr == nil) {
			t.Fatalf("vonage %s %q %q: error %v, reference %v", method, rawURL, body, err, refErr)
		}
		if err != nil {
			continue
		}
		var b bytes.Buffer
		writeVonageString(&b, params, true)
		if want := refVonageString(ref); b.String() != want {
			t.Fatalf("vonage %s %q %q: signs %q, want %q", method, rawURL, body, b.String(), want)
		}
		if got, want := paramValue(params, vonageSig), ref[vonageSig]; got != want {
			t.Fatalf("vonage %s %q %q: sig %q, want %q", method, rawURL, body, got, want)
		}
	}
}

// The wants are twilio-node 6.3.1's: new URL(u).toString() and
// querystring.stringify(querystring.parse(query)) in node 20.
func TestTwilioURLCandidates(t *testing.T) {
	tests := []struct {
		raw  string
		want []string
	}{
		{"https://example.com/path?test=param%27WithQuote", []string{
			"https://example.com/path?test=param%27WithQuote",
			"https://example.com:443/path?test=param%27WithQuote",
			"https://example.com/path?test=param'WithQuote",
			"https://example.com:443/path?test=param'WithQuote",
		}},
		{"HTTP://Example.COM:80?b=2&a=x+y&10=z&2=w&b=3", []string{
			"HTTP://Example.COM:80?b=2&a=x+y&10=z&2=w&b=3",
			"HTTP://Example.COM?b=2&a=x+y&10=z&2=w&b=3",
			"http://example.com/?b=2&a=x+y&10=z&2=w&b=3",
			"http://example.com:80/?b=2&a=x+y&10=z&2=w&b=3",
			"http://example.com/?2=w&10=z&b=2&b=3&a=x%20y",
			"http://example.com:80/?2=w&10=z&b=2&b=3&a=x%20y",
		}},
		{"http://[::1]:8787/a/./b/../c d?q=é", []string{
			"http://[::1]:8787/a/./b/../c d?q=é",
			"http://[::1]/a/./b/../c d?q=é",
			"http://[::1]/a/c%20d?q=%C3%A9",
			"http://[::1]:8787/a/c%20d?q=%C3%A9",
		}},
	}
	for _, tt := range tests {
		if got := twilioURLCandidates(tt.raw); !slices.Equal(got, tt.want) {
			t.Errorf("twilioURLCandidates(%q) =\n%q\nwant\n%q", tt.raw, got, tt.want)
		}
	}
}
