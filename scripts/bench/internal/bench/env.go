// Package bench measures smshook against baselines on loopback: the code
// behind `go run ./scripts/bench`. Every process it starts is bounded in
// time, every server listens on 127.0.0.1 port 0, and every load has a
// fixed count or duration.
package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// heyModule is the load generator used when wrk is absent, and the baseline
// for send and replay.
const heyModule = "github.com/rakyll/hey@v0.1.5"

// Env is one benchmark run: the module, a scratch directory, and the
// binaries built for it.
type Env struct {
	Root    string // module root
	Dir     string // scratch directory, removed by Close
	Smshook string // smshook built from Root
	Log     io.Writer
	// Deadline bounds the whole run: no process outlives it.
	Deadline time.Time

	hey string // built on first use
}

// NewEnv makes a fresh scratch directory and builds smshook into it, or
// takes the binary at bin when it is set (to compare two builds).
func NewEnv(log io.Writer, deadline time.Time, bin string) (*Env, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return nil, fmt.Errorf("finding the module root (run from inside the repository): %v", err)
	}
	dir, err := os.MkdirTemp("", "smshook-bench-")
	if err != nil {
		return nil, err
	}
	e := &Env{Root: strings.TrimSpace(string(out)), Dir: dir, Log: log, Deadline: deadline}
	if bin != "" {
		if e.Smshook, err = filepath.Abs(bin); err != nil {
			e.Close()
			return nil, err
		}
		return e, nil
	}
	e.Smshook = filepath.Join(dir, "smshook")
	e.logf("building smshook")
	if err := e.goCmd(nil, "build", "-o", e.Smshook, "./cmd/smshook"); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// Close removes the scratch directory.
func (e *Env) Close() { os.RemoveAll(e.Dir) }

func (e *Env) logf(format string, args ...any) {
	fmt.Fprintf(e.Log, "bench: "+format+"\n", args...)
}

// Path is a file in the scratch directory.
func (e *Env) Path(name string) string { return filepath.Join(e.Dir, name) }

// Hey builds hey once, from the module cache or the module proxy.
func (e *Env) Hey() (string, error) {
	if e.hey != "" {
		return e.hey, nil
	}
	e.logf("building hey (%s)", heyModule)
	bin := filepath.Join(e.Dir, "bin")
	if err := e.goCmd([]string{"GOBIN=" + bin}, "install", heyModule); err != nil {
		return "", err
	}
	e.hey = filepath.Join(bin, "hey")
	return e.hey, nil
}

// Wrk is wrk's path, or "" when it is not installed.
func Wrk() string {
	path, err := exec.LookPath("wrk")
	if err != nil {
		return ""
	}
	return path
}

func (e *Env) goCmd(env []string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = e.Root
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// Proc is a finished process.
type Proc struct {
	Stdout, Stderr []byte
	Wall           time.Duration
	ExitCode       int
	MaxRSSKiB      int64
}

// run runs a process to its end within limit (and the run's deadline). A
// non-zero exit is in ExitCode, not an error; an error means it could not
// run or ran too long.
func (e *Env) run(limit time.Duration, dir, name string, args ...string) (Proc, error) {
	if !e.Deadline.IsZero() {
		limit = min(limit, time.Until(e.Deadline))
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	p := Proc{Stdout: stdout.Bytes(), Stderr: stderr.Bytes(), Wall: time.Since(start)}
	if ctx.Err() != nil {
		return p, fmt.Errorf("%s did not finish within %s", filepath.Base(name), limit)
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return p, fmt.Errorf("%s: %v", filepath.Base(name), err)
	}
	p.ExitCode = cmd.ProcessState.ExitCode()
	p.MaxRSSKiB = maxRSS(cmd.ProcessState)
	return p, nil
}

func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss // KiB on Linux
	}
	return 0
}

// Server is a child process serving HTTP on loopback.
type Server struct {
	URL    string // http://127.0.0.1:PORT
	cmd    *exec.Cmd
	stdout bytes.Buffer
	stderr bytes.Buffer
}

// startServer starts name with args, which must write its host:port to
// addrFile, and waits for it (10 s at most). Its stdout is kept only with
// keepStdout: a line per request would cost the bench process time to read.
func startServer(env []string, addrFile string, keepStdout bool, name string, args ...string) (*Server, error) {
	s := &Server{cmd: exec.Command(name, args...)}
	s.cmd.Env = append(os.Environ(), env...)
	s.cmd.Stderr = &s.stderr
	if keepStdout {
		s.cmd.Stdout = &s.stdout
	}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(addrFile); err == nil && bytes.HasSuffix(b, []byte("\n")) {
			s.URL = "http://" + strings.TrimSpace(string(b))
			return s, nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
	return nil, fmt.Errorf("%s did not start within 10s:\n%s", filepath.Base(name), s.stderr.String())
}

// Wait waits for the server to exit by itself (within limit, then it is
// stopped) and returns how it ended.
func (s *Server) Wait(limit time.Duration) Proc {
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(limit):
		s.cmd.Process.Kill()
		<-done
	}
	return Proc{Stdout: s.stdout.Bytes(), Stderr: s.stderr.Bytes(),
		ExitCode: s.cmd.ProcessState.ExitCode(), MaxRSSKiB: maxRSS(s.cmd.ProcessState)}
}

// Stop interrupts the server (SIGINT, then SIGKILL after 20 s) and returns
// how it ended.
func (s *Server) Stop() Proc {
	s.cmd.Process.Signal(syscall.SIGINT)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
	return Proc{Stdout: s.stdout.Bytes(), Stderr: s.stderr.Bytes(),
		ExitCode: s.cmd.ProcessState.ExitCode(), MaxRSSKiB: maxRSS(s.cmd.ProcessState)}
}
