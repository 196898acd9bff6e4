//go:build unix

package capture

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// openRegular opens path for appending, creating it 0600, without blocking
// on a named pipe and without following a symbolic link, and refuses
// anything but a regular file.
func openRegular(path string) (f *os.File, created bool, err error) {
	_, statErr := os.Lstat(path)
	created = errors.Is(statErr, fs.ErrNotExist)
	// O_NONBLOCK: opening a FIFO to write would wait for a reader (and
	// signals with it). O_NOFOLLOW: the capture's own path or nothing.
	f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o600)
	if err != nil {
		if info, lerr := os.Lstat(path); lerr == nil && !info.Mode().IsRegular() {
			return nil, false, notRegular(path, info.Mode()) // ELOOP, ENXIO, EISDIR… said plainly
		}
		return nil, false, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, false, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, false, notRegular(path, info.Mode())
	}
	// Writes to a regular file never return EAGAIN, but say what we mean.
	rc, err := f.SyscallConn()
	if err == nil {
		cerr := rc.Control(func(fd uintptr) { err = syscall.SetNonblock(int(fd), false) })
		if cerr != nil {
			err = cerr
		}
	}
	if err != nil {
		f.Close()
		return nil, false, err
	}
	return f, created, nil
}

// makePrivate makes a file others may read or write 0600, and returns the
// mode it had (0 when it was private already).
func makePrivate(f *os.File, mode fs.FileMode) (fs.FileMode, error) {
	if mode.Perm()&0o077 == 0 {
		return 0, nil
	}
	if err := f.Chmod(0o600); err != nil {
		return 0, err
	}
	return mode.Perm(), nil
}
