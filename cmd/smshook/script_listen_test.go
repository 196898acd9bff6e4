package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// listenScriptCmds are custom testscript commands for the listen scripts:
//
//	listenaddr FILE VAR
//	    waits (10 s at most) until `smshook listen --addr-file FILE` has
//	    written the bound address, and sets $VAR to http://ADDRESS
//	httppost URL FILE [Name:value ...]
//	    POSTs the exact bytes of FILE with the headers given and prints
//	    "status CODE" and the reply body on stdout
//	hmac256 SECRET FILE VAR
//	    sets $VAR to base64 HMAC-SHA256(SECRET, FILE), computed here with
//	    crypto/hmac, independently of smshook
//	fakeapp [-status CODE] NAME
//	    starts an app on 127.0.0.1:0 that answers CODE (default 202) with
//	    "app got it", sets $NAME to its URL, and stores request N as
//	    $WORK/NAME-N.body (exact bytes) and $WORK/NAME-N.head (sorted
//	    "Name: value" lines); closed at the end of the script
func listenScriptCmds() map[string]scriptCmd {
	return map[string]scriptCmd{
		"listenaddr": cmdListenAddr,
		"httppost":   cmdHTTPPost,
		"hmac256":    cmdHMAC256,
		"fakeapp":    cmdFakeApp,
	}
}

func cmdListenAddr(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: listenaddr FILE VAR")
	}
	path := ts.MkAbs(args[0])
	deadline := time.Now().Add(10 * time.Second)
	for {
		// listen writes the file whole (a rename), so any content is complete.
		if b, err := os.ReadFile(path); err == nil && bytes.HasSuffix(b, []byte("\n")) {
			ts.Setenv(args[1], "http://"+strings.TrimSpace(string(b)))
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("listen did not write %s within 10s", args[0])
		}
		time.Sleep(10 * time.Millisecond) // bounded poll for a file no event announces
	}
}

func cmdHTTPPost(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: httppost URL FILE [Name:value ...]")
	}
	body, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	req, err := http.NewRequest("POST", args[0], bytes.NewReader(body))
	ts.Check(err)
	for _, h := range args[2:] {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			ts.Fatalf("header %q is not Name:value", h)
		}
		req.Header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		if neg {
			return
		}
		ts.Fatalf("POST %s: %v", args[0], err)
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(resp.Body)
	fmt.Fprintf(ts.Stdout(), "status %d\n%s\n", resp.StatusCode, reply)
	if neg {
		ts.Fatalf("unsupported: ! httppost with a reply")
	}
}

func cmdHMAC256(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: hmac256 SECRET FILE VAR")
	}
	body, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	m := hmac.New(sha256.New, []byte(args[0]))
	m.Write(body)
	ts.Setenv(args[2], base64.StdEncoding.EncodeToString(m.Sum(nil)))
}

func cmdFakeApp(ts *testscript.TestScript, neg bool, args []string) {
	status := 202
	if len(args) == 3 && args[0] == "-status" {
		fmt.Sscan(args[1], &status)
		args = args[2:]
	}
	if neg || len(args) != 1 {
		ts.Fatalf("usage: fakeapp [-status CODE] NAME")
	}
	name := args[0]
	var hits atomic.Int64
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		body, _ := io.ReadAll(r.Body)
		var head []string
		for k, vs := range r.Header {
			for _, v := range vs {
				head = append(head, k+": "+v)
			}
		}
		sort.Strings(head)
		base := ts.MkAbs(fmt.Sprintf("%s-%d", name, n))
		os.WriteFile(base+".body", body, 0o644)
		os.WriteFile(base+".head", []byte(r.Method+" "+r.RequestURI+"\n"+strings.Join(head, "\n")+"\n"), 0o644)
		w.Header().Set("X-Fake-App", "yes")
		w.WriteHeader(status)
		io.WriteString(w, "app got it")
	}))
	ts.Defer(app.Close)
	ts.Setenv(name, app.URL)
}
