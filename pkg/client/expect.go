package client

import (
	"fmt"
	"strconv"
	"strings"
)

// Expect is the set of reply statuses that count as success: single codes
// (200) and classes (2xx). The zero Expect accepts any 2xx.
type Expect struct {
	classes [6]bool // classes[2] is 2xx
	codes   []int
	text    string
}

// ParseExpect reads a list of codes and classes separated by ',' or '|':
// "2xx", "200", "200,202", "2xx|301", "4xx".
func ParseExpect(s string) (Expect, error) {
	var e Expect
	var parts []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '|' || r == ' ' }) {
		p = strings.ToLower(p)
		switch {
		case len(p) == 3 && p[1:] == "xx" && p[0] >= '1' && p[0] <= '5':
			e.classes[p[0]-'0'] = true
		default:
			code, err := strconv.Atoi(p)
			if err != nil || code < 100 || code > 599 {
				return Expect{}, fmt.Errorf("--expect %q: %q is not a status code (100–599) or class (1xx–5xx): write e.g. 2xx, 200 or 200,202", s, p)
			}
			e.codes = append(e.codes, code)
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return Expect{}, fmt.Errorf("--expect is empty: write e.g. 2xx, 200 or 200,202")
	}
	e.text = strings.Join(parts, ",")
	return e, nil
}

// ExpectCodes accepts exactly codes (a provider's success statuses, such
// as MOBtexting's 200 and 202); no codes means any 2xx.
func ExpectCodes(codes []int) Expect {
	if len(codes) == 0 {
		return Expect{}
	}
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = strconv.Itoa(c)
	}
	return Expect{codes: append([]int(nil), codes...), text: strings.Join(parts, ",")}
}

// Match reports whether a reply status meets the expectation.
func (e Expect) Match(status int) bool {
	if e.text == "" {
		return status >= 200 && status <= 299
	}
	if status >= 100 && status <= 599 && e.classes[status/100] {
		return true
	}
	for _, c := range e.codes {
		if c == status {
			return true
		}
	}
	return false
}

func (e Expect) String() string {
	if e.text == "" {
		return "2xx"
	}
	return e.text
}
