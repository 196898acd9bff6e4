//go:build unix

package listen

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/smshook/smshook/pkg/cmdutil"
)

func TestRunRefusesAFIFO(t *testing.T) {
	f, _, _ := testFactory(t, nil, "")
	fifo := filepath.Join(t.TempDir(), "fifo.jsonl")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	o := &ListenOptions{IO: f.IOStreams, Config: f.Config, Registry: f.Registry, Getenv: f.Getenv,
		Host: "127.0.0.1", MaxBody: 1 << 20, CapturePath: fifo}
	err := listenRun(o) // blocked forever before the fix
	if cmdutil.ExitCode(err) != 2 || !strings.Contains(err.Error(), "cannot open capture file "+fifo+": is a named pipe (FIFO), not a regular file: pass --capture FILE or --no-capture") {
		t.Errorf("FIFO: %v (exit %d)", err, cmdutil.ExitCode(err))
	}
}
