package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"

	"github.com/smshook/smshook/pkg/client"
)

// readJSONBody reads a request body of at most maxAPIBody bytes as JSON
// into v, rejecting trailing data.
func readJSONBody(r *http.Request, v any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxAPIBody))
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// stringList reads a JSON value that may be one string or an array of
// strings (providers accept both for recipients).
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*l = stringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("must be a string or an array of strings")
	}
	*l = many
	return nil
}

// internationalNumber is a number with its country code, + optional:
// what providers that take "digits with the country code" accept.
var internationalNumber = regexp.MustCompile(`^\+?[1-9][0-9]{6,14}$`)

// uuid returns a version 4 UUID from the sandbox's seeded source.
func (s *Sandbox) uuid() string {
	h := []byte(s.randomHex(16))
	h[12] = '4'
	h[16] = "89ab"[h[16]%4]
	return string(h[0:8]) + "-" + string(h[8:12]) + "-" + string(h[12:16]) + "-" + string(h[16:20]) + "-" + string(h[20:32])
}

// jsonCallback is a callback POSTing body as JSON (fields in the struct's
// order, as providers send them).
func jsonCallback(u string, body any) (*client.Request, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	return &client.Request{Method: http.MethodPost, URL: u, Header: h, Body: bytes.TrimSuffix(b.Bytes(), []byte("\n"))}, nil
}

func digitsOnly(s string) string { return strings.TrimPrefix(s, "+") }
