package capture

import (
	"fmt"
	"strings"
)

// What a reader checks in the fields that later reach a shell script or a
// terminal: a record's id has the shape ids have, and its request is one
// HTTP can carry (the listener records nothing else, and the HTTP client
// would refuse to replay anything else).

// maxIDLen bounds an id: listen's are 26 characters; hand-written and
// imported ones are short names.
const maxIDLen = 128

// checkID accepts the empty id (a HAR entry from a browser has none) and
// ids of letters, digits, '.', '_', ':' and '-' that start with a letter
// or digit: listen's ULIDs and the names people give records.
func checkID(id string) error {
	if id == "" {
		return nil
	}
	ok := len(id) <= maxIDLen && isAlnum(id[0])
	for i := 0; ok && i < len(id); i++ {
		ok = isAlnum(id[i]) || strings.IndexByte("._:-", id[i]) >= 0
	}
	if !ok {
		return fmt.Errorf("id %s is not a record id (up to %d letters, digits, '.', '_', ':' or '-', such as listen's 01J9Z3K8Q4W6N2B7C5D1E0F9GH)", shown(id), maxIDLen)
	}
	return nil
}

// checkRequest refuses a method, URL or header that HTTP cannot carry.
func (r *Record) checkRequest() error {
	if r.Method != "" && !isToken(r.Method) {
		return fmt.Errorf("method %s is not an HTTP method", shown(r.Method))
	}
	if strings.IndexFunc(r.URL, func(c rune) bool { return c < ' ' || c == 0x7f }) >= 0 {
		return fmt.Errorf("url %s holds control characters", shown(r.URL))
	}
	for name, values := range r.Headers {
		if !ValidHeaderName(name) {
			return fmt.Errorf("header name %s is not an HTTP token", shown(name))
		}
		for _, v := range values {
			if !ValidHeaderValue(v) {
				return fmt.Errorf("header %s has a value with control characters (%s)", name, shown(v))
			}
		}
	}
	return nil
}

// ValidHeaderName reports whether name is an HTTP field name (a token).
func ValidHeaderName(name string) bool { return isToken(name) }

// ValidHeaderValue reports whether v can be an HTTP field value: no
// control bytes but the tab (so no CR, LF or NUL).
func ValidHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && strings.IndexByte("!#$%&'*+-.^_`|~", c) < 0 {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// shown quotes a bad field for a message, escaped and cut short: it came
// from the file and may hold anything.
func shown(s string) string {
	const max = 40
	if len(s) > max {
		return fmt.Sprintf("%+q…", s[:max])
	}
	return fmt.Sprintf("%+q", s)
}
