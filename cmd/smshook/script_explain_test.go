package main

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"

	"github.com/rogpeppe/go-internal/testscript"
)

// explainScriptCmds are custom testscript commands for the scripts about
// explaining a failed signature:
//
//	fakeproxy [-noproto] TARGET PUBLIC NAME
//	    starts, on 127.0.0.1:0, a reverse proxy to TARGET (listen) that
//	    plays a tunnel ending TLS for PUBLIC (https://host): it forwards the
//	    exact bytes with X-Forwarded-Proto (unless -noproto) and
//	    X-Forwarded-Host set from PUBLIC, and sets $NAME to its URL; closed
//	    at the end of the script
func explainScriptCmds() map[string]scriptCmd {
	return map[string]scriptCmd{
		"fakeproxy": cmdFakeProxy,
	}
}

func cmdFakeProxy(ts *testscript.TestScript, neg bool, args []string) {
	proto := true
	if len(args) > 0 && args[0] == "-noproto" {
		proto, args = false, args[1:]
	}
	if neg || len(args) != 3 {
		ts.Fatalf("usage: fakeproxy [-noproto] TARGET PUBLIC NAME")
	}
	target, err := url.Parse(args[0])
	ts.Check(err)
	public, err := url.Parse(args[1])
	ts.Check(err)
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		r.Out.Host = target.Host
		if proto {
			r.Out.Header.Set("X-Forwarded-Proto", public.Scheme)
		}
		r.Out.Header.Set("X-Forwarded-Host", public.Host)
	}}
	srv := httptest.NewServer(http.Handler(proxy))
	ts.Defer(srv.Close)
	ts.Setenv(args[2], srv.URL)
}
