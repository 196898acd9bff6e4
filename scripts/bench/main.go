// Command bench measures smshook against baselines on loopback and writes
// scripts/bench/BENCHMARKS.md:
//
//	go run ./scripts/bench                 # every measure, about 6 minutes
//	go run ./scripts/bench listen send     # some of them, Markdown on stdout
//	go run ./scripts/bench -quick          # a smoke run
//	go run ./scripts/bench -h              # the measures and their knobs
package main

import (
	"os"

	"github.com/smshook/smshook/scripts/bench/internal/bench"
)

func main() { os.Exit(bench.Main(os.Args[1:])) }
