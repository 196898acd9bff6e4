package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/smshook/smshook/pkg/capture"
)

// dexatelDemoSecret is the listener's built-in Dexatel demo secret
// (public, printed by listen at start).
const dexatelDemoSecret = "smshook-demo-dexatel-secret"

// listenProc is `smshook listen` running as a process of its own.
type listenProc struct {
	url, capture string
	cmd          *exec.Cmd
	stdout       *bytes.Buffer
	stderr       *bytes.Buffer
	done         chan struct{}
}

// startListen starts smshook listen on 127.0.0.1:0 in dir with a capture
// file there, plus args, and waits (10 s at most) for its address.
func startListen(t *testing.T, dir string, env []string, capturePath string, args ...string) *listenProc {
	t.Helper()
	addrFile := filepath.Join(dir, "listen.addr")
	os.Remove(addrFile)
	args = append([]string{"listen", "--port", "0", "--addr-file", addrFile, "--capture", capturePath}, args...)
	p := &listenProc{capture: capturePath, cmd: exec.Command("smshook", args...),
		stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, done: make(chan struct{})}
	p.cmd.Dir, p.cmd.Env = dir, env
	// Buffers written by the process's own pipes: read only after done.
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.kill() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, err := os.ReadFile(addrFile); err == nil && bytes.HasSuffix(b, []byte("\n")) {
			p.url = "http://" + strings.TrimSpace(string(b))
			return p
		}
		select {
		case <-p.done:
			t.Fatalf("smshook listen exited at start:\n%s", p.stderr)
		case <-time.After(10 * time.Millisecond): // bounded poll: the file is the only signal
		}
		if time.Now().After(deadline) {
			t.Fatalf("smshook listen did not start within 10s")
		}
	}
}

// kill ends the process with SIGKILL, as a crash would, and waits for it.
func (p *listenProc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// interrupt stops the process with SIGINT and returns its exit code.
func (p *listenProc) interrupt(t *testing.T) int {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		p.kill()
		t.Fatalf("smshook listen did not stop within 20s of SIGINT:\n%s", p.stderr)
	}
	return p.cmd.ProcessState.ExitCode()
}

// readCapture reads a capture file back: its records, and the line errors
// (torn or invalid lines) the reader reported and skipped.
func readCaptureLines(t *testing.T, path string) ([]*capture.Record, []*capture.LineError) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := capture.NewReader(f)
	var records []*capture.Record
	var bad []*capture.LineError
	for {
		rec, err := r.Next()
		var lineErr *capture.LineError
		switch {
		case errors.Is(err, io.EOF):
			return records, bad
		case errors.As(err, &lineErr):
			bad = append(bad, lineErr)
		case err != nil:
			t.Fatalf("reading %s: %v", path, err)
		default:
			records = append(records, rec)
		}
	}
}
