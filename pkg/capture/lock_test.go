package capture

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestLockSaysAnotherWriterHoldsTheFile(t *testing.T) {
	switch runtime.GOOS {
	case "linux", "darwin", "freebsd", "netbsd", "openbsd", "dragonfly":
	default:
		t.Skip("no flock here")
	}
	path := filepath.Join(t.TempDir(), "cap.jsonl")
	first, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Lock(); err != nil {
		t.Fatalf("first writer: %v", err)
	}
	second, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	var held *HeldError
	if err := second.Lock(); !errors.As(err, &held) || held.Path != path {
		t.Fatalf("second writer: %v, want a HeldError for %s", err, path)
	}
	if runtime.GOOS == "linux" && held.PID != os.Getpid() {
		t.Errorf("holder pid %d, want %d (this process, through /proc/locks)", held.PID, os.Getpid())
	}
	// Closing the first writer lets the next one take the lock.
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	third, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	if err := third.Lock(); err != nil {
		t.Errorf("after the first closed: %v", err)
	}
}
