package client

import "net/http"

// hopByHop are the headers that belong to one connection, not to the
// request (RFC 9110 section 7.6.1), plus the ones the transport computes
// for the new request: they are not carried when a request is sent again.
var hopByHop = []string{
	"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade",
	"Host", "Content-Length",
}

// ResendHeader returns a copy of h fit to send again to another address:
// without hop-by-hop headers, those the Connection header names, Host and
// Content-Length. Every other header keeps its values and their order.
func ResendHeader(h http.Header) http.Header {
	out := h.Clone()
	if out == nil {
		return http.Header{}
	}
	for _, v := range h.Values("Connection") {
		for _, name := range splitComma(v) {
			out.Del(name)
		}
	}
	for _, name := range hopByHop {
		out.Del(name)
	}
	return out
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			if name := trimSpace(s[start:i]); name != "" {
				out = append(out, name)
			}
			start = i + 1
		}
	}
	return out
}

func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}
