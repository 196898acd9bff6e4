package main

import (
	"os"
	"runtime/pprof"
	"time"
	"context"

	"github.com/smshook/smshook/pkg/cmd/root"
	"github.com/smshook/smshook/pkg/iostreams"
)

func main() {
	f, _ := os.Create(os.Args[1])
	pprof.StartCPUProfile(f)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
	defer cancel()
	_ = ctx
	go func() { time.Sleep(7 * time.Second); pprof.StopCPUProfile(); f.Close(); os.Exit(0) }()
	os.Exit(root.Run(os.Args[2:], iostreams.System(os.Getenv), os.Getenv))
}
