package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/rogpeppe/go-internal/testscript"
)

// polishScriptCmds are custom testscript commands for the polish scripts:
//
//	cmprepo FILE REPOFILE
//	    FILE (stdout, stderr, or a file in $WORK) has exactly the bytes of
//	    REPOFILE, a path from the repository's root (completions/smshook.zsh)
//	validjson [-lines] FILE
//	    FILE (stdout, stderr, or a file) is one JSON value, or with -lines
//	    one JSON value per line, with no terminal escape codes in it
func polishScriptCmds() map[string]scriptCmd {
	return map[string]scriptCmd{
		"cmprepo":   cmdCmpRepo,
		"validjson": cmdValidJSON,
	}
}

// repoRoot is the repository's root as seen from this package's directory,
// where go test runs the scripts' test process.
var repoRoot = filepath.Join("..", "..")

// scriptFile reads stdout, stderr, or a file of the script's work dir.
func scriptFile(ts *testscript.TestScript, name string) []byte {
	switch name {
	case "stdout", "stderr":
		return []byte(ts.ReadFile(name))
	}
	b, err := os.ReadFile(ts.MkAbs(name))
	ts.Check(err)
	return b
}

func cmdCmpRepo(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: cmprepo FILE REPOFILE")
	}
	got := scriptFile(ts, args[0])
	want, err := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(args[1])))
	ts.Check(err)
	if !bytes.Equal(got, want) {
		ts.Fatalf("%s differs from %s (%d bytes, want %d): run `go run ./scripts/gendocs` and commit %s",
			args[0], args[1], len(got), len(want), args[1])
	}
}

func cmdValidJSON(ts *testscript.TestScript, neg bool, args []string) {
	lines := len(args) == 2 && args[0] == "-lines"
	if neg || !(len(args) == 1 || lines) {
		ts.Fatalf("usage: validjson [-lines] FILE")
	}
	name := args[len(args)-1]
	data := scriptFile(ts, name)
	if i := bytes.IndexByte(data, 0x1b); i >= 0 {
		ts.Fatalf("%s has a terminal escape code at byte %d: %q", name, i, data[i:min(len(data), i+8)])
	}
	if !lines {
		if !json.Valid(data) {
			ts.Fatalf("%s is not one JSON value:\n%s", name, data)
		}
		return
	}
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		n++
		if !json.Valid(sc.Bytes()) {
			ts.Fatalf("%s line %d is not JSON: %s", name, n, sc.Bytes())
		}
	}
	ts.Check(sc.Err())
	if n == 0 {
		ts.Fatalf("%s holds no JSON lines", name)
	}
}
