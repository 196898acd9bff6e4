package main

import (
	"os"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// firstScriptCmds are custom testscript commands for the first-hour scripts:
//
//	waitfile FILE
//	    waits (10 s at most) until FILE exists: a background command or a
//	    sink has got that far
func firstScriptCmds() map[string]scriptCmd {
	return map[string]scriptCmd{
		"waitfile": cmdWaitFile,
	}
}

func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitfile FILE")
	}
	path := ts.MkAbs(args[0])
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s did not appear within 10s", args[0])
		}
		time.Sleep(10 * time.Millisecond) // bounded poll for a file no event announces
	}
}
