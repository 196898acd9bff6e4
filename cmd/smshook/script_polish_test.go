package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"path/filepath"

	"github.com/rogpeppe/go-internal/testscript"
)

// polishScriptCmds are custom testscript commands for the polish scripts:
//
//	reporoot VAR
//	    sets $VAR to the repository's root, for `cmp stdout
//	    $REPO/completions/smshook.zsh`
//	validjson [-lines] FILE
//	    FILE (stdout, stderr, or a file) is one JSON value, or with -lines
//	    one JSON value per line, with no terminal escape codes in it
func polishScriptCmds() map[string]scriptCmd {
	return map[string]scriptCmd{
		"reporoot":  cmdRepoRoot,
		"validjson": cmdValidJSON,
	}
}

// repoRoot is the repository's root as seen from this package's directory,
// where go test runs the scripts' test process.
var repoRoot = filepath.Join("..", "..")

func cmdRepoRoot(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: reporoot VAR")
	}
	root, err := filepath.Abs(repoRoot)
	ts.Check(err)
	ts.Setenv(args[0], root)
}

func cmdValidJSON(ts *testscript.TestScript, neg bool, args []string) {
	lines := len(args) == 2 && args[0] == "-lines"
	if neg || !(len(args) == 1 || lines) {
		ts.Fatalf("usage: validjson [-lines] FILE")
	}
	name := args[len(args)-1]
	data := []byte(ts.ReadFile(name)) // stdout, stderr, or a file
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
