package cmdutil

import (
	"net"
	"net/url"

	"github.com/smshook/smshook/pkg/client"
)

// refusedHint follows a refused connection: nothing listens at the
// address, and on this machine the usual reason is that no listener was
// started yet.
func refusedHint(kind, target string) string {
	if kind != client.ErrRefused {
		return ""
	}
	u, err := url.Parse(target)
	if err != nil || !isLoopback(u.Hostname()) {
		return ": nothing listens there; check the host and port"
	}
	return ": nothing listens there; start 'smshook listen' (or your app) in another terminal"
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
