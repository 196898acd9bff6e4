package listen

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/cmdutil"
	"github.com/smshook/smshook/pkg/server"
)

func TestMaxInflightFlag(t *testing.T) {
	o, err := parse(t, "--max-inflight", "8MiB", "--max-body", "2MiB")
	if err != nil || o.MaxInflight != 8<<20 {
		t.Fatalf("--max-inflight 8MiB: %+v, %v", o, err)
	}
	if o, _ = parse(t); o.MaxInflight != 0 {
		t.Errorf("default MaxInflight = %d, want 0 (the server's default)", o.MaxInflight)
	}
	for args, want := range map[string]string{
		"--max-inflight 1MiB --max-body 2MiB": "--max-inflight 1MiB is below --max-body 2 MiB",
		"--max-inflight lots":                 "--max-inflight: \"lots\" is not a size",
	} {
		_, err := parse(t, strings.Fields(args)...)
		if err == nil || !strings.Contains(err.Error(), want) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%s: %v, want exit 2 saying %q", args, err, want)
		}
	}
}

func TestRunTightensALooseCaptureFile(t *testing.T) {
	f, _, errOut := testFactory(t, nil, "")
	path := filepath.Join(t.TempDir(), "loose.jsonl")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	_, done := running(t, f, ctx, func(o *ListenOptions) { o.CapturePath = path })
	cancel()
	<-done
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("mode after listen: %v %v, want 0600", info.Mode(), err)
	}
	if want := "warning: " + path + " was mode 0644, readable by others: made it 0600"; !strings.Contains(errOut.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, errOut)
	}
}

// A capture file that fails is told once, and so is its recovery; each
// failed request is still counted, and its line says 500.
func TestCaptureFailureIsToldOnce(t *testing.T) {
	f, _, errOut := testFactory(t, nil, "")
	o := &ListenOptions{IO: f.IOStreams, CapturePath: "c.jsonl", Output: "text"}
	p := newPrinter(o, nil)
	failure := &capture.CommitError{Path: "c.jsonl", Op: "write", Err: syscall.ENOSPC}
	p.captureState(failure)
	for range 3 {
		rec := &capture.Record{ID: "x", Reply: capture.Reply{Status: 500}}
		rec.SetBody(nil)
		p.event(&server.Event{Record: rec, CaptureErr: failure})
	}
	p.captureState(nil)
	rec := &capture.Record{ID: "y", Reply: capture.Reply{Status: 500}}
	rec.SetBody(nil)
	p.event(&server.Event{Record: rec, CaptureErr: errors.New("encode capture record: bad")})
	p.stop()
	got := errOut.String()
	if n := strings.Count(got, "no space left on device"); n != 1 {
		t.Errorf("the failure is told %d times, want once:\n%s", n, got)
	}
	for _, want := range []string{
		"warning: capture file c.jsonl: write failed: no space left on device (not stored; the next record is tried again): requests are answered 500",
		"warning: capture file c.jsonl is written again",
		"smshook: capture failed: encode capture record: bad", // not a commit: told with its request
	} {
		if !strings.Contains(got, want) {
			t.Errorf("stderr lacks %q:\n%s", want, got)
		}
	}
	if p.captureFailed != 4 {
		t.Errorf("captureFailed = %d, want 4", p.captureFailed)
	}
}

func TestLimitHeap(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	noEnv := func(string) string { return "" }
	restore := limitHeap(noEnv, 8<<20)
	if got := debug.SetMemoryLimit(-1); got != heapPerBodyByte*8<<20+64<<20 {
		t.Errorf("memory limit = %d", got)
	}
	restore()
	if got := debug.SetMemoryLimit(-1); got != old {
		t.Errorf("memory limit after = %d, want %d", got, old)
	}
	limitHeap(func(k string) string { return map[string]string{"GOMEMLIMIT": "1GiB"}[k] }, 8<<20)()
	if got := debug.SetMemoryLimit(-1); got != old {
		t.Errorf("GOMEMLIMIT set: memory limit changed to %d", got)
	}
}
