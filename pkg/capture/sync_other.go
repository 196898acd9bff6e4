//go:build !linux

package capture

import "os"

// syncData flushes the file to stable storage.
func syncData(f *os.File) error { return f.Sync() }
