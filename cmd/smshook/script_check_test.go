package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// checkScriptCmds are custom testscript commands for the check scripts:
//
//	checkhandler MODE SECRET NAME
//	    starts a Dexatel webhook handler on 127.0.0.1:0 in the test process
//	    and sets $NAME to its URL. It checks X-Dexatel-Signature, the
//	    HMAC-SHA256 of the body with SECRET (base64 or hex), computed here
//	    with crypto/hmac, answers 401 when it does not match and 200 when it
//	    does. MODE is how it goes about it:
//	      correct      over the raw body bytes, as they came;
//	      noverify     not at all: every request gets 200;
//	      reserialize  over the body parsed and written again (keys in
//	                   order, 4-space indents, strings re-encoded), as a
//	                   handler that signs what its framework hands it does.
//	    Closed at the end of the script.
func checkScriptCmds() map[string]scriptCmd {
	return map[string]scriptCmd{"checkhandler": cmdCheckHandler}
}

func cmdCheckHandler(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: checkhandler correct|noverify|reserialize SECRET NAME")
	}
	mode, secret, name := args[0], args[1], args[2]
	switch mode {
	case "correct", "noverify", "reserialize":
	default:
		ts.Fatalf("checkhandler: unknown mode %q", mode)
	}
	srv := httptest.NewServer(checkHandler(mode, []byte(secret)))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.Defer(srv.Close)
	ts.Setenv(name, srv.URL)
}

func checkHandler(mode string, secret []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil || r.Method != http.MethodPost {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		signed := body
		switch mode {
		case "noverify":
			w.WriteHeader(http.StatusOK)
			return
		case "reserialize":
			if signed, err = reserialize(body); err != nil {
				http.Error(w, "not JSON", http.StatusBadRequest)
				return
			}
		}
		mac := hmac.New(sha256.New, secret)
		mac.Write(signed)
		sum := mac.Sum(nil)
		got := r.Header.Get("X-Dexatel-Signature")
		if hmac.Equal([]byte(got), []byte(base64.StdEncoding.EncodeToString(sum))) ||
			hmac.Equal([]byte(strings.ToLower(got)), []byte(hex.EncodeToString(sum))) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"ok":true}`)
			return
		}
		http.Error(w, "invalid signature", http.StatusUnauthorized)
	})
}

// reserialize parses JSON and writes it again in one style: what a
// handler verifying its framework's re-encoded body signs.
func reserialize(body []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var compact bytes.Buffer
	if err := copyValue(dec, &compact); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, compact.Bytes(), "", "    "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// copyValue writes the next JSON value compactly, object keys in order,
// strings re-encoded (raw UTF-8, "/" unescaped).
func copyValue(dec *json.Decoder, w *bytes.Buffer) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		w.WriteRune(rune(t))
		for i := 0; dec.More(); i++ {
			if i > 0 {
				w.WriteByte(',')
			}
			if t == '{' {
				key, err := dec.Token()
				if err != nil {
					return err
				}
				writeString(w, key.(string))
				w.WriteByte(':')
			}
			if err := copyValue(dec, w); err != nil {
				return err
			}
		}
		end, err := dec.Token()
		if err != nil {
			return err
		}
		w.WriteRune(rune(end.(json.Delim)))
	case string:
		writeString(w, t)
	case json.Number:
		w.WriteString(t.String())
	case bool:
		if t {
			w.WriteString("true")
		} else {
			w.WriteString("false")
		}
	case nil:
		w.WriteString("null")
	default:
		return errors.New("unexpected JSON token")
	}
	return nil
}

func writeString(w *bytes.Buffer, s string) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	w.Truncate(w.Len() - 1) // Encode's newline
}
