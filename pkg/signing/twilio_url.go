package signing

import (
	"bytes"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// twilioURLCandidates returns, in order, the URLs twilio-node 6.3.1's
// validateRequest (lib/webhooks/webhooks.js, lines 208-220) checks a
// signature against: the URL as received with and without its port, then
// the URL as WHATWG's `new URL()` normalizes it (special characters such as
// ' percent-encoded), with and without the default port, and each of those
// with its query re-encoded as Node's legacy querystring module writes it.
// The URL as given comes first, so a valid request costs one HMAC.
func twilioURLCandidates(raw string) []string {
	out := []string{raw}
	add := func(u string) {
		for _, seen := range out {
			if seen == u {
				return
			}
		}
		out = append(out, u)
	}
	add(twilioRemovePort(raw))
	add(twilioAddPort(raw))
	normalized, ok := whatwgURL(raw)
	if !ok {
		return out
	}
	withoutPort, withPort := twilioRemovePort(normalized), twilioAddPort(normalized)
	add(withoutPort)
	add(withPort)
	add(legacyQuerystring(withoutPort))
	add(legacyQuerystring(withPort))
	return out
}

// urlParts splits a URL like twilio-node's splitUrl: scheme "x://", the
// userinfo with its "@", the host, the port with its ":", and the rest,
// without normalizing anything.
type urlParts struct{ scheme, userInfo, host, port, rest string }

func splitURL(raw string) (urlParts, bool) {
	i := strings.Index(raw, "://")
	if i <= 0 || !isURLScheme(raw[:i]) {
		return urlParts{}, false
	}
	scheme := raw[:i+3]
	after := raw[i+3:]
	end := strings.IndexAny(after, "/?#")
	if end < 0 {
		end = len(after)
	}
	authority, rest := after[:end], after[end:]
	at := strings.LastIndex(authority, "@")
	userInfo, hostPort := authority[:at+1], authority[at+1:]
	p := urlParts{scheme: scheme, userInfo: userInfo, host: hostPort, rest: rest}
	// A colon starts the port only after an IPv6 literal's closing bracket.
	from := strings.LastIndex(hostPort, "]") + 1
	if c := strings.IndexByte(hostPort[from:], ':'); c >= 0 {
		p.host, p.port = hostPort[:from+c], hostPort[from+c:]
	}
	return p, true
}

func isURLScheme(s string) bool {
	for i, c := range s {
		alpha := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !alpha && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '.' || c == '-')) {
			return false
		}
	}
	return s != ""
}

// twilioRemovePort drops the port, whatever it is (twilio-node's removePort).
func twilioRemovePort(raw string) string {
	p, ok := splitURL(raw)
	if !ok {
		return raw
	}
	return p.scheme + p.userInfo + p.host + p.rest
}

// twilioAddPort adds the scheme's default port when there is none
// (twilio-node's addPort: ":443" for https, ":80" for anything else).
func twilioAddPort(raw string) string {
	p, ok := splitURL(raw)
	if !ok || p.port != "" {
		return raw
	}
	port := ":80"
	if strings.EqualFold(p.scheme, "https://") {
		port = ":443"
	}
	return p.scheme + p.userInfo + p.host + port + p.rest
}

// whatwgURL is `new URL(raw).toString()` for http and https URLs: scheme
// and host lowercased, the default port dropped, an empty path made "/",
// dot segments resolved, and the characters WHATWG's percent-encode sets
// name (spaces, quotes, <, >, non-ASCII …) encoded in path, query and
// fragment. Other URLs are left to the URL as received.
func whatwgURL(raw string) (string, bool) {
	p, ok := splitURL(raw)
	if !ok {
		return "", false
	}
	scheme := strings.ToLower(p.scheme)
	if scheme != "http://" && scheme != "https://" || p.host == "" {
		return "", false
	}
	port := strings.TrimPrefix(p.port, ":")
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n > 65535 {
			return "", false
		}
		port = strconv.Itoa(n)
		if scheme == "http://" && port == "80" || scheme == "https://" && port == "443" {
			port = ""
		}
	}
	host := p.host
	if !strings.HasPrefix(host, "[") {
		h, err := url.PathUnescape(host)
		if err != nil || strings.ContainsAny(h, " <>^|%") {
			return "", false
		}
		host = strings.ToLower(h)
	}
	rest, fragment, hasFragment := strings.Cut(p.rest, "#")
	path, query, hasQuery := strings.Cut(rest, "?")
	var b strings.Builder
	b.WriteString(scheme)
	b.WriteString(p.userInfo)
	b.WriteString(host)
	if port != "" {
		b.WriteString(":" + port)
	}
	b.WriteString(whatwgPath(path))
	if hasQuery {
		b.WriteByte('?')
		percentEncode(&b, query, isSpecialQueryByte)
	}
	if hasFragment {
		b.WriteByte('#')
		percentEncode(&b, fragment, isFragmentByte)
	}
	return b.String(), true
}

// whatwgPath percent-encodes a special URL's path and resolves its dot
// segments ("\" counts as "/", "%2e" as ".").
func whatwgPath(path string) string {
	path = strings.ReplaceAll(path, `\`, "/")
	if path == "" {
		return "/"
	}
	segments := strings.Split(path[1:], "/")
	var out []string
	for i, seg := range segments {
		last := i == len(segments)-1
		switch strings.ToLower(strings.ReplaceAll(strings.ToLower(seg), "%2e", ".")) {
		case ".":
			if last {
				out = append(out, "")
			}
			continue
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
			continue
		}
		var b strings.Builder
		percentEncode(&b, seg, isPathByte)
		out = append(out, b.String())
	}
	return "/" + strings.Join(out, "/")
}

// percentEncode writes s with each byte that encode says to escape as %XX.
func percentEncode(b *strings.Builder, s string, encode func(byte) bool) {
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if encode(c) {
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
			continue
		}
		b.WriteByte(c)
	}
}

// The WHATWG URL percent-encode sets, on bytes of UTF-8.
func isC0OrNonASCII(c byte) bool { return c < 0x20 || c >= 0x7f }
func isFragmentByte(c byte) bool {
	return isC0OrNonASCII(c) || c == ' ' || c == '"' || c == '<' || c == '>' || c == '`'
}
func isSpecialQueryByte(c byte) bool {
	return isC0OrNonASCII(c) || c == ' ' || c == '"' || c == '#' || c == '<' || c == '>' || c == '\''
}
func isPathByte(c byte) bool {
	return isFragmentByte(c) || c == '#' || c == '?' || c == '{' || c == '}'
}

// legacyQuerystring re-encodes the URL's query as Node's
// querystring.stringify(querystring.parse(query)) does (twilio-node's
// withLegacyQuerystring): values unescaped ('+' as space), repeated keys
// grouped at the first one's place, integer-like keys first in numeric
// order (a JavaScript object's key order), everything but
// A-Za-z0-9-_.!~*'() percent-encoded.
func legacyQuerystring(raw string) string {
	i := strings.IndexByte(raw, '?')
	if i < 0 || i == len(raw)-1 {
		return raw
	}
	var keys []string
	values := map[string][]string{}
	for _, pair := range strings.Split(raw[i+1:], "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, v = nodeUnescape(k), nodeUnescape(v)
		if _, seen := values[k]; !seen {
			keys = append(keys, k)
		}
		values[k] = append(values[k], v)
		if len(keys) == 1000 { // querystring.parse's maxKeys
			break
		}
	}
	sort.SliceStable(keys, func(a, b int) bool {
		na, aIndex := jsArrayIndex(keys[a])
		nb, bIndex := jsArrayIndex(keys[b])
		return aIndex && (!bIndex || na < nb)
	})
	var pairs []string
	for _, k := range keys {
		for _, v := range values[k] {
			pairs = append(pairs, nodeEscape(k)+"="+nodeEscape(v))
		}
	}
	return raw[:i+1] + strings.Join(pairs, "&")
}

// nodeUnescape is querystring.unescape after '+' became a space: %XX
// decoded, malformed escapes kept, invalid UTF-8 replaced.
func nodeUnescape(s string) string {
	s = strings.ReplaceAll(s, "+", " ")
	if !strings.Contains(s, "%") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// nodeEscape is querystring.escape: UTF-8 percent-encoded but for
// A-Za-z0-9 and -_.!~*'().
func nodeEscape(s string) string {
	var b strings.Builder
	percentEncode(&b, s, func(c byte) bool {
		return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.!~*'()", c) >= 0)
	})
	return b.String()
}

// compareUTF16 orders strings as JavaScript's default sort does: by UTF-16
// code units, which differs from byte order only between characters
// U+E000-U+FFFF and those beyond U+FFFF.
func compareUTF16(a, b []byte) int {
	for len(a) > 0 && len(b) > 0 {
		ra, na := utf8.DecodeRune(a)
		rb, nb := utf8.DecodeRune(b)
		if ra == utf8.RuneError && na == 1 || rb == utf8.RuneError && nb == 1 {
			return bytes.Compare(a, b) // not UTF-8: bytewise from here
		}
		if ra != rb {
			ua, ub := utf16Unit(ra), utf16Unit(rb)
			if ua != ub {
				if ua < ub {
					return -1
				}
				return 1
			}
			if ra < rb { // same first unit: both beyond U+FFFF
				return -1
			}
			return 1
		}
		a, b = a[na:], b[nb:]
	}
	return len(a) - len(b)
}

// utf16Unit is the first UTF-16 code unit of r.
func utf16Unit(r rune) rune {
	if r >= 0x10000 {
		hi, _ := utf16.EncodeRune(r)
		return hi
	}
	return r
}
