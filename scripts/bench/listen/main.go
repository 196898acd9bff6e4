// Command listen is `go run ./scripts/bench listen`, kept for the old
// invocation and its flags (-d, -c, -threads, -tool, -bin): see
// scripts/bench (go run ./scripts/bench -h) for the measures and flags.
package main

import (
	"os"
	"strings"

	"github.com/smshook/smshook/scripts/bench/internal/bench"
)

func main() {
	renamed := map[string]string{"d": "listen-d", "c": "listen-c", "threads": "listen-threads", "tool": "listen-tool"}
	var args []string
	for _, a := range os.Args[1:] {
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if to, ok := renamed[name]; ok && strings.HasPrefix(a, "-") {
			a = "-" + to
			if hasValue {
				a += "=" + value
			}
		}
		args = append(args, a)
	}
	os.Exit(bench.Main(append(args, "listen")))
}
