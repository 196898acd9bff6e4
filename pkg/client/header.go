package client

import (
	"net/http"
	"strings"
)

// hopByHop are the headers that describe one connection, not the request
// (RFC 9110 section 7.6.1): they are not passed on in either direction.
var hopByHop = []string{
	"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
	"Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// EndToEnd copies h without hop-by-hop headers, including those that the
// Connection header names. Values are shared with h, never appended to.
func EndToEnd(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for name, values := range h {
		out[name] = values
	}
	for _, c := range h.Values("Connection") {
		for _, name := range strings.Split(c, ",") {
			out.Del(strings.TrimSpace(name))
		}
	}
	for _, name := range hopByHop {
		out.Del(name)
	}
	return out
}

// ResendHeader is EndToEnd for a request sent again to another address:
// Host and Content-Length go too, since the transport sets them for the
// new request.
func ResendHeader(h http.Header) http.Header {
	out := EndToEnd(h)
	out.Del("Host")
	out.Del("Content-Length")
	return out
}
