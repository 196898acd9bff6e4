package cmdutil

import (
	"errors"
	"net"
	"os"
)

// ListenError is the cause of a failed net.Listen ("address already in
// use"), without the operation and address the caller prints anyway.
func ListenError(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		var se *os.SyscallError
		if errors.As(oe.Err, &se) {
			return se.Err
		}
		return oe.Err
	}
	return err
}
