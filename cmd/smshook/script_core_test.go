package main

import (
	"errors"
	"os/exec"
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"
)

// coreScriptCmds are custom testscript commands for the core scripts.
func coreScriptCmds() map[string]scriptCmd {
	return map[string]scriptCmd{
		"exitcode": cmdExitcode,
	}
}

// cmdExitcode is `exitcode N program [args...]`: it runs program as exec
// does (stdin, stdout and stderr work the same) and fails unless the exit
// status is exactly N, which `exec` and `! exec` cannot tell apart.
func cmdExitcode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exitcode: %q is not a number", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			ts.Fatalf("exitcode: %v", err)
		}
		got = exit.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}
