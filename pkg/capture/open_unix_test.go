//go:build unix

package capture

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestOpenRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.jsonl")
	if err := os.WriteFile(real, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.jsonl")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(dir, "dangling.jsonl")
	if err := os.Symlink(filepath.Join(dir, "nowhere"), dangling); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.jsonl")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	tests := []struct {
		path, want string
	}{
		{link, "is a symbolic link"},
		{dangling, "is a symbolic link"},
		{fifo, "is a named pipe (FIFO)"},
		{dir, "is a directory"},
		{os.DevNull, "is a device"},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				w, err := Open(tt.path)
				if err == nil {
					w.Close()
				}
				done <- err
			}()
			select {
			case err := <-done:
				var pe *fs.PathError
				if err == nil || !errors.As(err, &pe) || !strings.Contains(pe.Err.Error(), tt.want) {
					t.Fatalf("Open(%s) = %v, want a PathError saying %q", tt.path, err, tt.want)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("Open(%s) blocked", tt.path) // leaks the goroutine: the test fails anyway
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "nowhere")); !errors.Is(err, fs.ErrNotExist) {
		t.Error("Open created the target of a dangling symbolic link")
	}
}

func TestOpenMakesALooseFilePrivate(t *testing.T) {
	dir := t.TempDir()
	for _, mode := range []fs.FileMode{0o644, 0o660, 0o606, 0o600, 0o400} {
		path := filepath.Join(dir, mode.String())
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		w, err := Open(path)
		if mode == 0o400 {
			if err == nil { // root can write a read-only file
				w.Close()
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		w.Close()
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		wantTightened := fs.FileMode(0)
		if mode != 0o600 {
			wantTightened = mode
		}
		if info.Mode().Perm() != 0o600 || w.TightenedMode() != wantTightened {
			t.Errorf("mode %04o: now %04o, TightenedMode %04o; want 0600 and %04o", mode, info.Mode().Perm(), w.TightenedMode(), wantTightened)
		}
	}
	// A new file is created private.
	path := filepath.Join(dir, "new.jsonl")
	w, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 || w.TightenedMode() != 0 {
		t.Errorf("new file mode %04o, TightenedMode %04o", info.Mode().Perm(), w.TightenedMode())
	}
}
