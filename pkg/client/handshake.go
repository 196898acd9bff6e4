package client

import (
	"fmt"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/smshook/smshook/pkg/provider"
)

// HandshakeRequest builds the request a provider makes to check a new
// webhook URL. For MOBtexting: POST URL?token=KEY with the JSON body
// {"validation_key": KEY, "challenge": CHALLENGE}. Sign it (Bearer) with Sign
// when a secret is configured.
func HandshakeRequest(h *provider.Handshake, target, key, challenge string) (*Request, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	// Append the key and leave the rest of the user's query as written.
	param := url.QueryEscape(h.QueryParam) + "=" + url.QueryEscape(key)
	switch {
	case u.Query().Has(h.QueryParam):
		q := u.Query()
		q.Set(h.QueryParam, key)
		u.RawQuery = q.Encode()
	case u.RawQuery == "":
		u.RawQuery = param
	default:
		u.RawQuery += "&" + param
	}
	body, err := sjson.SetBytes([]byte("{}"), escapeKey(h.KeyField), key)
	if err == nil && h.ChallengeField != "" {
		body, err = sjson.SetBytes(body, escapeKey(h.ChallengeField), challenge)
	}
	if err != nil {
		return nil, err
	}
	return &Request{
		Method: http.MethodPost,
		URL:    u.String(),
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   body,
		Name:   "handshake",
	}, nil
}

// HandshakeCheck is the verdict on an endpoint's reply to a handshake.
type HandshakeCheck struct {
	Passed bool `json:"passed"`
	Status int  `json:"status"`
	// Problems make the handshake fail; Warnings do not.
	Problems []string `json:"problems,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

// CheckHandshake judges a reply as the platform does: status 200 and a JSON
// object holding the validation key sent. The documents are ambiguous about
// echoing the challenge, so a reply without it passes with a warning; a
// reply with a different challenge fails.
func CheckHandshake(h *provider.Handshake, key, challenge string, status int, header http.Header, body []byte) HandshakeCheck {
	c := HandshakeCheck{Status: status}
	problem := func(format string, args ...any) { c.Problems = append(c.Problems, fmt.Sprintf(format, args...)) }
	warn := func(format string, args ...any) { c.Warnings = append(c.Warnings, fmt.Sprintf(format, args...)) }
	want := string(h.Reply(key, challenge))

	if status != http.StatusOK {
		problem("the endpoint answered %s: it must answer 200", StatusText(status))
	}
	contentType := header.Get("Content-Type")
	switch {
	case len(strings.TrimSpace(string(body))) == 0:
		problem("the reply body is empty: answer the JSON %s", want)
		return c.done()
	case !gjson.ValidBytes(body):
		what := "the reply is not JSON"
		if contentType != "" {
			what += " (Content-Type: " + contentType + ")"
		}
		problem("%s: answer the JSON %s", what, want)
		return c.done()
	}
	doc := gjson.ParseBytes(body)
	if !doc.IsObject() {
		problem("the reply is JSON but not an object: answer %s", want)
		return c.done()
	}
	if mt, _, _ := mime.ParseMediaType(contentType); mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		warn("the reply's Content-Type is %q, not application/json", contentType)
	}

	got := doc.Get(escapeKey(h.KeyField))
	switch {
	case !got.Exists():
		problem("the reply has no %s: answer %s", h.KeyField, want)
	case got.String() != key:
		problem("the reply's %s is %s, not the key sent (%s)", h.KeyField, quoteShort(got.String()), strconv.Quote(key))
	case got.Type != gjson.String:
		warn("the reply's %s is a JSON %s, not a string", h.KeyField, jsonTypeName(got))
	}
	if h.ChallengeField != "" {
		echo := doc.Get(escapeKey(h.ChallengeField))
		switch {
		case !echo.Exists():
			warn("the reply does not echo %s: the platform's documents are unclear whether it must, so echo it to be safe", h.ChallengeField)
		case echo.String() != challenge:
			problem("the reply's %s is %s, not the challenge sent (%s)", h.ChallengeField, quoteShort(echo.String()), strconv.Quote(challenge))
		}
	}
	return c.done()
}

func (c HandshakeCheck) done() HandshakeCheck {
	c.Passed = len(c.Problems) == 0
	return c
}

// RandomToken returns n random letters and digits, for validation keys and
// challenges.
func RandomToken(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rand.IntN(len(alphabet))]
	}
	return string(b)
}

// escapeKey makes an object key a gjson/sjson path of one part.
func escapeKey(k string) string {
	var b strings.Builder
	for _, r := range k {
		if strings.ContainsRune(`.*?|#@!\:`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func quoteShort(s string) string {
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return strconv.Quote(s)
}

func jsonTypeName(v gjson.Result) string {
	switch v.Type {
	case gjson.String:
		return "string"
	case gjson.Number:
		return "number"
	case gjson.True, gjson.False:
		return "boolean"
	case gjson.Null:
		return "null"
	}
	if v.IsArray() {
		return "array"
	}
	return "object"
}

func withArticle(typeName string) string {
	switch typeName {
	case "null":
		return "null"
	case "object", "array":
		return "an " + typeName
	}
	return "a " + typeName
}
