package signing

import (
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// Form fixtures in testdata/reserialized/form are the real encoders' output
// (generate.sh there); Go's is made here with net/url.

var formFixtures = []struct {
	file string // under form/signed
	name string
}{
	{"python.txt", "Python's urllib.parse.urlencode"},
	{"python_quote.txt", "Python's urlencode(quote_via=quote)"},
	{"php.txt", "PHP's http_build_query"},
	{"php_rfc3986.txt", "PHP's http_build_query(PHP_QUERY_RFC3986)"},
	{"node.txt", "Node's URLSearchParams"},
	{"ruby.txt", "Ruby's URI.encode_www_form"},
	{"java.txt", "Java's URLEncoder"},
	{"go", "Go's url.Values.Encode"},
}

func formFixture(t *testing.T, file string, original []byte) []byte {
	if file == "go" {
		v, err := url.ParseQuery(string(original))
		if err != nil {
			t.Fatal(err)
		}
		return []byte(v.Encode())
	}
	return readReserialized(t, filepath.Join("form", "signed", file))
}

func explainDexatel(t *testing.T, signed, given []byte) Result {
	s := mustNew(t, dexatelSpec)
	req := signedWith(t, s, signed, given)
	return Explain(s, req, secrets("k"), s.Verify(req, secrets("k")))
}

// A sender signed an encoder's form; the bytes given are the original form.
func TestExplainNamesSignedFormEncoder(t *testing.T) {
	original := readReserialized(t, "form/original.txt")
	for _, f := range formFixtures {
		r := explainDexatel(t, formFixture(t, f.file, original), original)
		if r.Reason != ReasonBodyAltered || !strings.Contains(r.Message, "matches the form as ") || !strings.Contains(r.Message, f.name) ||
			!strings.HasSuffix(r.Message, "decoded the form and encoded it again between signing and this check (most often your framework); verify the raw request bytes as received") {
			t.Errorf("%s: %s %q, want it to name %s", f.file, r.Reason, r.Message, f.name)
		}
	}
}

// The usual case: the sender's form (as Node writes it) was decoded and
// encoded again by the handler's framework.
func TestExplainNamesFrameworkFormEncoder(t *testing.T) {
	original := readReserialized(t, "form/original.txt")
	sent := readReserialized(t, "form/signed/node.txt")
	for _, f := range formFixtures {
		given := formFixture(t, f.file, original)
		if f.file == "go" || string(given) == string(sent) {
			continue // Go sorts the parameters: the order sent is lost
		}
		r := explainDexatel(t, sent, given)
		want := "matches the form as Node's URLSearchParams, Ruby's URI.encode_www_form or Java's URLEncoder writes it, not the bytes given (written as " + f.name
		if strings.Contains(f.file, "quote") || strings.Contains(f.file, "rfc3986") {
			want = "(written as PHP's http_build_query(PHP_QUERY_RFC3986) or Python's urlencode(quote_via=quote) writes forms)"
		}
		if r.Reason != ReasonBodyAltered || !strings.Contains(r.Message, want) {
			t.Errorf("%s: %s %q\nlacks %q", f.file, r.Reason, r.Message, want)
		}
	}
}

// Spaces and charsets changed in place, parameters left where they were.
func TestExplainFormEdits(t *testing.T) {
	utf8Form := readReserialized(t, "form/twilio_utf8.txt")
	tests := []struct {
		name          string
		signed, given string
		want          string
	}{
		{"+ for %20", "a=b%20c&d=%C3%A9", "a=b+c&d=%C3%A9", "with spaces written as %20, not + as given"},
		{"%20 for +", "a=b+c", "a=b%20c", "with spaces written as +, not %20 as given"},
		{"Python's latin-1", string(utf8Form), string(readReserialized(t, "form/python_latin1.txt")), "as UTF-8 (%C3%A9 for é), not Latin-1 (%E9) as given"},
		{"Java's ISO-8859-1", string(utf8Form), string(readReserialized(t, "form/java_latin1.txt")), "as UTF-8 (%C3%A9 for é), not Latin-1 (%E9) as given"},
		{"UTF-8 for Latin-1", string(readReserialized(t, "form/python_latin1.txt")), string(utf8Form), "as Latin-1 (%E9 for é), not UTF-8 (%C3%A9) as given"},
		{"a value changed", "a=b+c", "a=b+d", ""},
		{"emoji is no Latin-1", "a=%F0%9F%98%80", "a=%F0%9F%98%81", ""},
	}
	for _, tt := range tests {
		r := explainDexatel(t, []byte(tt.signed), []byte(tt.given))
		if tt.want == "" {
			if r.Reason != ReasonMismatch {
				t.Errorf("%s: %s %q, want a plain mismatch", tt.name, r.Reason, r.Message)
			}
			continue
		}
		if r.Reason != ReasonBodyAltered || !strings.Contains(r.Message, tt.want) {
			t.Errorf("%s: %s %q, want %q", tt.name, r.Reason, r.Message, tt.want)
		}
	}
}

// Twilio signs the decoded, sorted parameters: re-encoding and reordering
// do not break its signature, another charset does, and Explain says so.
func TestExplainTwilioFormCharset(t *testing.T) {
	s := mustNew(t, Spec{Scheme: SchemeTwilio})
	cred := secrets("12345")
	const hook = "https://example.com/sms"
	utf8Form := string(readReserialized(t, "form/twilio_utf8.txt"))
	signed := beyondReq("POST", hook, formType, utf8Form, 0)
	if err := s.Sign(signed, cred); err != nil {
		t.Fatal(err)
	}
	sig := signed.Header.Get("X-Twilio-Signature")
	sorted, _ := url.ParseQuery(utf8Form)
	for _, tt := range []struct{ given, want string }{
		{sorted.Encode(), ""}, // valid: Twilio sorts and decodes anyway
		{strings.ReplaceAll(utf8Form, "+", "%20"), ""},
		{string(readReserialized(t, "form/python_latin1.txt")), "X-Twilio-Signature matches the form with its text percent-encoded as UTF-8"},
		{string(readReserialized(t, "form/java_latin1.txt")), "X-Twilio-Signature matches the form with its text percent-encoded as UTF-8"},
	} {
		req := beyondReq("POST", hook, formType, tt.given, 0, "X-Twilio-Signature", sig)
		r := Explain(s, req, cred, s.Verify(req, cred))
		if tt.want == "" {
			if !r.Valid {
				t.Errorf("%s: %s %q, want valid", tt.given, r.Reason, r.Message)
			}
			continue
		}
		if r.Reason != ReasonBodyAltered || !strings.HasPrefix(r.Message, tt.want) {
			t.Errorf("%s: %s %q, want %q", tt.given, r.Reason, r.Message, tt.want)
		}
	}
}

// A form saved to a file gains a newline; the diagnosis still finds the
// re-encoding and says the newline is not part of the form.
func TestExplainFormWithNewline(t *testing.T) {
	r := explainDexatel(t, []byte("a=b+c"), []byte("a=b%20c\n"))
	want := "matches the form with spaces written as +, not %20 as given (and without the trailing newline given): "
	if r.Reason != ReasonBodyAltered || !strings.Contains(r.Message, want) {
		t.Errorf("%s %q, want %q", r.Reason, r.Message, want)
	}
	original := readReserialized(t, "form/original.txt")
	r = explainDexatel(t, readReserialized(t, "form/signed/php.txt"), append(original, '\r', '\n'))
	if !strings.Contains(r.Message, "as PHP's http_build_query writes it, not the bytes given (and without the trailing newline given)") {
		t.Errorf("%s %q", r.Reason, r.Message)
	}
}
