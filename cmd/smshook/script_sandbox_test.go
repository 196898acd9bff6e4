package main

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// sandboxScriptCmds are custom testscript commands for the sandbox scripts:
//
//	httpdo METHOD URL [-u USER:PASS] [NAME=VALUE ...]
//	    sends a request as curl -u … --data-urlencode NAME=VALUE would (a
//	    form body when fields are given) and prints "status CODE" and the
//	    reply body on stdout
func sandboxScriptCmds() map[string]scriptCmd {
	return map[string]scriptCmd{"httpdo": cmdHTTPDo}
}

func cmdHTTPDo(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: httpdo METHOD URL [-u USER:PASS] [-H NAME:VALUE ...] [NAME=VALUE ...]")
	}
	method, target, rest := args[0], args[1], args[2:]
	var user, pass string
	header := http.Header{}
	for len(rest) >= 2 && (rest[0] == "-u" || rest[0] == "-H") {
		if rest[0] == "-u" {
			user, pass, _ = strings.Cut(rest[1], ":")
		} else {
			name, value, _ := strings.Cut(rest[1], ":")
			header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
		}
		rest = rest[2:]
	}
	form := url.Values{}
	for _, f := range rest {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			ts.Fatalf("field %q is not NAME=VALUE", f)
		}
		form.Add(k, v)
	}
	var body io.Reader
	if len(form) > 0 {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	ts.Check(err)
	if len(form) > 0 {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	ts.Check(err)
	ts.Stdout().Write([]byte("status " + resp.Status[:3] + "\n"))
	ts.Stdout().Write(b)
}
