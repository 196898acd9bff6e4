package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/tidwall/gjson"
)

// sendScriptCmds are custom testscript commands for the send scripts:
//
//	sink [-status CODE] [-fail N] [-handshake MODE] [-tls] [-closed] [-delay D] NAME
//	    starts an HTTP endpoint on 127.0.0.1:0 in the test process, sets $NAME
//	    to its URL, and records request N as $WORK/NAME/N.body (the exact
//	    bytes) and $WORK/NAME/N.head ("METHOD URI", then "Name: value" lines,
//	    sorted). It answers CODE (default 200); -fail N answers 500 to the
//	    first N requests; -handshake good|no-challenge|wrong-key|not-json
//	    answers MOBtexting's validation handshake; -tls serves a self-signed
//	    certificate; -closed gives a URL where nothing listens; -delay D
//	    answers after D (a slow handler). Closed at the end of the script.
//	sinkcheck NAME count N
//	sinkcheck NAME hmac-sha256 HEADER SECRET [base64|hex]
//	    every request's HEADER is the HMAC-SHA256 of its body, computed here
//	    with crypto/hmac (not smshook's signing package)
//	sinkcheck NAME distinct PATH
//	    the gjson PATH holds a non-empty value that differs in every body
//	sinkcheck NAME header 'Name: value'
//	    every request carries the header with exactly that value
func sendScriptCmds() map[string]scriptCmd {
	return map[string]scriptCmd{
		"sink":      cmdSink,
		"sinkcheck": cmdSinkCheck,
	}
}

func cmdSink(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! sink")
	}
	fs := flag.NewFlagSet("sink", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	status := fs.Int("status", 200, "status to answer")
	fail := fs.Int("fail", 0, "answer 500 to the first N requests")
	handshake := fs.String("handshake", "", "answer the handshake: good, no-challenge, wrong-key, not-json")
	useTLS := fs.Bool("tls", false, "serve TLS with a self-signed certificate")
	closed := fs.Bool("closed", false, "a URL where nothing listens")
	delay := fs.Duration("delay", 0, "wait this long before answering (ends early when the client goes away)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		ts.Fatalf("usage: sink [-status CODE] [-fail N] [-handshake MODE] [-tls] [-closed] NAME (%v)", err)
	}
	name := fs.Arg(0)
	if *closed {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		ts.Check(err)
		ts.Setenv(name, "http://"+l.Addr().String())
		l.Close()
		return
	}
	dir := ts.MkAbs(name)
	ts.Check(os.MkdirAll(dir, 0o755))
	var hits atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		body, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var head strings.Builder
		fmt.Fprintf(&head, "%s %s\n", r.Method, r.RequestURI)
		names := make([]string, 0, len(r.Header))
		for k := range r.Header {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			for _, v := range r.Header[k] {
				fmt.Fprintf(&head, "%s: %s\n", k, v)
			}
		}
		base := filepath.Join(dir, strconv.FormatInt(n, 10))
		if os.WriteFile(base+".body", body, 0o644) != nil || os.WriteFile(base+".head", []byte(head.String()), 0o644) != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		if *handshake != "" {
			answerHandshake(w, r, body, *handshake)
			return
		}
		if *delay > 0 {
			select {
			case <-time.After(*delay):
			case <-r.Context().Done():
				return
			}
		}
		if n <= int64(*fail) {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(*status)
		fmt.Fprintf(w, `{"received":%d}`, n)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused TLS handshakes are expected
	if *useTLS {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	ts.Defer(srv.Close)
	ts.Setenv(name, srv.URL)
}

func answerHandshake(w http.ResponseWriter, r *http.Request, body []byte, mode string) {
	key := r.URL.Query().Get("token")
	challenge := gjson.GetBytes(body, "challenge").String()
	reply := map[string]string{"validation_key": key, "challenge": challenge}
	switch mode {
	case "no-challenge":
		delete(reply, "challenge")
	case "wrong-key":
		reply["validation_key"] = "not-" + key
	case "not-json":
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<html><body>OK</body></html>")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(reply)
}

// recorded is one request the sink saved.
type recorded struct {
	n    int
	head []string
	body []byte
}

func (r recorded) header(name string) []string {
	var values []string
	for _, line := range r.head[1:] {
		k, v, _ := strings.Cut(line, ": ")
		if strings.EqualFold(k, name) {
			values = append(values, v)
		}
	}
	return values
}

func readSink(ts *testscript.TestScript, name string) []recorded {
	dir := ts.MkAbs(name)
	var out []recorded
	for n := 1; ; n++ {
		base := filepath.Join(dir, strconv.Itoa(n))
		body, err := os.ReadFile(base + ".body")
		if errors.Is(err, os.ErrNotExist) {
			return out
		}
		ts.Check(err)
		head, err := os.ReadFile(base + ".head")
		ts.Check(err)
		out = append(out, recorded{n, strings.Split(strings.TrimSuffix(string(head), "\n"), "\n"), body})
	}
}

func cmdSinkCheck(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: sinkcheck NAME count N | hmac-sha256 HEADER SECRET [base64|hex] | distinct PATH | header 'Name: value'")
	}
	reqs := readSink(ts, args[0])
	err := sinkCheck(reqs, args[1], args[2:])
	switch {
	case err != nil && !neg:
		ts.Fatalf("sinkcheck %s: %v", strings.Join(args, " "), err)
	case err == nil && neg:
		ts.Fatalf("sinkcheck %s passed, want it to fail", strings.Join(args, " "))
	}
}

func sinkCheck(reqs []recorded, check string, args []string) error {
	switch check {
	case "count":
		if len(args) != 1 {
			return errors.New("usage: count N")
		}
		if want, _ := strconv.Atoi(args[0]); len(reqs) != want {
			return fmt.Errorf("%d requests, want %d", len(reqs), want)
		}
		return nil
	}
	if len(reqs) == 0 {
		return errors.New("no requests recorded")
	}
	switch check {
	case "hmac-sha256":
		if len(args) < 2 || len(args) > 3 {
			return errors.New("usage: hmac-sha256 HEADER SECRET [base64|hex]")
		}
		for _, r := range reqs {
			m := hmac.New(sha256.New, []byte(args[1]))
			m.Write(r.body)
			want := base64.StdEncoding.EncodeToString(m.Sum(nil))
			if len(args) == 3 && args[2] == "hex" {
				want = hex.EncodeToString(m.Sum(nil))
			}
			if got := r.header(args[0]); len(got) != 1 || got[0] != want {
				return fmt.Errorf("request %d: %s is %q, crypto/hmac says %q", r.n, args[0], got, want)
			}
		}
	case "distinct":
		if len(args) != 1 {
			return errors.New("usage: distinct PATH")
		}
		seen := map[string]int{}
		for _, r := range reqs {
			v := gjson.GetBytes(r.body, args[0]).String()
			if v == "" {
				return fmt.Errorf("request %d has no %s", r.n, args[0])
			}
			if first, dup := seen[v]; dup {
				return fmt.Errorf("requests %d and %d share %s %q", first, r.n, args[0], v)
			}
			seen[v] = r.n
		}
	case "header":
		if len(args) != 1 {
			return errors.New("usage: header 'Name: value'")
		}
		name, value, _ := strings.Cut(args[0], ": ")
		for _, r := range reqs {
			if got := r.header(name); len(got) != 1 || got[0] != value {
				return fmt.Errorf("request %d: %s is %q, want %q", r.n, name, got, value)
			}
		}
	default:
		return fmt.Errorf("unknown check %q", check)
	}
	return nil
}
