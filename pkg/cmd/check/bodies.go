package check

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"
	"github.com/tidwall/pretty"
	"github.com/tidwall/sjson"

	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/provider"
	"github.com/smshook/smshook/pkg/signing"
)

// We are the sender here: every body is built fresh from a fixture, so
// editing it before signing is how the variants are made. What a handler
// receives is signed over exactly the bytes sent.

const (
	// nonASCIIText has 2-, 3- and 4-byte UTF-8 characters and a slash
	// (which JSON may write as \/).
	nonASCIIText = "Café ✓ 東京 / naïve 😀"
	// unseenStatus is a status value no provider documents.
	unseenStatus = "smshook_unseen_status"
	// largestText is the longest message text a provider documents: Sinch
	// allows 2,000 characters in an inbound body, Twilio 1,600.
	largestText = 2000
	// unknownField is added by the unknown-fields case.
	unknownField = "smshook_added_field"
)

// prettyJSON re-indents a JSON body with tabs: whitespace is all that
// changes (string contents and escapes are kept as they are).
func prettyJSON(body []byte) []byte {
	return pretty.PrettyOptions(body, &pretty.Options{Width: 80, Indent: "\t"})
}

// rootPrefix is the path prefix of a body's first object: "0." for a JSON
// array of events (Bandwidth), else "".
func rootPrefix(k *provider.Kind, body []byte) string {
	if k.Schema.Format == codec.FormatJSON && bytes.HasPrefix(bytes.TrimSpace(body), []byte("[")) {
		return "0."
	}
	return ""
}

// textPath is where the text cases write: the kind's text field, else an
// extra field beside the others.
func textPath(k *provider.Kind, body []byte) string {
	if k.Schema.Fields.Text != "" {
		return k.Schema.Fields.Text
	}
	return rootPrefix(k, body) + "smshook_note"
}

// setText writes text into the kind's text field: raw UTF-8, or with
// every character escaped (JSON \uXXXX and \/; form lowercase %xx).
func setText(k *provider.Kind, body []byte, text string, escaped bool) []byte {
	var value []byte
	switch {
	case k.Schema.Format == codec.FormatForm && escaped:
		value = []byte(escapeFormAll(text))
	case escaped:
		value = []byte(escapeJSONAll(text))
	default:
		value = jsonOrFormString(k, text)
	}
	return setField(k, body, textPath(k, body), value)
}

// setField writes value (a JSON literal, or an encoded form value) at path.
func setField(k *provider.Kind, body []byte, path string, value []byte) []byte {
	if k.Schema.Format == codec.FormatForm {
		return setFormRaw(body, path, string(value))
	}
	out, err := sjson.SetRawBytes(body, path, value)
	if err != nil {
		return body // the path is the kind's own: this does not happen
	}
	return out
}

// jsonOrFormString encodes s as a JSON string (no HTML escapes) or a form
// value.
func jsonOrFormString(k *provider.Kind, s string) []byte {
	if k.Schema.Format == codec.FormatForm {
		return []byte(url.QueryEscape(s))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// escapeJSONAll writes s as a JSON string with every non-ASCII character
// as \uXXXX (surrogate pairs beyond the BMP) and every / as \/.
func escapeJSONAll(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '/':
			b.WriteString(`\/`)
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r > 0x7e:
			if r > 0xffff {
				r -= 0x10000
				fmt.Fprintf(&b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// escapeFormAll percent-encodes every byte that is not a letter or digit,
// in lowercase hex, and spaces as %20 rather than +: the same value as
// url.QueryEscape's, spelled differently.
func escapeFormAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02x", c)
	}
	return b.String()
}

// setFormRaw sets a form field to an already encoded value, keeping the
// other fields' bytes and order; a new field goes last.
func setFormRaw(body []byte, name, encoded string) []byte {
	parts := strings.Split(string(body), "&")
	found := false
	for i, p := range parts {
		k, _, _ := strings.Cut(p, "=")
		if key, err := url.QueryUnescape(k); err == nil && key == name {
			parts[i] = k + "=" + encoded
			found = true
		}
	}
	if !found {
		if len(body) == 0 {
			parts = parts[:0]
		}
		parts = append(parts, url.QueryEscape(name)+"="+encoded)
	}
	return []byte(strings.Join(parts, "&"))
}

// removeFormField drops a form field (Vonage's sig) and reports whether it
// was there.
func removeFormField(body string, name string) (string, bool) {
	parts := strings.Split(body, "&")
	kept := parts[:0]
	found := false
	for _, p := range parts {
		k, _, _ := strings.Cut(p, "=")
		if key, err := url.QueryUnescape(k); err == nil && key == name {
			found = true
			continue
		}
		kept = append(kept, p)
	}
	return strings.Join(kept, "&"), found
}

// formField returns a form field's encoded value.
func formField(body, name string) (string, bool) {
	for _, p := range strings.Split(body, "&") {
		k, v, _ := strings.Cut(p, "=")
		if key, err := url.QueryUnescape(k); err == nil && key == name {
			return v, true
		}
	}
	return "", false
}

// addUnknownFields adds a field no provider documents: an object in JSON,
// a parameter in a form.
func addUnknownFields(k *provider.Kind, body []byte) []byte {
	if k.Schema.Format == codec.FormatForm {
		body = setFormRaw(body, unknownField, "added+without+notice")
		return setFormRaw(body, unknownField+"_count", "2")
	}
	return setField(k, body, rootPrefix(k, body)+unknownField,
		[]byte(`{"note": "providers add fields without notice", "values": [1, 2.5, null, true], "nested": {"a": []}}`))
}

// longText is n characters of a multi-part message: GSM text with a few
// UCS-2 characters, as long marketing messages are.
func longText(n int) string {
	const chunk = "Your order 4711 has shipped — track it at https://example.com/t/4711 ✓ "
	var b strings.Builder
	for utf8.RuneCountInString(b.String()) < n {
		b.WriteString(chunk)
	}
	r := []rune(b.String())
	return string(r[:n])
}

// lateStatuses finds the kind's raw spellings of delivered and sent, in the
// style of the example's own status (DELIVRD and ENROUTE for SMPP-style
// providers), or says why there are none.
func lateStatuses(k *provider.Kind, body []byte) (delivered, sent, why string) {
	f := k.Schema.Fields
	current := fieldString(k, body, f.Status)
	var known []string
	if k.Match.Path == f.Status {
		known = append(known, k.Match.Values...)
	}
	known = append(known, slices.Sorted(maps.Keys(k.Schema.Statuses))...)
	smpp := len(current) == 7 && strings.ToUpper(current) == current
	generic := []string{"delivered", "sent", "sending"}
	if smpp {
		generic = []string{"DELIVRD", "ENROUTE"}
	}
	pick := func(want codec.Status) string {
		if codec.NormalizeStatus(current, k.Schema.Statuses) == want {
			return current
		}
		// The provider's own spellings before generic ones; in each, the
		// word itself first (Twilio has sent and sending).
		for _, candidates := range [][]string{known, generic} {
			for _, exact := range []bool{true, false} {
				for _, raw := range candidates {
					if (!exact || strings.EqualFold(raw, string(want))) && codec.NormalizeStatus(raw, k.Schema.Statuses) == want {
						return styled(raw, current)
					}
				}
			}
		}
		return ""
	}
	delivered, sent = pick(codec.StatusDelivered), pick(codec.StatusSent)
	if delivered == "" || sent == "" {
		return "", "", fmt.Sprintf("no raw status for delivered and sent in %s's %s data", k.Name, f.Status)
	}
	return delivered, sent, ""
}

// styled spells raw in the case of the example's status.
func styled(raw, example string) string {
	if example != "" && strings.ToUpper(example) == example {
		return strings.ToUpper(raw)
	}
	return raw
}

func fieldString(k *provider.Kind, body []byte, path string) string {
	if k.Schema.Format == codec.FormatForm {
		v, _ := formField(string(body), path)
		s, _ := url.QueryUnescape(v)
		return s
	}
	return gjson.GetBytes(body, path).String()
}

// alteredValue is a changed value for the field the altered case edits:
// the status, else the text, else the message id.
func alteredField(k *provider.Kind, body []byte) (path string, value []byte) {
	f := k.Schema.Fields
	switch {
	case f.Status != "":
		status := "failed"
		if strings.EqualFold(fieldString(k, body, f.Status), "failed") {
			status = "delivered"
		}
		return f.Status, jsonOrFormString(k, styled(status, fieldString(k, body, f.Status)))
	case f.Text != "":
		return f.Text, jsonOrFormString(k, "altered after signing")
	case f.MessageID != "":
		return f.MessageID, jsonOrFormString(k, fieldString(k, body, f.MessageID)+"0")
	}
	return rootPrefix(k, body) + unknownField, jsonOrFormString(k, "altered after signing")
}

// otherCredentials are well-formed credentials of the same scheme that the
// handler has no reason to accept.
func otherCredentials(spec signing.Spec) (signing.Credentials, error) {
	switch strings.ToLower(spec.Scheme) {
	case signing.SchemeStandardWebhooks:
		key := make([]byte, 24)
		rand.Read(key)
		return signing.Credentials{Secrets: []string{"whsec_" + base64.StdEncoding.EncodeToString(key)}}, nil
	case signing.SchemeTelnyx:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return signing.Credentials{}, err
		}
		return signing.Credentials{Secrets: []string{base64.StdEncoding.EncodeToString(priv)}}, nil
	case signing.SchemeBasic:
		return signing.Credentials{Username: "smshook-check", Password: randomText(16)}, nil
	}
	return signing.Credentials{Secrets: []string{"smshook-check-other-" + randomText(16)}}, nil
}

func randomText(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}

// corrupt changes one character of a signature in its middle to another of
// the same alphabet, so it stays well-formed: a hex digit stays hex, a
// base64 character stays base64. For a JWT it is the signature segment.
func corrupt(v string) string {
	start := 0
	if strings.Count(v, ".") == 2 { // a JWT: header.claims.signature
		start = strings.LastIndexByte(v, '.') + 1
	} else if i := strings.LastIndexAny(v, ",="); i >= 0 && i < len(v)-8 {
		start = i + 1 // v1,<sig>, sha256=<sig>, t=…,v1=<sig>
	}
	b := []byte(v)
	for i := start + (len(v)-start)/2; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '8', c >= 'a' && c <= 'e', c >= 'A' && c <= 'E':
			b[i] = c + 1
		case c == '9':
			b[i] = '0'
		case c == 'f' || c == 'F':
			b[i] = c - 5
		case c > 'f' && c <= 'z', c > 'F' && c <= 'Z':
			b[i] = c - 1
		default:
			continue
		}
		return string(b)
	}
	return v + "0"
}
