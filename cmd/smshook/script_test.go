package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/smshook/smshook/pkg/cmd/root"
)

// TestMain lets testscript run this test binary as the smshook command.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"smshook": func() { os.Exit(root.Main()) },
	})
}

// scriptCmd is a custom testscript command.
type scriptCmd = func(ts *testscript.TestScript, neg bool, args []string)

// TestScript runs testdata/script/*.txtar: what a user types, end to end.
func TestScript(t *testing.T) {
	cmds := map[string]scriptCmd{}
	for _, more := range []map[string]scriptCmd{
		coreScriptCmds(), sendScriptCmds(), listenScriptCmds(), polishScriptCmds(),
		firstScriptCmds(), checkScriptCmds(), explainScriptCmds(), sandboxScriptCmds(),
	} {
		for name, c := range more {
			cmds[name] = c
		}
	}
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("..", "..", "testdata", "script"),
		Cmds:                cmds,
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			// A fresh home per script: no user config leaks in, none leaks out.
			env.Setenv("HOME", env.WorkDir)
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, ".config"))
			// Race-enabled binaries sleep a second at exit by default; each
			// script runs smshook many times.
			env.Setenv("GORACE", "atexit_sleep_ms=0")
			return nil
		},
	})
}
