package signing

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// urlVariant is a URL the provider may have signed instead of the one
// given, and how it differs, for people.
type urlVariant struct {
	url  string
	what string
	// forwarded marks the URL rebuilt from the request's forwarded headers,
	// unchanged otherwise.
	forwarded bool
}

// urls tries the URL rebuilt from the forwarded headers, then the common
// differences between the URL a provider was given and the one an app sees.
func (dg *diagnoser) urls() (Result, bool) {
	if !dg.s.Spec().SignsURL() || dg.req.URL == "" {
		return Result{}, false
	}
	base, err := url.Parse(dg.req.URL)
	if err != nil || base.Host == "" {
		return Result{}, false
	}
	dg.forwarded = forwardedURLs(base, dg.req.Header)
	max := maxURLVariants
	if len(dg.req.Body) > largeBody {
		max = maxURLVariantsLargeBody // schemes that hash the body would hash it each time
	}
	for _, v := range urlVariants(base, dg.forwarded, max) {
		try := *dg.req
		try.URL = v.url
		if _, ok := dg.try("url", v.url+" ("+v.what+")", &try, dg.c); !ok {
			continue
		}
		dg.d.URL, dg.d.How = v.url, v.what
		flag := dg.opts.URLFlag
		if flag == "" {
			flag = "--url"
		}
		if v.forwarded {
			return dg.found(CauseForwardedURL, fmt.Sprintf("the signature matches %s (%s), not %s: the provider signed the public URL; "+
				"pass it with %s, and in your app trust the proxy's forwarded headers", v.url, v.what, dg.req.URL, flag))
		}
		return dg.found(CauseURLVariant, fmt.Sprintf("the signature matches %s (%s), not %s: the provider was given that URL; "+
			"pass it with %s, and make your app check the URL the provider was given", v.url, v.what, dg.req.URL, flag))
	}
	return Result{}, false
}

// ForwardedURL is the URL a request says it was sent to through its
// forwarded headers (Forwarded, X-Forwarded-Proto/Host/Port,
// X-Original-URL), with base (the URL it reached) for what they leave out,
// and the names of the headers used; ok is false when it has none or they
// do not make a URL. The headers come from whoever sent the request: use
// the URL only to explain or check a signature, never to decide where to
// send anything.
func ForwardedURL(base string, h http.Header) (u, from string, ok bool) {
	b, err := url.Parse(base)
	if err != nil || b.Host == "" {
		return "", "", false
	}
	v := forwardedURLs(b, h)
	if len(v) == 0 {
		return "", "", false
	}
	return v[0].url, v[0].what, true
}

// forwarded is what one family of forwarded headers says.
type forwarded struct {
	proto, host, port, uri string
	from                   []string
}

// forwardedURLs rebuilds the public URL from RFC 7239 Forwarded and from
// the X-Forwarded-* family, each with X-Original-URL's path, when present.
// Values are untrusted: only http(s), a plain host and a path are taken.
func forwardedURLs(base *url.URL, h http.Header) []urlVariant {
	var sources []forwarded
	if f, ok := parseForwarded(h.Get("Forwarded")); ok {
		sources = append(sources, f)
	}
	var x forwarded
	if p := firstItem(h.Get("X-Forwarded-Proto")); p != "" {
		x.proto, x.from = p, append(x.from, "X-Forwarded-Proto")
	}
	if v := firstItem(h.Get("X-Forwarded-Host")); v != "" {
		x.host, x.from = v, append(x.from, "X-Forwarded-Host")
	}
	if v := firstItem(h.Get("X-Forwarded-Port")); v != "" {
		x.port, x.from = v, append(x.from, "X-Forwarded-Port")
	}
	if len(x.from) > 0 {
		sources = append(sources, x)
	}
	if orig := strings.TrimSpace(h.Get("X-Original-URL")); orig != "" {
		if len(sources) == 0 {
			sources = append(sources, forwarded{})
		}
		for i := range sources {
			sources[i].uri = orig
			sources[i].from = append(sources[i].from, "X-Original-URL")
		}
	}
	var out []urlVariant
	for _, f := range sources {
		if u, ok := f.build(base); ok && u != base.String() && !hasURL(out, u) {
			out = append(out, urlVariant{url: u, what: "from " + joinNames(f.from), forwarded: true})
		}
	}
	return out
}

func (f forwarded) build(base *url.URL) (string, bool) {
	u := *base
	u.User = nil
	if f.proto != "" {
		p := strings.ToLower(f.proto)
		if p != "http" && p != "https" {
			return "", false
		}
		u.Scheme = p
	}
	if f.host != "" {
		if !plainHost(f.host) {
			return "", false
		}
		u.Host = strings.ToLower(f.host)
	} else if f.proto != "" && u.Port() != "" {
		// The proxy's scheme with the local port is no URL anyone was given.
		u.Host = u.Hostname()
	}
	if f.port != "" {
		if !allDigits(f.port) || len(f.port) > 5 {
			return "", false
		}
		hostOnly := u.Hostname()
		if strings.Contains(hostOnly, ":") {
			hostOnly = "[" + hostOnly + "]"
		}
		u.Host = hostOnly
		if f.port != defaultPort(u.Scheme) {
			u.Host += ":" + f.port
		}
	}
	if f.uri != "" {
		path := f.uri
		if abs, err := url.Parse(f.uri); err == nil && abs.Host != "" {
			path = abs.RequestURI() // an absolute X-Original-URL: its path and query
		}
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \t\r\n#\\") || strings.IndexFunc(path, notPrintableASCII) >= 0 {
			return "", false
		}
		p, q, _ := strings.Cut(path, "?")
		pu, err := url.Parse(p)
		if err != nil {
			return "", false
		}
		u.Path, u.RawPath, u.RawQuery = pu.Path, pu.RawPath, q
	}
	s := u.String()
	if check, err := url.Parse(s); err != nil || check.Host != u.Host {
		return "", false
	}
	return s, true
}

// parseForwarded reads the first element of an RFC 7239 Forwarded header:
// the one the proxy nearest the sender wrote.
func parseForwarded(v string) (forwarded, bool) {
	var f forwarded
	first, _, _ := strings.Cut(v, ",")
	for _, pair := range strings.Split(first, ";") {
		k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok {
			continue
		}
		val = strings.Trim(strings.TrimSpace(val), `"`)
		switch strings.ToLower(k) {
		case "proto":
			f.proto = val
		case "host":
			f.host = val
		}
	}
	if f.proto == "" && f.host == "" {
		return f, false
	}
	f.from = []string{"Forwarded"}
	return f, true
}

func firstItem(v string) string {
	first, _, _ := strings.Cut(v, ",")
	return strings.TrimSpace(first)
}

// plainHost accepts host or host:port, and [v6]:port, in ASCII letters,
// digits and the marks a host name uses: nothing a terminal or a URL would
// read otherwise.
func plainHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; !isAlnum(c) && strings.IndexByte("-._:[]", c) < 0 {
			return false
		}
	}
	u, err := url.Parse("http://" + h)
	return err == nil && u.Host == h && u.Hostname() != ""
}

// notPrintableASCII: a request target on the wire is printable ASCII, with
// anything else percent-encoded.
func notPrintableASCII(r rune) bool { return r < 0x21 || r > 0x7e }

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func defaultPort(scheme string) string {
	switch scheme {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

func joinNames(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func hasURL(list []urlVariant, u string) bool {
	for _, v := range list {
		if v.url == u {
			return true
		}
	}
	return false
}

// urlTransform is one difference between the URL given and the one signed.
type urlTransform struct {
	what  string
	apply func(u *url.URL) (string, bool)
}

var urlTransforms = []urlTransform{
	{"http and https swapped", func(u *url.URL) (string, bool) {
		v := *u
		switch u.Scheme {
		case "http":
			v.Scheme = "https"
		case "https":
			v.Scheme = "http"
		default:
			return "", false
		}
		if u.Port() == defaultPort(u.Scheme) {
			v.Host = u.Hostname() // http://h:80 was https://h, not https://h:80
		}
		return v.String(), true
	}},
	{"with or without the port", func(u *url.URL) (string, bool) {
		v := *u
		if u.Port() != "" {
			v.Host = u.Hostname()
			if strings.Contains(v.Host, ":") {
				v.Host = "[" + v.Host + "]"
			}
		} else if def := defaultPort(u.Scheme); def != "" {
			v.Host = u.Host + ":" + def
		} else {
			return "", false
		}
		return v.String(), true
	}},
	{"with or without a trailing slash", func(u *url.URL) (string, bool) {
		v := *u
		p := u.EscapedPath()
		if strings.HasSuffix(p, "/") && p != "/" {
			p = strings.TrimSuffix(p, "/")
		} else if p != "/" {
			p += "/"
		} else {
			return "", false
		}
		pu, err := url.Parse(p)
		if err != nil {
			return "", false
		}
		v.Path, v.RawPath = pu.Path, pu.RawPath
		return v.String(), true
	}},
	{"without the query", func(u *url.URL) (string, bool) {
		if u.RawQuery == "" && !u.ForceQuery {
			return "", false
		}
		v := *u
		v.RawQuery, v.ForceQuery = "", false
		return v.String(), true
	}},
	{"with the query sorted", func(u *url.URL) (string, bool) {
		pairs := strings.Split(u.RawQuery, "&")
		if len(pairs) < 2 || sort.StringsAreSorted(pairs) {
			return "", false
		}
		v := *u
		sorted := append([]string(nil), pairs...)
		sort.Strings(sorted)
		v.RawQuery = strings.Join(sorted, "&")
		return v.String(), true
	}},
	{"with the query in reverse order", func(u *url.URL) (string, bool) {
		pairs := strings.Split(u.RawQuery, "&")
		if len(pairs) < 2 {
			return "", false
		}
		v := *u
		rev := make([]string, len(pairs))
		for i, p := range pairs {
			rev[len(pairs)-1-i] = p
		}
		v.RawQuery = strings.Join(rev, "&")
		return v.String(), true
	}},
	{"with its percent-encoding normalized", func(u *url.URL) (string, bool) {
		v := *u
		v.RawPath = ""
		path := normalizePercent(u.EscapedPath())
		pu, err := url.Parse(path)
		if err != nil {
			return "", false
		}
		v.Path, v.RawPath = pu.Path, pu.RawPath
		v.RawQuery = normalizePercent(u.RawQuery)
		return v.String(), true
	}},
	{"with its percent-encoding in lower case", func(u *url.URL) (string, bool) {
		v := *u
		pu, err := url.Parse(lowerPercent(u.EscapedPath()))
		if err != nil {
			return "", false
		}
		v.Path, v.RawPath = pu.Path, pu.RawPath
		v.RawQuery = lowerPercent(u.RawQuery)
		return v.String(), true
	}},
	{"with spaces in the query as %20 instead of +, or back", func(u *url.URL) (string, bool) {
		v := *u
		switch {
		case strings.Contains(u.RawQuery, "+"):
			v.RawQuery = strings.ReplaceAll(u.RawQuery, "+", "%20")
		case strings.Contains(u.RawQuery, "%20"):
			v.RawQuery = strings.ReplaceAll(u.RawQuery, "%20", "+")
		default:
			return "", false
		}
		return v.String(), true
	}},
}

// urlVariants lists the URLs to try, at most max: the forwarded ones as
// they are, then each transform of each base (forwarded first, then the URL
// given), then pairs of transforms.
func urlVariants(given *url.URL, fwd []urlVariant, max int) []urlVariant {
	out := make([]urlVariant, 0, max)
	seen := map[string]bool{given.String(): true}
	add := func(v urlVariant) bool {
		if seen[v.url] {
			return len(out) < max
		}
		seen[v.url] = true
		out = append(out, v)
		return len(out) < max
	}
	type base struct {
		u         *url.URL
		what      string
		forwarded bool
	}
	bases := []base{}
	for _, f := range fwd {
		if !add(f) {
			return out
		}
		if u, err := url.Parse(f.url); err == nil {
			bases = append(bases, base{u, f.what, true})
		}
	}
	bases = append(bases, base{u: given})
	label := func(b base, what string) string {
		if b.what == "" {
			return what
		}
		return b.what + ", " + what
	}
	for _, b := range bases {
		for _, t := range urlTransforms {
			if s, ok := t.apply(b.u); ok {
				if !add(urlVariant{url: s, what: label(b, t.what)}) {
					return out
				}
			}
		}
	}
	for _, b := range bases {
		for i, t1 := range urlTransforms {
			s1, ok := t1.apply(b.u)
			if !ok {
				continue
			}
			u1, err := url.Parse(s1)
			if err != nil {
				continue
			}
			for _, t2 := range urlTransforms[i+1:] {
				if s2, ok := t2.apply(u1); ok {
					if !add(urlVariant{url: s2, what: label(b, t1.what+", "+t2.what)}) {
						return out
					}
				}
			}
		}
	}
	return out
}

const unreservedMarks = "-._~"

// normalizePercent upper-cases percent-escapes and decodes those of
// unreserved characters (RFC 3986 section 6.2.2).
func normalizePercent(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			c := unhex(s[i+1])<<4 | unhex(s[i+2])
			if c < 0x80 && (isAlnum(c) || strings.IndexByte(unreservedMarks, c) >= 0) {
				b.WriteByte(c)
			} else {
				b.WriteString(strings.ToUpper(s[i : i+3]))
			}
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func lowerPercent(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteString(strings.ToLower(s[i : i+3]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
