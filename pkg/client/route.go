package client

import (
	"net/url"
	"strings"
)

// KeepRoute is where a request goes when it is sent on to target: when
// target names only a host ("http://host:port", or with a bare "/", and no
// query), that host with the path and query of ref, a full URL or a request
// URI ("/dexatel/delivery?x=1"), escapes untouched; ok is then true.
// Otherwise target as given. Replay (--to) and the listener's forward
// (--forward-to) share it, so that a mixed capture or a listener serving
// several providers reaches the same routes of the app.
func KeepRoute(target, ref string) (u string, ok bool) {
	t, err := url.Parse(target)
	if err != nil || (t.Path != "" && t.Path != "/") || t.RawQuery != "" || t.Opaque != "" {
		return target, false
	}
	var r *url.URL
	if strings.HasPrefix(ref, "/") {
		r, err = url.ParseRequestURI(ref) // "//x" is a path here, not a host
	} else {
		r, err = url.Parse(ref)
	}
	if err != nil {
		return target, false
	}
	t.Path, t.RawPath, t.RawQuery = r.Path, r.RawPath, r.RawQuery
	return t.String(), true
}
