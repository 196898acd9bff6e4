package capture

import (
	"os"
	"syscall"
)

// syncData flushes the file's data and the metadata needed to read it back
// (its size), skipping the timestamps fsync would also write.
func syncData(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			return err
		}
	}
}
