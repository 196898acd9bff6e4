package listen

import (
	"errors"
	"fmt"

	"github.com/smshook/smshook/pkg/capture"
)

// sharedCapture is the warning when another process holds the capture
// file's lock (two listeners in one folder), else "". A lock that could
// not be taken for another reason is no news to the user: the lock only
// serves this warning.
func sharedCapture(err error) string {
	var held *capture.HeldError
	if !errors.As(err, &held) {
		return ""
	}
	who := "another smshook"
	if held.PID > 0 {
		who = fmt.Sprintf("another smshook (pid %d)", held.PID)
	}
	return fmt.Sprintf("%s is writing to %s too: the records of both will interleave; stop it, or give this listener its own file with --capture FILE", who, held.Path)
}
