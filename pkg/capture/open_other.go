//go:build !unix

package capture

import (
	"errors"
	"io/fs"
	"os"
)

// openRegular opens path for appending, creating it, and refuses anything
// but a regular file (checked before opening, then on the open file).
func openRegular(path string) (f *os.File, created bool, err error) {
	info, statErr := os.Lstat(path)
	created = errors.Is(statErr, fs.ErrNotExist)
	if statErr == nil && !info.Mode().IsRegular() {
		return nil, false, notRegular(path, info.Mode())
	}
	f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, false, err
	}
	if info, err = f.Stat(); err != nil || !info.Mode().IsRegular() {
		f.Close()
		if err == nil {
			err = notRegular(path, info.Mode())
		}
		return nil, false, err
	}
	return f, created, nil
}

// makePrivate does nothing where permissions are not Unix modes.
func makePrivate(*os.File, fs.FileMode) (fs.FileMode, error) { return 0, nil }
