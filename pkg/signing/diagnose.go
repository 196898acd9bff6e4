package signing

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// A bodyVariant is one way frameworks and editors commonly change a body
// between the sender signing it and the receiver verifying it.
type bodyVariant struct {
	what      string // how the signed body differs from the bytes given
	transform func([]byte) ([]byte, bool)
}

var bodyVariants = []bodyVariant{
	{"with its trailing newline removed (an editor, echo or heredoc added one)", func(b []byte) ([]byte, bool) {
		t := bytes.TrimRight(b, "\r\n")
		return t, len(t) != len(b)
	}},
	{"with a trailing newline added (the one the sender signed was lost)", func(b []byte) ([]byte, bool) {
		return append(bytes.Clone(b), '\n'), true
	}},
	{"with CRLF line endings turned into LF", func(b []byte) ([]byte, bool) {
		t := bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
		return t, len(t) != len(b)
	}},
	{"with LF line endings turned into CRLF", func(b []byte) ([]byte, bool) {
		if bytes.Contains(b, []byte("\r\n")) {
			return nil, false
		}
		t := bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
		return t, len(t) != len(b)
	}},
	{"as compact JSON (the sender signed it without whitespace)", func(b []byte) ([]byte, bool) {
		var out bytes.Buffer
		if json.Compact(&out, b) != nil {
			return nil, false
		}
		return out.Bytes(), !bytes.Equal(out.Bytes(), b)
	}},
	{"as JSON indented with two spaces", indentJSON("  ")},
	{"as JSON indented with four spaces", indentJSON("    ")},
	{"as JSON indented with tabs", indentJSON("\t")},
}

func indentJSON(indent string) func([]byte) ([]byte, bool) {
	return func(b []byte) ([]byte, bool) {
		var out bytes.Buffer
		if json.Indent(&out, b, "", indent) != nil {
			return nil, false
		}
		return out.Bytes(), !bytes.Equal(out.Bytes(), b)
	}
}

// Explain refines a failed result: when the signature matches a
// re-serialized or re-terminated form of the body, the body was changed
// between signing and verifying, and the result says how, naming the
// serializer (Python's json.dumps, PHP's json_encode, ...) or form encoder
// when one writes the signed bytes. Otherwise the result comes back as it
// was. It costs a verify per candidate (a fixed list, on bodies up to
// maxDiagnoseBody), so call it only after a mismatch; each signature check is
// the scheme's own constant-time Verify.
func Explain(s Scheme, req *Request, c Credentials, r Result) Result {
	if r.Valid || r.Reason != ReasonMismatch || len(req.Body) == 0 {
		return r
	}
	try := *req
	if what, ok := tryVariants(s, &try, c, bodyVariants); ok {
		return bodyAltered(r, what)
	}
	if len(req.Body) > maxDiagnoseBody {
		return r
	}
	if tree, ok := parseJSONTree(req.Body); ok {
		if msg, ok := explainSerializer(s, &try, c, tree); ok {
			r.Reason = ReasonBodyAltered
			r.Message = r.Header + " " + msg
			return r
		}
		if what, ok := trySortedKeys(s, &try, c, tree); ok {
			return bodyAltered(r, what)
		}
		return r
	}
	if msg, ok := explainForm(s, &try, c); ok {
		r.Reason = ReasonBodyAltered
		r.Message = r.Header + " " + msg
	}
	return r
}

// tryVariants verifies each variant of try.Body (the bytes given) and says
// which one matched. try.Body is left as it was.
func tryVariants(s Scheme, try *Request, c Credentials, variants []bodyVariant) (string, bool) {
	given := try.Body
	defer func() { try.Body = given }()
	for _, v := range variants {
		body, ok := v.transform(given)
		if !ok {
			continue
		}
		try.Body = body
		if s.Verify(try, c).Valid {
			return v.what, true
		}
	}
	return "", false
}

func bodyAltered(r Result, what string) Result {
	r.Reason = ReasonBodyAltered
	r.Message = fmt.Sprintf("%s matches the body %s, not the bytes given: "+
		"something changed the body after signing; verify the raw bytes as received", r.Header, what)
	return r
}
