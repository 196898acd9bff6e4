package signing

import (
	"bytes"
	"errors"
	"net/url"
	"slices"
)

// formPair is one name=value of a URL-encoded form or query, unescaped.
// Unescaped parts are sub-slices of the input: reading a form copies only
// the parts that carry escapes, so verifying a large body does not copy it.
type formPair struct{ name, value []byte }

// maxFormPairs is net/url's default limit on the parameters of one query.
const maxFormPairs = 10000

var (
	errFormSemicolon = errors.New("invalid semicolon separator in query")
	errFormTooMany   = errors.New("number of URL query parameters exceeded limit")
)

// appendFormPairs appends the pairs of a URL-encoded form to dst exactly as
// url.ParseQuery reads them: same pairs, same order, same first error, and
// a pair that fails to unescape is left out. The pairs alias form.
func appendFormPairs(dst []formPair, form []byte) ([]formPair, error) {
	if bytes.Count(form, []byte("&"))+1 > maxFormPairs {
		return dst, errFormTooMany
	}
	var err error
	for len(form) > 0 {
		var pair []byte
		pair, form, _ = bytes.Cut(form, []byte("&"))
		if bytes.IndexByte(pair, ';') >= 0 {
			err = errFormSemicolon
			continue
		}
		if len(pair) == 0 {
			continue
		}
		name, value, _ := bytes.Cut(pair, []byte("="))
		name, err1 := formUnescape(name)
		if err1 == nil {
			value, err1 = formUnescape(value)
		}
		if err1 != nil {
			if err == nil {
				err = err1
			}
			continue
		}
		dst = append(dst, formPair{name, value})
	}
	return dst, err
}

// formUnescape is url.QueryUnescape that returns b itself when it holds no
// escapes.
func formUnescape(b []byte) ([]byte, error) {
	if bytes.IndexByte(b, '%') < 0 && bytes.IndexByte(b, '+') < 0 {
		return b, nil
	}
	s, err := url.QueryUnescape(string(b))
	return []byte(s), err
}

// compareFormPairs orders pairs by name, then value, bytewise: the order of
// sort.Strings on names and then on each name's values.
func compareFormPairs(a, b formPair) int {
	if c := bytes.Compare(a.name, b.name); c != 0 {
		return c
	}
	return bytes.Compare(a.value, b.value)
}

// sortFormPairs sorts pairs by name, then value.
func sortFormPairs(pairs []formPair) { slices.SortFunc(pairs, compareFormPairs) }
