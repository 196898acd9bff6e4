// Command send is `go run ./scripts/bench send`, kept for the old invocation:
// see scripts/bench (go run ./scripts/bench -h) for the measures and flags.
package main

import (
	"os"

	"github.com/smshook/smshook/scripts/bench/internal/bench"
)

func main() { os.Exit(bench.Main(append(os.Args[1:], "send"))) }
