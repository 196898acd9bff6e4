package capture

import "fmt"

// HeldError says another process holds the capture file's advisory lock:
// another listener appends to the same file, and the records of both
// interleave in it.
type HeldError struct {
	Path string
	PID  int // 0 when the holder could not be found
}

func (e *HeldError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("process %d is writing to %s too", e.PID, e.Path)
	}
	return fmt.Sprintf("another process is writing to %s too", e.Path)
}

// Lock takes an advisory lock on the file for as long as the Writer is
// open, so that a second writer can tell it is not alone. It returns a
// *HeldError when another process holds the lock (the Writer still works:
// appends stay whole lines), nil when this Writer holds it or the system
// has no such lock. Only writers lock: readers (replay, tail -f) never wait.
func (w *Writer) Lock() error {
	held, pid, err := tryLock(w.f)
	if err != nil || !held {
		return err
	}
	return &HeldError{Path: w.path, PID: pid}
}
